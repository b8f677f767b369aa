// A dedicated worker that fetches and reports back.
fetch('/api/worker-data').then((r) => r.json()).then((j) => postMessage({ fromWorker: true, request_id: j.request_id }));

// A shared worker that fetches once per connection and reports back.
onconnect = (e) => {
  const port = e.ports[0];
  fetch('/api/shared-worker-data').then((r) => r.json()).then((j) => port.postMessage({ fromSharedWorker: true, request_id: j.request_id }));
};

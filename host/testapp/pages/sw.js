// Reprokit test service worker: caches /sw/cached.txt at install and
// answers it from the cache with an x-served-by header.
const CACHE = 'reprokit-testapp-v1';
self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.add('/sw/cached.txt')).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (e) => { e.waitUntil(self.clients.claim()); });
self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (url.pathname !== '/sw/cached.txt') return;
  e.respondWith(caches.open(CACHE).then(async (c) => {
    const hit = await c.match(e.request);
    if (!hit) return fetch(e.request);
    const body = await hit.text();
    return new Response(body, { headers: { 'Content-Type': 'text/plain; charset=utf-8', 'x-served-by': 'service-worker' } });
  }));
});

// Mealplanner service worker: the app shell and the last shopping list stay available offline.
// Network first for navigations and GET /api/v1/shopping-lists*, falling back to the cache;
// hashed assets are cache first (they never change). Check-offs made offline are queued by the
// page (IndexedDB-free: localStorage holds no tokens, only pending item ids) and replayed on
// "online"; the worker only caches.
const CACHE = "mealplanner-v1";
const SHELL = ["/", "/manifest.webmanifest", "/favicon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request, cacheKey) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(cacheKey ?? request, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(cacheKey ?? request);
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, "/"));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(caches.match(request).then((hit) => hit ?? networkFirst(request)));
  } else if (url.pathname.startsWith("/api/v1/shopping-lists") || url.pathname.startsWith("/api/v1/shared/")) {
    event.respondWith(networkFirst(request));
  }
});

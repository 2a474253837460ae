// Mealplanner service worker: the app shell and the last shopping list stay available offline.
// Network first for navigations and the shopping-list reads, falling back to the cache; hashed
// assets are cache first (they never change). Check-offs made offline are queued by the page
// (localStorage holds item ids and states, never a token) and replayed on "online"; the worker
// only caches. Signing out drops the cached API responses.
const CACHE = "mealplanner-v1";
const SHELL = ["/", "/manifest.webmanifest", "/favicon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      // The entry script and stylesheet were loaded before this worker existed: cache them now.
      const html = await (await cache.match("/")).text();
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      await cache.addAll(assets);
      await self.skipWaiting();
    })(),
  );
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
  } else if (
    url.pathname.startsWith("/api/v1/shopping-lists") ||
    url.pathname.startsWith("/api/v1/shared/") ||
    /^\/api\/v1\/users\/[^/]+\/shopping-lists$/.test(url.pathname)
  ) {
    event.respondWith(networkFirst(request));
  }
});

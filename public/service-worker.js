// The app's service worker: after one visit the app opens and runs with no network.
//
// `cargo xtask dist` writes this file into the build with BUILD (a digest of every file of the
// build) and FILES (their paths, relative to the app's URL) filled in, so that a new build is a
// new service worker. Installing caches every file of the build; every request of the app's
// own origin below its URL is then answered from that cache (an app route is index.html, as a
// host's fallback serves it), and only what the build does not hold goes to the network. A new
// build waits until the page, which offers a reload, says to take over; it then deletes the
// older builds' caches. Nothing is ever requested from another origin.
const BUILD = "__SHELFCAST_BUILD__";
const FILES = __SHELFCAST_FILES__;
const CACHE = `shelfcast-${BUILD}`;
const scope = new URL(self.registration.scope);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES.map((file) => new URL(file, scope).href))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("shelfcast-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

// The page's "reload into the new build".
self.addEventListener("message", (event) => {
  if (event.data === "take-over") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const key = event.request.mode === "navigate" ? new URL("index.html", scope).href : url.href;
      return (await cache.match(key, { ignoreSearch: true })) ?? fetch(event.request);
    })(),
  );
});

// Service worker: the app shell (HTML, JS, CSS, the WASM core, ONNX Runtime Web) in a cache
// named by the build's version, so a new build replaces it whole and old ones are deleted on
// activate. Models are cached by the page's Worker in their own cache, keyed by sha256
// (worker.js), and are passed through here untouched. Images never reach this file.
const VERSION = '__VERSION__';                 // replaced by scripts/build_web.sh
const SHELL_CACHE = `colorize-shell-${VERSION}`;
const SHELL_FILES = __SHELL_FILES__;           // replaced by scripts/build_web.sh
// Heavy files of the shell (ONNX Runtime's .wasm) are cached on first use instead of at install.
const LAZY_PREFIXES = ['ort/'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll(SHELL_FILES.map((f) => new Request(f, {cache: 'reload'})));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('colorize-shell-') && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function scopePath(url) {
  const scope = new URL(self.registration.scope);
  return url.pathname.startsWith(scope.pathname) ? url.pathname.slice(scope.pathname.length) : null;
}

// share_target: the OS hands us images as a POST; keep them for the page and open it.
async function receiveShare(request) {
  const form = await request.formData();
  const cache = await caches.open('colorize-share');
  let i = 0;
  for (const f of form.getAll('images')) {
    if (typeof f === 'string') continue;
    await cache.put(`share/${Date.now()}-${i++}`, new Response(f, {
      headers: {'content-type': f.type || 'application/octet-stream', 'x-name': encodeURIComponent(f.name || 'shared-image')},
    }));
  }
  return Response.redirect('./?shared=1', 303);
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const path = scopePath(url);
  if (path === null) return;
  if (req.method === 'POST' && path === 'share-target') {
    event.respondWith(receiveShare(req));
    return;
  }
  if (req.method !== 'GET' || path.startsWith('models/') && path.endsWith('.onnx')) return;
  event.respondWith((async () => {
    const cache = await caches.open(SHELL_CACHE);
    const key = req.mode === 'navigate' ? 'index.html' : path;
    const hit = await cache.match(key, {ignoreSearch: true});
    if (hit) return hit;
    try {
      const res = await fetch(req);
      if (res.ok && LAZY_PREFIXES.some((p) => path.startsWith(p))) await cache.put(path, res.clone());
      return res;
    } catch (e) {
      if (req.mode === 'navigate') {
        const shell = await cache.match('index.html');
        if (shell) return shell;
      }
      throw e;
    }
  })());
});

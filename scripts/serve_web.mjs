// A small static server for the built app (web/dist): the headers it needs and nothing else.
//   COOP/COEP: cross-origin isolation, so ONNX Runtime Web can use threads (SharedArrayBuffer).
//   CSP: no connection except this origin; WASM compilation allowed; no eval.
// usage: node scripts/serve_web.mjs [dist folder]   (PORT, default 8080; HOST, default 127.0.0.1)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const CSP = [
  "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'",
  "connect-src 'self'", "img-src 'self' blob: data:", "media-src 'self' blob:", "style-src 'self'", "object-src 'none'",
  "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8', '.jpg': 'image/jpeg',
};

// Starts serving `root`; resolves to the http.Server once listening (port 0 = any free port).
export function startServer({root, port = 8080, host = '127.0.0.1', log = null}) {
  root = path.resolve(root);
  const server = http.createServer((req, res) => {
  log?.(req.method, req.url);
  const headers = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    res.writeHead(400, headers).end('bad request');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, headers).end('method not allowed');
    return;
  }
  let file = path.join(root, path.normalize(pathname));
  if (!file.startsWith(root)) { res.writeHead(403, headers).end('forbidden'); return; }
  if (pathname.endsWith('/')) file = path.join(file, 'index.html');
  fs.stat(file, (e, st) => {
    if (e || !st.isFile()) { res.writeHead(404, {...headers, 'Content-Type': 'text/plain'}).end('not found'); return; }
    const type = TYPES[path.extname(file)] || 'application/octet-stream';
    // The service worker and the shell must revalidate; versioned assets may be cached.
    const cache = /\.(wasm|onnx)$/.test(file) ? 'public, max-age=3600' : 'no-cache';
    res.writeHead(200, {...headers, 'Content-Type': type, 'Content-Length': st.size, 'Cache-Control': cache});
    if (req.method === 'HEAD') { res.end(); return; }
    fs.createReadStream(file).pipe(res);
  });
});

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] || process.env.WEB_DIST || path.join(here, '..', 'web', 'dist');
  const port = Number(process.env.PORT || 8080);
  const host = process.env.HOST || '127.0.0.1';
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    console.error(`serve_web: ${root}/index.html not found; run scripts/build_web.sh first`);
    process.exit(1);
  }
  startServer({root, port, host}).then((server) => {
    const shown = host === '0.0.0.0' ? 'localhost' : host;
    console.log(`Colorize web app: http://${shown}:${server.address().port}/  (serving ${path.resolve(root)})`);
  }, (e) => {
    console.error(`serve_web: cannot listen on ${host}:${port}: ${e.message}`);
    process.exit(1);
  });
}

// Benchmark of the browser app (prints figures; asserts nothing). In headless Chromium, on the
// built site (web/dist), with the WASM provider on THREADS threads (default 2):
//   - model load time (download + sha256 + session), first visit and from the model cache
//   - drop-to-result for a 12 MP JPEG: from the drop event to the full-resolution result drawn,
//     median of RUNS (default 3), with the app's per-stage timings
//   - a film: a 1280 x 720 pan of FILM_SECONDS (default 4) recorded by the browser's MediaRecorder,
//     dropped: milliseconds a frame overall and by stage (seek + colorize + encode, sound after),
//     saved as WebM and, where the browser has an H.264 encoder, again as MP4
//   - size of colorize_core.wasm (raw and gzip)
// usage: node scripts/bench_web.mjs   (after scripts/build_web.sh); env THREADS, RUNS, DECODER=core
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {ROOT, DIST, ARTIFACTS, loadCore, startApp, launch} from '../tests/web/lib.mjs';

const THREADS = Number(process.env.THREADS || 2);
const RUNS = Number(process.env.RUNS || 9);
// DECODER=core: decode with the core (stb) instead of the browser's JPEG fast path.
const DECODER = process.env.DECODER ? `&decoder=${process.env.DECODER}` : '';
const W = 4000, H = 3000;

// A 12 MP greyscale JPEG with texture and edges (made by the core's own encoder).
async function makeJpeg(file) {
  if (fs.existsSync(file)) return;
  const core = await loadCore();
  const px = new Uint8Array(W * H * 4);
  let seed = 12345;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const v = 128 + 70 * Math.sin(x / 90) * Math.cos(y / 70) + ((x / 400 | 0) % 2 ? 30 : -30) + (seed >>> 28) - 8;
      const i = (y * W + x) * 4;
      px[i] = px[i + 1] = px[i + 2] = Math.max(0, Math.min(255, v));
      px[i + 3] = 255;
    }
  }
  const img = core.imageFromRgba(px, W, H);
  const jpg = core.encode(img.image, 'jpeg', 90, null);
  fs.writeFileSync(file, jpg.bytes);
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const jpeg = path.join(ARTIFACTS, 'bench-12mp.jpg');
await makeJpeg(jpeg);
const {server, origin} = await startApp();
const {context, close} = await launch();
try {
  const page = await context.newPage();
  await page.goto(`${origin}/?nosw=1&provider=wasm&threads=${THREADS}${DECODER}`);
  await page.waitForFunction(() => window.colorizeApp?.modelSession, null, {timeout: 120000});
  const first = await page.evaluate(() => window.colorizeApp.modelSession);
  await page.reload();
  await page.waitForFunction(() => window.colorizeApp?.modelSession, null, {timeout: 120000});
  const cached = await page.evaluate(() => window.colorizeApp.modelSession);

  const b64 = fs.readFileSync(jpeg).toString('base64');
  await page.evaluate((b) => {
    const bin = Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
    window.__benchFile = new File([bin], 'bench-12mp.jpg', {type: 'image/jpeg'});
  }, b64);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await page.evaluate(async (k) => {
      const dt = new DataTransfer();
      dt.items.add(window.__benchFile);
      const t0 = performance.now();
      window.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
      await new Promise((resolve) => {
        const tick = () => (document.body.dataset.lastDone && Number(document.body.dataset.lastDone) >= k
          ? resolve() : setTimeout(tick, 2));
        tick();
      });
      await new Promise((r2) => requestAnimationFrame(() => r2()));
      const ms = performance.now() - t0;
      const job = window.colorizeApp.jobs.find((j) => j.id === k);
      return {ms, timings: job.timings, w: job.width, h: job.height, provider: job.provider, status: job.status};
    }, i + 1);
    runs.push(r);
  }
  // A film: recorded here (real time), then dropped on the page.
  const filmSeconds = Number(process.env.FILM_SECONDS || 4);
  await page.evaluate(async (seconds) => {
    const c = document.createElement('canvas');
    c.width = 1280; c.height = 720;
    const g = c.getContext('2d');
    const scene = (x) => {
      for (let i = 0; i < 16; i++) {
        g.fillStyle = `rgb(${40 + i * 12},${40 + i * 12},${40 + i * 12})`;
        g.fillRect(((i * 211 - x) % 1600 + 1600) % 1600 - 160, (i * 97) % 600, 180, 140);
      }
    };
    const rec = new MediaRecorder(c.captureStream(25), {mimeType: 'video/webm;codecs=vp8', videoBitsPerSecond: 4e6});
    const parts = [];
    rec.ondataavailable = (e) => parts.push(e.data);
    g.fillStyle = '#777'; g.fillRect(0, 0, 1280, 720); scene(0);
    rec.start();
    await new Promise((resolve) => {
      let i = 0;
      const t = setInterval(() => {
        g.fillStyle = '#777'; g.fillRect(0, 0, 1280, 720); scene(3 * ++i);
        if (i >= seconds * 25) { clearInterval(t); resolve(); }
      }, 40);
    });
    const stopped = new Promise((r) => { rec.onstop = r; });
    rec.stop();
    await stopped;
    window.benchFilm = new File(parts, 'bench-film.webm', {type: 'video/webm'});
  }, filmSeconds);
  const formats = await page.evaluate(async () => (await import('/film.js')).filmContainers());
  const films = [];
  for (const format of formats) films.push(await page.evaluate(async (format) => {
    document.querySelector('#film-format').value = format;
    delete document.body.dataset.filmState;  // (the film before is done)
    const dt = new DataTransfer();
    dt.items.add(window.benchFilm);
    window.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    await new Promise((resolve) => {
      const tick = () => (['done', 'stopped', 'error'].includes(document.body.dataset.filmState) ? resolve() : setTimeout(tick, 20));
      tick();
    });
    const f = window.colorizeApp.film;
    return {format, state: document.body.dataset.filmState, status: document.querySelector('#film-status').textContent,
      frames: f.result?.frames || 0, width: f.result?.width, height: f.result?.height, elapsedMs: f.elapsedMs,
      stageMs: f.stageMs, bytes: f.result?.blob?.size};
  }, format));
  const size = fs.statSync(path.join(DIST, 'colorize_core.wasm')).size;
  const gz = zlib.gzipSync(fs.readFileSync(path.join(DIST, 'colorize_core.wasm')), {level: 9}).length;
  console.log(`machine: ${process.env.BENCH_MACHINE || `${(await import('node:os')).cpus()[0].model}, ${(await import('node:os')).cpus().length} cores`}; Chromium headless; WASM provider, ${THREADS} threads`);
  console.log(`model load (${first.modelId}, ${first.precision}): first visit ${first.loadMs.toFixed(0)} ms (fetch ${first.fetchMs.toFixed(0)} ms), from cache ${cached.loadMs.toFixed(0)} ms`);
  console.log(`drop-to-result, ${runs[0].w}x${runs[0].h} JPEG (${(fs.statSync(jpeg).size / 1e6).toFixed(1)} MB): ` +
    `median ${median(runs.map((r) => r.ms)).toFixed(0)} ms over ${RUNS} runs [${runs.map((r) => r.ms.toFixed(0)).join(', ')}] (goal <= 1000 ms)`);
  runs.forEach((r, i) => console.log(`  run ${i + 1} stages: ${Object.entries(r.timings).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}`));
  for (const film of films) {
    if (film.frames) {
      const per = (ms) => (ms / film.frames).toFixed(1);
      console.log(`film as ${film.format}, ${film.width}x${film.height}, ${film.frames} frames: ${per(film.elapsedMs)} ms a frame overall ` +
        `(${(1000 * film.frames / film.elapsedMs).toFixed(1)} frames/s), ${film.bytes} bytes; worker stages a frame: ` +
        `${Object.entries(film.stageMs).map(([k, v]) => `${k} ${per(v)} ms`).join(', ')}`);
    } else {
      console.log(`film as ${film.format}: ${film.state}: ${film.status}`);
    }
  }
  console.log(`colorize_core.wasm: ${size} bytes (${(size / 1024).toFixed(1)} KiB), gzip ${gz} bytes (goal <= 300 KB)`);
} finally {
  await close();
  server.close();
}

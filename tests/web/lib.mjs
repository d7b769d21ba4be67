// Shared helpers of the web tests: paths, a tiny test runner, the app server, headless
// Chromium through playwright-core (the system's /usr/bin/chromium; nothing is downloaded).
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import {createRequire} from 'node:module';
import {fileURLToPath, pathToFileURL} from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.resolve(process.env.WEB_DIST || path.join(ROOT, 'web', 'dist'));
export const BUILD = path.resolve(process.env.WASM_BUILD_DIR || path.join(ROOT, 'build-wasm'));
export const ARTIFACTS = path.join(BUILD, 'web-test-artifacts');
fs.mkdirSync(ARTIFACTS, {recursive: true});

const require = createRequire(path.join(ROOT, 'web', 'package.json'));

// ---- a minimal runner: test(name, fn); run() prints one line per test and a summary ----------
const tests = [];
export function test(name, fn, {skip = null} = {}) { tests.push({name, fn, skip}); }
export async function run(suite) {
  let passed = 0, failed = 0, skipped = 0;
  const only = process.env.WEB_TEST_ONLY;  // a part of the names to run (when debugging)
  for (const t of tests) {
    if (only && !t.name.includes(only)) continue;
    const why = typeof t.skip === 'function' ? t.skip() : t.skip;
    if (why) { console.log(`SKIP ${suite}: ${t.name} (${why})`); skipped++; continue; }
    const t0 = Date.now();
    try {
      await t.fn();
      console.log(`ok   ${suite}: ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      passed++;
    } catch (e) {
      console.log(`FAIL ${suite}: ${t.name}\n     ${(e && e.stack || String(e)).split('\n').slice(0, 6).join('\n     ')}`);
      failed++;
    }
  }
  console.log(`RESULT ${suite}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed;
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

// PSNR over R, G, B of two RGBA buffers, computed here (independently of the core's metrics).
export function compareRgba(x, y) {
  assert(x.length === y.length, `sizes differ: ${x.length} vs ${y.length}`);
  let se = 0, maxd = 0, n = 0;
  for (let i = 0; i < x.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = x[i + c] - y[i + c];
      se += d * d; n++;
      if (Math.abs(d) > maxd) maxd = Math.abs(d);
    }
  }
  const mse = se / n;
  return {psnr: mse === 0 ? Infinity : 10 * Math.log10(255 * 255 / mse), maxd};
}

// ---- the WASM core under node ----------------------------------------------------------------
// dir: the folder holding colorize_core.{js,wasm} (default: this build's); several may be
// loaded side by side (scripts/bench_wasm.mjs).
export async function loadCore(dir = path.join(BUILD, 'web')) {
  const js = path.resolve(dir, 'colorize_core.js');
  const wasm = path.resolve(dir, 'colorize_core.wasm');
  // The 3.1.6 glue's node path expects CommonJS globals; the module itself is an ES module.
  globalThis.__dirname ??= path.dirname(js);
  globalThis.require ??= createRequire(js);
  const {default: factory} = await import(pathToFileURL(js).href);
  return factory({wasmBinary: fs.readFileSync(wasm)});
}

// ---- server and browser ----------------------------------------------------------------------
export async function startApp() {
  const {startServer} = await import(pathToFileURL(path.join(ROOT, 'scripts', 'serve_web.mjs')).href);
  const server = await startServer({root: DIST, port: 0});
  return {server, origin: `http://127.0.0.1:${server.address().port}`};
}

export function chromiumPath() {
  for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && fs.existsSync(p)) return p;
  }
  return null;
}

export async function launch({webgpu = false} = {}) {
  const {chromium} = require('playwright-core');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'colorize-chromium-'));
  const args = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
  if (webgpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader');
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: chromiumPath(), headless: true, args, acceptDownloads: true,
    viewport: {width: 1280, height: 860},
  });
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(userDir, {recursive: true, force: true});
  };
  return {context, close};
}

// Records every request the browser makes; any to another origin is aborted and listed.
export async function guardOrigin(context, origin) {
  const foreign = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  return foreign;
}

// The committed AAC sound (scripts/make_sound.sh: a 660 Hz tone, 48 kHz, two channels, made by
// ffmpeg) as frames: an ADTS stream read here, apart from the code under test.
export const AAC_TONE = path.join(ROOT, 'tests', 'data', 'sound', 'tone-660.aac');

// The frames of an ADTS stream (each AAC frame behind a 7-byte header, 9 with its CRC), and the
// AudioSpecificConfig, rate and channels its first header gives (ISO/IEC 14496-3, 1.A.2).
export function adtsFrames(bytes) {
  const rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
  const frames = [];
  let head = null;
  for (let at = 0; at < bytes.length;) {
    if (at + 7 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1] & 0xf6) !== 0xf0) throw new Error(`no ADTS header at ${at}`);
    const objectType = (bytes[at + 2] >> 6) + 1, rateIndex = (bytes[at + 2] >> 2) & 15;
    const channels = ((bytes[at + 2] & 1) << 2) | (bytes[at + 3] >> 6);
    const length = ((bytes[at + 3] & 3) << 11) | (bytes[at + 4] << 3) | (bytes[at + 5] >> 5);
    const headerBytes = bytes[at + 1] & 1 ? 7 : 9;
    if (length <= headerBytes || at + length > bytes.length) throw new Error(`an ADTS frame of ${length} bytes at ${at}`);
    head ??= {config: [(objectType << 3) | (rateIndex >> 1), ((rateIndex & 1) << 7) | (channels << 3)],
      sampleRate: rates[rateIndex], channels};
    frames.push(bytes.subarray(at + headerBytes, at + length));
    at += length;
  }
  return {frames, ...head};
}

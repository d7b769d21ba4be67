// Times the WASM core's calls as the web app makes them (Embind, under node): a 12 MP picture
// in (imageFromGrey, imageFromRgba), prepare, finish, the RGBA copy out, encoding it (PNG,
// JPEG, TIFF) and decoding those files again, and the film step on 720p frames. Given two or
// more builds, their calls alternate in one process, so the machine's drift falls on all
// alike. Prints the median of RUNS per call and build; figures only.
//
//   node scripts/bench_wasm.mjs [BUILD_DIR ...]   (default build-wasm/web, or WASM_BUILD_DIR/web;
//   each holds colorize_core.js + colorize_core.wasm, e.g. from scripts/build_web.sh); env RUNS (9)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {BUILD, loadCore} from '../tests/web/lib.mjs';

const dirs = process.argv.length > 2 ? process.argv.slice(2) : [path.join(BUILD, 'web')];
const RUNS = Number(process.env.RUNS || 9);

function check(r, what) {
  if (!r.ok) throw new Error(`${what}: ${r.message}`);
  return r;
}

// A photo-like 12 MP picture: smooth shapes plus a little noise (as bench_pipeline.cpp).
const W = 4000, H = 3000;
const grey = new Uint8Array(W * H), rgba = new Uint8Array(W * H * 4);
let seed = 12345;
for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const noise = ((seed >>> 16) & 255) / 255 - 0.5;
    const v = 0.5 + 0.3 * Math.sin(x * 0.004) * Math.cos(y * 0.003) +
      ((Math.floor(x / 500) + Math.floor(y / 500)) % 2 ? 0.15 : -0.15) + 0.04 * noise;
    const i = y * W + x;
    grey[i] = Math.round(255 * Math.min(1, Math.max(0, v)));
    rgba[4 * i] = grey[i];
    rgba[4 * i + 1] = Math.round(255 * Math.min(1, Math.max(0, v + 0.05)));
    rgba[4 * i + 2] = Math.round(255 * Math.min(1, Math.max(0, v + 0.1)));
    rgba[4 * i + 3] = 255;
  }
}
// A pan over 720p frames, for the film step.
const FW = 1280, FH = 720, frames = [];
for (let k = 0; k < 6; k++) {
  const f = new Uint8Array(FW * FH * 4);
  for (let y = 0; y < FH; y++) {
    for (let x = 0; x < FW; x++) {
      const v = 128 + 80 * Math.sin((x + 3 * k) * 0.02) * Math.cos((y - k) * 0.015);
      const i = 4 * (y * FW + x);
      f[i] = f[i + 1] = f[i + 2] = v;
      f[i + 3] = 255;
    }
  }
  frames.push(f);
}

const T = new Map();
function time(key, fn) {
  const t = performance.now();
  const r = fn();
  const ms = performance.now() - t;
  if (!T.has(key)) T.set(key, []);
  T.get(key).push(ms);
  return r;
}

// A film step; builds before 2026-12-07 take no marks (the sixth argument).
function filmFrame(film, prepared, ab, w, h) {
  try {
    return film.frame(prepared, ab, w, h, {saturation: 1}, null);
  } catch (e) {
    if (!/arguments/.test(String(e))) throw e;
    return film.frame(prepared, ab, w, h, {saturation: 1});
  }
}

function round(core, tag) {
  const g = check(time(`${tag}|imageFromGrey`, () => core.imageFromGrey(grey, W, H)), 'grey').image;
  const c = check(time(`${tag}|imageFromRgba`, () => core.imageFromRgba(rgba, W, H)), 'rgba').image;
  const p = check(time(`${tag}|prepare`, () => core.prepare(c, 128, 'stretch')), 'prepare').prepared;
  const w = p.workWidth(), h = p.workHeight();
  const ab = new Float32Array(2 * w * h);
  for (let i = 0; i < w * h; i++) {
    ab[i] = 20 * Math.sin(i * 0.01);
    ab[w * h + i] = 15;
  }
  const f = check(time(`${tag}|finish`, () => core.finish(g, p, ab, w, h, {saturation: 1})), 'finish').image;
  time(`${tag}|rgba out`, () => f.rgba());
  for (const format of ['png', 'jpeg', 'tiff']) {
    const bytes = check(time(`${tag}|encode ${format}`, () => core.encode(f, format, 92, null)), format).bytes;
    check(time(`${tag}|decode ${format}`, () => core.decode(bytes, 1e9, 1)), `decode ${format}`).image.delete();
  }
  f.delete(); p.delete(); c.delete(); g.delete();
  const film = new core.Film(0.8);
  for (const fr of frames) {
    const im = check(core.imageFromRgba(fr, FW, FH), 'frame').image;
    const pp = check(core.prepare(im, 128, 'stretch'), 'prepare').prepared;
    const ww = pp.workWidth(), hh = pp.workHeight();
    check(time(`${tag}|film step (720p)`, () => filmFrame(film, pp, new Float32Array(2 * ww * hh).fill(8), ww, hh)), 'film');
    // What the app keeps to go on from after each frame (builds from 2026-12-07 on).
    if (film.memoryImage) {
      time(`${tag}|film memory out (720p)`, () => {
        const m = check(film.memoryImage(), 'memory').image;
        m.rgba();
        m.delete();
      });
    }
    pp.delete(); im.delete();
  }
  film.delete();
}

const cores = [];
for (const d of dirs) {
  const bytes = fs.statSync(path.resolve(d, 'colorize_core.wasm')).size;
  cores.push({tag: d, bytes, core: await loadCore(d)});
}
console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model.trim()}, node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const {tag, bytes} of cores) console.log(`${tag}: colorize_core.wasm ${bytes} bytes`);
for (let r = 0; r < RUNS; r++) {
  const order = r % 2 ? cores : [...cores].reverse();
  for (const {tag, core} of order) round(core, tag);
}
const median = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];
const calls = [...new Set([...T.keys()].map((k) => k.split('|')[1]))];
console.log(`median of ${RUNS} runs, ms (12 MP picture unless said)`);
console.log(['call'.padEnd(20), ...cores.map((c) => c.tag.padStart(16))].join(' '));
for (const call of calls) {
  console.log([call.padEnd(20), ...cores.map((c) => median(T.get(`${c.tag}|${call}`)).toFixed(1).padStart(16))].join(' '));
}

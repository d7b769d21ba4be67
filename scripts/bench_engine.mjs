#!/usr/bin/env node
// Engine benchmark: the native engine's CPU backend (colorize-tensor) against ONNX Runtime's
// CPU provider (npm onnxruntime-node) on the same model, inputs and thread count. Prints
// one line per configuration; both runtimes are also checked to agree on the output.
//
//   node scripts/bench_engine.mjs --model M.onnx --size 256 [--threads 2] [--repeat 10]
//        [--tool build-nn/bin/colorize-tensor] [--ort build-nn/ort]
//
// onnxruntime-node is installed (git-ignored) with
//   ONNXRUNTIME_NODE_INSTALL=skip npm install --prefix build-nn/ort onnxruntime-node@1.30.0
// Inputs follow the model I/O contract: L [1,1,S,S] in 0..100, hint planes zero but for one
// 3x3 hint; written to a temporary folder as .npy so both runtimes read the same values.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : '1']);
  return acc;
}, []));
const model = args.model;
if (!model) {
  console.error('usage: bench_engine.mjs --model M.onnx [--size 256] [--threads 2] [--repeat 10]');
  process.exit(2);
}
const size = Number(args.size || 256);
const threads = Number(args.threads || os.cpus().length);
const repeat = Number(args.repeat || 10);
const tool = args.tool || 'build-nn/bin/colorize-tensor';
const ortDir = path.resolve(args.ort || 'build-nn/ort');
const require = createRequire(path.join(ortDir, 'node_modules', 'x.js'));
const ort = require('onnxruntime-node');

// Deterministic inputs (xorshift), identical for both runtimes.
let seed = 12345;
const rand = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return ((seed >>> 0) % 100000) / 100000; };
const n = size * size;
const L = new Float32Array(n).map(() => rand() * 100);
const hintAb = new Float32Array(2 * n);
const hintMask = new Float32Array(n);
for (let y = 10; y < 13; y++) for (let x = 20; x < 23; x++) {
  hintMask[y * size + x] = 1; hintAb[y * size + x] = 40; hintAb[n + y * size + x] = -20;
}

function npy(arr, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const buf = Buffer.alloc(10 + header.length + arr.byteLength);
  buf.write('\x93NUMPY', 0, 'latin1'); buf[6] = 1; buf[7] = 0; buf.writeUInt16LE(header.length, 8);
  buf.write(header, 10, 'latin1');
  Buffer.from(arr.buffer).copy(buf, 10 + header.length);
  return buf;
}
function readNpy(file) {
  const b = fs.readFileSync(file);
  const hl = b.readUInt16LE(8);
  return new Float32Array(b.buffer.slice(b.byteOffset + 10 + hl, b.byteOffset + b.length));
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-engine-'));
fs.writeFileSync(path.join(tmp, 'L.npy'), npy(L, [1, 1, size, size]));
fs.writeFileSync(path.join(tmp, 'hint_ab.npy'), npy(hintAb, [1, 2, size, size]));
fs.writeFileSync(path.join(tmp, 'hint_mask.npy'), npy(hintMask, [1, 1, size, size]));

// ONNX Runtime: same thread count for intra-op, sequential execution, all graph optimisations.
const session = await ort.InferenceSession.create(model, {
  executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1,
  graphOptimizationLevel: 'all', executionMode: 'sequential',
});
const feeds = {};
const names = session.inputNames;
if (names.includes('L')) feeds.L = new ort.Tensor('float32', L, [1, 1, size, size]);
if (names.includes('hint_ab')) feeds.hint_ab = new ort.Tensor('float32', hintAb, [1, 2, size, size]);
if (names.includes('hint_mask')) feeds.hint_mask = new ort.Tensor('float32', hintMask, [1, 1, size, size]);
let ortOut;
const ortTimes = [];
for (let r = 0; r < repeat + 1; r++) {
  const t0 = process.hrtime.bigint();
  ortOut = await session.run(feeds);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r > 0) ortTimes.push(ms);  // first run warms up
}
const ortAb = ortOut[session.outputNames[0]].data;
fs.writeFileSync(path.join(tmp, 'ort_ab.npy'), npy(ortAb, ortOut[session.outputNames[0]].dims));

// colorize-tensor prints its timing to stderr; run it through a shell to capture both.
function runEngineCapture(backend) {
  const inputs = names.map((nm) => `--input ${nm}=${path.join(tmp, nm + '.npy')}`).join(' ');
  const out = path.join(tmp, `ab_${backend}.npy`);
  const cmd = `${tool} --model ${model} --backend ${backend} --threads ${threads} --repeat ${repeat + 1} ${inputs} ` +
    `--output ab=${out} --expect ab=${path.join(tmp, 'ort_ab.npy')} --rtol 1e-3 2>&1`;
  const log = execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
  const best = Number((log.match(/best of \d+ runs ([\d.]+) ms/) || [])[1]);
  const err = (log.match(/max \|error\| (\S+) \((\S+) of/) || []);
  return { best, absErr: err[1], relErr: err[2], log };
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const ortBest = Math.min(...ortTimes);
const eng = runEngineCapture('cpu');
const cpuModel = os.cpus()[0].model.replace(/\s+/g, ' ');
console.log(`machine: ${cpuModel}, ${os.cpus().length} logical CPUs; date ${new Date().toISOString().slice(0, 10)}`);
console.log(`model ${path.basename(model)}, input ${size}x${size}, threads ${threads}, runs ${repeat} (after 1 warm-up)`);
console.log(`onnxruntime-node ${ort.env.versions?.common ?? '1.30.0'} cpu: best ${ortBest.toFixed(1)} ms, median ${median(ortTimes).toFixed(1)} ms`);
console.log(`colorize engine cpu:       best ${eng.best.toFixed(1)} ms  (${(eng.best / ortBest).toFixed(2)}x ORT; output vs ORT: max abs ${eng.absErr}, rel ${eng.relErr})`);
fs.rmSync(tmp, { recursive: true, force: true });

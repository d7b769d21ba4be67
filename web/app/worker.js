// The engine of the app, in a module Worker: it owns the WASM core (decode, prepare, finish,
// exemplar, encode) and the ONNX Runtime Web session. The page only does UI.
//
// Protocol: the page posts {reqId, type, ...}; the worker answers {reqId, ok: true, result}
// or {reqId, ok: false, error: {code, message}} and may post {reqId, progress: {...}} before.
// Large pixel results travel as transferred ImageBitmaps.
import createColorizeCore from './colorize_core.js';

const MODEL_CACHE = 'colorize-models-v1';
// Hard refusal above this many pixels (a browser can decode it, but we could not hold it).
const REFUSE_PIXELS = 200e6;

let core = null;
let coreMemory = null;
let maxPixels = 24e6;  // set from the heap cap in init()
let ortModules = {};   // 'wasm' | 'webgpu' -> the ORT module
let session = null;    // {ort, session, provider, model, variant, hints, loadMs, fetchMs}
let active = null;     // state of the job on screen: {key, image, prepared, ab, abW, abH, ...}
let config = {provider: 'auto', threads: 0};
let modelQueue = Promise.resolve();

const now = () => performance.now();
const err = (code, message) => Object.assign(new Error(message), {code});

async function getCore() {
  if (!core) {
    core = await createColorizeCore();
    coreMemory = core.memoryInfo();
    // About 40 bytes per pixel are live at the peak of finish (original, L*, full-size chroma,
    // filter coefficients, result); keep a margin for the encoder and fragmentation.
    maxPixels = Math.min(40e6, Math.floor(coreMemory.maxHeapBytes / 64));
  }
  if (config.maxMegapixels > 0) maxPixels = Math.min(maxPixels, config.maxMegapixels * 1e6);
  if (!warmed) { warmed = true; warmUp(); }
  return core;
}

// Runs the pixel stages once on a small synthetic photo so the browser's optimising compiler
// has seen the hot loops before the user's first (possibly 12 MP) photo arrives.
let warmed = false;
function warmUp() {
  const w = 1024, h = 768;
  const px = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const v = (i * 2654435761 >>> 24) & 255;
    px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = v;
    px[4 * i + 3] = 255;
  }
  for (let k = 0; k < 2; k++) {
    const img = core.imageFromRgba(px, w, h);
    if (!img.ok) return;
    const p = core.prepare(img.image, 256, 'stretch');
    if (p.ok) {
      const W = p.prepared.workWidth(), H = p.prepared.workHeight();
      const f = core.finish(img.image, p.prepared, new Float32Array(2 * W * H).fill(10), W, H, {saturation: 1});
      if (f.ok) { f.image.rgba(); f.image.delete(); }
      p.prepared.delete();
    }
    img.image.delete();
  }
}

function check(r, what) {
  if (!r.ok) throw err(r.codeName || 'error', r.message || `${what} failed`);
  return r;
}

// ---- models --------------------------------------------------------------------------------

function hex(buf) {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256(bytes) {
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

// Fetches a model variant, from the model cache (keyed by its sha256) when there, else from the
// app's own origin with byte progress. The bytes are checked against the sha256 before use.
async function fetchModel(variant, onProgress) {
  const key = new URL(`models/sha256/${variant.sha256}`, self.location.href).href;
  let cache = null;
  try { cache = await caches.open(MODEL_CACHE); } catch { cache = null; }
  if (cache) {
    const hit = await cache.match(key);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      if (await sha256(bytes) === variant.sha256) {
        onProgress({loaded: bytes.length, total: bytes.length, cached: true});
        return {bytes, cached: true};
      }
      await cache.delete(key);  // damaged: fetch again
    }
  }
  const url = new URL(variant.url, self.location.href).href;
  let res;
  try {
    res = await fetch(url, {cache: 'no-cache'});
  } catch (e) {
    throw err('network', `The model could not be downloaded (${e.message}). ` +
      'Connect once to download it; afterwards the app works offline.');
  }
  if (!res.ok) throw err('network', `The model could not be downloaded (HTTP ${res.status}).`);
  const total = Number(res.headers.get('content-length')) || variant.bytes || 0;
  const chunks = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress({loaded, total});
  }
  const bytes = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) { bytes.set(c, off); off += c.length; }
  const digest = await sha256(bytes);
  if (digest !== variant.sha256) {
    throw err('corrupt model', `The downloaded model does not match its checksum ` +
      `(sha256 ${digest.slice(0, 12)}…, expected ${variant.sha256.slice(0, 12)}…); it was not used.`);
  }
  if (cache) {
    await cache.put(key, new Response(bytes, {headers: {'content-type': 'application/octet-stream'}}))
      .catch(() => {});
  }
  return {bytes, cached: false};
}

async function loadOrt(kind) {
  if (!ortModules[kind]) {
    const mod = kind === 'webgpu' ? await import('./ort/ort.webgpu.min.mjs')
                                  : await import('./ort/ort.wasm.min.mjs');
    mod.env.wasm.wasmPaths = new URL('./ort/', self.location.href).href;
    mod.env.wasm.proxy = false;
    const hw = self.navigator.hardwareConcurrency || 1;
    mod.env.wasm.numThreads = self.crossOriginIsolated
      ? Math.max(1, config.threads || Math.min(4, hw)) : 1;
    mod.env.logLevel = 'error';
    ortModules[kind] = mod;
  }
  return ortModules[kind];
}

async function webgpuAdapter() {
  if (!self.navigator.gpu) return null;
  try { return await self.navigator.gpu.requestAdapter(); } catch { return null; }
}

// Which file of a model to run: 'fp16' (WebGPU with shader-f16), 'fp32' (WebGPU without it:
// a variant that computes in fp32), 'small' (WASM: the smallest download; int8 weight-only
// variants dequantize to fp32 at load and compute in fp32).
function isSoftwareAdapter(adapter) {
  const i = adapter.info || {};
  return !!(adapter.isFallbackAdapter || i.isFallbackAdapter || /swiftshader/i.test(`${i.architecture} ${i.vendor} ${i.description}`));
}

function pickVariant(model, want) {
  const by = (p) => model.variants.find((v) => v.precision === p);
  if (want === 'fp16') return by('fp16') || by('fp32') || model.variants[0];
  if (want === 'small') return by('int8') || by('fp32') || model.variants[0];
  return by('fp32') || by('int8') || model.variants[0];
}

// Creates the inference session with ONE provider at a time (a list would fall back silently),
// so the provider reported is the one that really runs.
async function loadModel({model}, progress) {
  if (session && session.model.id === model.id && (config.provider === 'auto' ||
      session.provider === config.provider)) {
    return sessionSummary();
  }
  if (session) { await session.session.release?.().catch(() => {}); session = null; }
  const attempts = [];
  const tried = [];
  let adapter = null;
  if (config.provider !== 'wasm') adapter = await webgpuAdapter();
  // Automatic mode skips software adapters (SwiftShader: correct but tens of times slower than
  // WASM); asking for WebGPU explicitly still uses them.
  if (adapter && config.provider === 'auto' && isSoftwareAdapter(adapter)) {
    tried.push('webgpu: only a software WebGPU adapter (SwiftShader) is available');
    adapter = null;
  }
  if (adapter) {
    const f16 = adapter.features.has('shader-f16');
    attempts.push({provider: 'webgpu', variant: pickVariant(model, f16 ? 'fp16' : 'fp32'), f16});
  } else if (config.provider === 'webgpu') {
    tried.push('webgpu: no WebGPU adapter in this browser');
  }
  if (config.provider !== 'webgpu') attempts.push({provider: 'wasm', variant: pickVariant(model, 'small')});
  for (const a of attempts) {
    const t0 = now();
    try {
      const {bytes, cached} = await fetchModel(a.variant, (p) => progress({stage: 'model', ...p}));
      const t1 = now();
      progress({stage: 'session', provider: a.provider});
      const ort = await loadOrt(a.provider);
      const s = await ort.InferenceSession.create(bytes, {
        executionProviders: [a.provider],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,  // errors only: ORT's placement notes are not the user's business
      });
      const names = s.inputNames || [];
      session = {
        ort, session: s, provider: a.provider, model, variant: a.variant,
        hints: names.includes('hint_ab') && names.includes('hint_mask'),
        fetchMs: t1 - t0, loadMs: now() - t0, cached, fallbacks: tried.slice(),
        threads: a.provider === 'wasm' ? ort.env.wasm.numThreads : 0,
      };
      return sessionSummary();
    } catch (e) {
      if (e.code === 'corrupt model' || e.code === 'network') throw e;
      tried.push(`${a.provider}: ${e.message || e}`);
    }
  }
  throw err('no backend', `No inference provider could run this model. ${tried.join('; ')}`);
}

function sessionSummary() {
  if (!session) return null;
  return {
    modelId: session.model.id, provider: session.provider, precision: session.variant.precision,
    url: session.variant.url, bytes: session.variant.bytes,
    hints: session.hints, loadMs: session.loadMs, fetchMs: session.fetchMs, cached: session.cached,
    threads: session.threads, fallbacks: session.fallbacks,
  };
}

// One model run at a time: a photo and a film's frame may both be on their way through the
// worker (their handlers wait on the model in turn rather than calling the session at once).
let modelTurn = Promise.resolve();
function runModel(prep, hintList) {
  const run = modelTurn.then(() => runModelNow(prep, hintList));
  modelTurn = run.catch(() => {});
  return run;
}

async function runModelNow(prep, hintList) {
  const {ort, session: s} = session;
  const W = prep.workWidth(), H = prep.workHeight();
  const feeds = {L: new ort.Tensor('float32', prep.lModel(), [1, 1, H, W])};
  if (session.hints) {
    const h = check(core.renderHints(hintList, prep.fullWidth(), prep.fullHeight(), W, H, 1), 'hints');
    feeds.hint_ab = new ort.Tensor('float32', h.hintAb, [1, 2, H, W]);
    feeds.hint_mask = new ort.Tensor('float32', h.hintMask, [1, 1, H, W]);
  }
  const out = await s.run(feeds);
  const t = out.ab || out[s.outputNames[0]];
  const [, c, h, w] = t.dims;
  if (c !== 2) throw err('corrupt model', `The model returned ${c} channels; 2 (a*, b*) expected.`);
  const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  t.dispose?.();
  return {ab: data.slice(0, 2 * w * h), abW: w, abH: h};
}

// ---- images --------------------------------------------------------------------------------

function mp(n) { return `${(n / 1e6).toFixed(1)} MP`; }

// The browser's own decoder (WebP, AVIF, HEIC where supported, or any image to downscale),
// through createImageBitmap and an OffscreenCanvas, into a core Image.
async function browserDecode(blob, limit, knownW, knownH) {
  let w = knownW, h = knownH, bmp = null;
  const open = async (opts) => {
    try { return await createImageBitmap(blob, opts); } catch {
      throw err('not an image', 'This file is not an image this browser can read.');
    }
  };
  if (!w || !h) {
    bmp = await open();
    w = bmp.width; h = bmp.height;
  }
  let note = '';
  if (w * h > REFUSE_PIXELS) {
    bmp?.close();
    throw err('too large', `This image is ${w}×${h} (${mp(w * h)}); images above ${mp(REFUSE_PIXELS)} ` +
      'cannot be opened here.');
  }
  if (w * h > limit) {
    const s = Math.sqrt(limit / (w * h));
    const nw = Math.max(1, Math.floor(w * s)), nh = Math.max(1, Math.floor(h * s));
    bmp?.close();
    try {
      bmp = await createImageBitmap(blob, {resizeWidth: nw, resizeHeight: nh, resizeQuality: 'high'});
    } catch {
      throw err('too large', `This image is ${w}×${h} (${mp(w * h)}), above the ${mp(limit)} the ` +
        'browser version can hold, and it could not be downscaled.');
    }
    note = `Downscaled from ${w}×${h} (${mp(w * h)}) to ${nw}×${nh}: the browser version ` +
      `works on up to ${mp(limit)}.`;
    w = nw; h = nh;
  } else if (!bmp) {
    bmp = await open();
  }
  const px = drawnPixels(bmp, w, h);
  bmp.close();
  const r = check(core.imageFromRgba(px, w, h), 'decode');
  return {image: r.image, note, decoder: 'browser'};
}

// The RGBA bytes of `source` (an ImageBitmap, a VideoFrame ...) drawn on a w x h canvas.
function drawnPixels(source, w, h) {
  const g = new OffscreenCanvas(w, h).getContext('2d', {willReadFrequently: true});
  g.drawImage(source, 0, 0, w, h);
  const data = g.getImageData(0, 0, w, h).data;
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

// Large JPEGs go to the browser's decoder (native, SIMD; several times faster than stb in WASM
// for a 12 MP photo, same pixels within +-1 level); everything else to the core's decoder.
// `?decoder=core` in the page URL turns the fast path off.
const FAST_JPEG_PIXELS = 4e6;

// A JPEG whose picture is grey (the usual scan, whether stored with one channel or three): its
// luma plane as the grey (w x h bytes), from the browser's ImageDecoder (12 MP in this VM's
// headless Chromium: about 130 ms to decode and copy the planes, against about 480 ms for
// drawing an ImageBitmap and reading it back). Null where the picture has colour (its chroma
// planes off 128 by more than 1), another size than w x h (e.g. turned by its EXIF
// orientation), or the browser has no ImageDecoder: the caller takes the general way.
async function greyJpegPlane(bytes, w, h) {
  if (typeof ImageDecoder === 'undefined') return null;
  let decoder = null, image = null;
  try {
    decoder = new ImageDecoder({data: bytes, type: 'image/jpeg'});
    image = (await decoder.decode()).image;
    if (image.format !== 'I420' || image.displayWidth !== w || image.displayHeight !== h ||
        image.visibleRect.x !== 0 || image.visibleRect.y !== 0) return null;
    const buf = new Uint8Array(image.allocationSize());
    const [Y, U, V] = await image.copyTo(buf);
    const cw = Math.ceil(w / 2), ch = Math.ceil(h / 2);
    for (const P of [U, V]) {
      for (let y = 0; y < ch; y++) {
        const row = buf.subarray(P.offset + y * P.stride, P.offset + y * P.stride + cw);
        for (let x = 0; x < cw; x++) if (row[x] < 127 || row[x] > 129) return null;
      }
    }
    if (Y.stride === w) return buf.subarray(Y.offset, Y.offset + w * h);
    const grey = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) grey.set(buf.subarray(Y.offset + y * Y.stride, Y.offset + y * Y.stride + w), y * w);
    return grey;
  } catch {
    return null;
  } finally {
    image?.close();
    decoder?.close();
  }
}

// page: which page of a multi-page TIFF (1-based); only the core reads the further ones.
async function decodeBlob(blob, page = 1) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (bytes.length === 0) throw err('empty input', 'The file is empty (0 bytes).');
  const p = core.probe(bytes, page);
  // EXIF and XMP (date, captions, credits) for the result to carry; none for formats the
  // core does not read.
  const m = core.readMetadata(bytes);
  const metadata = m.exif.length || m.xmp ? {exif: m.exif, xmp: m.xmp} : null;
  if (page > 1) {  // (p: this page's header: its resolution, profile; an error if it has none)
    if (!p.ok) throw err(p.codeName, p.message);
    const d = check(core.decode(bytes, maxPixels, page), 'decode');
    return {image: d.image, note: '', decoder: `core (${p.format}, page ${page})`, probe: p, metadata};
  }
  if (p.ok) {
    // EXIF orientations 5..8 swap width and height; the browser applies them as the core does.
    const [w, h] = p.orientation >= 5 ? [p.height, p.width] : [p.width, p.height];
    if (w * h > maxPixels) return {...await browserDecode(blob, maxPixels, w, h), probe: p, metadata};
    if (p.format === 'JPEG' && w * h >= FAST_JPEG_PIXELS && config.decoder !== 'core') {
      // Grey, upright and in sRGB (or no profile): its luma as it is.
      const grey = (p.orientation || 1) === 1 && (p.profile === 'none' || p.profile === 'sRGB')
        ? await greyJpegPlane(bytes, w, h) : null;
      if (grey) {
        const r = check(core.imageFromGrey(grey, w, h), 'decode');
        return {image: r.image, note: '', decoder: 'browser (JPEG, grey)', probe: p, metadata};
      }
      try {
        const r = await browserDecode(blob, maxPixels, w, h);
        r.decoder = 'browser (JPEG)';
        r.probe = p;
        r.metadata = metadata;
        return r;
      } catch { /* the browser refused it: the core decides */ }
    }
    const d = core.decode(bytes, maxPixels, 1);
    const pages = p.pages > 1 ? `The file holds ${p.pages} pages; each is colorized as its own ` +
      `photo (-p2${p.pages > 2 ? ` … -p${p.pages}` : ''} in the names of the further ones).` : '';
    // A colour profile the core cannot apply: its numbers are taken as sRGB, so the result
    // may be lighter or darker than the original shows.
    const profile = p.profile === 'not applied'
      ? `Its colour profile${p.profileName ? ` “${p.profileName}”` : ''} could not be applied ` +
        `(${p.profileNote}); its values are taken as sRGB.` : '';
    const note = [pages, profile].filter(Boolean).join(' ');
    if (d.ok) return {image: d.image, note, decoder: `core (${p.format})`, probe: p, metadata};
    if (d.codeName !== 'unsupported') throw err(d.codeName, d.message);
  }
  // Not a format stb reads (or a feature it lacks): let the browser try.
  try {
    return await browserDecode(blob, maxPixels);
  } catch (e) {
    if (!p.ok && e.code === 'not an image') throw err(p.codeName, p.message);
    throw e;
  }
}

async function toBitmap(imageHandle) {
  const w = imageHandle.width(), h = imageHandle.height();
  const rgba = imageHandle.rgba();
  return createImageBitmap(new ImageData(new Uint8ClampedArray(rgba.buffer), w, h));
}

function freeActive() {
  if (!active) return;
  active.image?.delete();
  active.prepared?.delete();
  active.reference?.delete();
  active.result?.delete();
  active = null;
}

// The resolution the file states (pixels per inch, upright), for the result to keep; null
// when it states none. A picture downscaled on the way in keeps its printed size: its
// resolution is scaled with it (a 600 dpi scan at half the pixels is 300 dpi).
function dpiOf(d) {
  const p = d.probe;
  if (!p || !(p.dpiX > 0 && p.dpiY > 0)) return null;
  const turned = p.orientation >= 5;
  const [w, h] = turned ? [p.height, p.width] : [p.width, p.height];
  const [dx, dy] = turned ? [p.dpiY, p.dpiX] : [p.dpiX, p.dpiY];
  return [dx * d.image.width() / w, dy * d.image.height() / h];
}

// What a downloaded result says of itself (PNG tEXt / JPEG COM; printable ASCII).
function provenance() {
  // The exemplar method does not see hints: like paint, they correct it.
  const by = [active.painted ? 'paint' : '', active.method === 'exemplar' && active.hinted ? 'hints' : '']
    .filter(Boolean).join(' and ');
  const how = (active.method === 'marks' ? 'colour only from the user\'s hints and paint'
    : active.method === 'exemplar' ? 'colour transferred from a reference photo'
      : `model ${active.modelId || 'unknown'}`) + (by && active.method !== 'marks'
    ? `, corrected by the user's ${by}` : '');
  return `Colorized in the browser by colorize (${how.replace(/[^\x20-\x7e]/g, '?').slice(0, 300)}): ` +
    'the colours are a plausible guess, not a record of the original.';
}

// A hint {x, y, r, g, b} as the core takes it: {x, y, a, b}, its position scaled by (sx, sy).
function labHint(h, sx = 1, sy = 1) {
  const lab = core.srgbToLab(h.r, h.g, h.b);
  return {x: h.x * sx, y: h.y * sy, a: lab.a, b: lab.b};
}

// The strokes ({points: [[x, y], ...] in picture pixels, hex, width}) drawn on a transparent
// w x h layer: RGBA bytes whose opaque pixels are marks (null when there are none).
function paintLayer(strokes, fullW, fullH, w, h) {
  if (!strokes.length) return null;
  const canvas = new OffscreenCanvas(w, h);
  const g = canvas.getContext('2d');
  g.scale(w / fullW, h / fullH);
  g.lineCap = 'round';
  g.lineJoin = 'round';
  const thinnest = 1.5 * Math.max(fullW / w, fullH / h);  // at least 1.5 grid pixels
  for (const st of strokes) {
    g.strokeStyle = st.hex;
    g.lineWidth = Math.max(st.width, thinnest);
    g.beginPath();
    st.points.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
    if (st.points.length === 1) g.lineTo(st.points[0][0] + 0.01, st.points[0][1]);
    g.stroke();
  }
  return new Uint8Array(g.getImageData(0, 0, w, h).data.buffer);
}

// Brings `active` to the state the request asks for, doing only the stages that changed.
// s: {jobId, file, settings: {workingSize, saturation, method, hints, strokes, reference}, ab?}
async function ensure(s, progress, timings) {
  const jobKey = s.jobId;
  if (!active || active.jobId !== jobKey) {
    freeActive();
    progress({stage: 'decode'});
    let t = now();
    const d = await decodeBlob(s.file, s.page || 1);
    timings.decode = now() - t;
    active = {jobId: jobKey, image: d.image, note: d.note, decoder: d.decoder, dpi: dpiOf(d),
      metadata: d.metadata || null, pages: d.probe?.pages || 1};
  }
  const st = s.settings;
  const tone = st.tone || 'stretch';
  if (!active.prepared || active.workingSize !== st.workingSize || active.tone !== tone) {
    active.prepared?.delete();
    active.prepared = null;
    active.ab = null;
    active.base = null;
    progress({stage: 'prepare'});
    const t = now();
    active.prepared = check(core.prepare(active.image, st.workingSize, tone), 'prepare').prepared;
    active.workingSize = st.workingSize;
    active.tone = tone;
    timings.prepare = now() - t;
  }
  const inferKey = JSON.stringify([st.method, st.modelId, st.hints || [], st.strokes || [], st.referenceId || '',
    tone, session ? session.provider : '']);
  if (s.ab && !active.ab) {
    // Chroma the page kept from an earlier run: no inference needed to show the job again.
    active.ab = s.ab; active.abW = s.abW; active.abH = s.abH; active.inferKey = inferKey;
    active.provider = s.provider || active.provider;
  }
  if (!active.ab || active.inferKey !== inferKey) {
    const labHints = (st.hints || []).map((h) => labHint(h));
    const strokes = st.strokes || [];
    const W = active.image.width(), H = active.image.height();
    // The method's own chroma depends on all but the paint (except for colour from marks
    // alone): a stroke added to a model's or the exemplar's result reuses it, and only the
    // correction runs again.
    const methodKey = JSON.stringify([st.method, st.modelId, st.method === 'exemplar' ? [] : st.hints || [],
      st.method === 'marks' ? strokes : [], st.referenceId || '', tone, session ? session.provider : '']);
    if (!active.base || active.base.key !== methodKey) {
      progress({stage: 'infer'});
      const t = now();
      let base;
      if (st.method === 'marks') {
        // Colour from the marks alone, on the working grid; none yet: the photo in grey.
        const w = active.prepared.workWidth(), h = active.prepared.workHeight();
        if (!labHints.length && !strokes.length) {
          base = {ab: new Float32Array(2), abW: 1, abH: 1};
        } else {
          const r = check(core.applyMarks(active.prepared, null, 0, 0, {width: w, height: h,
            hints: labHints, paint: paintLayer(strokes, W, H, w, h)}), 'marks');
          base = {ab: r.ab, abW: r.width, abH: r.height};
        }
        base.provider = 'marks (WASM core)';
      } else if (st.method === 'exemplar') {
        if (!s.reference) throw err('invalid argument', 'Choose a reference photo first.');
        if (!active.reference || active.referenceId !== st.referenceId) {
          active.reference?.delete();
          active.reference = (await decodeBlob(s.reference)).image;
          active.referenceId = st.referenceId;
        }
        const r = check(core.exemplar(active.prepared, active.reference, {seed: 1}), 'exemplar');
        base = {ab: r.ab, abW: r.width, abH: r.height, provider: 'exemplar (WASM core)'};
      } else {
        if (!session) throw err('no backend', 'The model is not loaded yet.');
        base = {...await runModel(active.prepared, labHints), provider: session.provider};
      }
      active.base = {...base, key: methodKey};
      timings.infer = now() - t;
    }
    let {ab, abW, abH} = active.base;
    active.provider = active.base.provider;
    if (st.method !== 'marks' && (strokes.length || labHints.length)) {
      // The method's colour corrected by the paint and at the hints (as the CLI does), on the
      // core's marks grid, finer than the working size, reaching as far as --reach's default.
      progress({stage: 'paint'});
      const t = now();
      const g = core.marksGridFor(W, H);
      const r = check(core.applyMarks(active.prepared, ab, abW, abH, {width: g.width, height: g.height,
        hints: labHints, paint: paintLayer(strokes, W, H, g.width, g.height)}), 'paint');
      ab = r.ab; abW = r.width; abH = r.height;
      timings.paint = now() - t;
    }
    Object.assign(active, {ab, abW, abH});
    active.inferKey = inferKey;
    active.resultKey = null;
  }
  // The chroma now matches inferKey, which names the method, the model and the paint (for
  // the note).
  active.method = st.method;
  active.painted = (st.strokes || []).length > 0;
  active.hinted = (st.hints || []).length > 0;
  active.modelId = st.modelId;
  const resultKey = JSON.stringify([active.inferKey, st.saturation, active.workingSize]);
  if (!active.result || active.resultKey !== resultKey) {
    active.result?.delete();
    active.result = null;
    progress({stage: 'finish'});
    const t = now();
    active.result = check(core.finish(active.image, active.prepared, active.ab, active.abW,
      active.abH, {saturation: st.saturation}), 'finish').image;
    active.resultKey = resultKey;
    timings.finish = now() - t;
  }
}

// ---- films ---------------------------------------------------------------------------------

// The film being colorized: {handle (the core's Film), reference?, referenceId}.
let film = null;

function endFilm() {
  film?.handle.delete();
  film?.reference?.delete();
  film = null;
}

// A film's frame as RGBA pixels: from a VideoFrame straight (copyTo converts it, ~4x faster
// than drawing a bitmap and reading it back), else through an OffscreenCanvas. Closes `frame`.
async function framePixels(frame) {
  try {
    if (typeof VideoFrame !== 'undefined' && frame instanceof VideoFrame) {
      const w = frame.visibleRect.width, h = frame.visibleRect.height;
      try {
        const px = new Uint8Array(frame.allocationSize({format: 'RGBA'}));
        await frame.copyTo(px, {format: 'RGBA'});
        if (px.length === w * h * 4) return {px, w, h};
      } catch { /* an older browser: no conversion in copyTo */ }
    }
    const w = frame.displayWidth || frame.width, h = frame.displayHeight || frame.height;
    return {px: drawnPixels(frame, w, h), w, h};
  } finally {
    frame.close();
  }
}

// One frame of the film: a VideoFrame or an ImageBitmap in, the colorized frame out (RGBA
// pixels, transferred), with the frames before carried in by the core (carry_frame:
// colorize/film.h).
async function filmFrame(msg) {
  if (!film) throw err('invalid argument', 'No film is open.');
  const st = msg.settings;
  const timings = {};
  let t = now();
  const size = (msg.frame.displayWidth || msg.frame.width) * (msg.frame.displayHeight || msg.frame.height);
  if (size > maxPixels) {
    msg.frame.close();
    throw err('too large', `A frame of ${mp(size)} is more than this tab can hold (${mp(maxPixels)}).`);
  }
  const {px, w, h} = await framePixels(msg.frame);
  const img = check(core.imageFromRgba(px, w, h), 'frame').image;
  const handles = [img];
  timings.read = now() - t;
  t = now();
  try {
    const prepared = check(core.prepare(img, st.workingSize, st.tone || 'stretch'), 'prepare').prepared;
    handles.push(prepared);
    timings.prepare = now() - t;
    t = now();
    let own;
    if (st.method === 'exemplar') {
      if (!msg.reference && !film.reference) throw err('invalid argument', 'Choose a reference photo first.');
      if (!film.reference || film.referenceId !== st.referenceId) {
        film.reference?.delete();
        film.reference = (await decodeBlob(msg.reference)).image;
        film.referenceId = st.referenceId;
      }
      own = check(core.exemplar(prepared, film.reference, {seed: 1}), 'exemplar');
      own = {ab: own.ab, abW: own.width, abH: own.height};
    } else {
      if (!session) throw err('no backend', 'The model is not loaded yet.');
      own = await runModel(prepared, []);
    }
    timings.infer = now() - t;
    t = now();
    // The user's paint and hints on this frame (msg.paint: {strokes, hints, width, height}, in
    // the pixels of a picture of width x height, the film's own size), on the frame's marks
    // grid: the core corrects the frame by them and holds them for the frames after it.
    const paint = msg.paint;
    let marks = null;
    if (paint && ((paint.strokes || []).length || (paint.hints || []).length)) {
      const g = core.marksGridFor(w, h), pw = paint.width || w, ph = paint.height || h;
      marks = {width: g.width, height: g.height, paint: paintLayer(paint.strokes || [], pw, ph, g.width, g.height),
        hints: (paint.hints || []).map((hn) => labHint(hn, w / pw, h / ph))};
    }
    const step = check(film.handle.frame(prepared, own.ab, own.abW, own.abH, {saturation: st.saturation}, marks), 'film');
    timings.film = now() - t;
    t = now();
    const result = check(core.finish(img, prepared, step.ab, step.width, step.height,
      {saturation: st.saturation}), 'finish').image;
    handles.push(result);
    timings.finish = now() - t;
    t = now();
    const rgba = result.rgba();
    timings.out = now() - t;
    // For a film that is kept (msg.keep), what it goes on from after this frame: the film's
    // memory of it (a picture of its grid) and the paint held after it.
    const transfer = [rgba.buffer];
    let memory = null;
    if (msg.keep) {
      const held = marks || step.held ? film.handle.heldPoints() : null;
      const mem = check(film.handle.memoryImage(), 'film').image;
      handles.push(mem);
      memory = {rgba: mem.rgba(), width: mem.width(), height: mem.height(), held};
      transfer.push(memory.rgba.buffer, ...(held ? [held.buffer] : []));
    }
    return {
      value: {rgba, width: w, height: h, newShot: step.newShot, matched: step.matched, held: step.held, memory,
        timings, provider: st.method === 'exemplar' ? 'exemplar (WASM core)' : session.provider},
      transfer,
    };
  } finally {
    for (const hd of handles) hd.delete();
  }
}

// ---- requests ------------------------------------------------------------------------------

const handlers = {
  async init(msg) {
    config = {...config, ...(msg.config || {})};
    await getCore();
    const adapter = config.provider === 'wasm' ? null : await webgpuAdapter();
    return {
      memory: coreMemory, maxPixels, crossOriginIsolated: self.crossOriginIsolated,
      webgpu: !!adapter, shaderF16: !!adapter && adapter.features.has('shader-f16'),
      webgpuSoftware: !!adapter && isSoftwareAdapter(adapter),
      threads: self.crossOriginIsolated ? (config.threads || Math.min(4, navigator.hardwareConcurrency || 1)) : 1,
    };
  },

  // One session creation at a time (ORT's WebGPU EP refuses concurrent ones).
  async loadModel(msg, progress) {
    const run = modelQueue.then(() => loadModel(msg, progress));
    modelQueue = run.catch(() => {});
    return run;
  },

  // Runs the stages needed and returns the before/after bitmaps at full resolution.
  async process(msg, progress) {
    const t0 = now();
    const timings = {};
    await ensure(msg, progress, timings);
    progress({stage: 'display'});
    const tb = now();
    const after = await toBitmap(active.result);
    const before = msg.wantBefore ? await toBitmap(active.image) : null;
    timings.display = now() - tb;
    timings.total = now() - t0;
    const transfer = [after];
    if (before) transfer.push(before);
    return {
      value: {
        jobId: active.jobId, width: active.result.width(), height: active.result.height(),
        before, after, timings, note: active.note, decoder: active.decoder, pages: active.pages,
        provider: active.provider, ab: active.ab, abW: active.abW, abH: active.abH,
        session: sessionSummary(),
      },
      transfer,
    };
  },

  // The decoded original of the job on screen, as a bitmap (when the page cannot decode it).
  async before(msg) {
    if (!active || active.jobId !== msg.jobId) throw err('invalid argument', 'That photo is no longer loaded.');
    const before = await toBitmap(active.image);
    return {value: {before}, transfer: [before]};
  },

  async encode(msg, progress) {
    const timings = {};
    await ensure(msg, progress, timings);
    progress({stage: 'encode'});
    const meta = {dpiX: active.dpi?.[0] || 0, dpiY: active.dpi?.[1] || 0, comment: provenance()};
    if (msg.keepMetadata !== false && active.metadata) Object.assign(meta, active.metadata);
    const r = check(core.encode(active.result, msg.format, msg.quality || 92, meta), 'encode');
    return {value: {bytes: r.bytes}, transfer: [r.bytes.buffer]};
  },

  async forget() { freeActive(); return true; },

  // A film: filmStart({carry}), then filmFrame({frame: VideoFrame | ImageBitmap, settings,
  // reference?, paint?, keep?}) for each frame in order, then filmEnd(). Photos may be processed
  // in between.
  async filmStart(msg) {
    await getCore();
    endFilm();
    film = {handle: new core.Film(msg.carry ?? 0.8)};
    return true;
  },
  filmFrame,
  // Carries on from a frame made before (a film taken up again): {rgba, width, height, held},
  // as filmFrame gave them in `memory` (the film's memory of that frame, the paint held then).
  async filmRemember(msg) {
    if (!film) throw err('invalid argument', 'No film is open.');
    const img = check(core.imageFromRgba(msg.rgba, msg.width, msg.height), 'frame').image;
    try {
      check(film.handle.remember(img), 'film');
      if (msg.held?.length) check(film.handle.holdPoints(msg.held), 'film');
    } finally {
      img.delete();
    }
    return true;
  },
  async filmEnd() { endFilm(); return true; },
};

self.onmessage = async (ev) => {
  const msg = ev.data;
  const progress = (p) => self.postMessage({reqId: msg.reqId, progress: p});
  try {
    const out = await handlers[msg.type](msg, progress);
    if (out && out.transfer) {
      self.postMessage({reqId: msg.reqId, ok: true, result: out.value}, out.transfer);
    } else {
      self.postMessage({reqId: msg.reqId, ok: true, result: out});
    }
  } catch (e) {
    self.postMessage({reqId: msg.reqId, ok: false,
      error: {code: e.code || 'error', message: e.message || String(e)}});
  }
};

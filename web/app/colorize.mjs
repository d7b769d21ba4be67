// Colorize in your own page: the app's engine (worker.js: the C++ core in WebAssembly and ONNX
// Runtime Web, WebGPU first) behind one class. Nothing leaves the browser.
//
//   import {Colorizer} from './colorize.mjs';        // from a copy of web/dist on your site
//   const c = await Colorizer.create();               // the default model (models/models.json)
//   const png = await c.colorize(file);               // a Blob or File: JPEG, PNG, TIFF, ...
//   const jpeg = await c.colorize(file, {format: 'jpeg', hints: [{x: 120, y: 80, hex: '#3a6ea5'}]});
//   const {blob} = await c.colorizeFilm(videoFile);    // a film: WebM, VP8 picture + Opus sound
//   c.close();
//
// Serve the folder as the app is served (scripts/serve_web.sh): Cross-Origin-Opener-Policy
// same-origin and Cross-Origin-Embedder-Policy require-corp on the page, for the engine's
// threads (without them it runs on one thread), and .wasm as application/wasm.
import {workerClient} from './rpc.js';
import {closeVideo, colorizeFilm, measureFrameRate, openVideo, preferredContainer, readSound} from './film.js';
import {FilmStore, filmKey} from './filmstore.js';

const FORMATS = {png: 'image/png', jpeg: 'image/jpeg', tiff: 'image/tiff'};

export class Colorizer {
  // options.model: a model's id from models/models.json (default: its "default"), 'exemplar'
  // (colour from a reference photo, given to each colorize call) or 'marks' (colour only from
  // the hints and strokes given). options.provider: 'auto' (WebGPU where it works, else WASM),
  // 'webgpu' or 'wasm'. options.threads: WASM threads (0: up to 4). options.onProgress: the
  // model's download ({stage: 'model', loaded, total, cached}) and session start.
  static async create({model = null, provider = 'auto', threads = 0, onProgress = null} = {}) {
    const base = new URL('./', import.meta.url);
    const worker = new Worker(new URL('worker.js', base), {type: 'module'});
    const client = workerClient(worker, {crashMessage: 'The picture needed more memory than this tab can give.'});
    try {
      await client.call('init', {config: {provider, threads, maxMegapixels: 0, decoder: 'auto'}});
      const c = new Colorizer(client);
      if (model === 'exemplar' || model === 'marks') {
        c.method = model;
        return c;
      }
      const list = await (await fetch(new URL('models/models.json', base))).json();
      const entry = list.models.find((m) => m.id === (model || list.default));
      if (!entry) throw new Error(`no model "${model || list.default}" in models/models.json`);
      c.session = await client.call('loadModel', {model: entry}, onProgress);
      c.method = 'model';
      c.model = entry;
      return c;
    } catch (e) {
      client.terminate();
      throw e;
    }
  }

  constructor(client) {
    this.client = client;
    this.method = 'model';
    this.model = null;     // the models.json entry (a model)
    this.session = null;   // what the engine says of it: provider, precision, load time
    this.queue = Promise.resolve();  // one picture at a time (the engine holds one)
    this.nextJob = 1;
    this.references = new WeakMap();  // a reference Blob -> its id (the engine keeps its colours)
  }

  // The colour result of `input` (a Blob or File of an image), encoded as options.format
  // ('png' (default), 'jpeg' or 'tiff'; JPEG at options.quality, default 92), with the
  // original's EXIF and XMP unless options.keepMetadata is false, as a Blob. options:
  //   hints: [{x, y, hex: '#rrggbb'}] in the picture's pixels: "this is that colour";
  //   strokes: [{points: [[x, y], ...], hex, width}] in pixels: paint that corrects the colour;
  //   reference: a Blob (the exemplar method); workingSize (default: the model's, else 256;
  //   384 for marks); saturation (0..4, default 1); widenTones (default true);
  //   page (of a multi-page TIFF, default 1); onProgress ({stage}).
  // Errors are Errors with a .code ('invalid argument', 'not an image', 'too large', ...).
  colorize(input, options = {}) {
    const run = this.queue.then(() => this.#run(input, options));
    this.queue = run.catch(() => {});
    return run;
  }

  async #run(input, {hints = [], strokes = [], reference = null, workingSize = 0, saturation = 1,
    widenTones = true, page = 1, format = 'png', quality = 92, keepMetadata = true, onProgress = null} = {}) {
    if (!(input instanceof Blob)) throw Object.assign(new Error('colorize() takes a Blob or File'), {code: 'invalid argument'});
    if (!FORMATS[format]) throw Object.assign(new Error(`format must be png, jpeg or tiff, not ${format}`), {code: 'invalid argument'});
    if (this.method === 'exemplar' && !(reference instanceof Blob))
      throw Object.assign(new Error('the exemplar method needs a reference photo (options.reference)'), {code: 'invalid argument'});
    const settings = {
      ...this.#settings({reference, workingSize, saturation, widenTones}),
      hints: hints.map(hintOf),
      strokes: strokes.map(strokeOf),
    };
    const jobId = `embed-${this.nextJob++}`;
    try {
      const r = await this.client.call('encode', {jobId, file: input, page, reference, settings,
        format, quality, keepMetadata, provider: this.session?.provider}, onProgress);
      return new Blob([r.bytes], {type: FORMATS[format]});
    } finally {
      await this.client.call('forget').catch(() => {});  // the picture's memory, back
    }
  }

  // The engine's settings for a picture or a film.
  #settings({reference, workingSize, saturation, widenTones}) {
    let referenceId = '';
    if (reference instanceof Blob) {
      if (!this.references.has(reference)) this.references.set(reference, `r${this.nextJob++}`);
      referenceId = this.references.get(reference);
    }
    return {
      workingSize: workingSize || (this.method === 'marks' ? 384 : this.model?.workingSize || 256),
      saturation, tone: widenTones ? 'stretch' : 'as-is', method: this.method,
      modelId: this.model ? this.model.id : '', referenceId,
    };
  }

  // A film: `input` (a Blob or File of a video this browser plays) colorized frame by frame, the
  // colour carried from frame to frame along the motion and started afresh at a cut, with its
  // sound where the browser can read it. Resolves to {blob (video/webm: VP8 picture and Opus
  // sound, or video/mp4: H.264 picture and AAC sound where the browser encodes AAC, else Opus),
  // container ('webm' or 'mp4'), frames, total, fps, width, height, shots, sound (bool),
  // soundCodec ('aac', 'opus' or null), soundWhy (why there is none, or null), stopped, error}.
  // options:
  //   container: 'webm' (default), 'mp4' (where the browser has an H.264 encoder) or 'auto' (MP4
  //   where the browser encodes H.264 and AAC, which plays nearly everywhere, else WebM; the
  //   result's `container` says which);
  //   steady: how much colour is carried, 0 .. 0.95 (default 0.8; 0: each frame on its own);
  //   reference, workingSize, saturation, widenTones: as for colorize();
  //   paint: [{frame, strokes, hints}]: corrections on frames (frame: its index, 0-based, at the
  //   film's frame rate; strokes and hints as for colorize(), in the video's own pixels): the
  //   frame takes their colour, and it is held for the frames after it, moving with the
  //   picture, until what it covers changes or the shot ends;
  //   fps: the frame rate to read it at (default: measured by playing a moment of it);
  //   onFrame({index, total, frame}): after each frame (frame: the result, a VideoFrame valid
  //   during the call); signal: an AbortSignal, which ends the film at the frame being made
  //   (what was made is kept);
  //   keep: true: the film is kept on this device as it is made (the origin's private file
  //   system, as the app keeps its films: the three touched last), so that a film stopped, or a
  //   page closed part-way, goes on where it was when the same file is given again with the
  //   same options (with other paint: from before the first frame whose paint changed); the
  //   result's `from` says how many frames were kept from before, `stored` whether it was kept
  //   (true) or why not; fresh: true: made again from the first frame (Colorizer.forgetFilm
  //   forgets it). Frames above 1920 x 1080 are made smaller. Needs a page (it reads the video
  //   through a <video> element) and WebCodecs (Chrome, Edge, Safari).
  colorizeFilm(input, options = {}) {
    const run = this.queue.then(() => this.#film(input, options));
    this.queue = run.catch(() => {});
    return run;
  }

  async #film(input, {steady = 0.8, reference = null, workingSize = 0, saturation = 1, widenTones = true,
    fps = 0, onFrame = null, signal = null, container = 'webm', paint = [], keep = false, fresh = false} = {}) {
    const bad = (message) => Object.assign(new Error(message), {code: 'invalid argument'});
    if (!(input instanceof Blob)) throw bad('colorizeFilm() takes a Blob or File');
    if (!(steady >= 0 && steady <= 0.95)) throw bad(`steady must be in 0 .. 0.95, not ${steady}`);
    if (!['webm', 'mp4', 'auto'].includes(container)) throw bad(`container must be 'webm', 'mp4' or 'auto', not ${container}`);
    if (this.method === 'marks') throw bad('a film is colorized by a model or from a reference photo, not from marks');
    if (this.method === 'exemplar' && !(reference instanceof Blob))
      throw bad('the exemplar method needs a reference photo (options.reference)');
    const byFrame = new Map();
    for (const p of Array.isArray(paint) ? paint : [paint]) {
      if (!Number.isInteger(p?.frame) || p.frame < 0) throw bad(`paint needs a frame index (0, 1, ...), not ${p?.frame}`);
      if (byFrame.has(p.frame)) throw bad(`paint for frame ${p.frame} is given twice`);
      byFrame.set(p.frame, {hints: (p.hints || []).map(hintOf), strokes: (p.strokes || []).map(strokeOf)});
    }
    const settings = this.#settings({reference, workingSize, saturation, widenTones});
    const format = container === 'auto' ? await preferredContainer() : container;
    const video = await openVideo(input);
    let started = false;
    try {
      let rate = fps > 0 ? fps : await measureFrameRate(video) || 24;
      // What it is made with, for a kept film (the reference photo by its file, not its id here).
      const made = {width: video.width, height: video.height, steady, container: format, ...settings, referenceId: null,
        reference: reference ? filmKey(reference) : '', paint: [...byFrame].map(([frame, p]) => ({frame, ...p}))
          .sort((a, b) => a.frame - b.frame)};
      const opened = keep ? await FilmStore.open(input, made, {fps: rate, fresh}).catch(() => null) : null;
      const kept = opened?.kept || null;
      if (kept) rate = kept.fps;
      const sound = await readSound(input, video.duration);
      await this.client.call('filmStart', {carry: steady});
      started = true;
      if (kept) await this.client.call('filmRemember', {...kept.last});
      const out = await colorizeFilm(video, {
        fps: rate, sound, container: format, store: opened?.store || null, kept, shouldStop: () => !!signal?.aborted,
        colorizeFrame: (frame, index) => this.client.call('filmFrame', {frame, settings, reference,
          paint: byFrame.has(index) ? {...byFrame.get(index), width: video.width, height: video.height} : null,
          keep: !!opened?.store}, null, [frame]),
        onFrame: onFrame && (({index, total, frame}) => onFrame({index, total, frame})),
      });
      const {blob, frames, total, width, height, shots, stopped, error, from, stored} = out;
      return {blob, container: format, frames, total, fps: out.fps, width, height, shots, sound: out.sound, soundCodec: out.soundCodec,
        soundWhy: out.sound ? null : out.soundWhy || sound.why || null, stopped, error, from,
        stored: keep ? stored : false};
    } finally {
      closeVideo(video);
      if (started) await this.client.call('filmEnd').catch(() => {});
    }
  }

  // Forgets what is kept on this device of the film `input` (colorizeFilm with keep).
  static async forgetFilm(input) { await FilmStore.forget(input); }

  // Ends the engine (its worker); the Colorizer cannot be used afterwards.
  close() { this.client.terminate(); }
}

// A hint {x, y, hex} as the engine takes it, with its colour's r, g, b (also the app's).
export function hintOf({x, y, hex}) {
  return {x, y, ...hexToRgb(hex), hex};
}

// A stroke {points: [[x, y], ...], hex, width} as the engine takes it.
function strokeOf({points, hex, width}) {
  hexToRgb(hex);
  if (!Array.isArray(points) || !points.length || !points.every((q) => Array.isArray(q) && q.length === 2 && q.every(Number.isFinite)))
    throw Object.assign(new Error('a stroke\'s points are [[x, y], ...]'), {code: 'invalid argument'});
  if (!(width > 0)) throw Object.assign(new Error(`a stroke's width must be above 0, not ${width}`), {code: 'invalid argument'});
  return {points, hex, width};
}

// '#rrggbb' -> {r, g, b} (0..255).
function hexToRgb(hex) {
  if (typeof hex !== 'string' || !/^#[0-9a-f]{6}$/i.test(hex))
    throw Object.assign(new Error(`a colour is #rrggbb, not ${hex}`), {code: 'invalid argument'});
  const n = parseInt(hex.slice(1), 16);
  return {r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255};
}

// The page: UI only. Pixels are decoded, colorized and encoded in worker.js.
import {makeZip, splitForZip, zipEntry} from './zip.js';
import {filesFromEntries, filesFromFolderInput} from './dropped.js';
import {workerClient} from './rpc.js';
import {hintOf} from './colorize.mjs';
import {FILM_MAX_PIXELS, closeVideo, colorizeFilm, filmContainers, filmSize, frameFile, isVideoFile, measureFrameRate,
  openVideo, preferredContainer, readSound, soundCodecs} from './film.js';
import {FilmStore, filmKey} from './filmstore.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const ui = {
  intro: $('intro'), dropzone: $('dropzone'), fileInput: $('file-input'), workspace: $('workspace'),
  viewer: $('viewer'), stage: $('stage'), before: $('canvas-before'), after: $('canvas-after'),
  split: $('split'), zoom: $('zoom'), busy: $('busy'), busyText: $('busy-text'),
  busyProgress: $('busy-progress'), stats: $('stats'), note: $('note'), method: $('method'),
  methodHelp: $('method-help'), referenceGroup: $('reference-group'),
  referenceInput: $('reference-input'), workingSize: $('working-size'), saturation: $('saturation'),
  saturationOut: $('saturation-out'), toneStretch: $('tone-stretch'), toneGroup: $('tone-group'), hintGroup: $('hint-group'), hintColor: $('hint-color'),
  hintMode: $('hint-mode'), hintList: $('hint-list'), hintsLayer: $('hints-layer'),
  hintHelp: $('hint-help'), paintMode: $('paint-mode'), brush: $('brush'), paintUndo: $('paint-undo'),
  paintClear: $('paint-clear'), paintCount: $('paint-count'), paintLayer: $('paint-layer'),
  workRestored: $('work-restored'), keptCount: $('kept-count'), forgetAll: $('forget-all'), workRestoredText: $('work-restored-text'), workForget: $('work-forget'),
  crosshair: $('crosshair'), format: $('format'), keepMeta: $('keep-meta'), download: $('download'),
  downloadAll: $('download-all'), share: $('share'), provider: $('provider'), engine: $('engine'),
  queueWrap: $('queue-wrap'), queue: $('queue'), addMore: $('add-more'), addFolder: $('add-folder'),
  chooseFolder: $('choose-folder'), folderInput: $('folder-input'), folderNote: $('folder-note'),
  modelStatus: $('model-status-text'), modelProgress: $('model-progress'),
  dragOverlay: $('drag-overlay'), introStatus: $('intro-status'), viewerMsg: $('viewer-msg'),
};

// ---- state ---------------------------------------------------------------------------------

const state = {
  models: [],          // from models/models.json
  modelSession: null,  // what the worker reports after loading a model
  modelLoading: null,  // promise
  workerInfo: null,
  jobs: [],            // {id, file, name, status, error, settings, ab, abW, abH, abKey, hints, strokes, timings, ...}
  selected: null,      // job id on screen
  reference: null,     // {id, file}
  hintMode: false,
  paintMode: false,
  stroke: null,        // the stroke being drawn: {points: [[x, y], ...], hex, width} (picture pixels)
  cursor: {x: 0.5, y: 0.5},
  splitBeforePaint: null,  // where the before/after split was when Paint was turned on
  running: false,
};
let nextJobId = 1;
window.colorizeApp = state;  // for tests and curious users

function selectedJob() {
  return state.jobs.find((j) => j.id === state.selected) || null;
}

// ---- worker RPC ----------------------------------------------------------------------------

let client = null;  // rpc.js's client of the current worker

function startWorker() {
  const worker = new Worker(new URL('./worker.js', import.meta.url), {type: 'module'});
  const reason = 'The photo needed more memory or time than this tab can give; the engine was restarted.';
  client = workerClient(worker, {crashMessage: reason, onCrash: () => restartWorker(reason)});
  const init = call('init', {config: {provider: ui.provider.value, threads: Number(params.get('threads')) || 0,
    maxMegapixels: Number(params.get('maxmp')) || 0, decoder: params.get('decoder') || 'auto'}});
  state.workerReady = init.then((info) => { state.workerInfo = info; showEngine(); return info; });
  return state.workerReady;
}

function restartWorker(reason) {
  client?.terminate(reason);
  state.modelSession = null;
  state.modelLoading = null;
  startWorker();
}

function call(type, payload = {}, onProgress = null, transfer = []) {
  return client.call(type, payload, onProgress, transfer);
}

// ---- models --------------------------------------------------------------------------------

const EXEMPLAR = 'exemplar';
const MARKS = 'marks';  // colour from the user's hints and paint alone (Levin et al. 2004)

async function loadManifest() {
  try {
    const r = await fetch(params.get('models') === 'test' ? 'models/models-test.json' : 'models/models.json');
    const m = await r.json();
    state.models = m.models || [];
    state.defaultModel = m.default || state.models[0]?.id;
  } catch {
    state.models = [];
  }
  ui.method.innerHTML = '';
  for (const m of state.models) {
    const o = new Option(`${m.name}${m.hints ? ' · hints' : ''}`, m.id);
    ui.method.add(o);
  }
  ui.method.add(new Option('Reference photo (exemplar)', EXEMPLAR));
  ui.method.add(new Option('Your colours only (hints and paint)', MARKS));
  const want = params.get('model') || state.defaultModel || EXEMPLAR;
  ui.method.value = [...ui.method.options].some((o) => o.value === want) ? want : ui.method.options[0].value;
  onMethodChange(false);
}

function currentModel() {
  return state.models.find((m) => m.id === ui.method.value) || null;
}

function setModelStatus(text) {
  ui.modelStatus.textContent = text;
  ui.introStatus.textContent = text;
}

function fmtBytes(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} KB`;
}

async function ensureModel() {
  const model = currentModel();
  if (!model) return null;
  if (state.modelSession && state.modelSession.modelId === model.id) return state.modelSession;
  if (state.modelLoading && state.modelLoading.id === model.id) return state.modelLoading.promise;
  const promise = loadModelNow(model);
  state.modelLoading = {id: model.id, promise};
  return promise;
}

async function loadModelNow(model) {
  await state.workerReady;
  setModelStatus(`Loading model “${model.name}”…`);
  ui.modelProgress.hidden = false;
  ui.modelProgress.removeAttribute('value');
  const promise = call('loadModel', {model}, (p) => {
    if (p.stage === 'model' && p.total) {
      ui.modelProgress.max = p.total;
      ui.modelProgress.value = p.loaded;
      setModelStatus(p.cached ? `Model “${model.name}” found in the offline cache`
        : `Downloading model “${model.name}”: ${fmtBytes(p.loaded)} of ${fmtBytes(p.total)}`);
    } else if (p.stage === 'session') {
      ui.modelProgress.removeAttribute('value');
      setModelStatus(`Starting ${p.provider === 'webgpu' ? 'WebGPU' : 'WASM'} inference…`);
    }
  }).then((s) => {
    state.modelSession = s;
    ui.modelProgress.hidden = true;
    setModelStatus(`Model “${model.name}” ready (${s.precision}, ${providerName(s)}, ` +
      `loaded in ${Math.round(s.loadMs)} ms${s.cached ? ' from the offline cache' : ''}). Works offline.`);
    document.body.dataset.provider = s.provider;
    showEngine();
    return s;
  }, (e) => {
    ui.modelProgress.hidden = true;
    setModelStatus(`Model “${model.name}” could not be loaded: ${e.message}`);
    state.modelLoading = null;
    throw e;
  });
  return promise;
}

function providerName(s) {
  if (!s) return '';
  if (s.provider === 'webgpu') return 'WebGPU';
  return `WASM${s.threads > 1 ? `, ${s.threads} threads` : ', 1 thread'}`;
}

function showEngine() {
  const i = state.workerInfo, s = state.modelSession;
  const lines = [];
  if (i) {
    const gpu = !i.webgpu ? 'no' : `yes (${i.shaderF16 ? 'shader-f16' : 'fp32'}${i.webgpuSoftware ? ', software adapter' : ''})`;
    lines.push(`Cross-origin isolated: ${i.crossOriginIsolated ? 'yes' : 'no'} · WebGPU: ${gpu}`);
    lines.push(`Image limit: ${(i.maxPixels / 1e6).toFixed(0)} MP (larger photos are downscaled)`);
  }
  if (s) {
    lines.push(`Running: ${providerName(s)}, ${s.precision} model`);
    if (s.fallbacks?.length) lines.push(`Not WebGPU because ${s.fallbacks.join('; ')}`);
  }
  ui.engine.textContent = lines.join('\n');
}

// ---- queue ---------------------------------------------------------------------------------

// paths: for files from a dropped folder, each one's path inside it ("box 1/scan.tif"), which
// "Download all" keeps as the ZIP's folders.
function addFiles(files, paths = []) {
  let list = [...files].map((f, i) => ({file: f, path: paths[i] || ''}))
    .filter(({file}) => file && file.size !== undefined);
  // A film goes to its own section (one at a time); photos to the queue.
  const films = list.filter(({file}) => isVideoFile(file));
  if (films.length) {
    startFilm(films[0].file, films.length > 1 ? `Only one film at a time: ${films.length - 1} more left out.` : '');
    list = list.filter(({file}) => !isVideoFile(file));
  }
  if (!list.length) return;
  for (const {file, path} of list) {
    const job = {id: nextJobId++, file, name: file.name || 'pasted-image.png', status: 'queued',
                 hints: [], strokes: [], ab: null, folder: path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : ''};
    restoreWork(job);
    state.jobs.push(job);
    renderQueueItem(job);
  }
  // Preview thumbnails for photos that wait behind others (the first one's result comes soon,
  // and decoding a big photo twice at once would slow it down).
  setTimeout(thumbQueued, 1500);
  ui.intro.hidden = true;
  ui.workspace.hidden = false;
  ui.queueWrap.hidden = false;
  if (state.selected === null) select(state.jobs.find((j) => j.status === 'queued').id, false);
  pump();
}

// The further pages of a multi-page TIFF (albums scanned into one file): each its own job,
// queued right after the first, named NAME-p2.tif ... so the results are NAME-p2.png ...
function addPages(job, pages) {
  job.pagesAdded = true;
  const stem = job.name.replace(/\.[^.]+$/, ''), ext = job.name.match(/\.[^.]+$/)?.[0] || '';
  let after = job;
  for (let k = 2; k <= pages; k++) {
    const page = {id: nextJobId++, file: job.file, name: `${stem}-p${k}${ext}`, page: k,
                  status: 'queued', hints: [], strokes: [], ab: null, folder: job.folder};
    restoreWork(page);
    state.jobs.splice(state.jobs.indexOf(after) + 1, 0, page);
    renderQueueItem(page, after);
    after = page;
  }
}

function settingsFor(job) {
  const model = currentModel();
  return {
    workingSize: Number(ui.workingSize.value),
    saturation: Number(ui.saturation.value),
    tone: ui.toneStretch.checked ? 'stretch' : 'as-is',
    method: model ? 'model' : ui.method.value === MARKS ? MARKS : EXEMPLAR,
    modelId: model ? model.id : '',
    hints: job.hints,
    strokes: job.strokes,
    referenceId: state.reference ? state.reference.id : '',
  };
}

// What the chroma (ab) depends on: if unchanged, a job can be shown again without inference.
function inferKey(s) {
  return JSON.stringify([s.method, s.modelId, s.hints, s.strokes, s.referenceId, s.workingSize, s.tone,
    state.modelSession?.provider || '']);
}

// Processes queued jobs one at a time; the selected job first.
async function pump() {
  if (state.running) return;
  state.running = true;
  try {
    for (;;) {
      const sel = selectedJob();
      const job = sel && (sel.status === 'queued' || sel.status === 'stale') ? sel
        : state.jobs.find((j) => j.status === 'queued');
      if (!job) break;
      await runJob(job);
    }
  } finally {
    state.running = false;
  }
}

async function runJob(job) {
  const shown = job.id === state.selected;
  job.status = 'working';
  updateQueueItem(job);
  const settings = settingsFor(job);
  try {
    if (settings.method === 'model') await ensureModel();
    if (settings.method === EXEMPLAR && !state.reference) {
      throw Object.assign(new Error('Choose a reference photo (a colour photo of a similar scene).'),
        {code: 'needs reference'});
    }
    const key = inferKey(settings);
    const reuse = job.ab && job.abKey === key;
    if (shown) setBusy('Decoding…', 0);
    const t0 = performance.now();
    // The "before" picture: decoded here by the browser while the worker works (the worker's
    // copy is asked for only when the browser cannot read the file, e.g. TIFF or TGA).
    const needBefore = shown && state.beforeShownFor !== job.id;
    // (A further page of a TIFF: only the worker's decoder reads it.)
    const beforeHere = needBefore && !job.page ? createImageBitmap(job.file).catch(() => null) : null;
    const r = await call('process', {
      jobId: job.id, file: job.file, page: job.page || 1, reference: state.reference?.file, settings,
      ab: reuse ? job.ab : null, abW: job.abW, abH: job.abH, provider: job.provider, wantBefore: false,
    }, (p) => shown && setBusy(stageText(p.stage), stageFraction(p.stage)));
    if (needBefore) {
      r.before = await beforeHere;
      if (!r.before || r.before.width !== r.width || r.before.height !== r.height) {
        r.before?.close();
        r.before = (await call('before', {jobId: job.id})).before;
      }
    }
    job.elapsedMs = performance.now() - t0;
    Object.assign(job, {status: 'done', error: null, ab: r.ab, abW: r.abW, abH: r.abH, abKey: key,
      width: r.width, height: r.height, timings: r.timings, provider: r.provider, note: r.note,
      decoder: r.decoder, settings});
    // Settings changed while it ran (another method, a hint, a stroke): it runs again.
    if (JSON.stringify(settingsFor(job)) !== JSON.stringify(settings)) job.status = 'stale';
    drawThumb(job, r.after);
    if (r.pages > 1 && !job.page && !job.pagesAdded) addPages(job, r.pages);
    if (job.id === state.selected) {
      show(job, r.before, r.after);
      if (r.before) state.beforeShownFor = job.id;
    }
    else { r.before?.close(); r.after.close(); }
    document.body.dataset.lastDone = String(job.id);
  } catch (e) {
    job.status = 'error';
    job.error = e.message;
    if (job.id === state.selected) showError(job);
  } finally {
    if (shown) setBusy(null);
    updateQueueItem(job);
    updateButtons();
  }
}

const STAGES = {decode: ['Decoding…', 0.1], prepare: ['Preparing…', 0.3], infer: ['Colorizing…', 0.5],
  paint: ['Applying your colours…', 0.6], finish: ['Bringing colour to full resolution…', 0.75], display: ['Drawing…', 0.9],
  encode: ['Encoding…', 0.9]};
const stageText = (s) => (STAGES[s] || ['Working…'])[0];
const stageFraction = (s) => (STAGES[s] || [0, 0.5])[1];

function setBusy(text, fraction) {
  if (text === null) { ui.busy.hidden = true; ui.viewer.removeAttribute('aria-busy'); return; }
  ui.busy.hidden = false;
  ui.viewer.setAttribute('aria-busy', 'true');
  ui.busyText.textContent = text;
  ui.busyProgress.value = fraction;
}

// ---- queue rendering -----------------------------------------------------------------------

// after: the job whose item the new one follows (the further pages of a file); else last.
function renderQueueItem(job, after = null) {
  const li = document.createElement('li');
  li.dataset.job = job.id;
  li.innerHTML = `<button type="button" class="q-select"><canvas class="thumb" width="96" height="72"></canvas>
    <span class="q-name"></span><span class="q-status"></span></button>
    <button type="button" class="q-remove small" aria-label="Remove">×</button>`;
  li.querySelector('.q-name').textContent = job.name;
  li.querySelector('.q-remove').setAttribute('aria-label', `Remove ${job.name}`);
  li.querySelector('.q-select').addEventListener('click', () => select(job.id, true));
  li.querySelector('.q-remove').addEventListener('click', () => removeJob(job.id));
  if (after?.li) after.li.after(li); else ui.queue.append(li);
  job.li = li;
  updateQueueItem(job);
}

const STATUS_TEXT = {queued: 'Waiting', working: 'Working…', done: 'Done', error: 'Failed', stale: 'Waiting'};

function updateQueueItem(job) {
  if (!job.li) return;
  job.li.dataset.status = job.status;
  job.li.classList.toggle('selected', job.id === state.selected);
  job.li.querySelector('.q-select').setAttribute('aria-current', job.id === state.selected ? 'true' : 'false');
  const s = job.li.querySelector('.q-status');
  s.textContent = job.status === 'error' ? `Failed: ${job.error}` : STATUS_TEXT[job.status];
}

// Thumbnails of waiting photos one at a time: a dropped folder of hundreds of scans must not
// be decoded all at once.
let thumbing = false;
async function thumbQueued() {
  if (thumbing) return;
  thumbing = true;
  try {
    for (let j; (j = state.jobs.find((x) => x.status === 'queued' && !x.thumbed));) await makeThumb(j);
  } finally { thumbing = false; }
}

async function makeThumb(job) {
  job.thumbed = true;
  if (job.page) return;  // a further page of a TIFF: its thumbnail comes with its result
  try {
    const bmp = await createImageBitmap(job.file, {resizeHeight: 72, resizeQuality: 'medium'});
    if (job.status !== 'done') drawThumb(job, bmp, true);
    bmp.close();
  } catch { /* the browser cannot preview this format; the worker may still decode it */ }
}

function drawThumb(job, bmp, keep) {
  const c = job.li?.querySelector('canvas');
  if (!c) return;
  const ctx = c.getContext('2d');
  const s = Math.min(c.width / bmp.width, c.height / bmp.height);
  const w = bmp.width * s, h = bmp.height * s;
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.drawImage(bmp, (c.width - w) / 2, (c.height - h) / 2, w, h);
  if (!keep) { /* caller closes */ }
}

function removeJob(id) {
  const i = state.jobs.findIndex((j) => j.id === id);
  if (i < 0) return;
  const [job] = state.jobs.splice(i, 1);
  job.li?.remove();
  if (job.status === 'working') restartWorker('Cancelled.');
  if (state.selected === id) {
    state.selected = null;
    clearView();
    if (state.jobs.length) select(state.jobs[Math.min(i, state.jobs.length - 1)].id, true);
  }
  if (!state.jobs.length) { ui.workspace.hidden = true; ui.queueWrap.hidden = true; ui.intro.hidden = false; }
  updateButtons();
  if (job.film) renderFilmPaint();
  pump();
}

// ---- the viewer ----------------------------------------------------------------------------

function select(id, focusViewer) {
  state.selected = id;
  for (const j of state.jobs) updateQueueItem(j);
  const job = state.jobs.find((j) => j.id === id);
  renderHints();
  renderPaint();
  if (!job) return;
  if (job.status === 'done') {
    // Shown again: the worker re-finishes from the kept chroma (no inference).
    job.status = 'stale';
    updateQueueItem(job);
  }
  if (job.status === 'error') { clearView(); showError(job); }
  updateButtons();
  pump();
  if (focusViewer) ui.viewer.focus();
}

function clearView() {
  for (const c of [ui.before, ui.after]) { c.width = 1; c.height = 1; }
  delete ui.stage.dataset.ready;
  ui.stage.style.aspectRatio = '';
  state.beforeShownFor = null;
  ui.stats.textContent = '';
  ui.note.textContent = '';
}

function show(job, before, after) {
  for (const [c, b] of [[ui.before, before], [ui.after, after]]) {
    if (!b) continue;
    c.width = b.width;
    c.height = b.height;
    c.getContext('2d').drawImage(b, 0, 0);
    b.close();
  }
  ui.stage.style.aspectRatio = `${job.width} / ${job.height}`;
  ui.viewerMsg.hidden = true;
  ui.stage.dataset.ready = 'true';
  const t = job.timings || {};
  const part = (k, label) => (t[k] !== undefined ? `${label} ${Math.round(t[k])} ms` : null);
  const parts = [part('decode', 'decode'), part('prepare', 'prepare'),
    part('infer', job.provider === 'webgpu' ? 'model (WebGPU)' : job.provider?.startsWith('exemplar') ? 'exemplar'
      : job.provider?.startsWith('marks') ? 'marks' : 'model (WASM)'),
    part('paint', 'your colours'), part('finish', 'finish'), part('display', 'draw')].filter(Boolean);
  ui.stats.textContent = `${job.width}×${job.height} · ${parts.join(' · ')} · total ${Math.round(job.elapsedMs)} ms` +
    ` · ran on: ${job.provider === 'webgpu' ? 'WebGPU' : job.provider === 'wasm' ? providerName(state.modelSession) : job.provider}`;
  ui.stats.dataset.provider = job.provider;
  ui.note.textContent = job.note || '';
  renderHints();
  renderPaint();
}

function showError(job) {
  ui.note.textContent = `${job.name}: ${job.error}`;
  if (!ui.stage.dataset.ready) {
    ui.viewerMsg.textContent = `“${job.name}” could not be colorized: ${job.error}`;
    ui.viewerMsg.hidden = false;
  }
}

function setSplit(v) {
  v = Math.max(0, Math.min(100, v));
  ui.split.value = v;
  ui.stage.style.setProperty('--split', `${v}%`);
  ui.split.setAttribute('aria-valuetext', `${Math.round(v)}% before, ${Math.round(100 - v)}% after`);
  ui.stage.classList.toggle('all-after', v === 0);
  ui.stage.classList.toggle('all-before', v === 100);
}

function stagePoint(ev) {
  const r = ui.after.getBoundingClientRect();
  return {fx: (ev.clientX - r.left) / r.width, fy: (ev.clientY - r.top) / r.height};
}

let dragging = false;
ui.stage.addEventListener('pointerdown', (ev) => {
  const {fx, fy} = stagePoint(ev);
  if (state.hintMode) { addHint(fx, fy); return; }
  if (state.paintMode) {
    if (startStroke(fx, fy)) ui.stage.setPointerCapture(ev.pointerId);
    return;
  }
  dragging = true;
  ui.stage.setPointerCapture(ev.pointerId);
  setSplit(fx * 100);
});
ui.stage.addEventListener('pointermove', (ev) => {
  if (state.stroke) { extendStroke(stagePoint(ev)); return; }
  if (dragging) setSplit(stagePoint(ev).fx * 100);
});
ui.stage.addEventListener('pointerup', () => { dragging = false; endStroke(); });
ui.stage.addEventListener('pointercancel', () => { dragging = false; endStroke(); });
ui.split.addEventListener('input', () => setSplit(Number(ui.split.value)));
ui.zoom.addEventListener('click', () => {
  const on = ui.zoom.getAttribute('aria-pressed') !== 'true';
  ui.zoom.setAttribute('aria-pressed', String(on));
  ui.viewer.classList.toggle('actual', on);
});

// From the keyboard, hints and paint go where the crosshair is: the arrow keys move it
// (Shift: ten times as far); Enter or Space places a hint, or starts and ends a stroke of
// paint (the crosshair's moves between draw it); Escape drops a stroke being drawn.
ui.viewer.addEventListener('keydown', (ev) => {
  if (ev.target !== ui.viewer) return;
  const step = ev.shiftKey ? 0.1 : 0.01;
  const moves = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]};
  if (state.hintMode || state.paintMode) {
    if (moves[ev.key]) {
      state.cursor.x = Math.max(0, Math.min(1, state.cursor.x + moves[ev.key][0]));
      state.cursor.y = Math.max(0, Math.min(1, state.cursor.y + moves[ev.key][1]));
      placeCrosshair();
      if (state.stroke) extendStroke({fx: state.cursor.x, fy: state.cursor.y}, true);
      ev.preventDefault();
    } else if (ev.key === 'Enter' || ev.key === ' ') {
      if (state.hintMode) addHint(state.cursor.x, state.cursor.y);
      else if (state.stroke) endStroke();
      else startStroke(state.cursor.x, state.cursor.y);
      ev.preventDefault();
    } else if (ev.key === 'Escape' && state.stroke) {
      state.stroke = null;
      renderPaint();
      ev.preventDefault();
    }
  } else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight') {
    setSplit(Number(ui.split.value) + (ev.key === 'ArrowLeft' ? -1 : 1) * step * 100);
    ev.preventDefault();
  }
});

// ---- hints ---------------------------------------------------------------------------------

function addHint(fx, fy) {
  const job = selectedJob();
  if (!job || !job.width || fx < 0 || fx > 1 || fy < 0 || fy > 1) return;
  job.hints = [...job.hints, hintOf({x: fx * job.width, y: fy * job.height, hex: ui.hintColor.value})];
  rerunSelected();
}

function removeHint(i) {
  const job = selectedJob();
  if (!job) return;
  job.hints = job.hints.filter((_, k) => k !== i);
  rerunSelected();
}

function renderHints() {
  const job = selectedJob();
  ui.hintsLayer.innerHTML = '';
  ui.hintList.innerHTML = '';
  if (!job || !job.width) return;
  job.hints.forEach((h, i) => {
    const dot = document.createElement('span');
    dot.className = 'hint-dot';
    dot.style.left = `${(100 * h.x) / job.width}%`;
    dot.style.top = `${(100 * h.y) / job.height}%`;
    dot.style.background = h.hex;
    ui.hintsLayer.append(dot);
    const li = document.createElement('li');
    li.innerHTML = `<span class="swatch"></span><span></span><button type="button" class="small">Remove</button>`;
    li.querySelector('.swatch').style.background = h.hex;
    li.children[1].textContent = `${h.hex} at ${Math.round(h.x)}, ${Math.round(h.y)}`;
    li.querySelector('button').setAttribute('aria-label', `Remove hint ${i + 1}`);
    li.querySelector('button').addEventListener('click', () => removeHint(i));
    ui.hintList.append(li);
  });
}

// ---- paint (corrections: colour marks spread along the photo's lightness) -----------------

// Starts a stroke at (fx, fy) (fractions of the photo's width and height); false when there
// is no photo there.
function startStroke(fx, fy) {
  const job = selectedJob();
  if (!job || !job.width || fx < 0 || fx > 1 || fy < 0 || fy > 1) return false;
  const width = Number(ui.brush.value) * Math.max(job.width, job.height);
  state.stroke = {points: [[fx * job.width, fy * job.height]], hex: ui.hintColor.value, width};
  renderPaint();
  return true;
}

// Adds a point to the stroke; a pointer's points closer than a quarter of the brush to the
// last one are left out (`every`: each one is kept, as for the keyboard's steps).
function extendStroke({fx, fy}, every = false) {
  const job = selectedJob();
  if (!job || !state.stroke) return;
  const x = Math.max(0, Math.min(1, fx)) * job.width, y = Math.max(0, Math.min(1, fy)) * job.height;
  const last = state.stroke.points[state.stroke.points.length - 1];
  if (Math.hypot(x - last[0], y - last[1]) < (every ? 1e-6 : state.stroke.width / 4)) return;
  state.stroke.points.push([x, y]);
  renderPaint();
}

function endStroke() {
  const job = selectedJob();
  const stroke = state.stroke;
  state.stroke = null;
  if (!job || !stroke) return;
  stroke.points = stroke.points.map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10]);
  job.strokes = [...job.strokes, stroke];
  rerunSelected();
}

function renderPaint() {
  const job = selectedJob();
  const svg = ui.paintLayer;
  svg.innerHTML = '';
  const strokes = job ? [...job.strokes, ...(state.stroke ? [state.stroke] : [])] : [];
  if (job && job.width) svg.setAttribute('viewBox', `0 0 ${job.width} ${job.height}`);
  for (const st of strokes) {
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    const pts = st.points.length === 1 ? [st.points[0], [st.points[0][0] + 0.01, st.points[0][1]]] : st.points;
    line.setAttribute('points', pts.map((p) => p.join(',')).join(' '));
    line.setAttribute('stroke', st.hex);
    line.setAttribute('stroke-width', String(st.width));
    svg.append(line);
  }
  const n = job ? job.strokes.length : 0;
  ui.paintUndo.disabled = ui.paintClear.disabled = n === 0;
  renderRestored(job);
  ui.paintCount.textContent = state.stroke && state.paintMode && document.activeElement === ui.viewer
    ? 'Drawing a stroke: the arrow keys draw it, Enter ends it, Escape drops it.'
    : n ? `${n} stroke${n === 1 ? '' : 's'} of paint` : '';
}

// ---- the user's colours kept across visits ---------------------------------------------------
// A photo's hints and paint are kept in this browser (localStorage: never uploaded, and only
// positions and colours, no pixels) under its name, size, date and page, so that opening it
// again, after the tab was closed or lost, brings them back. Removing them all forgets them.
const WORK_PREFIX = 'colorize:work:';
const WORK_KEEP = 200;  // photos remembered; the longest untouched are forgotten first

function workKey(job) {
  return `${WORK_PREFIX}${job.name}|${job.file.size}|${job.file.lastModified || 0}|${job.page || 1}`;
}

// Called on every change of the photo's settings: storage is touched only when its hints or
// paint changed, and the oldest entries are read only when there are too many.
function keepWork(job) {
  const work = workOf(job);
  if (job.keptWork === work) return;
  try {
    const key = workKey(job);
    if (!job.hints.length && !job.strokes.length) {
      localStorage.removeItem(key);
      job.keptWork = work;
      return;
    }
    localStorage.setItem(key, JSON.stringify({hints: job.hints, strokes: job.strokes, at: Date.now()}));
    job.keptWork = work;
    const kept = keptKeys();
    if (kept.length > WORK_KEEP) {
      const byAge = keptKeys(true);
      for (const k of byAge.slice(0, byAge.length - WORK_KEEP)) localStorage.removeItem(k);
    }
  } catch {
    // Storage full, disabled or damaged: the work stays in this tab only.
  }
}

const finite = (...v) => v.every(Number.isFinite);
const isHex = (h) => typeof h === 'string' && /^#[0-9a-f]{6}$/i.test(h);

// The kept hints and paint of a photo being opened, checked entry by entry (the storage is the
// user's to edit or damage).
// {hints, strokes} of kept work (from storage: anything damaged is left out), in the form the
// app makes them.
function cleanWork(saved) {
  const hints = (Array.isArray(saved?.hints) ? saved.hints : [])
    .filter((h) => h && finite(h.x, h.y) && isHex(h.hex))
    .map(hintOf);
  const strokes = (Array.isArray(saved?.strokes) ? saved.strokes : [])
    .filter((st) => st && isHex(st.hex) && finite(st.width) && st.width > 0 && Array.isArray(st.points) &&
      st.points.length > 0 && st.points.every((q) => Array.isArray(q) && finite(q[0], q[1])))
    .map((st) => ({points: st.points.map((q) => [q[0], q[1]]), hex: st.hex, width: st.width}));
  return {hints, strokes};
}

function restoreWork(job) {
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(workKey(job)) || 'null'); } catch { return; }
  if (!saved || typeof saved !== 'object') return;
  const {hints, strokes} = cleanWork(saved);
  if (!hints.length && !strokes.length) return;
  job.hints = hints;
  job.strokes = strokes;
  job.restoredAt = finite(saved.at) ? saved.at : null;
  job.keptWork = job.restoredWork = workOf(job);
}

// Says so while the photo holds just what was brought back.
function renderRestored(job) {
  const n = job && job.restoredWork === workOf(job) ? job.hints.length + job.strokes.length : 0;
  ui.workRestored.hidden = n === 0;
  if (!n) return;
  const when = job.restoredAt ? ` from ${new Date(job.restoredAt).toLocaleString()}` : '';
  const parts = [job.strokes.length && `${job.strokes.length} stroke${job.strokes.length === 1 ? '' : 's'} of paint`,
    job.hints.length && `${job.hints.length} hint${job.hints.length === 1 ? '' : 's'}`].filter(Boolean);
  ui.workRestoredText.textContent = `Your ${parts.join(' and ')}${when}, kept in this browser, are back on this photo.`;
}

// The keys of every photo's kept work; `byAge`: oldest first (each entry read for its date).
function keptKeys(byAge = false) {
  const keys = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k.startsWith(WORK_PREFIX)) keys.push(k);
    }
  } catch { /* storage disabled */ }
  if (!byAge) return keys;
  const at = (k) => {
    try { return JSON.parse(localStorage.getItem(k) || '{}').at || 0; } catch { return 0; }  // damaged: oldest
  };
  return keys.map((k) => [at(k), k]).sort((x, y) => x[0] - y[0]).map(([, k]) => k);
}

function renderKept() {
  const n = keptKeys().length;
  ui.keptCount.textContent = n ? `This browser keeps the hints and paint of ${n} photo${n === 1 ? '' : 's'} ` +
    '(positions and colours only), to bring them back when a photo is opened again.'
    : 'This browser keeps no hints or paint.';
  ui.forgetAll.disabled = n === 0;
}

ui.forgetAll.addEventListener('click', () => {
  for (const k of keptKeys()) localStorage.removeItem(k);
  for (const job of state.jobs) job.keptWork = job.restoredWork = undefined;
  renderKept();
  renderPaint();
});

ui.workForget.addEventListener('click', () => {
  const job = selectedJob();
  if (!job) return;
  job.hints = [];
  job.strokes = [];
  rerunSelected();
});

// Paint corrects the result, so Paint shows all of it (the split moves to the left edge, and
// back when Paint is turned off if it was not moved meanwhile); the paint shows only over
// the result's side of the split.
function setPaintMode(on) {
  if (on && state.hintMode) setHintMode(false);
  if (!on && state.stroke) { state.stroke = null; renderPaint(); }
  if (on && !state.paintMode) {
    state.splitBeforePaint = Number(ui.split.value);
    setSplit(0);
  } else if (!on && state.paintMode && state.splitBeforePaint !== null) {
    if (Number(ui.split.value) === 0) setSplit(state.splitBeforePaint);
    state.splitBeforePaint = null;
  }
  state.paintMode = on;
  ui.paintMode.setAttribute('aria-pressed', String(on));
  ui.stage.classList.toggle('painting', on);
  ui.crosshair.hidden = !on && !state.hintMode;
  placeCrosshair();
}

ui.paintMode.addEventListener('click', () => setPaintMode(!state.paintMode));
ui.paintUndo.addEventListener('click', () => {
  const job = selectedJob();
  if (!job || !job.strokes.length) return;
  job.strokes = job.strokes.slice(0, -1);
  rerunSelected();
});
ui.paintClear.addEventListener('click', () => {
  const job = selectedJob();
  if (!job || !job.strokes.length) return;
  job.strokes = [];
  rerunSelected();
});

function placeCrosshair() {
  ui.crosshair.style.left = `${state.cursor.x * 100}%`;
  ui.crosshair.style.top = `${state.cursor.y * 100}%`;
}

function setHintMode(on) {
  if (on && state.paintMode) setPaintMode(false);
  state.hintMode = on;
  ui.hintMode.setAttribute('aria-pressed', String(on));
  ui.stage.classList.toggle('hinting', on);
  ui.crosshair.hidden = !on && !state.paintMode;
  placeCrosshair();
}

ui.hintMode.addEventListener('click', () => setHintMode(!state.hintMode));

// ---- settings ------------------------------------------------------------------------------

function rerunSelected() {
  renderHints();
  renderPaint();
  const job = selectedJob();
  if (job) keepWork(job);
  renderKept();
  if (job?.film) renderFilmPaint();
  if (job && job.status !== 'working' && job.status !== 'queued') {
    job.status = 'stale';
    updateQueueItem(job);
  }
  pump();
}

const PAINT_HELP = '“Paint”: drag over a wrong colour with the right one (grey paint takes colour ' +
  'away); the change spreads over the area of like lightness around the stroke. From the ' +
  'keyboard: on the photo, Enter starts a stroke at the crosshair, the arrow keys draw it, ' +
  'Enter ends it.';

function onMethodChange(rerun = true) {
  const model = currentModel();
  const marks = ui.method.value === MARKS;
  ui.referenceGroup.hidden = !!model || marks;
  ui.toneGroup.hidden = !model;  // what the model is shown: nothing to the other methods
  // Hints go to models that take them (and are held as marks), are marks for the exemplar
  // method and the marks method; paint is for all.
  const hints = !model || !!model.hints;
  ui.hintMode.hidden = !hints;
  if (!hints && state.hintMode) setHintMode(false);
  ui.hintHelp.textContent = marks
    ? 'Click the photo with “Place hints” on, or drag with “Paint” on: your colours spread ' +
      'along the photo’s lightness and stop at its edges. Where you give none, colour from the ' +
      'nearest marks of like lightness fills in.'
    : hints ? '“Place hints”: click the photo (or press Enter on it) to say “this is that ' +
      `colour”; ${model ? 'the model takes it in, and ' : ''}the colour is held there. ` + PAINT_HELP
      : PAINT_HELP;
  ui.methodHelp.textContent = model ? (model.description || '')
    : marks ? 'No model: colour only from your hints and paint, spread along the photo’s lightness ' +
      '(Levin, Lischinski & Weiss 2004).'
      : 'Transfers colour from a reference photo you choose (Welsh et al. 2002).';
  if (marks && !(rerun === false && params.get('size'))) ui.workingSize.value = '384';
  if (model) {
    const ws = String(model.workingSize || '');
    if (ws && ![...ui.workingSize.options].some((o) => o.value === ws)) {
      const o = new Option(`${ws} px — the model's own`, ws);
      const after = [...ui.workingSize.options].find((x) => Number(x.value) > Number(ws));
      ui.workingSize.add(o, after || null);
    }
    if (ws && !(rerun === false && params.get('size'))) ui.workingSize.value = ws;
    ensureModel().catch(() => {});
  }
  if (rerun) for (const j of state.jobs) if (j.status === 'done' || j.status === 'error') { j.status = 'stale'; updateQueueItem(j); }
  if (rerun) pump();
}

ui.method.addEventListener('change', () => onMethodChange(true));
ui.workingSize.addEventListener('change', rerunSelected);
ui.toneStretch.addEventListener('change', rerunSelected);
let satTimer = null;
ui.saturation.addEventListener('input', () => {
  ui.saturationOut.textContent = Number(ui.saturation.value).toFixed(2);
  clearTimeout(satTimer);
  satTimer = setTimeout(rerunSelected, 120);
});
ui.referenceInput.addEventListener('change', () => {
  const f = ui.referenceInput.files[0];
  if (!f) return;
  state.reference = {id: `${f.name}:${f.size}:${f.lastModified}:${Date.now()}`, file: f};
  for (const j of state.jobs) if (j.status !== 'working') { j.status = j.status === 'queued' ? 'queued' : 'stale'; updateQueueItem(j); }
  pump();
});
ui.provider.addEventListener('change', () => {
  restartWorker('Switching inference provider.');
  if (currentModel()) ensureModel().catch(() => {});
  rerunSelected();
});

// ---- files in ------------------------------------------------------------------------------

ui.dropzone.addEventListener('click', () => ui.fileInput.click());
ui.addMore.addEventListener('click', () => ui.fileInput.click());
ui.fileInput.addEventListener('change', () => { addFiles(ui.fileInput.files); ui.fileInput.value = ''; });
ui.chooseFolder.addEventListener('click', () => ui.folderInput.click());
ui.addFolder.addEventListener('click', () => ui.folderInput.click());
ui.folderInput.addEventListener('change', () => {
  addPicked(filesFromFolderInput(ui.folderInput.files));
  ui.folderInput.value = '';
});

let dragDepth = 0;
window.addEventListener('dragenter', (ev) => {
  if (![...(ev.dataTransfer?.types || [])].includes('Files')) return;
  dragDepth++;
  ui.dragOverlay.hidden = false;
});
window.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; ui.dragOverlay.hidden = true; } });
window.addEventListener('dragover', (ev) => { ev.preventDefault(); });
window.addEventListener('drop', (ev) => {
  ev.preventDefault();
  dragDepth = 0;
  ui.dragOverlay.hidden = true;
  // Folders are walked (the entries must be taken now: the drop's items go stale after it).
  const entries = [...(ev.dataTransfer?.items || [])].map((it) => it.webkitGetAsEntry?.() || null);
  if (entries.some((e) => e?.isDirectory)) { addDropped(entries); return; }
  if (ev.dataTransfer?.files?.length) addFiles(ev.dataTransfer.files);
});

async function addDropped(entries) {
  try {
    addPicked(await filesFromEntries(entries));
  } catch (e) {
    ui.introStatus.textContent = `Could not read the dropped folder: ${e.message}`;
  }
}

// Files from a folder ({files: [{file, path}], leftOut: [path]}): queued with their paths;
// what was left out is said, so nothing goes missing unnoticed.
function addPicked({files, leftOut}) {
  addFiles(files.map((f) => f.file), files.map((f) => f.path));
  const n = leftOut.length;
  const left = n ? `Left out ${n} file${n > 1 ? 's' : ''} that ${n > 1 ? 'are' : 'is'} not ` +
    `an image (${leftOut[0]}${n > 1 ? ', …' : ''}).` : '';
  if (!files.length) {
    ui.introStatus.textContent = `The folder holds no images.${left ? ' ' + left : ''}`;
    return;
  }
  ui.folderNote.textContent = left;
  ui.folderNote.hidden = !left;
}
document.addEventListener('paste', (ev) => {
  const files = [...(ev.clipboardData?.files || [])].filter((f) => f.type.startsWith('image/'));
  if (files.length) { ev.preventDefault(); addFiles(files); }
});

// ---- films ---------------------------------------------------------------------------------

const filmUi = {
  section: $('film'), title: $('film-title'), canvas: $('film-canvas'), result: $('film-result'),
  progress: $('film-progress'), status: $('film-status'), carry: $('film-carry'), stop: $('film-stop'),
  again: $('film-again'), goOn: $('film-go-on'), download: $('film-download'), close: $('film-close'),
  size: $('film-size'), format: $('film-format'), choicesNote: $('film-choices-note'),
  paint: $('film-paint'), paintFrame: $('film-paint-frame'), paintNote: $('film-paint-note'),
  paintApply: $('film-paint-apply'),
};

// The film's choices (steady colour, size, format) are remembered in this browser, so that a
// film taken up again after a reload is made the same way (and finds what was kept of it).
const FILM_CHOICES = 'colorize-film-choices';
{
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(FILM_CHOICES) || 'null'); } catch { /* damaged: defaults */ }
  for (const k of ['carry', 'size', 'format']) {
    const el = filmUi[k];
    if (saved && [...el.options].some((o) => o.value === saved[k] && !o.disabled)) el.value = saved[k];
    el.addEventListener('change', () => {
      // A film made (or being made) keeps what it was made with: say so.
      filmUi.choicesNote.hidden = !state.film;
      try {
        localStorage.setItem(FILM_CHOICES, JSON.stringify({carry: filmUi.carry.value, size: filmUi.size.value,
          format: filmUi.format.value}));
      } catch { /* storage full or refused: the defaults next time */ }
    });
  }
}

// MP4 needs an H.264 encoder, which some browsers lack: offered only where there is one. The
// first choice, unless the user chose before, is preferredContainer()'s: MP4 where the browser
// also encodes AAC; without AAC an MP4's sound is Opus, which some players skip: it says so.
Promise.all([filmContainers(), soundCodecs()]).then(async ([list, sounds]) => {
  const mp4 = filmUi.format.querySelector('option[value="mp4"]');
  if (!list.includes('mp4')) {
    mp4.disabled = true;
    mp4.textContent += ' — not in this browser';
    if (filmUi.format.value === 'mp4') filmUi.format.value = 'webm';
    return;
  }
  if (!sounds.includes('aac')) mp4.textContent = 'MP4 (H.264, Opus sound)';
  let chosen = null;
  try { chosen = JSON.parse(localStorage.getItem(FILM_CHOICES) || 'null')?.format; } catch { /* damaged: none */ }
  if (!chosen) filmUi.format.value = await preferredContainer({containers: list, sounds});
}, () => {});

function fmtDuration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

function filmStatus(text) { filmUi.status.textContent = text; }

// A film's paint is made on photos: "Paint on this frame" opens the frame (as the file has it)
// among the photos, tagged with its film (job.film: filmKey) and index (job.filmFrame); its
// hints and strokes, in the video's own pixels, are the film's paint on that frame. The paint
// a film was made with is also kept in this browser under the film's file, so that a film
// taken up again after a reload is made with it.
const FILM_PAINT = 'colorize-film-paint:';
const FILM_PAINT_HELP = filmUi.paintNote.textContent;

// [{frame, hints, strokes}] of the film `file`, by frame: from its frames among the photos where
// there are any (a frame's paint taken away is a change too), else as kept when it was last made.
function filmPaint(file) {
  const key = filmKey(file);
  const frames = state.jobs.filter((j) => j.film === key);
  let paint = frames.map((j) => ({frame: j.filmFrame, hints: j.hints, strokes: j.strokes}));
  if (!frames.length) {
    try {
      const saved = JSON.parse(localStorage.getItem(FILM_PAINT + key) || '[]');
      paint = (Array.isArray(saved) ? saved : []).filter((p) => p && Number.isInteger(p.frame) && p.frame >= 0);
    } catch { paint = []; }
  }
  return paint.map((p) => ({frame: p.frame, ...cleanWork(p)}))
    .filter((p) => p.hints.length || p.strokes.length).sort((a, b) => a.frame - b.frame);
}

function keepFilmPaint(file, paint) {
  try {
    if (paint.length) localStorage.setItem(FILM_PAINT + filmKey(file), JSON.stringify(paint));
    else localStorage.removeItem(FILM_PAINT + filmKey(file));
  } catch { /* storage full or refused: the paint stays in this tab */ }
}

const framesText = (paint) => `frame${paint.length > 1 ? 's' : ''} ${paint.map((p) => p.frame + 1).join(', ')}`;

// The film's paint section: shown once there is a film to look at; says which frames hold
// paint and whether the film was made with it.
function renderFilmPaint() {
  const f = state.film;
  filmUi.paint.hidden = !f || f.running || !f.result?.frames;
  if (filmUi.paint.hidden) return;
  const paint = filmPaint(f.file);
  const changed = JSON.stringify(paint) !== JSON.stringify(f.madePaint || []);
  filmUi.paintApply.hidden = !changed;
  if (!paint.length) {
    filmUi.paintNote.textContent = changed ? 'The paint is taken away: the film, made again, goes without it.' : FILM_PAINT_HELP;
    return;
  }
  // Each painted frame a button that opens it (its photo, with its paint).
  const parts = [`Paint on frame${paint.length > 1 ? 's' : ''} `];
  paint.forEach((p, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link';
    b.textContent = String(p.frame + 1);
    b.title = `Open frame ${p.frame + 1} among the photos`;
    b.addEventListener('click', () => openFilmFrame(p.frame));
    parts.push(...(i ? [', ', b] : [b]));
  });
  parts.push(changed ? ': not in the film yet.' : ' is in the film.');
  filmUi.paintNote.replaceChildren(...parts);
}

// Lets the film's result go (its object URL) and empties the section; `forget`: also what is
// kept of it on the device.
async function discardFilm({forget = false} = {}) {
  const f = state.film;
  if (!f) return;
  if (f.url) URL.revokeObjectURL(f.url);
  filmUi.result.removeAttribute('src');
  filmUi.result.load();
  state.film = null;
  renderFilmPaint();
  if (forget) {
    keepFilmPaint(f.file, []);
    await f.store?.remove();
  }
}

// A dropped or chosen video file: colorized frame by frame (film.js) while the page shows the
// frames as they come; a film already running is stopped first. What is made is kept on the
// device as it goes (filmstore.js), so the same file dropped again after a stop, a reload or a
// closed tab goes on where it was; fresh: start again from the first frame.
async function startFilm(file, note = '', {fresh = false} = {}) {
  const old = state.film;
  if (old?.running) { old.stopAsked = true; await old.done; }
  await discardFilm();
  // stageMs: the worker's milliseconds summed over the frames, by stage (for the curious and
  // the benchmark).
  const f = {file, name: file.name || 'film', running: true, stopAsked: false, note, stageMs: {}, fresh};
  state.film = f;
  ui.intro.hidden = true;
  filmUi.section.hidden = false;
  filmUi.title.textContent = `Film: ${f.name}`;
  f.done = runFilm(f);
  return f.done;
}

async function runFilm(f) {
  let video = null;
  const started = performance.now();
  filmUi.choicesNote.hidden = true;
  filmUi.stop.disabled = false;
  filmUi.again.hidden = true;
  filmUi.goOn.hidden = true;
  filmUi.download.disabled = true;
  filmUi.result.hidden = true;
  filmUi.canvas.hidden = false;
  filmUi.progress.value = 0;
  renderFilmPaint();
  document.body.dataset.filmState = 'working';
  let opened = false;
  try {
    const settings = settingsFor({hints: [], strokes: []});
    if (settings.method === MARKS) {
      throw Object.assign(new Error('A film is colorized by a model or from a reference photo: choose one under Method.'),
        {code: 'invalid argument'});
    }
    if (settings.method === EXEMPLAR && !state.reference) {
      throw Object.assign(new Error('Choose a reference photo (a colour photo of a similar scene) first.'),
        {code: 'needs reference'});
    }
    filmStatus('Opening the video…');
    video = await openVideo(f.file);
    if (settings.method === 'model') {
      filmStatus('Loading the model…');
      await ensureModel();
    }
    await state.workerReady;
    filmStatus('Finding the frame rate…');
    const measured = Number(params.get('fps')) || await measureFrameRate(video);
    let fps = measured || 24;
    const maxPixels = Math.min(FILM_MAX_PIXELS, Number(filmUi.size.value) || Infinity, state.workerInfo?.maxPixels || Infinity);
    const size = filmSize(video.width, video.height, maxPixels);
    filmUi.canvas.width = size.width;
    filmUi.canvas.height = size.height;
    const carry = Number(filmUi.carry.value);
    // What the film is made with: kept frames are gone on with only when all of it is the same
    // (or all but the paint: then those before the first frame whose paint changed).
    // The reference photo by its file (name, size, date), not by this visit's id: chosen again
    // after a reload, it finds the film it was making.
    const paint = filmPaint(f.file);
    const made = {width: size.width, height: size.height, carry, method: settings.method, modelId: settings.modelId,
      reference: state.reference ? filmKey(state.reference.file) : '', workingSize: settings.workingSize,
      saturation: settings.saturation, tone: settings.tone, container: filmUi.format.value, paint};
    const keeping = await FilmStore.open(f.file, made, {fps, fresh: f.fresh}).catch(() => null);
    f.madePaint = paint;
    keepFilmPaint(f.file, paint);
    const paintAt = new Map(paint.map((p) => [p.frame, {hints: p.hints, strokes: p.strokes, width: video.width, height: video.height}]));
    f.store = keeping?.store || null;
    const kept = keeping?.kept || null;
    if (kept) fps = kept.fps;
    filmStatus('Reading the sound…');
    const sound = await readSound(f.file, video.duration);
    await call('filmStart', {carry});
    opened = true;
    if (kept) {
      await call('filmRemember', {...kept.last});
      filmStatus(`Going on from frame ${kept.frames + 1} (the frames before it were kept on this device)…`);
    }
    const g = filmUi.canvas.getContext('2d');
    const t0 = performance.now();
    const out = await colorizeFilm(video, {
      fps, maxPixels, sound, store: f.store, kept, keyEvery: Number(params.get('keyframes')) || 0,
      container: made.container,
      colorizeFrame: (frame, index) => call('filmFrame', {frame, settings, reference: state.reference?.file,
        paint: paintAt.get(index) || null, keep: !!f.store}, null, [frame]),
      onFrame: ({index, total, shots, result, frame}) => {
        for (const [k, ms] of Object.entries(result.timings)) f.stageMs[k] = (f.stageMs[k] || 0) + ms;
        g.drawImage(frame, 0, 0, size.width, size.height);
        filmUi.progress.value = (index + 1) / total;
        const per = (performance.now() - t0) / (index + 1 - (kept?.frames || 0));
        filmStatus(`Frame ${index + 1} of ${total} · ${shots} shot${shots > 1 ? 's' : ''}` +
          `${result.held ? ' · paint held' : ''} · about ${fmtDuration(per * (total - index - 1))} left`);
      },
      shouldStop: () => f.stopAsked,
    });
    f.result = out;
    f.elapsedMs = performance.now() - t0;  // frames and sound, from the first frame sought
    const parts = [];
    if (out.frames) {
      f.url = URL.createObjectURL(out.blob);
      filmUi.result.src = f.url;
      filmUi.result.hidden = false;
      filmUi.canvas.hidden = true;
      filmUi.download.disabled = false;
      filmUi.download.textContent = `Download the film (.${out.container})`;
      parts.push(out.error ? `Frame ${out.frames + 1} failed (${out.error.message}): the ${out.frames} frames before it are in the film.`
        : out.stopped ? `Stopped at frame ${out.frames} of ${out.total}: the frames so far are in the film.`
          : `Done: ${out.frames} frame${out.frames > 1 ? 's' : ''}`);
      parts.push(`${(out.frames / out.fps).toFixed(1)} s at ${out.fps} frames a second` +
        `${measured ? '' : ' (the video’s own rate could not be found)'}`);
      parts.push(`${out.width} × ${out.height}${size.scaled ? ` (made smaller from ${video.width} × ${video.height})` : ''}`);
      parts.push(`${out.shots} shot${out.shots > 1 ? 's' : ''}`);
      if (paint.length) parts.push(`paint on ${framesText(paint)}`);
      parts.push(`${out.sound ? 'with its sound' : `without sound (${out.soundWhy || sound.why})`}, in ${fmtDuration(performance.now() - started)}` +
        `${out.from ? ` (frames 1 to ${out.from} kept from before)` : ''}.`);
      if (out.stored !== true) parts.push(out.stored ? `Not kept on this device: ${out.stored}.` : 'Not kept on this device (no storage for it here).');
    } else {
      parts.push('Stopped before the first frame: nothing to keep.');
    }
    if (f.note) parts.push(f.note);
    filmStatus(parts.join(' · '));
    document.body.dataset.filmState = out.stopped ? 'stopped' : 'done';
  } catch (e) {
    filmStatus(`The film could not be colorized: ${e.message}`);
    document.body.dataset.filmState = 'error';
  } finally {
    f.running = false;
    if (opened) call('filmEnd').catch(() => {});
    if (video) closeVideo(video);
    filmUi.stop.disabled = true;
    filmUi.again.hidden = false;
    filmUi.goOn.hidden = !(f.result?.stopped && f.store);
    renderFilmPaint();
  }
}

filmUi.stop.addEventListener('click', () => {
  if (!state.film?.running) return;
  state.film.stopAsked = true;
  filmUi.stop.disabled = true;
  filmStatus('Stopping after this frame…');
});
filmUi.again.addEventListener('click', () => {
  if (state.film && !state.film.running) startFilm(state.film.file, state.film.note, {fresh: true});
});
filmUi.goOn.addEventListener('click', () => { if (state.film && !state.film.running) startFilm(state.film.file, state.film.note); });
filmUi.download.addEventListener('click', () => {
  const f = state.film;
  if (f?.result?.blob) saveBlob(f.result.blob, `${f.name.replace(/\.[^.]+$/, '')}-colorized.${f.result.container}`);
});
// The frame the film's player shows, opened among the photos to be painted on (once: the same
// frame again selects it).
filmUi.paintFrame.addEventListener('click', () => {
  const f = state.film;
  if (!f || f.running || !f.result?.frames) return;
  filmUi.result.pause();
  openFilmFrame(Math.max(0, Math.min(f.result.frames - 1, Math.floor(filmUi.result.currentTime * f.result.fps + 1e-6))));
});

// Frame `index` of the film opened among the photos (or selected, when it is there already),
// in paint mode.
async function openFilmFrame(index) {
  const f = state.film;
  if (!f || f.running || !f.result?.frames) return;
  const fps = f.result.fps, key = filmKey(f.file);
  let job = state.jobs.find((j) => j.film === key && j.filmFrame === index);
  if (!job) {
    filmUi.paintFrame.disabled = true;
    try {
      const stem = f.name.replace(/\.[^.]+$/, '') || 'film';
      const file = await frameFile(f.file, index, fps, `${stem}-frame-${index + 1}.png`);
      addFiles([file]);
      job = state.jobs.find((j) => j.file === file);
      Object.assign(job, {film: key, filmFrame: index});
      updateQueueItem(job);
    } catch (e) {
      filmStatus(`Frame ${index + 1} could not be opened: ${e.message}`);
      return;
    } finally {
      filmUi.paintFrame.disabled = false;
    }
  }
  select(job.id, false);
  setPaintMode(true);
  ui.viewer.scrollIntoView({block: 'nearest'});
  ui.viewer.focus({preventScroll: true});
  renderFilmPaint();
}
// Made again with the paint: from the last segment kept before the first frame whose paint
// changed (filmstore.js), or from the start.
filmUi.paintApply.addEventListener('click', () => {
  if (state.film && !state.film.running) startFilm(state.film.file, state.film.note);
});
filmUi.close.addEventListener('click', async () => {
  const f = state.film;
  if (f?.running) { f.stopAsked = true; await f.done; }
  await discardFilm({forget: true});
  filmUi.section.hidden = true;
  if (!state.jobs.length) ui.intro.hidden = false;
});

// ---- files out -----------------------------------------------------------------------------

// File extension and media type of each "Save as" format.
const OUT_TYPES = {png: ['png', 'image/png'], jpeg: ['jpg', 'image/jpeg'], tiff: ['tif', 'image/tiff']};

// "Same as the original": each photo in its own format where one can be written (PNG, JPEG,
// TIFF), else PNG.
function formatFor(job, fmt) {
  if (fmt !== 'same') return fmt;
  const ext = (job.name.match(/\.([^.]+)$/)?.[1] || '').toLowerCase();
  return {jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', tif: 'tiff', tiff: 'tiff'}[ext] || 'png';
}

function outName(job, fmt) {
  const base = job.name.replace(/\.[^.]+$/, '') || 'photo';
  return `${base}-colorized.${OUT_TYPES[fmt][0]}`;
}

function saveBlob(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

async function encodeJob(job, fmt) {
  const s = job.settings;
  const r = await call('encode', {
    jobId: job.id, file: job.file, page: job.page || 1, reference: state.reference?.file, settings: s,
    ab: job.ab, abW: job.abW, abH: job.abH, provider: job.provider, format: fmt, quality: 92,
    keepMetadata: ui.keepMeta.checked,
  });
  return r.bytes;
}

// The user's own work on a photo (hints and paint; of a job, or of the settings a result was
// made with), and whether a saved result or the browser's storage (keepWork) holds it: closing
// the tab with work held by neither asks first.
const workOf = ({hints, strokes}) => JSON.stringify([hints, strokes]);
// Work is safe when a downloaded result holds it or this browser keeps it (keepWork).
const unsavedWork = (job) => (job.hints.length > 0 || job.strokes.length > 0) &&
  job.savedWork !== workOf(job) && job.keptWork !== workOf(job);
window.addEventListener('beforeunload', (ev) => {
  if (!state.jobs.some(unsavedWork)) return;
  ev.preventDefault();
  ev.returnValue = '';  // older browsers ask only with this set
});

// The job's result encoded as `fmt`, named as its download.
async function resultFile(job, fmt) {
  return new File([await encodeJob(job, fmt)], outName(job, fmt), {type: OUT_TYPES[fmt][1]});
}

ui.download.addEventListener('click', async () => {
  const job = selectedJob();
  if (!job || job.status !== 'done') return;
  const fmt = formatFor(job, ui.format.value);
  ui.download.disabled = true;
  try {
    const work = workOf(job.settings);  // what the saved result holds
    const file = await resultFile(job, fmt);
    saveBlob(file, file.name);
    job.savedWork = work;
  } catch (e) {
    ui.note.textContent = `Could not save: ${e.message}`;
  } finally {
    updateButtons();
  }
});

// Share (phones and tablets: the system's share sheet, to messages, mail or photos), where the
// browser can share image files. The result is encoded as for a download; sharing needs a recent
// tap, which a long encode can outlast: the file is then kept and the next tap shares it.
const canShareFiles = () => {
  try {
    return !!navigator.canShare?.({files: [new File([new Uint8Array(1)], 'colorized.png', {type: 'image/png'})]});
  } catch { return false; }
};
ui.share.hidden = !canShareFiles();
ui.share.addEventListener('click', async () => {
  const job = selectedJob();
  if (!job || job.status !== 'done') return;
  const fmt = formatFor(job, ui.format.value);
  const work = workOf(job.settings);
  const key = JSON.stringify([job.settings, fmt, ui.keepMeta.checked]);  // what the file holds
  ui.share.disabled = true;
  try {
    if (!job.shareFile || job.shareFile.key !== key) {
      job.shareFile = {key, file: await resultFile(job, fmt)};
    }
    await navigator.share({files: [job.shareFile.file], title: job.shareFile.file.name});
    job.savedWork = work;
    ui.note.textContent = '';
  } catch (e) {
    if (e.name === 'NotAllowedError') ui.note.textContent = 'Ready to share: press “Share…” again.';
    else if (e.name !== 'AbortError') ui.note.textContent = `Could not share: ${e.message}`;
  } finally {
    updateButtons();
  }
});

ui.downloadAll.addEventListener('click', async () => {
  const done = state.jobs.filter((j) => j.ab && j.settings);
  if (!done.length) return;
  const chosen = ui.format.value;
  ui.downloadAll.disabled = true;
  const files = [];
  const saved = [];  // [job, its work as saved]
  const names = new Set();
  try {
    for (const [i, job] of done.entries()) {
      ui.note.textContent = `Preparing ${i + 1} of ${done.length}…`;
      const fmt = formatFor(job, chosen);
      const first = job.folder + outName(job, fmt);  // folders of a dropped folder kept
      let name = first;
      for (let k = 2; names.has(name); k++) name = first.replace(/(\.\w+)$/, `-${k}$1`);
      names.add(name);
      files.push(zipEntry(name, await encodeJob(job, fmt)));
      saved.push([job, workOf(job.settings)]);  // what its result holds (a stale one: not the latest)
    }
    // More than one ZIP holds (2 GiB, or 65,000 photos): several, saved one after another.
    const runs = splitForZip(files);
    const zipNames = runs.map((_, k) => (runs.length > 1 ? `colorized-${k + 1}.zip` : 'colorized.zip'));
    for (const [k, run] of runs.entries()) saveBlob(makeZip(run), zipNames[k]);
    for (const [job, work] of saved) job.savedWork = work;
    const photos = `${files.length} photo${files.length > 1 ? 's' : ''}`;
    ui.note.textContent = runs.length > 1
      ? `Saved ${photos} in ${runs.length} ZIP files (${zipNames[0]} … ${zipNames[runs.length - 1]})`
      : `Saved ${photos} in colorized.zip`;
  } catch (e) {
    ui.note.textContent = `Could not save: ${e.message}`;
  } finally {
    updateButtons();
    // The worker now holds the last encoded job; show the selected one again when asked.
    const sel = selectedJob();
    if (sel && sel.status === 'done') sel.needsRefresh = true;
  }
});

function updateButtons() {
  const job = selectedJob();
  ui.download.disabled = ui.share.disabled = !(job && job.status === 'done');
  ui.downloadAll.disabled = !state.jobs.some((j) => j.ab && j.settings);
}

// ---- start ---------------------------------------------------------------------------------

async function takeSharedFiles() {
  if (!params.has('shared') || !('caches' in self)) return;
  try {
    const cache = await caches.open('colorize-share');
    const keys = await cache.keys();
    const files = [];
    for (const k of keys) {
      const r = await cache.match(k);
      const blob = await r.blob();
      files.push(new File([blob], decodeURIComponent(r.headers.get('x-name') || 'shared-image'), {type: blob.type}));
      await cache.delete(k);
    }
    addFiles(files);
  } catch { /* nothing shared */ }
  history.replaceState(null, '', location.pathname);
}

// "Open with Colorize" from the OS (manifest.file_handlers, installed app): the files come
// through the launch queue.
function takeLaunchedFiles() {
  if (!('launchQueue' in window)) return;
  window.launchQueue.setConsumer(async (launch) => {
    try {
      const files = await Promise.all((launch.files || []).map((h) => h.getFile()));
      addFiles(files);
    } catch (e) {
      ui.introStatus.textContent = `Could not open the file: ${e.message}`;
    }
  });
}

function checkSupport() {
  // ONNX Runtime Web and the core are SIMD builds.
  const simd = WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3,
    2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]));
  if (!simd) {
    ui.dropzone.disabled = true;
    setModelStatus('This browser lacks WebAssembly SIMD, which the colorizer needs. ' +
      'Please use a current Chrome, Edge, Firefox or Safari.');
    return false;
  }
  return true;
}

if (params.get('provider')) ui.provider.value = params.get('provider');
if (params.get('size')) {
  const v = params.get('size');
  if (![...ui.workingSize.options].some((o) => o.value === v)) ui.workingSize.add(new Option(`${v} px`, v));
  ui.workingSize.value = v;
}
setSplit(50);
renderKept();
if (checkSupport()) {
  startWorker().catch((e) => { setModelStatus(`The engine could not start: ${e.message}`); });
  await loadManifest();
  await takeSharedFiles();
  takeLaunchedFiles();
}
if ('serviceWorker' in navigator && !params.has('nosw')) {
  navigator.serviceWorker.register('./sw.js').catch(() => {});
}

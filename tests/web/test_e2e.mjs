// End-to-end tests of the built app (web/dist) in headless Chromium (playwright-core driving the
// system's /usr/bin/chromium): a user drops photos, the result appears and matches the native CLI
// on the same inputs; hints change the result; odd files fail with a message, not a dead tab;
// the app works offline after the first visit; no request leaves the origin.
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import zlib from 'node:zlib';
import {ROOT, DIST, BUILD, ARTIFACTS, AAC_TONE, test, run, assert, loadCore, startApp, launch, guardOrigin,
  compareRgba, adtsFrames} from './lib.mjs';

const CLI = process.env.COLORIZE_CLI || path.join(BUILD, 'oracle-native', 'bin', 'colorize');
const GREY = path.join(ROOT, 'tests/data/landscape-grey.jpg');
const REF = path.join(ROOT, 'tests/data/landscape-reference.jpg');
const SMALL = path.join(ROOT, 'tests/data/eval/scene-21.jpg');
const out = path.join(ARTIFACTS, 'e2e');
fs.mkdirSync(out, {recursive: true});

const core = await loadCore();
const models = JSON.parse(fs.readFileSync(path.join(DIST, 'models', 'models.json'), 'utf8'));
const defaultModel = models.models.find((m) => m.id === models.default) || null;
const testModels = JSON.parse(fs.readFileSync(path.join(DIST, 'models', 'models-test.json'), 'utf8'));
const {server, origin} = await startApp();

function rgbaOf(file) {
  const r = core.decode(new Uint8Array(fs.readFileSync(file)), 0, 1);
  assert(r.ok, `${file}: ${r.message}`);
  const px = r.image.rgba();
  const size = [r.image.width(), r.image.height()];
  r.image.delete();
  return {px, size};
}

// The largest difference between the R, G and B of a pixel of an image file (0 = grey).
function greySpread(file) {
  const g = rgbaOf(file).px;
  let spread = 0;
  for (let i = 0; i < g.length; i += 4) spread = Math.max(spread, Math.max(g[i], g[i + 1], g[i + 2]) - Math.min(g[i], g[i + 1], g[i + 2]));
  return spread;
}

function psnrFiles(a, b) {
  const x = rgbaOf(a), y = rgbaOf(b);
  assert(x.size.join() === y.size.join(), `sizes differ: ${x.size} vs ${y.size}`);
  return compareRgba(x.px, y.px).psnr;
}

// The native CLI, or a reason why it cannot serve as the oracle here.
function cli(args) {
  if (!fs.existsSync(CLI)) return {error: `no native CLI at ${CLI}`};
  try {
    execFileSync(CLI, args, {stdio: ['ignore', 'pipe', 'pipe']});
    return {};
  } catch (e) {
    return {error: String(e.stderr || e.message).trim()};
  }
}

// A PNG that declares width x height but carries almost no data (a "decompression bomb").
function bombPng(width, height) {
  const crcTable = Array.from({length: 256}, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 0;  // 8-bit grey
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(1000))), chunk('IEND', Buffer.alloc(0))]);
}

async function openApp(context, query = '') {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${origin}/${query}`);
  await page.waitForFunction(() => window.colorizeApp && window.colorizeApp.workerInfo);
  return {page, errors};
}

// A browser of its own with the app open at `query`: {context, close, page, errors, foreign};
// guard: every request to another origin refused and listed in `foreign`. close() ends it (the
// browser is closed here when the app fails to open).
async function openInBrowser(query, {guard = false} = {}) {
  const {context, close} = await launch();
  try {
    const foreign = guard ? await guardOrigin(context, origin) : [];
    return {context, close, foreign, ...(await openApp(context, query))};
  } catch (e) {
    await close();
    throw e;
  }
}

// Drops files on the page the way a user's drag and drop does (a DataTransfer on a drop event).
async function dropFiles(page, files) {
  const payload = files.map((f) => ({name: f.name || path.basename(f), type: f.type || (f.endsWith?.('.png') ? 'image/png' : 'image/jpeg'),
    b64: (f.bytes ? Buffer.from(f.bytes) : fs.readFileSync(f)).toString('base64')}));
  const dt = await page.evaluateHandle((items) => {
    const d = new DataTransfer();
    for (const it of items) {
      const bin = Uint8Array.from(atob(it.b64), (c) => c.charCodeAt(0));
      d.items.add(new File([bin], it.name, {type: it.type}));
    }
    return d;
  }, payload);
  await page.dispatchEvent('#dropzone', 'drop', {dataTransfer: dt});
}

async function waitJob(page, n, timeout = 90000) {
  await page.waitForFunction((k) => {
    const li = document.querySelectorAll('#queue li')[k - 1];
    return li && (li.dataset.status === 'done' || li.dataset.status === 'error');
  }, n, {timeout});
  return page.evaluate((k) => {
    const li = document.querySelectorAll('#queue li')[k - 1];
    return {status: li.dataset.status, text: li.querySelector('.q-status').textContent};
  }, n);
}

async function download(page, file, format = 'png') {
  await page.selectOption('#format', format);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  await dl.saveAs(file);
  return dl.suggestedFilename();
}

test('the page is cross-origin isolated, states privacy, and serves the CSP', async () => {
  const {close, foreign, page, errors} = await openInBrowser('?nosw=1', {guard: true});
  try {
    const res = await page.request.get(`${origin}/`);
    const csp = res.headers()['content-security-policy'] || '';
    assert(/connect-src 'self'/.test(csp) && !/unsafe-eval'/.test(csp.replace("'wasm-unsafe-eval'", '')), `CSP: ${csp}`);
    assert(await page.evaluate(() => crossOriginIsolated), 'not cross-origin isolated');
    assert(/No image leaves your device/.test(await page.textContent('#privacy')), 'privacy statement missing');
    const manifest = await (await page.request.get(`${origin}/manifest.webmanifest`)).json();
    assert(manifest.display === 'standalone' && manifest.share_target && manifest.icons.length >= 3, 'manifest');
    assert(errors.length === 0 && foreign.length === 0, `errors ${errors} foreign ${foreign}`);
  } finally { await close(); }
});

test('reference-photo mode: drop a photo, the result matches the native CLI (PSNR >= 40 dB)', async () => {
  const {close, foreign, page, errors} = await openInBrowser('?nosw=1&model=exemplar', {guard: true});
  try {
    await page.setInputFiles('#reference-input', REF);
    await dropFiles(page, [GREY]);
    const r = await waitJob(page, 1);
    assert(r.status === 'done', `job: ${r.text}`);
    const got = path.join(out, 'exemplar-app.png');
    const name = await download(page, got);
    assert(name === 'landscape-grey-colorized.png', `download name ${name}`);
    const want = path.join(out, 'exemplar-cli.png');
    const c = cli([GREY, '--reference', REF, '--size', '256', '-o', want]);
    assert(!c.error, `native CLI failed: ${c.error}`);
    const psnr = psnrFiles(got, want);
    assert(psnr >= 40, `app vs CLI PSNR ${psnr.toFixed(2)} dB`);
    assert(fs.readFileSync(got).includes('Colorized in the browser by colorize (colour transferred from a reference photo)'),
      'the download does not say its colour is a guess');
    // Saved as TIFF: the same pixels, named .tif, with the note.
    const tif = path.join(out, 'exemplar-app.tif');
    const tifName = await download(page, tif, 'tiff');
    assert(tifName === 'landscape-grey-colorized.tif', `download name ${tifName}`);
    assert(core.probe(new Uint8Array(fs.readFileSync(tif)), 1).format === 'TIFF', 'not a TIFF');
    assert(psnrFiles(tif, got) === Infinity, 'the TIFF download differs from the PNG');
    assert(fs.readFileSync(tif).includes('Colorized in the browser by colorize'), 'the TIFF has no note');
    await page.selectOption('#format', 'png');
    await page.screenshot({path: path.join(ARTIFACTS, 'app-exemplar.png')});
    // "Download all": a ZIP whose entry is the same full-resolution PNG.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-all')]);
    const zipFile = path.join(out, 'all.zip');
    await dl.saveAs(zipFile);
    const zip = fs.readFileSync(zipFile);
    assert(zip.readUInt32LE(0) === 0x04034b50, 'not a ZIP');
    const nameLen = zip.readUInt16LE(26), size = zip.readUInt32LE(18);
    assert(zip.subarray(30, 30 + nameLen).toString() === 'landscape-grey-colorized.png', 'ZIP entry name');
    const entry = path.join(out, 'all-entry.png');
    fs.writeFileSync(entry, zip.subarray(30 + nameLen, 30 + nameLen + size));
    assert(psnrFiles(entry, got) === Infinity, 'ZIP entry differs from the single download');
    assert(errors.length === 0 && foreign.length === 0, `errors ${errors} foreign ${foreign}`);
  } finally { await close(); }
});

test('model (WASM provider): result appears, matches the native CLI (PSNR >= 40 dB), tone and hints change it', async () => {
  const {context, close, foreign, page, errors} = await openInBrowser('?nosw=1&provider=wasm', {guard: true});
  try {
    await dropFiles(page, [GREY]);
    const r = await waitJob(page, 1);
    assert(r.status === 'done', `job: ${r.text}`);
    const stats = await page.textContent('#stats');
    assert(/ran on: WASM/.test(stats) && /model \(WASM\)/.test(stats), `stats: ${stats}`);
    await page.screenshot({path: path.join(ARTIFACTS, 'app-model.png')});
    const got = path.join(out, 'model-app.png');
    await download(page, got);
    // The CLI runs the very file the app ran (the WASM provider picks the smallest variant).
    const used = await page.evaluate(() => window.colorizeApp.modelSession);
    assert(used.provider === 'wasm', `provider ${used.provider}`);
    const modelFile = path.join(DIST, used.url);
    const want = path.join(out, 'model-cli.png');
    const c = cli([GREY, '--model', modelFile, '--size', String(defaultModel.workingSize), '-o', want]);
    assert(!c.error, `native CLI could not run the model: ${c.error}`);
    const psnr = psnrFiles(got, want);
    assert(psnr >= 40, `app vs CLI PSNR ${psnr.toFixed(2)} dB`);
    // Saturation 0: only finish runs again (no model stage) and the result is grey.
    await page.fill('#saturation', '0');
    await page.dispatchEvent('#saturation', 'input');
    await page.waitForFunction(() => /total/.test(document.getElementById('stats').textContent) &&
      !/model \(/.test(document.getElementById('stats').textContent), null, {timeout: 30000});
    const grey = path.join(out, 'model-app-sat0.png');
    await download(page, grey);
    const spread = greySpread(grey);
    assert(spread <= 1, `saturation 0 left colour (spread ${spread})`);
    await page.fill('#saturation', '1');
    await page.dispatchEvent('#saturation', 'input');
    await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'working', null, {timeout: 5000}).catch(() => {});
    await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'done');
    // "Widen faded tones" off: the app's result matches the CLI's --tone as-is, which differs
    // from the default (this test photo's range is narrow enough to be widened).
    await page.uncheck('#tone-stretch');
    await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'working', null, {timeout: 5000}).catch(() => {});
    await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'done');
    const asIs = path.join(out, 'model-app-as-is.png');
    await download(page, asIs);
    const wantAsIs = path.join(out, 'model-cli-as-is.png');
    const c3 = cli([GREY, '--model', modelFile, '--size', String(defaultModel.workingSize), '--tone', 'as-is', '-o', wantAsIs]);
    assert(!c3.error, `native CLI --tone as-is: ${c3.error}`);
    const pAsIs = psnrFiles(asIs, wantAsIs), pCross = psnrFiles(wantAsIs, want);
    assert(pAsIs >= 40 && pCross < pAsIs, `as-is app vs CLI ${pAsIs.toFixed(1)} dB; CLI as-is vs stretch ${pCross.toFixed(1)} dB`);
    await page.check('#tone-stretch');
    await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'working', null, {timeout: 5000}).catch(() => {});
    await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'done');
    if (defaultModel.hints) {
      const done = await page.evaluate(() => document.body.dataset.lastDone);
      await page.click('#hint-mode');
      await page.fill('#hint-color', '#d02020');
      const box = await stageBox(page);
      await page.mouse.click(box.x + box.width * 0.7, box.y + box.height * 0.3);
      await page.waitForFunction(() => document.querySelectorAll('#hint-list li').length === 1);
      await waitJob(page, 1);
      await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'done');
      const hinted = path.join(out, 'model-app-hint.png');
      await download(page, hinted);
      // The same hint through the CLI: the app's hinted result must match it, and be closer to
      // it than to the unhinted result (so the hint really reached the model).
      const h = await page.evaluate(() => window.colorizeApp.jobs[0].hints[0]);
      const wantHint = path.join(out, 'model-cli-hint.png');
      const c2 = cli([GREY, '--model', modelFile, '--size', String(defaultModel.workingSize),
        '--hint', `${h.x},${h.y},${h.hex}`, '-o', wantHint]);
      assert(!c2.error, `native CLI with a hint: ${c2.error}`);
      const pHint = psnrFiles(hinted, wantHint), pPlain = psnrFiles(hinted, want);
      assert(pHint >= 40 && pHint > pPlain && Number.isFinite(pPlain),
        `hinted app vs hinted CLI ${pHint.toFixed(1)} dB, vs unhinted CLI ${pPlain.toFixed(1)} dB`);
      assert(done, 'no result marker');
    }
    assert(errors.length === 0 && foreign.length === 0, `errors ${errors} foreign ${foreign}`);
  } finally { await close(); }
}, {skip: () => (defaultModel ? null : 'no model in web/dist/models')});

// Mean a*, b* of an image file over the rectangle of fractions [x0, x1) x [y0, y1).
function meanAb(file, x0, y0, x1, y1) {
  const {px, size: [w, h]} = rgbaOf(file);
  let a = 0, b = 0, n = 0;
  for (let y = Math.floor(y0 * h); y < Math.floor(y1 * h); y += 2) {
    for (let x = Math.floor(x0 * w); x < Math.floor(x1 * w); x += 2) {
      const i = (y * w + x) * 4;
      const lab = core.srgbToLab(px[i], px[i + 1], px[i + 2]);
      a += lab.a; b += lab.b; n++;
    }
  }
  return {a: a / n, b: b / n};
}

// The result's box on screen, scrolled into view first (a download scrolls the page).
async function stageBox(page) {
  await page.locator('#canvas-after').scrollIntoViewIfNeeded();
  return page.locator('#canvas-after').boundingBox();
}

// Drags one stroke of `hex` paint (paint mode on) across the result, from and to fractions of
// its width and height, and waits for the result with it (the first job's only stroke).
async function paintStroke(page, hex, [x0, y0], [x1, y1], steps) {
  await page.fill('#hint-color', hex);
  const box = await stageBox(page);
  const n = await page.evaluate(() => window.colorizeApp.jobs[0].strokes.length);
  await page.mouse.move(box.x + box.width * x0, box.y + box.height * y0);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * x1, box.y + box.height * y1, {steps});
  await page.mouse.up();
  await page.waitForFunction((k) => window.colorizeApp.jobs[0].strokes.length === k + 1, n);
  await settle(page);
}

// Closes the page as a user closing the tab does; true when the app asked first.
async function closeAsks(page) {
  let asked = false;
  page.on('dialog', (d) => { asked = asked || d.type() === 'beforeunload'; d.accept(); });
  const closed = page.waitForEvent('close');
  await page.close({runBeforeUnload: true});
  await closed;
  return asked;
}

async function settle(page) {
  await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'working', null, {timeout: 5000}).catch(() => {});
  await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'done');
}

test('your colours only: grey until a hint, which matches the CLI\'s --marks-only; paint corrects a method; undo', async () => {
  const {close, page, errors} = await openInBrowser('?nosw=1&model=marks');
  try {
    await dropFiles(page, [GREY]);
    let r = await waitJob(page, 1);
    assert(r.status === 'done', `job: ${r.text}`);
    assert(await page.isHidden('#tone-group') && await page.isHidden('#reference-group'),
      'settings that do not affect this method are shown');
    const greyOut = path.join(out, 'marks-none.png');
    await download(page, greyOut);
    const spread = greySpread(greyOut);
    assert(spread <= 1, `no marks yet, yet colour (spread ${spread})`);
    // One hint in the sky: the whole picture takes colour from it, as the CLI gives it.
    await page.click('#hint-mode');
    await page.fill('#hint-color', '#3060c0');
    const box = await stageBox(page);
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.12);
    await page.waitForFunction(() => document.querySelectorAll('#hint-list li').length === 1);
    await settle(page);
    const hinted = path.join(out, 'marks-hint.png');
    await download(page, hinted);
    const h = await page.evaluate(() => window.colorizeApp.jobs[0].hints[0]);
    const want = path.join(out, 'marks-cli-hint.png');
    const c = cli([GREY, '--marks-only', '--hint', `${h.x},${h.y},${h.hex}`, '--size', '384', '-o', want]);
    assert(!c.error, `native CLI --marks-only: ${c.error}`);
    const p = psnrFiles(hinted, want);
    assert(p >= 40, `app vs CLI ${p.toFixed(1)} dB`);
    const sky = meanAb(hinted, 0.3, 0.05, 0.7, 0.2);
    assert(sky.b < -15, `sky a* b* ${sky.a.toFixed(1)} ${sky.b.toFixed(1)}`);
    // A green stroke across the ground: the ground turns green, the sky stays blue.
    await page.click('#paint-mode');
    await paintStroke(page, '#40a040', [0.1, 0.88], [0.9, 0.86], 12);
    const painted = path.join(out, 'marks-paint.png');
    await download(page, painted);
    await page.screenshot({path: path.join(ARTIFACTS, 'app-marks.png')});
    const ground = meanAb(painted, 0.2, 0.8, 0.8, 0.95), skyAfter = meanAb(painted, 0.3, 0.05, 0.7, 0.2);
    assert(ground.a < -8 && ground.b > 8, `ground a* b* ${ground.a.toFixed(1)} ${ground.b.toFixed(1)}`);
    assert(skyAfter.b < -15, `sky after the stroke ${skyAfter.a.toFixed(1)} ${skyAfter.b.toFixed(1)}`);
    // Undo: back to the hint's result.
    await page.click('#paint-undo');
    await settle(page);
    const undone = path.join(out, 'marks-undo.png');
    await download(page, undone);
    const pu = psnrFiles(undone, hinted);
    assert(pu >= 50, `undo gives ${pu.toFixed(1)} dB against the hint's result`);
    // Paint on the exemplar method's result: the stroke's area takes the paint, the far corner
    // keeps the method's colour (the correction fades).
    await page.setInputFiles('#reference-input', REF);
    await page.selectOption('#method', 'exemplar');
    await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'done' &&
      /ran on: exemplar/.test(document.getElementById('stats').textContent));
    assert(await page.isVisible('#hint-mode'), 'no hints for the exemplar method');
    const ex = path.join(out, 'marks-exemplar.png');
    await download(page, ex);
    await paintStroke(page, '#c03090', [0.05, 0.9], [0.25, 0.9], 6);
    // The stroke reused the exemplar method's colour: only the correction ran.
    const tp = await page.evaluate(() => window.colorizeApp.jobs[0].timings);
    assert(tp.infer === undefined && tp.paint > 0, `after a stroke: ${JSON.stringify(tp)}`);
    assert(/your colours \d+ ms/.test(await page.textContent('#stats')), 'the stats do not show the paint');
    const exPainted = path.join(out, 'marks-exemplar-paint.png');
    await download(page, exPainted);
    // The sky's hint (given to the marks method above) stays: the exemplar method holds it too.
    assert(fs.readFileSync(ex).includes('(colour transferred from a reference photo, corrected by the user\'s hints)'),
      'the exemplar download does not say the hint corrected it');
    assert(fs.readFileSync(exPainted).includes('(colour transferred from a reference photo, corrected by the user\'s paint and hints)'),
      'the painted download does not say it was painted');
    assert(fs.readFileSync(hinted).includes('(colour only from the user\'s hints and paint)'),
      'the marks method\'s download does not say where its colour came from');
    const at = meanAb(exPainted, 0.07, 0.88, 0.23, 0.92), before = meanAb(ex, 0.07, 0.88, 0.23, 0.92);
    assert(at.a > 30 && at.a - before.a > 20, `painted area a* ${at.a.toFixed(1)} (before ${before.a.toFixed(1)})`);
    const far = meanAb(exPainted, 0.8, 0.0, 1.0, 0.25), farBefore = meanAb(ex, 0.8, 0.0, 1.0, 0.25);
    assert(Math.abs(far.a - farBefore.a) < 0.5 && Math.abs(far.b - farBefore.b) < 0.5,
      `far corner moved: ${far.a.toFixed(2)},${far.b.toFixed(2)} vs ${farBefore.a.toFixed(2)},${farBefore.b.toFixed(2)}`);
    // A change to the paint that neither a download nor the browser's storage holds (storage
    // refused): closing the tab asks first.
    await page.evaluate(() => { Storage.prototype.setItem = () => { throw new Error('quota'); }; });
    await page.click('#paint-undo');
    await settle(page);
    assert(errors.length === 0, `errors ${errors}`);
    assert(await closeAsks(page), 'closing with unsaved paint did not ask');
  } finally { await close(); }
});

test('the user\'s colours are kept in the browser: the same photo opened again gets its paint and hints back', async () => {
  const {context, close} = await launch();
  try {
    let {page, errors} = await openApp(context, '?nosw=1&provider=wasm');
    const keptKeys = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('colorize:work:')));
    const workOn = (k) => page.evaluate((i) => ({s: window.colorizeApp.jobs[i].strokes.length,
      h: window.colorizeApp.jobs[i].hints.length}), k);
    await page.setInputFiles('#file-input', SMALL);
    assert((await waitJob(page, 1)).status === 'done', 'not colorized');
    await page.click('#paint-mode');
    await paintStroke(page, '#c03090', [0.1, 0.85], [0.5, 0.85], 6);
    if (defaultModel?.hints) {
      await page.click('#hint-mode');
      const box = await stageBox(page);
      await page.mouse.click(box.x + box.width * 0.8, box.y + box.height * 0.2);
      await page.waitForFunction(() => window.colorizeApp.jobs[0].hints.length === 1);
      await settle(page);
    }
    const first = path.join(out, 'kept-first.png');
    await download(page, first);
    const keys = await keptKeys();
    assert(keys.length === 1 && keys[0].includes(path.basename(SMALL)), `kept: ${keys}`);
    assert(await page.isHidden('#work-restored'), 'fresh work announced as restored');
    // A second stroke, not downloaded: the browser keeps it, so closing the tab does not ask.
    if (await page.getAttribute('#paint-mode', 'aria-pressed') !== 'true') await page.click('#paint-mode');
    await paintStroke(page, '#30a040', [0.6, 0.6], [0.9, 0.6], 4);
    assert(!(await closeAsks(page)), 'closing with work the browser keeps asked');
    // Opened again (a new tab, the same file): both strokes and the hint come back; without
    // the second stroke the result is the first visit's download.
    ({page, errors} = await openApp(context, '?nosw=1&provider=wasm'));
    await page.setInputFiles('#file-input', SMALL);
    assert((await waitJob(page, 1)).status === 'done', 'not colorized again');
    const back = await workOn(0);
    assert(back.s === 2 && back.h === (defaultModel?.hints ? 1 : 0), `restored ${JSON.stringify(back)}`);
    assert(await page.isVisible('#work-restored') && /2 strokes of paint/.test(await page.textContent('#work-restored-text')),
      `restored note: ${await page.textContent('#work-restored')}`);
    await page.screenshot({path: path.join(ARTIFACTS, 'app-kept.png'), fullPage: true});
    await page.click('#paint-undo');
    await settle(page);
    const again = path.join(out, 'kept-again.png');
    await download(page, again);
    const p = psnrFiles(again, first);
    assert(p >= 50, `the restored work gives ${p.toFixed(1)} dB against the first visit's result`);
    assert(await page.isHidden('#work-restored'), 'the restored note stays after the work changed');
    // Opened once more: what the undo left (one stroke and the hint) comes back, and "Start
    // afresh" forgets it: the photo's kept work is gone.
    await page.setInputFiles('#file-input', SMALL);
    assert((await waitJob(page, 2)).status === 'done', 'not colorized a third time');
    await page.click('#queue li:nth-child(2) .q-select');
    const third = await workOn(1);
    assert(third.s === 1 && third.h === back.h, `after the undo, restored ${JSON.stringify(third)}`);
    await page.waitForSelector('#work-restored', {state: 'visible'});
    await page.click('#work-forget');
    await page.waitForFunction(() => document.querySelectorAll('#queue li')[1].dataset.status === 'done' &&
      window.colorizeApp.jobs[1].strokes.length === 0);
    const left = {...await workOn(1), keys: (await keptKeys()).length};
    assert(left.s === 0 && left.h === 0 && left.keys === 0, `after start afresh: ${JSON.stringify(left)}`);
    assert(await page.isHidden('#work-restored'), 'the restored note stays after start afresh');
    // "Forget ... this browser keeps" (Advanced) clears every photo's: here the first job's,
    // kept again by one more stroke.
    await page.click('#queue li:nth-child(1) .q-select');
    if (await page.getAttribute('#paint-mode', 'aria-pressed') !== 'true') await page.click('#paint-mode');
    await paintStroke(page, '#30a040', [0.2, 0.3], [0.4, 0.3], 4);
    await page.click('.advanced summary');
    assert(/keeps the hints and paint of 1 photo /.test(await page.textContent('#kept-count')),
      `kept count: ${await page.textContent('#kept-count')}`);
    await page.click('#forget-all');
    const after = (await keptKeys()).length;
    assert(after === 0 && /keeps no hints or paint/.test(await page.textContent('#kept-count')) &&
      await page.isDisabled('#forget-all'), `after forget all: ${after} keys`);
    // Damaged storage (not JSON; entries of the wrong shape) restores nothing and breaks nothing.
    await page.evaluate((k) => {
      localStorage.setItem(k, '{not json');
    }, keys[0]);
    await page.setInputFiles('#file-input', SMALL);
    assert((await waitJob(page, 3)).status === 'done', 'damaged storage: not colorized');
    await page.evaluate((k) => {
      localStorage.setItem(k, JSON.stringify({hints: [{x: 'a', y: 1, hex: '#zzzzzz'}], strokes: [{points: 5, hex: '#112233', width: 3}]}));
    }, keys[0]);
    await page.setInputFiles('#file-input', SMALL);
    assert((await waitJob(page, 4)).status === 'done', 'wrong shapes: not colorized');
    const none = await page.evaluate(() => window.colorizeApp.jobs.slice(2).map((j) => j.strokes.length + j.hints.length));
    assert(none.every((n) => n === 0), `damaged storage restored ${none}`);
    assert(errors.length === 0, `errors ${errors}`);
  } finally { await close(); }
});

// axe-core (a test-only npm dependency, never shipped) on the page in the states a user meets:
// every WCAG 2 A/AA and best-practice rule it checks must pass (contrast, names, ARIA use).
test('accessibility: axe-core finds no violations in the app\'s states (phone-sized)', async () => {
  const {close, page, errors} = await openInBrowser('?nosw=1&provider=wasm');
  try {
    await page.setViewportSize({width: 390, height: 844});
    const axe = fs.readFileSync(path.join(ROOT, 'web/node_modules/axe-core/axe.min.js'), 'utf8');
    const problems = [];
    const check = async (state) => {
      await page.evaluate(axe);  // (through the debugger protocol: the page's CSP does not apply)
      const r = await page.evaluate(() => window.axe.run(document, {resultTypes: ['violations']}));
      for (const v of r.violations)
        problems.push(`${state}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    };
    await check('start page');
    const junk = path.join(out, 'not-an-image.jpg');
    fs.writeFileSync(junk, 'not an image');
    await page.setInputFiles('#file-input', [GREY, junk]);
    await waitJob(page, 1);
    await waitJob(page, 2);
    await check('a result and a failed file');
    await page.click('#paint-mode');
    await check('paint mode');
    if (await page.isVisible('#hint-mode')) {
      await page.click('#hint-mode');
      await check('hint mode');
    }
    await page.click('#zoom');
    await check('actual size');
    await page.selectOption('#method', 'exemplar');
    await check('exemplar method without a reference');
    await page.click('#queue li:nth-child(2) .q-select');
    await check('the failed file selected');
    await page.click('.advanced summary');
    await check('advanced settings open');
    await dropFiles(page, [{name: 'broken.mp4', type: 'video/mp4', bytes: Buffer.from('not a film')}]);
    await page.waitForFunction(() => document.body.dataset.filmState === 'error', null, {timeout: 30000});
    await check('a film that could not be colorized');
    assert(problems.length === 0, `axe-core:\n  ${problems.join('\n  ')}`);
    assert(errors.length === 0, `errors ${errors}`);
  } finally { await close(); }
});

// colorize.mjs, the module a developer embeds in a page: its results are the app's (the same
// engine and settings), hints and the exemplar method reach it, bad input is an Error with a
// code, and nothing leaves the origin.
test('embedding: colorize.mjs gives the app\'s result in another page; hints, exemplar, errors', async () => {
  const {context, close, foreign, page, errors} = await openInBrowser('?nosw=1&provider=wasm', {guard: true});
  try {
    await page.setInputFiles('#file-input', GREY);
    assert((await waitJob(page, 1)).status === 'done', 'the app did not colorize');
    const app = path.join(out, 'embed-app.png');
    await download(page, app);
    // Another page of the site (no app in it), as a developer's page would be.
    const dev = await context.newPage();
    dev.on('pageerror', (e) => errors.push(e.message));
    await dev.goto(`${origin}/version.txt`);
    const b64 = (f) => fs.readFileSync(f).toString('base64');
    const r = await dev.evaluate(async ([grey, ref]) => {
      const blob = (s, type) => new Blob([Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0))], {type});
      const toB64 = async (b) => { let s = ''; for (const x of new Uint8Array(await b.arrayBuffer())) s += String.fromCharCode(x); return btoa(s); };
      const {Colorizer} = await import('/colorize.mjs');
      const photo = blob(grey, 'image/jpeg');
      const c = await Colorizer.create({provider: 'wasm'});
      const plain = await c.colorize(photo);
      // Two calls at once: they take turns.
      const [hinted, jpeg] = await Promise.all([c.colorize(photo, {hints: [{x: 100, y: 350, hex: '#c03090'}]}),
        c.colorize(photo, {format: 'jpeg'})]);
      let bad = null, badHex = null;
      try { await c.colorize('not a blob'); } catch (e) { bad = e.code; }
      try { await c.colorize(photo, {hints: [{x: 1, y: 1, hex: 'red'}]}); } catch (e) { badHex = e.code; }
      let junk = null;
      try { await c.colorize(new Blob(['not an image'])); } catch (e) { junk = `${e.code}: ${e.message}`; }
      const session = c.session;
      c.close();
      let closed = null;  // a closed Colorizer refuses at once (no hang)
      try { await c.colorize(photo); } catch (e) { closed = e.code; }
      const ex = await Colorizer.create({model: 'exemplar'});
      const exemplar = await ex.colorize(photo, {reference: blob(ref, 'image/jpeg'), workingSize: 256});
      ex.close();
      return {plain: await toB64(plain), hinted: await toB64(hinted), jpegType: jpeg.type, jpegSize: jpeg.size,
        exemplar: await toB64(exemplar), bad, badHex, junk, session, closed};
    }, [b64(GREY), b64(REF)]);
    const save = (name, data) => { const f = path.join(out, name); fs.writeFileSync(f, Buffer.from(data, 'base64')); return f; };
    const plain = save('embed-plain.png', r.plain);
    const p = psnrFiles(plain, app);
    assert(p >= 50, `colorize.mjs vs the app: ${p.toFixed(1)} dB (${JSON.stringify(r.session)})`);
    const hinted = save('embed-hint.png', r.hinted);
    const at = meanAb(hinted, 0.13, 0.8, 0.18, 0.85), was = meanAb(plain, 0.13, 0.8, 0.18, 0.85);
    assert(at.a - was.a > 10, `the hint did not reach it: a* ${at.a.toFixed(1)} (was ${was.a.toFixed(1)})`);
    assert(r.jpegType === 'image/jpeg' && r.jpegSize > 1000, `jpeg ${r.jpegType} ${r.jpegSize}`);
    const want = path.join(out, 'embed-exemplar-cli.png');
    const c = cli([GREY, '--reference', REF, '--size', '256', '-o', want]);
    assert(!c.error, `native CLI failed: ${c.error}`);
    const pe = psnrFiles(save('embed-exemplar.png', r.exemplar), want);
    assert(pe >= 40, `colorize.mjs exemplar vs the CLI: ${pe.toFixed(1)} dB`);
    assert(r.bad === 'invalid argument' && r.badHex === 'invalid argument', `errors ${r.bad} ${r.badHex}`);
    assert(/^not an image: /.test(r.junk), `junk: ${r.junk}`);
    assert(r.closed === 'crashed', `a closed Colorizer: ${r.closed}`);
    assert(errors.length === 0 && foreign.length === 0, `errors ${errors} foreign ${foreign}`);
  } finally { await close(); }
});

test('share: where the browser shares files, "Share…" hands it the result (and asks again after an expired tap)', async () => {
  const {context, close} = await launch();
  try {
    // Headless Chromium on Linux has no share sheet: this page gets one that records the files
    // and refuses its first call as a browser does once the tap's activation has expired.
    const {page: plain} = await openApp(context, '?nosw=1&provider=wasm');
    assert(await plain.isHidden('#share'), 'Share shown where the browser cannot share files');
    await plain.close();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => {
      window.sharedFiles = [];
      let calls = 0;
      navigator.canShare = (d) => !!d?.files?.every((f) => f instanceof File);
      navigator.share = async (d) => {
        if (++calls === 1) throw new DOMException('no user activation', 'NotAllowedError');
        for (const f of d.files) window.sharedFiles.push({name: f.name, type: f.type, size: f.size});
      };
    });
    await page.goto(`${origin}/?nosw=1&provider=wasm`);
    await page.setInputFiles('#file-input', GREY);
    assert((await waitJob(page, 1)).status === 'done', 'not colorized');
    assert(await page.isVisible('#share'), 'no Share button where the browser can share');
    await page.click('#share');
    await page.waitForFunction(() => /press “Share…” again/.test(document.getElementById('note').textContent));
    await page.click('#share');
    await page.waitForFunction(() => window.sharedFiles.length === 1);
    const f = await page.evaluate(() => window.sharedFiles[0]);
    assert(f.name === 'landscape-grey-colorized.png' && f.type === 'image/png' && f.size > 100000, `shared ${JSON.stringify(f)}`);
    assert(errors.length === 0, `errors ${errors}`);
  } finally { await close(); }
});

// A 2400 x 1800 JPEG made by the core's encoder: grey texture and edges, or with colour.
function bigJpeg(file, colour) {
  if (fs.existsSync(file)) return file;
  const W = 2400, H = 1800, px = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4, v = 128 + 80 * Math.sin(x / 37) * Math.cos(y / 53) + ((x >> 7) % 2 ? 25 : -25);
      px[i] = px[i + 1] = px[i + 2] = Math.max(0, Math.min(255, v));
      if (colour) px[i + 2] = (px[i + 2] + 60) & 255;
      px[i + 3] = 255;
    }
  }
  const img = core.imageFromRgba(px, W, H);
  const jpg = core.encode(img.image, 'jpeg', 90, null);
  img.image.delete();
  fs.writeFileSync(file, jpg.bytes);
  return file;
}

test('large JPEGs: a grey one is read as its luma by the browser\'s ImageDecoder, with the result the core\'s decoder gives; a colour one the general way', async () => {
  const grey = bigJpeg(path.join(out, 'big-grey.jpg'), false), colour = bigJpeg(path.join(out, 'big-colour.jpg'), true);
  const {context, close} = await launch();
  try {
    const results = {};
    for (const q of ['', '&decoder=core']) {
      const {page, errors} = await openApp(context, `?nosw=1&provider=wasm${q}`);
      await page.setInputFiles('#file-input', [grey, colour]);
      for (const k of [1, 2]) assert((await waitJob(page, k)).status === 'done', `job ${k}${q}`);
      const decoders = await page.evaluate(() => window.colorizeApp.jobs.map((j) => j.decoder));
      const file = path.join(out, `big-grey${q ? '-core' : ''}.png`);
      await download(page, file);
      results[q || 'browser'] = {decoders, file};
      assert(errors.length === 0, `page errors: ${errors}`);
      await page.close();
    }
    assert(results.browser.decoders.join() === 'browser (JPEG, grey),browser (JPEG)', `decoders ${results.browser.decoders}`);
    assert(results['&decoder=core'].decoders.every((d) => d.startsWith('core')), `decoders ${results['&decoder=core'].decoders}`);
    const p = psnrFiles(results.browser.file, results['&decoder=core'].file);
    assert(p >= 45, `the grey JPEG's result through ImageDecoder vs the core's decoder: ${p.toFixed(1)} dB`);
    console.log(`     grey 2400x1800 JPEG: ImageDecoder's luma vs the core's decoder, results ${p.toFixed(1)} dB apart`);
  } finally { await close(); }
});

test('odd files: junk, empty, WebP (browser decoder) and TIFF (core decoder) — messages, not a dead tab; big images downscale', async () => {
  const {close, foreign, page, errors} = await openInBrowser('?nosw=1&model=exemplar&maxmp=0.1', {guard: true});
  try {
    await page.setInputFiles('#reference-input', REF);
    const webp = await page.evaluate(async () => {
      const c = new OffscreenCanvas(64, 48);
      const g = c.getContext('2d');
      g.fillStyle = '#777'; g.fillRect(0, 0, 64, 48);
      g.fillStyle = '#222'; g.fillRect(10, 10, 20, 20);
      const b = await c.convertToBlob({type: 'image/webp'});
      return [...new Uint8Array(await b.arrayBuffer())];
    });
    // The landscape photo stating 300 dpi in its JFIF header (units 1 = inch, X and Y density).
    const grey300 = new Uint8Array(fs.readFileSync(GREY));
    assert(String.fromCharCode(...grey300.slice(6, 10)) === 'JFIF', 'GREY has no JFIF header');
    grey300.set([1, 300 >> 8, 300 & 255, 300 >> 8, 300 & 255], 13);
    await dropFiles(page, [
      {name: 'notes.jpg', type: 'image/jpeg', bytes: new TextEncoder().encode('not an image at all')},
      {name: 'empty.png', type: 'image/png', bytes: new Uint8Array(0)},
      {name: 'tiny.webp', type: 'image/webp', bytes: new Uint8Array(webp)},
      {name: 'scan300.jpg', type: 'image/jpeg', bytes: grey300},
      {name: 'bomb.png', type: 'image/png', bytes: bombPng(30000, 30000)},
      {name: 'scan.tif', type: 'image/tiff', bytes: fs.readFileSync(path.join(ROOT, 'tests/corpus/grey16_tiles_pred_mm.tif'))},
      {name: 'profiled.jpg', type: 'image/jpeg', bytes: fs.readFileSync(path.join(ROOT, 'tests/corpus/icc_table_only.jpg'))},
    ]);
    const junk = await waitJob(page, 1), empty = await waitJob(page, 2), wp = await waitJob(page, 3),
      big = await waitJob(page, 4), bomb = await waitJob(page, 5), tif = await waitJob(page, 6),
      profiled = await waitJob(page, 7);
    assert(profiled.status === 'done', `profiled: ${profiled.text}`);
    assert(tif.status === 'done', `tiff: ${tif.text}`);
    assert(bomb.status === 'error' && /30000×30000/.test(bomb.text), `bomb: ${bomb.text}`);
    assert(junk.status === 'error' && /image/i.test(junk.text), `junk: ${junk.text}`);
    assert(empty.status === 'error' && /empty/i.test(empty.text), `empty: ${empty.text}`);
    assert(wp.status === 'done', `webp: ${wp.text}`);
    assert(big.status === 'done', `large: ${big.text}`);
    await page.click('#queue li:nth-child(4) .q-select');
    await page.waitForFunction(() => document.querySelector('#queue li:nth-child(4)').dataset.status === 'done');
    const note = await page.textContent('#note');
    assert(/Downscaled from 640×426/.test(note), `no downscale note: ${note}`);
    // Downscaled, it keeps its printed size (640 px at 300 dpi = 2.13 inches): the result
    // states a resolution scaled with its pixels.
    const small = path.join(out, 'scan300.png');
    await download(page, small);
    const sb = new Uint8Array(fs.readFileSync(small));
    const head = core.probe(sb, 1);
    assert(head.ok && head.width < 640, `downscaled result: ${JSON.stringify(head)}`);
    assert(Math.abs(head.width / head.dpiX - 640 / 300) < 0.01 && Math.abs(head.height / head.dpiY - 426 / 300) < 0.01,
      `printed size ${head.width / head.dpiX} x ${head.height / head.dpiY} in, want ${640 / 300} x ${426 / 300}`);
    // A colour profile the core cannot apply is named (make_corpus.py: a table-only profile).
    await page.click('#queue li:nth-child(7) .q-select');
    await page.waitForFunction(() => /colour profile/.test(document.querySelector('#note').textContent));
    const profileNote = await page.textContent('#note');
    assert(/“Scanner table \(test\)” could not be applied \(a table-based profile: its table is cut short/.test(profileNote),
      `profile note: ${profileNote}`);
    assert(await page.evaluate(() => 1 + 1) === 2, 'tab dead');
    assert(errors.length === 0 && foreign.length === 0, `errors ${errors} foreign ${foreign}`);
  } finally { await close(); }
});

// A film made here: a 320 x 240 view panning 2 px a frame across the grey test photo for two
// seconds with a 440 Hz tone, recorded by the browser's own MediaRecorder (VP8 + Opus WebM
// without a stated duration, as screen recordings are) — not by the app's writer.
// (width x height: the 320 x 240 view drawn at another size; frames: how many, at 25 a second.)
async function recordPan(page, {width = 320, height = 240, frames = 50} = {}) {
  const b64 = await page.evaluate(async ([grey, W, H, N]) => {
    const bmp = await createImageBitmap(new Blob([Uint8Array.from(atob(grey), (c) => c.charCodeAt(0))], {type: 'image/jpeg'}));
    const c = document.createElement('canvas');
    c.width = W; c.height = H;
    const g = c.getContext('2d');
    g.drawImage(bmp, 0, 0, 320, 240, 0, 0, W, H);
    const ac = new AudioContext();
    const tone = ac.createOscillator();
    tone.frequency.value = 440;
    const sound = ac.createMediaStreamDestination();
    tone.connect(sound);
    tone.start();
    const stream = new MediaStream([...c.captureStream(25).getVideoTracks(), ...sound.stream.getAudioTracks()]);
    const rec = new MediaRecorder(stream, {mimeType: 'video/webm;codecs=vp8,opus', videoBitsPerSecond: 2e6});
    const parts = [];
    rec.ondataavailable = (e) => parts.push(e.data);
    rec.start();
    await new Promise((resolve) => {
      let i = 0;
      const t = setInterval(() => {
        g.drawImage(bmp, 2 * ++i, 0, 320, 240, 0, 0, W, H);
        if (i >= N) { clearInterval(t); resolve(); }
      }, 40);
    });
    const stopped = new Promise((r) => { rec.onstop = r; });
    rec.stop();
    await stopped;
    tone.stop();
    await ac.close();
    let s = '';
    for (const x of new Uint8Array(await new Blob(parts).arrayBuffer())) s += String.fromCharCode(x);
    return btoa(s);
  }, [fs.readFileSync(GREY).toString('base64'), width, height, frames]);
  return Buffer.from(b64, 'base64');
}

// The film on the page, played back by the browser: its size, length, colour, and flicker (the
// mean change of R - G and (R + G) / 2 - B between frames one after the other); magenta: each
// frame's count of magenta pixels (R and B well above G).
async function filmPlayback(page) {
  return page.evaluate(async () => {
    // A film the browser cannot play must fail the test, not hang it.
    const timed = (p, what) => Promise.race([p, new Promise((_, j) => setTimeout(() => j(new Error(`${what}: no answer in 30 s`)), 30000))]);
    const f = window.colorizeApp.film;
    const v = document.createElement('video');
    v.muted = true;
    v.src = URL.createObjectURL(f.result.blob);
    await timed(new Promise((r, j) => { v.onloadedmetadata = r; v.onerror = () => j(new Error('the film does not play')); }), 'the film\'s header');
    const c = document.createElement('canvas');
    c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext('2d', {willReadFrequently: true});
    let prev = null, change = 0, spread = 0;
    const magenta = [];
    for (let i = 0; i < f.result.frames; i++) {
      v.currentTime = (i + 0.5) / f.result.fps;
      await timed(new Promise((r) => { v.onseeked = r; }), `frame ${i}`);
      g.drawImage(v, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const ch = new Float32Array(d.length / 2);
      let m = 0;
      for (let p = 0, q = 0; p < d.length; p += 4, q += 2) {
        m += d[p] - d[p + 1] > 60 && d[p + 2] - d[p + 1] > 50 ? 1 : 0;
        ch[q] = d[p] - d[p + 1];
        ch[q + 1] = (d[p] + d[p + 1]) / 2 - d[p + 2];
        spread += Math.max(d[p], d[p + 1], d[p + 2]) - Math.min(d[p], d[p + 1], d[p + 2]);
      }
      magenta.push(m);
      if (prev) { let s = 0; for (let k = 0; k < ch.length; k++) s += Math.abs(ch[k] - prev[k]); change += s / ch.length; }
      prev = ch;
    }
    // The sound, as the browser decodes it from the film: its length and pitch (zero crossings).
    let sound = null;
    try {
      const b = await timed(new OfflineAudioContext({numberOfChannels: 1, length: 1, sampleRate: 48000})
        .decodeAudioData(await f.result.blob.arrayBuffer()), 'the sound');
      // Rises through zero (from below -0.1 to above 0.1) over the middle half of the sound.
      const d = b.getChannelData(0).subarray(Math.floor(b.length / 4), Math.floor(3 * b.length / 4));
      let rises = 0, low = false;
      for (const x of d) {
        if (x < -0.1) low = true;
        else if (x > 0.1 && low) { rises++; low = false; }
      }
      sound = {duration: b.duration, pitch: rises / (d.length / b.sampleRate)};
    } catch { sound = null; }
    return {width: v.videoWidth, height: v.videoHeight, duration: v.duration, frames: f.result.frames, sound,
      total: f.result.total, fps: f.result.fps, shots: f.result.shots, bytes: f.result.blob.size,
      flicker: change / (f.result.frames - 1), spread: spread / (c.width * c.height * f.result.frames), magenta};
  });
}

// The film's player in the app stopped at frame i (of a film at 25 frames a second).
async function seekFilmResult(page, i) {
  await page.evaluate(async (t) => {
    const v = document.querySelector('#film-result');
    v.currentTime = t;
    await new Promise((r) => { v.onseeked = r; });
  }, (i + 0.5) / 25);
}

const filmEnded = (page) => page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.filmState),
  null, {timeout: 180000});

// The tab closed part-way through a film (a reload at frame 20-something), then, once the app is
// back and `again()` has done what the user does again, the same file dropped to the end.
async function reloadPartWayAndGoOn(page, file, again = async () => {}) {
  await page.waitForFunction(() => /^Frame (2\d|3\d) of/.test(document.querySelector('#film-status').textContent), null, {timeout: 60000});
  await page.reload();
  await page.waitForFunction(() => window.colorizeApp && window.colorizeApp.workerInfo);
  await again();
  await page.setInputFiles('#file-input', file);
  await filmEnded(page);
}

test('a film: a dropped video is colorized frame by frame into a WebM that plays with its sound; steady colour flickers less; stop keeps what is done', async () => {
  const {close, foreign, page, errors} = await openInBrowser('?nosw=1&provider=wasm', {guard: true});
  try {
    const pan = await recordPan(page);
    await dropFiles(page, [{name: 'pan.webm', type: 'video/webm', bytes: pan}]);
    await filmEnded(page);
    const status = await page.textContent('#film-status');
    assert(await page.evaluate(() => document.body.dataset.filmState) === 'done', `film: ${status}`);
    await page.screenshot({path: path.join(out, 'film.png')});
    const steady = await filmPlayback(page);
    assert(steady.width === 320 && steady.height === 240, `size ${steady.width} x ${steady.height}`);
    assert(steady.fps >= 15 && steady.fps <= 40, `frame rate ${steady.fps}`);
    assert(steady.frames === steady.total && steady.frames >= 35 && steady.frames <= 70, `${steady.frames} frames of ${steady.total}`);
    assert(Math.abs(steady.duration - steady.frames / steady.fps) < 0.1, `plays ${steady.duration} s for ${steady.frames} frames`);
    assert(steady.shots === 1, `a pan is one shot (the motion found in every frame), not ${steady.shots}`);
    assert(steady.spread > 4, `the film is in colour (mean RGB spread ${steady.spread.toFixed(1)})`);
    assert(/with its sound/.test(status) && steady.sound, `the sound: ${status}`);
    assert(Math.abs(steady.sound.duration - steady.frames / steady.fps) < 0.1 && Math.abs(steady.sound.pitch - 440) < 15,
      `sound of ${steady.sound.duration} s at ${steady.sound.pitch} Hz`);
    // Each frame on its own: every frame a new shot, and the colour flickers more.
    await page.selectOption('#film-carry', '0');
    await page.click('#film-again');
    await page.waitForFunction(() => document.body.dataset.filmState === 'working');
    await filmEnded(page);
    const alone = await filmPlayback(page);
    assert(alone.shots === alone.frames, `carry off: ${alone.shots} shots in ${alone.frames} frames`);
    assert(steady.flicker < 0.75 * alone.flicker,
      `flicker ${steady.flicker.toFixed(2)} with steady colour, ${alone.flicker.toFixed(2)} without`);
    console.log(`     film: ${steady.frames} frames at ${steady.fps} fps, flicker ${steady.flicker.toFixed(2)} steady vs ${alone.flicker.toFixed(2)} frame by frame; sound ${steady.sound.duration.toFixed(3)} s at ${steady.sound.pitch.toFixed(1)} Hz`);
    // Stopped part-way: the frames so far are a film that plays.
    await page.selectOption('#film-carry', '0.8');
    await page.click('#film-again');
    await page.waitForFunction(() => /^Frame ([3-9]|1\d) of/.test(document.querySelector('#film-status').textContent), null, {timeout: 60000});
    await page.click('#film-stop');
    await filmEnded(page);
    assert(await page.evaluate(() => document.body.dataset.filmState) === 'stopped', await page.textContent('#film-status'));
    const part = await filmPlayback(page);
    assert(part.frames >= 3 && part.frames < part.total, `stopped film: ${part.frames} of ${part.total}`);
    assert(Math.abs(part.duration - part.frames / part.fps) < 0.1, `the stopped film plays ${part.duration} s`);
    assert(part.sound && Math.abs(part.sound.duration - part.frames / part.fps) < 0.1, 'the stopped film\'s sound ends with it');
    // The download is the WebM.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#film-download')]);
    const file = path.join(out, 'film-stopped.webm');
    await dl.saveAs(file);
    const bytes = fs.readFileSync(file);
    assert(dl.suggestedFilename() === 'pan-colorized.webm', dl.suggestedFilename());
    assert(bytes.length === part.bytes && bytes.readUInt32BE(0) === 0x1a45dfa3, 'the download is the film');
    // A photo and a film dropped together: both are made (the worker takes them in turn).
    await dropFiles(page, [SMALL, {name: 'pan.webm', type: 'video/webm', bytes: pan}]);
    await page.waitForFunction(() => document.body.dataset.filmState === 'working');
    await filmEnded(page);
    assert(await page.evaluate(() => document.body.dataset.filmState) === 'done', await page.textContent('#film-status'));
    assert((await waitJob(page, 1)).status === 'done', 'the photo dropped with the film');
    // Not a video after all: a message, and the page goes on.
    await dropFiles(page, [{name: 'broken.mp4', type: 'video/mp4', bytes: Buffer.from('not a film at all')}]);
    await page.waitForFunction(() => document.body.dataset.filmState === 'error', null, {timeout: 30000});
    assert(/cannot read this video/.test(await page.textContent('#film-status')), await page.textContent('#film-status'));
    await page.setInputFiles('#file-input', SMALL);
    assert((await waitJob(page, 2)).status === 'done', 'a photo after the film');
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
    assert(foreign.length === 0, `requests left the origin: ${foreign.join(', ')}`);
  } finally {
    await close();
  }
});

test('a film\'s size: "Up to 854 x 480" makes a 960 x 540 film smaller (the frames colorized and written at 854 x 480)', async () => {
  const {close, page, errors} = await openInBrowser('?nosw=1&provider=wasm&fps=25');
  try {
    const film = await recordPan(page, {width: 960, height: 540, frames: 40});
    await dropFiles(page, [{name: 'wide.webm', type: 'video/webm', bytes: film}]);
    await page.waitForFunction(() => /^Frame/.test(document.querySelector('#film-status').textContent), null, {timeout: 60000});
    await page.click('#film-stop');
    await filmEnded(page);
    assert((await filmPlayback(page)).width === 960, 'at first the video\'s own size');
    await page.selectOption('#film-size', '409920');
    await page.click('#film-again');
    await page.waitForFunction(() => document.body.dataset.filmState === 'working');
    await filmEnded(page);
    const status = await page.textContent('#film-status');
    const r = await filmPlayback(page);
    assert(r.width === 854 && r.height === 480 && r.frames === r.total, `${r.width} x ${r.height}, ${r.frames} of ${r.total}: ${status}`);
    assert(/854 × 480 \(made smaller from 960 × 540\)/.test(status), status);
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
  } finally { await close(); }
});

test('a film is kept on the device as it goes: after a reload the same file goes on where it was; "Go on" after a stop; closing forgets it', async () => {
  const {close, page, errors} = await openInBrowser('?nosw=1&provider=wasm&keyframes=8&fps=25');
  try {
    const file = path.join(out, 'film-kept.webm');
    fs.writeFileSync(file, await recordPan(page));
    const kept = () => page.evaluate(async () => (await import('/filmstore.js')).keptFilms());
    const before = (await kept()).length;
    await page.setInputFiles('#file-input', file);
    await reloadPartWayAndGoOn(page, file, async () => assert((await kept()).length === before + 1, 'the film is kept on the device'));
    let status = await page.textContent('#film-status');
    assert(await page.evaluate(() => document.body.dataset.filmState) === 'done', status);
    const r = await page.evaluate(() => ({from: window.colorizeApp.film.result.from, stored: window.colorizeApp.film.result.stored}));
    assert(r.from >= 16 && r.from % 8 === 0 && /kept from before/.test(status) && r.stored === true, `went on from ${r.from}: ${status}`);
    const whole = await filmPlayback(page);
    assert(whole.frames === whole.total && Math.abs(whole.duration - whole.frames / 25) < 0.1, JSON.stringify(whole));
    assert(whole.shots === 1, `the colour carried on over the reload: ${whole.shots} shots`);
    assert(whole.sound && Math.abs(whole.sound.duration - whole.duration) < 0.1, 'the whole film has its sound');
    console.log(`     taken up again at frame ${r.from + 1} of ${whole.total}; flicker ${whole.flicker.toFixed(2)}`);
    // Stopped, then "Go on": the frames up to the last whole segment are kept.
    await page.click('#film-again');
    await page.waitForFunction(() => /^Frame (1[2-9]) of/.test(document.querySelector('#film-status').textContent), null, {timeout: 60000});
    await page.click('#film-stop');
    await filmEnded(page);
    assert(await page.isVisible('#film-go-on'), 'Go on is offered after a stop');
    // As a film kept by the app before 2026-12-07 left it: one state, last.bin, and no paint in
    // its settings; it goes on all the same.
    const old = await page.evaluate(async () => {
      const films = await (await navigator.storage.getDirectory()).getDirectoryHandle('films');
      let dir = null;
      for await (const [, h] of films.entries()) dir = h;
      const states = [];
      for await (const [name] of dir.entries()) if (/^at-/.test(name)) states.push(name);
      states.sort();
      const last = await (await dir.getFileHandle(states.at(-1))).getFile();
      const w = await (await dir.getFileHandle('last.bin', {create: true})).createWritable();
      await w.write(await last.arrayBuffer());
      await w.close();
      for (const name of states) await dir.removeEntry(name);
      const meta = JSON.parse(await (await (await dir.getFileHandle('meta.json')).getFile()).text());
      delete meta.made.paint;
      const m = await (await dir.getFileHandle('meta.json')).createWritable();
      await m.write(JSON.stringify(meta));
      await m.close();
      return states.at(-1);
    });
    await page.click('#film-go-on');
    await page.waitForFunction(() => document.body.dataset.filmState === 'working');
    await filmEnded(page);
    status = await page.textContent('#film-status');
    const goOn = await page.evaluate(() => window.colorizeApp.film.result);
    assert(!goOn.stopped && goOn.from >= 8 && goOn.from <= 20 && goOn.frames === goOn.total && goOn.shots === 1,
      `went on from ${goOn.from} to ${goOn.frames} of ${goOn.total} (${goOn.shots} shots): ${status}`);
    assert(Number(old.slice(3, 11)) === goOn.from, `the old state ${old}, went on from ${goOn.from}`);
    // Closing the film forgets it.
    await page.click('#film-close');
    await page.waitForFunction(() => document.querySelector('#film').hidden);
    assert((await kept()).length === before, 'closing the film forgets what was kept');
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
  } finally {
    await close();
  }
});

test('a film\'s paint: a frame opened among the photos and painted; the film made again holds the paint from that frame on, also when taken up after a reload', async () => {
  const {close, page, errors} = await openInBrowser('?nosw=1&provider=wasm&keyframes=8&fps=25');
  try {
    const file = path.join(out, 'film-paint.webm');
    fs.writeFileSync(file, await recordPan(page));
    await page.setInputFiles('#file-input', file);
    await filmEnded(page);
    assert(await page.isVisible('#film-paint-frame') && await page.isHidden('#film-paint-apply'), 'paint is offered once the film is made');
    const plain = await filmPlayback(page);
    assert(Math.max(...plain.magenta) < 60, `magenta before any paint: ${plain.magenta}`);
    // What the store keeps to go on from: the first state of its 250 frames and the last.
    const states = await page.evaluate(async () => {
      const films = await (await navigator.storage.getDirectory()).getDirectoryHandle('films');
      const names = [];
      for await (const [, dir] of films.entries()) for await (const [name] of dir.entries()) if (/^at-/.test(name)) names.push(name);
      return names.sort();
    });
    assert(states.join() === `at-00000008.bin,at-${String(plain.frames).padStart(8, '0')}.bin`, `states kept: ${states}`);
    // The player stopped at frame 11; that frame opened and painted.
    await seekFilmResult(page, 10);
    await page.click('#film-paint-frame');
    await page.waitForFunction(() => window.colorizeApp.jobs.length === 1 && window.colorizeApp.jobs[0].filmFrame === 10);
    await settle(page);
    const job = await page.evaluate(() => ({name: window.colorizeApp.jobs[0].name, w: window.colorizeApp.jobs[0].width,
      paint: document.querySelector('#paint-mode').getAttribute('aria-pressed')}));
    assert(job.name === 'film-paint-frame-11.png' && job.w === 320 && job.paint === 'true', JSON.stringify(job));
    await paintStroke(page, '#be28a5', [0.3, 0.65], [0.42, 0.72], 8);
    const note = await page.textContent('#film-paint-note');
    assert(/Paint on frame 11: not in the film yet/.test(note) && await page.isVisible('#film-paint-apply'), note);
    await page.screenshot({path: path.join(out, 'film-paint.png'), fullPage: true});
    await page.click('#film-paint-apply');
    await page.waitForFunction(() => document.body.dataset.filmState === 'working');
    await filmEnded(page);
    const status = await page.textContent('#film-status');
    assert(/paint on frame 11/.test(status) && /is in the film/.test(await page.textContent('#film-paint-note')), status);
    // The frames before the painted one's segment (key frames every 8) were kept, not made again.
    const from = await page.evaluate(() => window.colorizeApp.film.result.from);
    assert(from === 8 && /frames 1 to 8 kept from before/.test(status), `went on from ${from}: ${status}`);
    await seekFilmResult(page, 20);
    await page.locator('#film').screenshot({path: path.join(out, 'film-painted.png')});
    const painted = await filmPlayback(page);
    const m = painted.magenta;
    assert(m.slice(0, 10).every((n) => n < 60), `magenta before the painted frame: ${m.slice(0, 10)}`);
    assert(m[10] > 300 && m.slice(11).every((n) => n > 0.4 * m[10]), `the painted frame and after: ${m.slice(10)}`);
    console.log(`     film paint: magenta pixels by frame ${m.join(' ')}`);
    // A reload part-way, after the painted frame: the frame's photo is gone, the paint the film
    // was made with is kept, and so is the paint held at the last frame kept: the film goes on
    // from there, the paint still held.
    await page.click('#film-again');
    await reloadPartWayAndGoOn(page, file);
    const again = await page.textContent('#film-status');
    const resumed = await page.evaluate(() => window.colorizeApp.film.result.from);
    assert(resumed >= 16 && /paint on frame 11/.test(again) && /kept from before/.test(again), `went on from ${resumed}: ${again}`);
    const after = (await filmPlayback(page)).magenta;
    assert(after.slice(0, 10).every((n) => n < 60) && after.slice(10).every((n) => n > 0.4 * m[10]), `after the reload: ${after}`);
    // The frame opened again (from the note's link to it) brings its paint back (kept for the
    // photo); cleared, the film is to be made again without it.
    assert(await page.textContent('#film-paint-note button.link') === '11', await page.textContent('#film-paint-note'));
    await page.click('#film-paint-note button.link');
    await page.waitForFunction(() => window.colorizeApp.jobs.length === 1 && window.colorizeApp.jobs[0].filmFrame === 10);
    assert(await page.evaluate(() => window.colorizeApp.jobs[0].strokes.length) === 1, 'the frame\'s paint comes back with it');
    assert(await page.isHidden('#film-paint-apply'), 'the film is as painted');
    await settle(page);
    await page.click('#paint-clear');
    await page.waitForFunction(() => /taken away/.test(document.querySelector('#film-paint-note').textContent));
    assert(await page.isVisible('#film-paint-apply'), 'the film can be made again without the paint');
    await page.click('#film-paint-apply');
    await page.waitForFunction(() => document.body.dataset.filmState === 'working');
    await filmEnded(page);
    const without = await filmPlayback(page);
    const again8 = await page.evaluate(() => window.colorizeApp.film.result.from);
    assert(again8 === 8 && Math.max(...without.magenta) < 60, `without the paint, from ${again8}: ${without.magenta}`);
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
  } finally {
    await close();
  }
});

test('a film as MP4: an H.264 picture that plays with its sound, downloaded as .mp4, and kept on the device like a WebM one', async () => {
  const {close, page, errors} = await openInBrowser('?nosw=1&provider=wasm&keyframes=8&fps=25');
  try {
    const offered = await page.evaluate(async () => (await import('/film.js')).filmContainers());
    if (!offered.includes('mp4')) {
      assert(await page.$eval('#film-format option[value="mp4"]', (o) => o.disabled), 'MP4 not offered without an H.264 encoder');
      console.log('     SKIP: this Chromium has no H.264 encoder');
      return;
    }
    // Without an AAC encoder (Chromium here) the MP4's sound is Opus: WebM stays the first choice.
    await page.waitForFunction(() => /Opus sound/.test(document.querySelector('#film-format option[value="mp4"]').textContent),
      null, {timeout: 10000});
    assert(await page.$eval('#film-format', (s) => s.value) === 'webm', 'WebM is the first choice');
    const file = path.join(out, 'film-mp4.webm');
    fs.writeFileSync(file, await recordPan(page));
    // Chosen in the film's section (after a first film), and remembered.
    await page.setInputFiles('#file-input', file);
    await page.waitForFunction(() => /^Frame/.test(document.querySelector('#film-status').textContent), null, {timeout: 60000});
    await page.click('#film-stop');
    await filmEnded(page);
    await page.selectOption('#film-format', 'mp4');
    assert(await page.isVisible('#film-choices-note'), 'a choice changed after a film says when it applies');
    await page.click('#film-again');
    assert(!(await page.isVisible('#film-choices-note')), 'the note goes when the film is made again');
    await reloadPartWayAndGoOn(page, file, async () =>
      assert(await page.$eval('#film-format', (s) => s.value) === 'mp4', 'the format is remembered over the reload'));
    const status = await page.textContent('#film-status');
    const r = await page.evaluate(async () => {
      const res = window.colorizeApp.film.result;
      const head = new Uint8Array(await res.blob.slice(0, 12).arrayBuffer());
      return {from: res.from, frames: res.frames, total: res.total, container: res.container, codec: res.codec,
        type: res.blob.type, head: String.fromCharCode(...head.subarray(4, 8))};
    });
    assert(r.container === 'mp4' && r.type === 'video/mp4' && r.head === 'ftyp' && /^avc1\./.test(r.codec), JSON.stringify(r));
    assert(r.from >= 16 && r.from % 8 === 0 && r.frames === r.total && /kept from before/.test(status),
      `went on from ${r.from} to ${r.frames} of ${r.total}: ${status}`);
    const whole = await filmPlayback(page);
    assert(whole.frames === whole.total && Math.abs(whole.duration - whole.frames / 25) < 0.1, JSON.stringify(whole));
    assert(whole.shots === 1, `the colour carried on over the reload: ${whole.shots} shots`);
    assert(whole.sound && Math.abs(whole.sound.duration - whole.duration) < 0.1 && Math.abs(whole.sound.pitch - 440) < 10,
      `the sound: ${JSON.stringify(whole.sound)}`);
    assert(whole.width === 320 && whole.height === 240, `${whole.width} x ${whole.height}`);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#film-download')]);
    assert(dl.suggestedFilename() === 'film-mp4-colorized.mp4', dl.suggestedFilename());
    console.log(`     ${r.codec}, taken up again at frame ${r.from + 1} of ${whole.total}; flicker ${whole.flicker.toFixed(2)}; ` +
      `${whole.bytes} bytes`);
    await page.click('#film-close');
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
  } finally {
    await close();
  }
});

// Chromium on Linux encodes no AAC, so here the page's AudioEncoder is given a stand-in for it:
// asked for AAC ('mp4a.40.2'), it hands out the frames of real AAC made by ffmpeg
// (tests/data/sound/tone-660.aac, a 660 Hz tone), 1024 samples of the film's sound for each, with
// ffmpeg's AudioSpecificConfig as its decoder configuration; anything else goes to the real
// encoder. The film is made by the app as on a browser with an AAC encoder, and Chromium plays its
// sound back at the tone's pitch (the film's own sound is a 440 Hz tone, written as Opus).
async function standInAacEncoder(context) {
  const aac = adtsFrames(fs.readFileSync(AAC_TONE));
  await context.addInitScript(({frames, config}) => {
    const Real = window.AudioEncoder;
    if (!Real) return;
    const bytes = frames.map((f) => Uint8Array.from(atob(f), (c) => c.charCodeAt(0)));
    window.standInAac = {configured: null, frames: 0};
    class StandIn {
      constructor(init) { this.init = init; this.real = null; this.own = 'unconfigured'; this.samples = 0; }
      get state() { return this.real ? this.real.state : this.own; }
      get encodeQueueSize() { return this.real ? this.real.encodeQueueSize : 0; }
      addEventListener(...a) { this.real?.addEventListener(...a); }
      removeEventListener(...a) { this.real?.removeEventListener(...a); }
      configure(c) {
        if (c.codec !== 'mp4a.40.2') { this.real = new Real(this.init); this.real.configure(c); return; }
        window.standInAac.configured = {codec: c.codec, sampleRate: c.sampleRate, numberOfChannels: c.numberOfChannels};
        this.config = c;
        this.own = 'configured';
      }
      #emit(upTo) {
        while (window.standInAac.frames * 1024 < upTo) {
          const n = window.standInAac.frames++;
          const chunk = new EncodedAudioChunk({type: 'key', timestamp: Math.round(n * 1024 * 1e6 / 48000),
            duration: Math.round(1024 * 1e6 / 48000), data: bytes[n % bytes.length]});
          this.init.output(chunk, n ? {} : {decoderConfig: {codec: 'mp4a.40.2', sampleRate: this.config.sampleRate,
            numberOfChannels: this.config.numberOfChannels, description: new Uint8Array(config)}});
        }
      }
      encode(data) {
        if (this.real) return this.real.encode(data);
        this.samples += data.numberOfFrames;
        data.close();
        // Told to fail: an error part-way, as an encoder that breaks down gives.
        if (window.standInAac.fail && this.samples > 10 * 1024) {
          if (!this.failed) this.init.error(new Error('the stand-in encoder failed on purpose'));
          this.failed = true;
          return;
        }
        this.#emit(Math.floor(this.samples / 1024) * 1024);
      }
      async flush() { if (this.real) return this.real.flush(); if (!this.failed) this.#emit(this.samples); }
      close() { if (this.real) this.real.close(); else this.own = 'closed'; }
      static async isConfigSupported(c) {
        return c.codec === 'mp4a.40.2' ? {supported: true, config: c} : Real.isConfigSupported(c);
      }
    }
    window.AudioEncoder = StandIn;
  }, {frames: aac.frames.map((f) => Buffer.from(f).toString('base64')), config: aac.config});
  return aac;
}

test('a film as MP4 on a browser that encodes AAC: its sound is AAC (an mp4a track) and plays back; a WebM keeps Opus; an encoder failing part-way costs the sound, not the film', async () => {
  const {context, close} = await launch();
  try {
    await standInAacEncoder(context);
    const {page, errors} = await openApp(context, '?nosw=1&provider=wasm&fps=25');
    const offered = await page.evaluate(async () => (await import('/film.js')).filmContainers());
    if (!offered.includes('mp4')) {
      console.log('     SKIP: this Chromium has no H.264 encoder');
      return;
    }
    const file = path.join(out, 'film-aac.webm');
    fs.writeFileSync(file, await recordPan(page, {frames: 40}));
    // With H.264 and AAC, MP4 is the first choice (nothing chosen before in this browser).
    assert(await page.evaluate(async () => (await import('/film.js')).preferredContainer()) === 'mp4', 'preferred: MP4');
    await page.waitForFunction(() => document.querySelector('#film-format').value === 'mp4', null, {timeout: 10000});
    assert(/plays in more places/.test(await page.textContent('#film-format option[value="mp4"]')), 'the MP4 choice');
    await page.setInputFiles('#file-input', file);
    await filmEnded(page);
    const status = await page.textContent('#film-status');
    const r = await page.evaluate(async () => {
      const {readBoxes} = await import('/mp4.js');
      const res = window.colorizeApp.film.result;
      const bytes = new Uint8Array(await res.blob.arrayBuffer());
      const types = [];
      const walk = (list) => { for (const b of list) { types.push(b.type); if (b.children) walk(b.children); } };
      walk(readBoxes(bytes, new Set(['moov', 'trak', 'mdia', 'minf', 'stbl'])));
      const stsd = [];
      for (let i = 0; i + 8 < bytes.length; i++) {
        const t = String.fromCharCode(...bytes.subarray(i, i + 4));
        if (t === 'mp4a' || t === 'Opus' || t === 'esds') stsd.push(t);
      }
      return {container: res.container, soundCodec: res.soundCodec, sound: res.sound, types: types.join(), stsd: stsd.join(),
        standIn: window.standInAac};
    });
    assert(r.container === 'mp4' && r.sound && r.soundCodec === 'aac', JSON.stringify(r));
    assert(r.standIn.configured?.codec === 'mp4a.40.2' && r.standIn.configured.sampleRate === 48000 &&
      r.standIn.frames > 60, `the encoder asked for: ${JSON.stringify(r.standIn)}`);
    assert(/mp4a/.test(r.stsd) && /esds/.test(r.stsd) && !/Opus/.test(r.stsd), `sample entries ${r.stsd}`);
    assert(/with its sound/.test(status), status);
    const played = await filmPlayback(page);
    assert(played.sound && Math.abs(played.sound.pitch - 660) < 15 && Math.abs(played.sound.duration - played.duration) < 0.1,
      `the sound played back: ${JSON.stringify(played.sound)} (film ${played.duration} s)`);
    // A WebM holds Opus: the same film made as WebM asks for no AAC and plays the film's own tone.
    const asked = r.standIn.frames;
    await page.selectOption('#film-format', 'webm');
    await page.click('#film-again');
    await filmEnded(page);
    const webm = await page.evaluate(() => ({soundCodec: window.colorizeApp.film.result.soundCodec, frames: window.standInAac.frames}));
    assert(webm.soundCodec === 'opus' && webm.frames === asked, JSON.stringify(webm));
    const again = await filmPlayback(page);
    assert(again.sound && Math.abs(again.sound.pitch - 440) < 10, `the WebM's sound: ${JSON.stringify(again.sound)}`);
    // An encoder that fails part-way costs the sound, not the film.
    await page.evaluate(() => { window.standInAac.fail = true; });
    await page.selectOption('#film-format', 'mp4');
    await page.click('#film-again');
    await filmEnded(page);
    const failed = await page.evaluate(() => {
      const res = window.colorizeApp.film.result;
      return {state: document.body.dataset.filmState, sound: res.sound, soundCodec: res.soundCodec, soundWhy: res.soundWhy,
        frames: res.frames, total: res.total, container: res.container};
    });
    const failedStatus = await page.textContent('#film-status');
    assert(failed.state === 'done' && !failed.sound && failed.soundCodec === null && failed.container === 'mp4' &&
      failed.frames === failed.total && /could not be encoded: the stand-in encoder failed/.test(failed.soundWhy),
    JSON.stringify(failed));
    assert(/without sound \(its sound could not be encoded/.test(failedStatus), failedStatus);
    const silent = await filmPlayback(page);
    assert(silent.frames === silent.total && !silent.sound && Math.abs(silent.duration - silent.frames / 25) < 0.1,
      `the film without its sound: ${JSON.stringify({...silent, magenta: undefined})}`);
    console.log(`     AAC: ${r.standIn.frames} frames from the stand-in; played back at ${played.sound.pitch.toFixed(0)} Hz ` +
      `for ${played.sound.duration.toFixed(2)} s of a ${played.duration.toFixed(2)} s film`);
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
  } finally {
    await close();
  }
});

test('a film made with a reference photo is kept too: after a reload, the same photo chosen again and the same file dropped go on', async () => {
  const {close, page, errors} = await openInBrowser('?nosw=1&model=exemplar&keyframes=8&fps=25');
  try {
    const file = path.join(out, 'film-kept-ref.webm');
    fs.writeFileSync(file, await recordPan(page));
    await page.setInputFiles('#reference-input', REF);
    await page.setInputFiles('#file-input', file);
    await reloadPartWayAndGoOn(page, file, () => page.setInputFiles('#reference-input', REF));
    const status = await page.textContent('#film-status');
    const r = await page.evaluate(() => window.colorizeApp.film.result);
    assert(r.from >= 16 && r.from % 8 === 0 && r.frames === r.total && /kept from before/.test(status),
      `went on from ${r.from} to ${r.frames} of ${r.total}: ${status}`);
    console.log(`     taken up again at frame ${r.from + 1} of ${r.total}`);
    await page.click('#film-close');
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
  } finally {
    await close();
  }
});

test('film.js: a frame that fails ends the film there; the frames before it (and their sound) are written out', async () => {
  const {close, page, errors} = await openInBrowser('?nosw=1&provider=wasm');
  try {
    const pan = await recordPan(page);
    const r = await page.evaluate(async (b64) => {
      const {openVideo, closeVideo, colorizeFilm, readSound} = await import('/film.js');
      const file = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'pan.webm', {type: 'video/webm'});
      const v = await openVideo(file);
      const sound = await readSound(file, v.duration);
      let n = 0;
      // The frame as it is (no colour), failing at the fifth.
      const colorizeFrame = async (bitmap) => {
        if (++n === 5) { bitmap.close(); throw Object.assign(new Error('out of memory'), {code: 'crashed'}); }
        return {after: bitmap, newShot: n === 1, timings: {}};
      };
      const out = await colorizeFilm(v, {fps: 25, colorizeFrame, sound});
      closeVideo(v);
      const played = document.createElement('video');
      played.src = URL.createObjectURL(out.blob);
      await new Promise((res, rej) => { played.onloadedmetadata = res; played.onerror = () => rej(new Error('does not play')); });
      let failed = null;
      try {
        await colorizeFilm(await openVideo(file), {fps: 25, colorizeFrame: async (b) => { b.close(); throw new Error('no engine'); }});
      } catch (e) { failed = e.message; }
      // Frames above the pixel limit are made smaller (a bitmap drawn at the size written).
      const kinds = new Set();
      const small = await colorizeFilm(await openVideo(file), {fps: 25, maxPixels: 40000, shouldStop: () => kinds.size > 0 && n > 8,
        colorizeFrame: async (p) => { n++; kinds.add(`${p.constructor.name} ${p.width || p.displayWidth}x${p.height || p.displayHeight}`); return {after: p, newShot: false, timings: {}}; }});
      return {frames: out.frames, total: out.total, stopped: out.stopped, error: out.error?.message, sound: out.sound,
        duration: played.duration, failed, small: [small.width, small.height, [...kinds].join()]};
    }, pan.toString('base64'));
    assert(r.frames === 4 && r.stopped && r.error === 'out of memory', JSON.stringify(r));
    assert(Math.abs(r.duration - 4 / 25) < 0.03, `the four frames play ${r.duration} s`);
    assert(r.sound, 'the sound of the four frames is written too');
    assert(r.failed === 'no engine', `a film whose first frame fails is an error: ${r.failed}`);
    assert(r.small.join() === '230,174,ImageBitmap 230x174', `made smaller: ${r.small}`);
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
  } finally {
    await close();
  }
});

test('embedding: colorize.mjs colorizes a film (steady colour, its sound; a model or a reference photo); an AbortSignal keeps the frames so far', async () => {
  const {context, close} = await launch();
  try {
    const foreign = await guardOrigin(context, origin);
    const dev = await context.newPage();
    const errors = [];
    dev.on('pageerror', (e) => errors.push(e.message));
    await dev.goto(`${origin}/version.txt`);
    const pan = await recordPan(dev);
    const r = await dev.evaluate(async (b64) => {
      const {Colorizer} = await import('/colorize.mjs');
      const film = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'pan.webm', {type: 'video/webm'});
      const c = await Colorizer.create({provider: 'wasm'});
      let seen = 0;
      const whole = await c.colorizeFilm(film, {fps: 25, onFrame: ({frame}) => { if (frame.displayWidth === 320) seen++; }});
      const stop = new AbortController();
      const part = await c.colorizeFilm(film, {fps: 25, signal: stop.signal, onFrame: ({index}) => { if (index === 5) stop.abort(); }});
      // 'auto': MP4 where the browser encodes H.264 and AAC, else WebM (this Chromium: no AAC).
      const quick = new AbortController();
      const auto = await c.colorizeFilm(film, {fps: 25, container: 'auto', signal: quick.signal,
        onFrame: ({index}) => { if (index === 2) quick.abort(); }});
      let bad = null;
      try { await c.colorizeFilm(film, {steady: 2}); } catch (e) { bad = e.code; }
      try { await c.colorizeFilm(film, {container: 'avi'}); } catch (e) { bad += ` ${e.code}`; }
      c.close();
      // The exemplar method: a reference photo's colours, carried the same way.
      const ex = await Colorizer.create({model: 'exemplar'});
      const ref = await (await fetch('/icons/icon-512.png')).blob();
      let noRef = null;
      try { await ex.colorizeFilm(film); } catch (e) { noRef = e.code; }
      const halt = new AbortController();
      const exemplar = await ex.colorizeFilm(film, {fps: 25, reference: ref, signal: halt.signal,
        onFrame: ({index}) => { if (index === 3) halt.abort(); }});
      ex.close();
      const plays = async (blob) => {
        const v = document.createElement('video');
        v.src = URL.createObjectURL(blob);
        await new Promise((res, rej) => { v.onloadedmetadata = res; v.onerror = () => rej(new Error('does not play')); });
        return v.duration;
      };
      const strip = ({blob, error, ...rest}) => rest;
      return {whole: {...strip(whole), plays: await plays(whole.blob)}, part: {...strip(part), plays: await plays(part.blob)}, seen, bad,
        auto: {container: auto.container, type: auto.blob.type, frames: auto.frames},
        exemplar: {...strip(exemplar), plays: await plays(exemplar.blob)}, noRef};
    }, pan.toString('base64'));
    const {whole, part} = r;
    assert(whole.frames >= 35 && whole.frames === whole.total && whole.shots === 1 && whole.sound && whole.soundCodec === 'opus' &&
      whole.soundWhy === null, JSON.stringify(whole));
    assert(r.seen === whole.frames, `onFrame saw ${r.seen} of ${whole.frames} frames`);
    assert(Math.abs(whole.plays - whole.frames / 25) < 0.1, `the film plays ${whole.plays} s`);
    assert(part.stopped && part.frames === 6 && Math.abs(part.plays - 6 / 25) < 0.05, JSON.stringify(part));
    assert(r.bad === 'invalid argument invalid argument', `steady 2, container avi: ${r.bad}`);
    assert(r.auto.container === 'webm' && r.auto.type === 'video/webm' && r.auto.frames === 3, `auto: ${JSON.stringify(r.auto)}`);
    assert(whole.container === 'webm', `the default container: ${whole.container}`);
    assert(r.noRef === 'invalid argument', `the exemplar method without a reference: ${r.noRef}`);
    assert(r.exemplar.frames === 4 && r.exemplar.shots === 1 && r.exemplar.plays > 0.1, JSON.stringify(r.exemplar));
    assert(errors.length === 0 && foreign.length === 0, `errors ${errors} foreign ${foreign}`);
  } finally { await close(); }
});

test('embedding: paint on a film\'s frame colours it and is held, moving with the picture, in the frames after it', async () => {
  const {context, close} = await launch();
  try {
    const foreign = await guardOrigin(context, origin);
    const dev = await context.newPage();
    const errors = [];
    dev.on('pageerror', (e) => errors.push(e.message));
    await dev.goto(`${origin}/version.txt`);
    const pan = await recordPan(dev, {frames: 30});
    const r = await dev.evaluate(async (b64) => {
      const {Colorizer} = await import('/colorize.mjs');
      const film = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'pan.webm', {type: 'video/webm'});
      const c = await Colorizer.create({provider: 'wasm'});
      // Each frame's magenta pixels (R and B well above G), counted as the frames come.
      const canvas = new OffscreenCanvas(320, 240), g = canvas.getContext('2d', {willReadFrequently: true});
      const magentaOf = (counts) => ({index, frame}) => {
        g.drawImage(frame, 0, 0, 320, 240);
        const px = g.getImageData(0, 0, 320, 240).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) n += px[i] - px[i + 1] > 60 && px[i + 2] - px[i + 1] > 50 ? 1 : 0;
        counts[index] = n;
      };
      const plain = [], painted = [];
      await c.colorizeFilm(film, {fps: 25, onFrame: magentaOf(plain)});
      const square = [[100, 150], [130, 150], [130, 160], [100, 160], [100, 170], [130, 170], [130, 180], [100, 180]];
      await c.colorizeFilm(film, {fps: 25, onFrame: magentaOf(painted),
        paint: [{frame: 5, strokes: [{points: square, hex: '#be28a5', width: 12}]}]});
      const refusals = [];
      for (const paint of [[{frame: -1, strokes: []}], [{frame: 2}, {frame: 2}], [{frame: 1, strokes: [{points: [], hex: '#be28a5', width: 3}]}],
        [{frame: 1, hints: [{x: 1, y: 1, hex: 'red'}]}]]) {
        try { await c.colorizeFilm(film, {paint}); refusals.push('taken'); } catch (e) { refusals.push(e.code); }
      }
      c.close();
      return {plain, painted, refusals};
    }, pan.toString('base64'));
    const {plain, painted} = r;
    assert(painted.length >= 25 && plain.length === painted.length, `frames ${plain.length} / ${painted.length}`);
    assert(Math.max(...plain) < 60, `magenta without paint: ${plain}`);
    assert(painted.slice(0, 5).every((n) => n < 60), `magenta before the painted frame: ${painted.slice(0, 5)}`);
    assert(painted[5] > 500, `the painted frame: ${painted[5]} magenta pixels`);
    assert(painted.slice(6).every((n) => n > 0.4 * painted[5]), `the frames after it hold the paint: ${painted.slice(6)}`);
    assert(r.refusals.every((c) => c === 'invalid argument'), `bad paint: ${r.refusals}`);
    assert(errors.length === 0 && foreign.length === 0, `errors ${errors} foreign ${foreign}`);
  } finally { await close(); }
});

test('embedding: colorize.mjs keeps a film on the device with keep: stopped, it goes on where it was; fresh starts again; forgetFilm forgets it', async () => {
  const {context, close} = await launch();
  try {
    const dev = await context.newPage();
    const errors = [];
    dev.on('pageerror', (e) => errors.push(e.message));
    await dev.goto(`${origin}/version.txt`);
    const pan = await recordPan(dev, {frames: 40});
    const r = await dev.evaluate(async (b64) => {
      const {Colorizer} = await import('/colorize.mjs');
      const {keptFilms} = await import('/filmstore.js');
      const film = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'kept.webm', {type: 'video/webm', lastModified: 1});
      const c = await Colorizer.create({provider: 'wasm'});
      const before = (await keptFilms()).length;
      const stop = new AbortController();
      const strip = ({blob, error, ...rest}) => rest;
      const part = await c.colorizeFilm(film, {fps: 25, keep: true, signal: stop.signal,
        onFrame: ({index}) => { if (index === 20) stop.abort(); }});
      const kept = (await keptFilms()).length - before;
      const rest = await c.colorizeFilm(film, {fps: 25, keep: true});
      const v = document.createElement('video');
      v.src = URL.createObjectURL(rest.blob);
      await new Promise((res, rej) => { v.onloadedmetadata = res; v.onerror = () => rej(new Error('does not play')); });
      const other = await c.colorizeFilm(film, {fps: 25, keep: true, saturation: 0.5, signal: AbortSignal.abort()});
      const fresh = await c.colorizeFilm(film, {fps: 25, keep: true, fresh: true});
      const unkept = await c.colorizeFilm(film, {fps: 25});
      await Colorizer.forgetFilm(film);
      const after = (await keptFilms()).length - before;
      c.close();
      return {part: strip(part), rest: strip(rest), plays: v.duration, kept, other: strip(other), fresh: strip(fresh),
        unkept: strip(unkept), after};
    }, pan.toString('base64'));
    assert(r.part.stopped && r.part.frames === 21 && r.part.from === 0 && r.part.stored === true && r.kept === 1, JSON.stringify(r.part));
    assert(r.rest.from === 21 && r.rest.frames === r.rest.total && !r.rest.stopped && r.rest.shots === 1, JSON.stringify(r.rest));
    assert(Math.abs(r.plays - r.rest.frames / 25) < 0.1, `the film taken up plays ${r.plays} s`);
    assert(r.other.from === 0 && r.other.frames === 0, `other settings start afresh: ${JSON.stringify(r.other)}`);
    assert(r.fresh.from === 0 && r.fresh.frames === r.fresh.total, JSON.stringify(r.fresh));
    assert(r.unkept.from === 0 && r.unkept.stored === false, JSON.stringify(r.unkept));
    assert(r.after === 0, `forgetFilm: ${r.after} films left`);
    assert(errors.length === 0, `errors ${errors}`);
  } finally { await close(); }
});

test('offline: after the first visit, a reload without network still colorizes', async () => {
  const {context, close} = await launch();
  try {
    const foreign = await guardOrigin(context, origin);
    const query = defaultModel ? '?provider=wasm' : '?model=exemplar';
    const {page} = await openApp(context, query);
    // First visit: the service worker installs the shell; the default model lands in its cache.
    await page.waitForFunction(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return !!(r && r.active);
    }, null, {timeout: 60000});
    if (defaultModel) await page.waitForFunction(() => !!window.colorizeApp.modelSession, null, {timeout: 60000});
    await context.setOffline(true);
    await page.reload();
    await page.waitForFunction(() => window.colorizeApp && window.colorizeApp.workerInfo, null, {timeout: 30000});
    if (!defaultModel) await page.setInputFiles('#reference-input', REF);
    await page.setInputFiles('#file-input', SMALL);
    const r = await waitJob(page, 1);
    assert(r.status === 'done', `offline job: ${r.text}`);
    await page.screenshot({path: path.join(ARTIFACTS, 'app-offline.png')});
    assert(foreign.length === 0, `foreign ${foreign}`);
  } finally { await close(); }
});

test('WebGPU provider (SwiftShader) on a small image agrees with WASM (PSNR >= 30 dB)', async () => {
  const {context, close} = await launch({webgpu: true});
  try {
    // The tiny test model: SwiftShader is a CPU emulation of a GPU, far too slow for a real one.
    const {page} = await openApp(context, '?nosw=1&provider=webgpu&size=128&models=test');
    const info = await page.evaluate(() => window.colorizeApp.workerInfo);
    if (!info.webgpu) { console.log('     (no WebGPU adapter in this Chromium: checked the message only)'); }
    await page.setInputFiles('#file-input', SMALL);
    const r = await waitJob(page, 1, 180000);
    if (!info.webgpu) {
      assert(r.status === 'error' && /WebGPU|provider/i.test(r.text), `no adapter yet: ${r.text}`);
      return;
    }
    assert(r.status === 'done', `webgpu job: ${r.text}`);
    const stats = await page.textContent('#stats');
    assert(/ran on: WebGPU/.test(stats), `stats: ${stats}`);
    const gpu = path.join(out, 'webgpu.png');
    await download(page, gpu);
    // The same image through the WASM provider, in the same browser.
    await page.evaluate(() => { document.querySelector('details.advanced').open = true; });
    await page.selectOption('#provider', 'wasm');
    await page.waitForFunction(() => window.colorizeApp.modelSession?.provider === 'wasm', null, {timeout: 60000});
    await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'done', null, {timeout: 60000});
    const cpu = path.join(out, 'webgpu-vs-wasm.png');
    await download(page, cpu);
    const psnr = psnrFiles(gpu, cpu);
    assert(psnr >= 30, `WebGPU vs WASM PSNR ${psnr.toFixed(2)} dB`);
  } finally { await close(); }
}, {skip: () => (testModels.models.length ? null : 'no test model in tests/data/models')});

test('a new build replaces the app-shell cache and deletes the old one; the model cache stays', async () => {
  const swFile = path.join(DIST, 'sw.js');
  const original = fs.readFileSync(swFile, 'utf8');
  const {context, close} = await launch();
  try {
    const {page} = await openApp(context, '?provider=wasm&models=test');
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, {timeout: 60000});
    await page.waitForFunction(() => !!window.colorizeApp.modelSession, null, {timeout: 60000});
    const before = await page.evaluate(() => caches.keys());
    assert(before.filter((k) => k.startsWith('colorize-shell-')).length === 1, `caches ${before}`);
    assert(before.includes('colorize-models-v1'), `no model cache: ${before}`);
    // A "new build": same files, new version stamp.
    fs.writeFileSync(swFile, original.replace(/const VERSION = "([0-9a-f]+)"/, 'const VERSION = "$1next"'));
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
    await page.waitForFunction(async () => {
      const k = await caches.keys();
      const shells = k.filter((x) => x.startsWith('colorize-shell-'));
      return shells.length === 1 && shells[0].endsWith('next');
    }, null, {timeout: 60000});
    const after = await page.evaluate(() => caches.keys());
    assert(before.filter((k) => !k.startsWith('colorize-shell-')).every((k) => after.includes(k)),
      `other caches lost: ${before} -> ${after}`);
  } finally {
    fs.writeFileSync(swFile, original);
    await close();
  }
});

test('share target: an image shared to the installed app (multipart POST) opens in the queue', async () => {
  const {context, close} = await launch();
  try {
    const foreign = await guardOrigin(context, origin);
    const {page} = await openApp(context, '?model=exemplar');
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, {timeout: 60000});
    // What the OS does for manifest.share_target: a navigation POST of multipart form data.
    await page.evaluate(() => {
      const f = document.createElement('form');
      f.method = 'post'; f.action = './share-target'; f.enctype = 'multipart/form-data';
      const i = document.createElement('input');
      i.type = 'file'; i.name = 'images'; i.id = 'share-in';
      f.append(i);
      document.body.append(f);
    });
    await page.setInputFiles('#share-in', SMALL);
    await Promise.all([page.waitForURL(/shared=1/), page.evaluate(() => document.querySelector('#share-in').form.submit())]);
    await page.waitForFunction(() => document.querySelectorAll('#queue li').length === 1, null, {timeout: 30000});
    const name = await page.textContent('#queue li .q-name');
    assert(name === 'scene-21.jpg', `shared file name ${name}`);
    assert(foreign.length === 0, `foreign ${foreign}`);
  } finally { await close(); }
});

test('a photo’s details (EXIF, XMP) go on to the download, unless the user says no', async () => {
  const {close, foreign, page, errors} = await openInBrowser('?nosw=1&model=exemplar', {guard: true});
  try {
    await page.setInputFiles('#reference-input', REF);
    await dropFiles(page, [path.join(ROOT, 'tests/corpus/meta.jpg')]);
    const r = await waitJob(page, 1);
    assert(r.status === 'done', `job: ${r.text}`);
    const kept = path.join(out, 'meta-kept.jpg');
    await download(page, kept, 'jpeg');
    const k = core.readMetadata(new Uint8Array(fs.readFileSync(kept)));
    assert(Buffer.from(k.exif).includes('Grandma at the lake') && k.xmp.includes('At the lake'),
      'the download lost the photo\'s details');
    await page.uncheck('#keep-meta');
    const bare = path.join(out, 'meta-bare.jpg');
    await download(page, bare, 'jpeg');
    const b = core.readMetadata(new Uint8Array(fs.readFileSync(bare)));
    assert(b.exif.length === 0 && b.xmp === '', 'details kept though the box was unticked');
    assert(fs.readFileSync(bare).includes('Colorized in the browser by colorize'), 'the note went too');
    await page.check('#keep-meta');
    await page.selectOption('#format', 'png');
    assert(errors.length === 0 && foreign.length === 0, `errors ${errors} foreign ${foreign}`);
  } finally { await close(); }
});

test('a folder of scans: sub-folders queued in order, sidecars named, "Download all" keeps the folders', async () => {
  const dir = path.join(out, 'folder-pick', 'box 1');
  fs.rmSync(path.dirname(dir), {recursive: true, force: true});
  fs.mkdirSync(path.join(dir, 'sub'), {recursive: true});
  fs.copyFileSync(GREY, path.join(dir, 'b.jpg'));
  fs.copyFileSync(path.join(ROOT, 'tests/corpus/grey8_lzw.tif'), path.join(dir, 'sub', 'a.tif'));
  fs.writeFileSync(path.join(dir, 'notes.xmp'), 'a sidecar');
  fs.copyFileSync(GREY, path.join(dir, '.hidden.jpg'));
  const {close, foreign, page, errors} = await openInBrowser('?nosw=1&model=exemplar', {guard: true});
  try {
    await page.setInputFiles('#reference-input', REF);
    await page.setInputFiles('#folder-input', dir);
    const first = await waitJob(page, 1), second = await waitJob(page, 2);
    assert(first.status === 'done' && second.status === 'done', `jobs: ${first.text} / ${second.text}`);
    assert(await page.evaluate(() => document.querySelectorAll('#queue li').length) === 2, 'hidden file queued');
    const names = await page.$$eval('#queue li .q-name', (els) => els.map((e) => e.textContent));
    assert(names.join() === 'b.jpg,a.tif', `order: ${names}`);
    const note = await page.textContent('#folder-note');
    assert(/Left out 1 file that is not an image \(box 1\/notes\.xmp\)/.test(note), `note: ${note}`);
    // "Same as the original": the JPEG stays JPEG, the TIFF scan TIFF.
    await page.selectOption('#format', 'same');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-all')]);
    const zipFile = path.join(out, 'folder.zip');
    await dl.saveAs(zipFile);
    const zip = fs.readFileSync(zipFile);
    for (const want of ['box 1/b-colorized.jpg', 'box 1/sub/a-colorized.tif'])
      assert(zip.includes(want), `ZIP lacks ${want}`);
    const tif = zip.indexOf('box 1/sub/a-colorized.tif') + 'box 1/sub/a-colorized.tif'.length;
    assert(zip.subarray(tif, tif + 4).toString('latin1') === 'II*\0', 'the TIFF entry is not a TIFF');
    await page.selectOption('#format', 'png');
    assert(errors.length === 0 && foreign.length === 0, `errors ${errors} foreign ${foreign}`);
  } finally { await close(); }
});

test('a multi-page TIFF: each page its own photo in the queue (NAME-p2), decoded and downloaded as that page', async () => {
  const {close, foreign, page, errors} = await openInBrowser('?nosw=1&model=exemplar', {guard: true});
  try {
    await page.setInputFiles('#reference-input', REF);
    // make_corpus.py: page 1 red and blue halves (L* 53.2 and 32.3) at 300 dpi, page 2 all
    // green (L* 87.7) at 600 dpi.
    await dropFiles(page, [{name: 'album.tif', type: 'image/tiff',
      bytes: fs.readFileSync(path.join(ROOT, 'tests/corpus/pages_dpi.tif'))}]);
    const first = await waitJob(page, 1), second = await waitJob(page, 2);
    assert(first.status === 'done' && second.status === 'done', `jobs: ${first.text} / ${second.text}`);
    const names = await page.$$eval('#queue li .q-name', (els) => els.map((e) => e.textContent));
    assert(names.join() === 'album.tif,album-p2.tif', `queue: ${names}`);
    await page.click('#queue li:nth-child(1) .q-select');
    await page.waitForFunction(() => /holds 2 pages/.test(document.querySelector('#note').textContent));
    await page.click('#queue li:nth-child(2) .q-select');
    await page.waitForFunction(() => document.querySelector('#queue li:nth-child(2)').classList.contains('selected'));
    const file = path.join(out, 'album-p2.png');
    const name = await download(page, file);
    assert(name === 'album-p2-colorized.png', `download name ${name}`);
    const bytes = new Uint8Array(fs.readFileSync(file));
    const dpi = core.probe(bytes, 1).dpiX;
    assert(Math.abs(dpi - 600) < 0.1, `page 2's result states ${dpi} dpi, not its own 600`);
    const r = core.decode(bytes, 0, 1);
    assert(r.ok, r.message);
    const rgba = r.image.rgba();
    let worst = 0;
    for (let i = 0; i < rgba.length; i += 4) {
      worst = Math.max(worst, Math.abs(core.srgbToLab(rgba[i], rgba[i + 1], rgba[i + 2]).L - 87.74));
    }
    r.image.delete();
    assert(worst < 1, `page 2's result is not page 2's lightness (off by ${worst.toFixed(2)} L*)`);
    assert(errors.length === 0 && foreign.length === 0, `errors ${errors} foreign ${foreign}`);
  } finally { await close(); }
});

test('"Open with" from the OS (launch queue of the installed app): the files open in the queue', async () => {
  const {context, close} = await launch();
  try {
    // Chromium hands launched files to an installed app only; this stands in for the browser's
    // window.launchQueue and hands over a TIFF and a JPEG the way it does (file handles).
    await context.addInitScript(() => {
      Object.defineProperty(window, 'launchQueue', {configurable: true,
        value: {setConsumer(fn) { window.__launchConsumer = fn; }}});
    });
    const {page, errors} = await openApp(context, '?nosw=1&model=exemplar');
    await page.setInputFiles('#reference-input', REF);
    await page.waitForFunction(() => typeof window.__launchConsumer === 'function');
    const tif = fs.readFileSync(path.join(ROOT, 'tests/corpus/grey8_lzw.tif')).toString('base64');
    const jpg = fs.readFileSync(SMALL).toString('base64');
    await page.evaluate(([a, b]) => {
      const handle = (name, b64, type) => ({
        getFile: async () => new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, {type})});
      window.__launchConsumer({files: [handle('scan.tif', a, 'image/tiff'), handle('photo.jpg', b, 'image/jpeg')]});
    }, [tif, jpg]);
    const first = await waitJob(page, 1), second = await waitJob(page, 2);
    assert(first.status === 'done' && second.status === 'done', `jobs: ${first.text} / ${second.text}`);
    const names = await page.$$eval('#queue li .q-name', (els) => els.map((e) => e.textContent));
    assert(names.join() === 'scan.tif,photo.jpg', `names ${names}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(DIST, 'manifest.webmanifest'), 'utf8'));
    const exts = Object.values(manifest.file_handlers[0].accept).flat();
    assert(exts.includes('.tif') && exts.includes('.tiff'), `file_handlers: ${exts}`);
    assert(errors.length === 0, `errors ${errors}`);
  } finally { await close(); }
});

test('keyboard only: open the file picker, compare, place a hint, paint a stroke', async () => {
  const {close, page, errors} = await openInBrowser('?nosw=1&provider=wasm');
  try {
    const chooserOpened = page.waitForEvent('filechooser');  // listen first: interception is async
    await page.keyboard.press('Tab');
    assert(await page.evaluate(() => document.activeElement.id) === 'dropzone', 'first Tab stop is not the drop zone');
    await page.keyboard.press('Enter');
    const chooser = await chooserOpened;
    await chooser.setFiles(SMALL);
    assert((await waitJob(page, 1)).status === 'done', 'keyboard-opened file not processed');
    await page.focus('#split');
    await page.keyboard.press('ArrowLeft');
    assert(await page.evaluate(() => document.getElementById('split').value) === '49', 'slider not keyboard-operable');
    if (defaultModel?.hints) {
      await page.focus('#hint-mode');
      await page.keyboard.press('Space');
      await page.focus('#viewer');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Shift+ArrowUp');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('#hint-list li').length === 1);
      const h = await page.evaluate(() => window.colorizeApp.jobs[0].hints[0]);
      const job = await page.evaluate(() => ({w: window.colorizeApp.jobs[0].width, h: window.colorizeApp.jobs[0].height}));
      assert(Math.abs(h.x / job.w - 0.51) < 0.01 && Math.abs(h.y / job.h - 0.4) < 0.01, `hint at ${h.x},${h.y}`);
      await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'done');
    }
    // Paint from the keyboard: Enter starts a stroke at the crosshair, the arrow keys draw it,
    // Enter ends it (the result takes the paint there); Escape drops a stroke being drawn.
    const before = path.join(out, 'keyboard-before.png');
    await download(page, before);
    await page.fill('#hint-color', '#c03090');
    await page.focus('#paint-mode');
    await page.keyboard.press('Space');
    // Paint shows all of the result (the split at the left edge) and its paint only there.
    const view = () => page.evaluate(() => ({split: document.getElementById('split').value,
      clip: getComputedStyle(document.getElementById('paint-layer')).clipPath,
      before: getComputedStyle(document.querySelector('.label-before')).display}));
    const pv = await view();
    assert(pv.split === '0' && pv.before === 'none' && /inset\(0(px)? 0(px)? 0(px)? 0%\)/.test(pv.clip),
      `paint mode's view: ${JSON.stringify(pv)}`);
    await page.keyboard.press('Space');
    const off = await view();
    assert(off.split === '49' && /49%/.test(off.clip) && off.before !== 'none', `paint off: ${JSON.stringify(off)}`);
    await page.keyboard.press('Space');
    await page.focus('#viewer');
    assert(await page.isVisible('#crosshair'), 'no crosshair to paint from the keyboard');
    await page.keyboard.press('Enter');
    for (let k = 0; k < 3; k++) await page.keyboard.press('Shift+ArrowLeft');
    assert(/arrow keys draw it/.test(await page.textContent('#paint-count')), 'drawing is not announced');
    await page.screenshot({path: path.join(ARTIFACTS, 'app-keyboard-paint.png')});
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.colorizeApp.jobs[0].strokes.length === 1);
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelector('#queue li').dataset.status === 'done');
    const kb = await page.evaluate(() => {
      const j = window.colorizeApp.jobs[0];
      return {strokes: j.strokes.length, points: j.strokes[0].points, w: j.width, h: j.height};
    });
    assert(kb.strokes === 1, `${kb.strokes} strokes after Escape`);
    const tk = await page.evaluate(() => window.colorizeApp.jobs[0].timings);
    assert(tk.infer === undefined && tk.paint > 0, `the model ran again for a stroke: ${JSON.stringify(tk)}`);
    const xs = kb.points.map((q) => q[0] / kb.w), ys = kb.points.map((q) => q[1] / kb.h);
    assert(kb.points.length === 4 && Math.abs(Math.max(...xs) - Math.min(...xs) - 0.3) < 0.01 &&
      Math.max(...ys) - Math.min(...ys) < 0.01, `stroke points ${JSON.stringify(kb.points)}`);
    const painted = path.join(out, 'keyboard-paint.png');
    await download(page, painted);
    const box = [Math.min(...xs) + 0.02, ys[0] - 0.015, Math.max(...xs) - 0.02, ys[0] + 0.015];
    const at = meanAb(painted, ...box), was = meanAb(before, ...box);
    // (The band crosses near-white sky, where sRGB holds little chroma: a* 13.6 measured.)
    assert(at.a - was.a > 8, `painted from the keyboard: a* ${at.a.toFixed(1)} (before ${was.a.toFixed(1)})`);
    // Paste (Ctrl+V of an image) adds a photo to the queue.
    await page.evaluate(async (b64) => {
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], 'pasted.jpg', {type: 'image/jpeg'}));
      document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
    }, fs.readFileSync(SMALL).toString('base64'));
    assert((await waitJob(page, 2)).status === 'done', 'pasted image not processed');
    assert(errors.length === 0, `errors ${errors}`);
    // The hint and the paint are in a saved result: closing the tab does not ask.
    assert(!(await closeAsks(page)), 'closing with everything saved asked');
  } finally { await close(); }
});

const failed = await run('e2e');
server.close();
process.exitCode = failed ? 1 : 0;

// Node tests of the WASM build of the core (build-wasm/web/colorize_core.{js,wasm}): the same
// inputs through the WASM module and through the native core (tests/web/oracle, built
// natively) must give the same L* at working size (prepare) and the same pixels (finish).
// Float differences between the two builds (libm, contraction) are allowed within tolerances
// far below what a person could see; anything structural fails.
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {ROOT, BUILD, ARTIFACTS, AAC_TONE, test, run, assert, loadCore, compareRgba, adtsFrames} from './lib.mjs';
import {filesFromEntries, filesFromFolderInput, isImageName} from '../../web/app/dropped.js';
import {makeZip, splitForZip, zipEntry} from '../../web/app/zip.js';
import {WebmWriter, WEBM_IDS as ID, readEbml, sizeBytes} from '../../web/app/webm.js';
import {Mp4Writer, audioSpecificConfig, readBoxes} from '../../web/app/mp4.js';

const ORACLE = path.join(BUILD, 'oracle-native', 'web_oracle');
const core = await loadCore();
const tmp = path.join(ARTIFACTS, 'wasm');
fs.mkdirSync(tmp, {recursive: true});

const oracle = (...args) => execFileSync(ORACLE, args.map(String), {encoding: 'utf8'});

function bytesOf(file) { return new Uint8Array(fs.readFileSync(file)); }

function decodeOk(bytes) {
  const r = core.decode(bytes, 0, 1);
  assert(r.ok, `decode failed: ${r.message}`);
  return r.image;
}

// A synthetic RGBA test image with an odd size, gradients, edges and transparency.
function syntheticPng() {
  const w = 333, h = 217;
  const px = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const edge = (x > 120 && x < 200 && y > 60 && y < 150) ? 90 : 0;
      px[i] = (x * 255 / (w - 1) + edge) & 255;
      px[i + 1] = (y * 255 / (h - 1)) & 255;
      px[i + 2] = ((x ^ y) & 255);
      px[i + 3] = x < 20 ? 128 : 255;
    }
  }
  const img = core.imageFromRgba(px, w, h);
  assert(img.ok, img.message);
  const png = core.encode(img.image, 'png', 92, null);
  img.image.delete();
  assert(png.ok, png.message);
  const file = path.join(tmp, 'synthetic-333x217.png');
  fs.writeFileSync(file, png.bytes);
  return file;
}

const inputs = [
  path.join(ROOT, 'tests/data/landscape-grey.jpg'),
  path.join(ROOT, 'tests/data/landscape.jpg'),
  syntheticPng(),
];

test('prepare: L* at working size equals the native core (|diff| <= 1e-3)', () => {
  for (const file of inputs) {
    for (const size of [256, 100, 1024]) {
      const img = decodeOk(bytesOf(file));
      const p = core.prepare(img, size, 'stretch');
      assert(p.ok, p.message);
      const out = path.join(tmp, 'L_work.f32');
      const [w, h] = oracle('prepare', file, size, out).trim().split(/\s+/).map(Number);
      assert(p.prepared.workWidth() === w && p.prepared.workHeight() === h,
        `${path.basename(file)} @${size}: WASM ${p.prepared.workWidth()}x${p.prepared.workHeight()} vs native ${w}x${h}`);
      const nat = new Float32Array(fs.readFileSync(out).buffer.slice(0));
      const wasm = p.prepared.lWork();
      assert(nat.length === wasm.length, 'L_work lengths differ');
      let maxd = 0;
      for (let i = 0; i < nat.length; i++) maxd = Math.max(maxd, Math.abs(nat[i] - wasm[i]));
      assert(maxd <= 1e-3, `${path.basename(file)} @${size}: max |L* diff| ${maxd}`);
      const natModel = new Float32Array(fs.readFileSync(out + '.model').buffer.slice(0));
      const wasmModel = p.prepared.lModel();
      assert(natModel.length === wasmModel.length, 'L_model lengths differ');
      maxd = 0;
      for (let i = 0; i < natModel.length; i++) maxd = Math.max(maxd, Math.abs(natModel[i] - wasmModel[i]));
      assert(maxd <= 1e-3, `${path.basename(file)} @${size}: max |model L* diff| ${maxd}`);
      p.prepared.delete();
      img.delete();
    }
  }
});

function syntheticAb(w, h) {
  const ab = new Float32Array(2 * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      ab[y * w + x] = 45 * Math.sin(x / 5 + y / 11);
      ab[w * h + y * w + x] = 35 * Math.cos(y / 4 - x / 13);
    }
  }
  return ab;
}

test('finish: full-resolution pixels equal the native core (max diff <= 1 level, PSNR >= 50 dB)', () => {
  for (const file of inputs) {
    const img = decodeOk(bytesOf(file));
    const p = core.prepare(img, 256, 'stretch');
    assert(p.ok, p.message);
    const cases = [[p.prepared.workWidth(), p.prepared.workHeight(), 1], [37, 23, 1.7], [64, 64, 0]];
    for (const [w, h, sat] of cases) {
      const ab = syntheticAb(w, h);
      const abFile = path.join(tmp, 'ab.f32');
      fs.writeFileSync(abFile, Buffer.from(ab.buffer));
      const natFile = path.join(tmp, 'finish-native.png');
      oracle('finish', file, 256, abFile, w, h, sat, natFile);
      const r = core.finish(img, p.prepared, ab, w, h, {saturation: sat});
      assert(r.ok, r.message);
      assert(r.image.width() === img.width() && r.image.height() === img.height(), 'finish changed the size');
      const nat = decodeOk(bytesOf(natFile));
      const {psnr, maxd} = compareRgba(r.image.rgba(), nat.rgba());
      assert(maxd <= 1 && psnr >= 50,
        `${path.basename(file)} ab ${w}x${h} sat ${sat}: max diff ${maxd}, PSNR ${psnr.toFixed(1)} dB`);
      if (sat === 0) {
        // Saturation 0 must give a grey image (R = G = B within rounding).
        const px = r.image.rgba();
        let spread = 0;
        for (let i = 0; i < px.length; i += 4) spread = Math.max(spread, Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]));
        assert(spread <= 1, `saturation 0 left colour (spread ${spread})`);
      }
      r.image.delete();
      nat.delete();
    }
    p.prepared.delete();
    img.delete();
  }
});

test('exemplar: prepare -> exemplar -> finish agrees with the native core (PSNR >= 40 dB)', () => {
  const target = path.join(ROOT, 'tests/data/landscape-grey.jpg');
  const ref = path.join(ROOT, 'tests/data/landscape-reference.jpg');
  const natFile = path.join(tmp, 'exemplar-native.png');
  oracle('exemplar', target, ref, 256, natFile);
  const img = decodeOk(bytesOf(target));
  const refImg = decodeOk(bytesOf(ref));
  const p = core.prepare(img, 256, 'stretch');
  const ab = core.exemplar(p.prepared, refImg, {seed: 1});
  assert(ab.ok, ab.message);
  const r = core.finish(img, p.prepared, ab.ab, ab.width, ab.height, {saturation: 1});
  assert(r.ok, r.message);
  const nat = decodeOk(bytesOf(natFile));
  const {psnr} = compareRgba(r.image.rgba(), nat.rgba());
  assert(psnr >= 40, `PSNR ${psnr.toFixed(1)} dB`);
  for (const h of [img, refImg, p.prepared, r.image, nat]) h.delete();
});

test('marks: applyMarks spreads hints, corrects a chroma by paint, and refuses bad input', () => {
  const img = decodeOk(bytesOf(path.join(ROOT, 'tests/data/landscape-grey.jpg')));
  const p = core.prepare(img, 128, 'stretch');
  const w = p.prepared.workWidth(), h = p.prepared.workHeight();
  // One hint alone: every pixel of the grid takes its colour.
  const red = core.srgbToLab(190, 40, 40);
  const one = core.applyMarks(p.prepared, null, 0, 0, {width: w, height: h,
    hints: [{x: 300, y: 200, a: red.a, b: red.b}], paint: null});
  assert(one.ok && one.width === w && one.height === h, JSON.stringify(one.message));
  let worst = 0;
  for (let i = 0; i < w * h; i++) worst = Math.max(worst, Math.abs(one.ab[i] - red.a), Math.abs(one.ab[w * h + i] - red.b));
  assert(worst < 0.5, `one hint: off by ${worst.toFixed(3)}`);
  // A base chroma (one value) corrected by an opaque square of blue paint on a 96-pixel grid:
  // the square takes the paint, the far corner keeps the base.
  const gw = 96, gh = 64;
  const paint = new Uint8Array(gw * gh * 4);
  for (let y = 50; y < 60; y++) for (let x = 5; x < 15; x++) paint.set([40, 80, 200, 255], (y * gw + x) * 4);
  const blue = core.srgbToLab(40, 80, 200);
  const fixed = core.applyMarks(p.prepared, new Float32Array([10, 20]), 1, 1,
    {width: gw, height: gh, hints: [], paint, reach: 0.1});
  assert(fixed.ok && fixed.width === gw, fixed.message);
  const at = (x, y) => [fixed.ab[y * gw + x], fixed.ab[gw * gh + y * gw + x]];
  const [pa, pb] = at(10, 55), [fa, fb] = at(90, 3);
  assert(Math.abs(pa - blue.a) < 0.5 && Math.abs(pb - blue.b) < 0.5, `painted ${pa}, ${pb}`);
  assert(Math.abs(fa - 10) < 0.5 && Math.abs(fb - 20) < 0.5, `far corner ${fa}, ${fb}`);
  const none = core.applyMarks(p.prepared, null, 0, 0, {width: w, height: h, hints: [], paint: null});
  assert(!none.ok && /no pixel is marked/.test(none.message), `no marks: ${JSON.stringify(none)}`);
  const badPaint = core.applyMarks(p.prepared, null, 0, 0, {width: w, height: h, paint: new Uint8Array(8)});
  assert(!badPaint.ok && /paint layer/.test(badPaint.message), `bad paint: ${JSON.stringify(badPaint)}`);
  const badAb = core.applyMarks(p.prepared, new Float32Array(3), 2, 2,
    {width: w, height: h, hints: [{x: 1, y: 1, a: 0, b: 0}], paint: null});
  assert(!badAb.ok && /chroma buffer/.test(badAb.message), `bad chroma: ${JSON.stringify(badAb)}`);
  p.prepared.delete();
  img.delete();
});

test('errors come back as values, never as exceptions', () => {
  const empty = core.decode(new Uint8Array(0), 0, 1);
  assert(!empty.ok && empty.codeName === 'empty input', `empty: ${JSON.stringify(empty)}`);
  const junk = core.decode(new TextEncoder().encode('this is not an image, just text'), 0, 1);
  assert(!junk.ok && typeof junk.message === 'string' && junk.message.length > 0, 'junk accepted');
  const jpeg = bytesOf(path.join(ROOT, 'tests/data/landscape.jpg'));
  const cut = core.decode(jpeg.slice(0, 600), 0, 1);
  assert(cut.ok === false || cut.image.width() > 0, 'truncated JPEG neither failed nor decoded');
  if (cut.ok) cut.image.delete();
  const big = core.decode(jpeg, 1000, 1);
  assert(!big.ok && big.codeName === 'too large', `pixel cap: ${JSON.stringify(big)}`);
  const img = decodeOk(jpeg);
  const p = core.prepare(img, 256, 'stretch');
  const bad = core.finish(img, p.prepared, new Float32Array(10), 7, 7, {});
  assert(!bad.ok && bad.codeName === 'invalid argument', `finish size check: ${JSON.stringify(bad)}`);
  const badSat = core.finish(img, p.prepared, new Float32Array(2 * 4 * 4), 4, 4, {saturation: 9});
  assert(!badSat.ok, 'saturation 9 accepted');
  const badTone = core.prepare(img, 256, 'auto');
  assert(!badTone.ok && /tone/.test(badTone.message), 'a bad tone is refused with a message');
  const badSize = core.prepare(img, 5, 'stretch');
  assert(!badSize.ok, 'working size 5 accepted');
  const badFmt = core.encode(img, 'gif', 90, null);
  assert(!badFmt.ok, 'gif encoding accepted');
  p.prepared.delete();
  img.delete();
  // A grey plane: one byte a pixel, row by row; a buffer of another size is refused.
  const plane = Uint8Array.from({length: 6}, (_, i) => 40 * i);
  const g = core.imageFromGrey(plane, 3, 2);
  assert(g.ok && g.image.channels() === 1 && g.image.width() === 3 && g.image.height() === 2, 'imageFromGrey');
  assert([...g.image.rgba()].join() === [...plane].flatMap((v) => [v, v, v, 255]).join(), 'its pixels');
  g.image.delete();
  const short = core.imageFromGrey(plane, 4, 2);
  assert(!short.ok && short.codeName === 'invalid argument', `grey size check: ${JSON.stringify(short)}`);
});

test('encode -> decode round trip is lossless for PNG and close for JPEG', () => {
  const img = decodeOk(bytesOf(path.join(ROOT, 'tests/data/landscape.jpg')));
  const png = core.encode(img, 'png', 92, null);
  assert(png.ok, png.message);
  assert(png.bytes[0] === 0x89 && png.bytes[1] === 0x50, 'PNG signature');
  const back = decodeOk(png.bytes);
  assert(compareRgba(img.rgba(), back.rgba()).maxd === 0, 'PNG round trip changed pixels');
  const jpg = core.encode(img, 'jpeg', 92, null);
  assert(jpg.ok && jpg.bytes[0] === 0xff && jpg.bytes[1] === 0xd8, 'JPEG signature');
  const back2 = decodeOk(jpg.bytes);
  assert(compareRgba(img.rgba(), back2.rgba()).psnr > 30, 'JPEG q92 round trip below 30 dB');
  for (const h of [img, back, back2]) h.delete();
});

test('TIFF decodes and encodes in WASM; a stated resolution is read and written back with the note', () => {
  const tif = bytesOf(path.join(ROOT, 'tests/corpus/dpi_cm.tif'));  // 100 x 50 pixels per cm
  const p = core.probe(tif, 1);
  assert(p.ok && p.format === 'TIFF' && Math.abs(p.dpiX - 254) < 1e-6 && Math.abs(p.dpiY - 127) < 1e-6,
    `probe: ${JSON.stringify(p)}`);
  const img = decodeOk(tif);
  const note = 'Colorized: the colours are a guess.';
  for (const fmt of ['png', 'jpeg', 'tiff']) {
    const r = core.encode(img, fmt, 90, {dpiX: p.dpiX, dpiY: p.dpiY, comment: note});
    assert(r.ok, r.message);
    const back = core.probe(r.bytes, 1);
    assert(back.format === {png: 'PNG', jpeg: 'JPEG', tiff: 'TIFF'}[fmt], `${fmt}: wrote ${back.format}`);
    assert(Math.abs(back.dpiX - 254) < 0.5 && Math.abs(back.dpiY - 127) < 0.5, `${fmt}: ${JSON.stringify(back)}`);
    assert(Buffer.from(r.bytes).includes(note), `${fmt}: no note`);
  }
  const bad = core.encode(img, 'png', 90, {comment: 'two\nlines'});
  assert(!bad.ok && bad.codeName === 'invalid argument', 'a comment with a newline was accepted');
  img.delete();
});

test('metadata: EXIF and XMP read from the original, made upright, and carried by every writer', () => {
  const src = bytesOf(path.join(ROOT, 'tests/corpus/meta.jpg'));  // make_corpus.py: orientation 6
  const m = core.readMetadata(src);
  assert(m.ok && Buffer.from(m.exif).includes('Ada Example'), 'EXIF Artist not read');
  assert(m.xmp.includes('<dc:title>At the lake</dc:title>') && m.xmp.includes('tiff:Orientation="1"'),
    `XMP: ${m.xmp.slice(0, 80)}`);
  const img = decodeOk(src);
  for (const fmt of ['png', 'jpeg', 'tiff']) {
    const r = core.encode(img, fmt, 90, {comment: 'a guess', exif: m.exif, xmp: m.xmp});
    assert(r.ok, r.message);
    const back = core.readMetadata(r.bytes);
    assert(Buffer.from(back.exif).includes('Ada Example') && back.xmp === m.xmp, `${fmt}: metadata lost`);
    assert(core.probe(r.bytes, 1).orientation === 1, `${fmt}: the result does not say it is upright`);
  }
  const none = core.readMetadata(new TextEncoder().encode('not an image'));
  assert(none.ok && none.exif.length === 0 && none.xmp === '', 'metadata from a text file');
  img.delete();
});

test('colour profiles: probe names them and decode converts to sRGB as littleCMS does (<= 1 level)', () => {
  const corpus = (name) => bytesOf(path.join(ROOT, 'tests/corpus', name));
  const p3 = corpus('icc_p3.tif');  // make_corpus.py: Display P3 primaries, TIFF tag 34675
  const p = core.probe(p3, 1);
  assert(p.ok && p.profile === 'converted' && p.profileName === 'Display P3 (test)', JSON.stringify(p));
  // Matrix/TRC (TIFF tag 34675) and a lutAtoB table (PNG iCCP): the pixels littleCMS gives.
  for (const name of ['icc_p3.tif', 'icc_lutatob.png']) {
    const got = decodeOk(corpus(name));
    const want = decodeOk(bytesOf(path.join(ROOT, 'tests/data/icc', name.replace(/\.tif$/, '.png'))));
    const a = got.rgba(), b = want.rgba();
    assert(a.length === b.length, `${name}: sizes differ`);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    assert(worst <= 1, `${name}: max difference to littleCMS ${worst} levels`);
    for (const h of [got, want]) h.delete();
  }
  const table = core.probe(corpus('icc_table_only.jpg'), 1);
  assert(table.profile === 'not applied' && table.profileName === 'Scanner table (test)' &&
    table.profileNote.includes('table-based'), JSON.stringify(table));
  assert(core.probe(corpus('icc_srgb.png'), 1).profile === 'sRGB', 'sRGB profile');
  assert(core.probe(corpus('grey.jpg'), 1).profile === 'none', 'no profile');
});

test('a dropped folder is walked: sub-folders, names sorted, sidecars and hidden files left out', async () => {
  // Stand-ins for the File and Directory Entries API; readEntries hands out two at a time,
  // as browsers hand out batches, and an empty batch at the end.
  const file = (fullPath) => ({isFile: true, isDirectory: false, name: fullPath.split('/').pop(), fullPath,
    file: (ok) => ok({name: fullPath.split('/').pop(), size: 1})});
  const dir = (fullPath, children) => ({isFile: false, isDirectory: true, name: fullPath.split('/').pop(), fullPath,
    createReader: () => {
      const left = [...children];
      return {readEntries: (ok) => ok(left.splice(0, 2))};
    }});
  const dropped = [
    dir('/box 1', [file('/box 1/b.TIF'), file('/box 1/a.jpg'), file('/box 1/notes.xmp'),
      dir('/box 1/sub', [file('/box 1/sub/c.png')]), file('/box 1/.DS_Store'),
      dir('/box 1/.thumbs', [file('/box 1/.thumbs/t.jpg')])]),
    null,  // a dropped item that is not a file
    file('/loose.xyz'),  // dropped by itself: taken, the decoder decides
  ];
  const {files, leftOut} = await filesFromEntries(dropped);
  const paths = files.map((f) => f.path);
  assert(JSON.stringify(paths) === JSON.stringify(['box 1/a.jpg', 'box 1/b.TIF', 'box 1/sub/c.png', 'loose.xyz']),
    `files: ${JSON.stringify(paths)}`);
  assert(files[0].file.name === 'a.jpg', 'the File object is passed on');
  assert(JSON.stringify(leftOut) === JSON.stringify(['box 1/notes.xmp']), `left out: ${JSON.stringify(leftOut)}`);
  assert(isImageName('scan.tiff') && isImageName('x.JPEG') && !isImageName('x.xmp') && !isImageName('tif'),
    'isImageName');
  // A folder chosen with <input webkitdirectory>: the same choice, by webkitRelativePath.
  const picked = filesFromFolderInput(['box/z.png', 'box/a/y.tif', 'box/n.txt', 'box/.x.jpg', 'box/.git/h.png']
    .map((p) => ({name: p.split('/').pop(), webkitRelativePath: p})));
  assert(JSON.stringify(picked.files.map((f) => f.path)) === JSON.stringify(['box/a/y.tif', 'box/z.png']),
    `picked: ${JSON.stringify(picked.files.map((f) => f.path))}`);
  assert(JSON.stringify(picked.leftOut) === JSON.stringify(['box/n.txt']), `left out: ${picked.leftOut}`);
});

test('ZIP: entries held as Blobs give the same archive; big sets are split to fit', async () => {
  const a = new Uint8Array([1, 2, 3, 4, 5]), b = new TextEncoder().encode('second file');
  const direct = new Uint8Array(await makeZip([{name: 'x/a.png', bytes: a}, {name: 'b.png', bytes: b}]).arrayBuffer());
  const viaBlobs = new Uint8Array(await makeZip([zipEntry('x/a.png', a), zipEntry('b.png', b)]).arrayBuffer());
  assert(Buffer.compare(Buffer.from(direct), Buffer.from(viaBlobs)) === 0, 'archives differ');
  // Read back with the system's unzip when there is one (an independent reader).
  const zipPath = path.join(tmp, 'two.zip');
  fs.writeFileSync(zipPath, viaBlobs);
  try {
    const listing = execFileSync('python3', ['-c',
      'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); z.testzip(); print(",".join(z.namelist()))', zipPath],
    {encoding: 'utf8'});
    assert(listing.trim() === 'x/a.png,b.png', `listing: ${listing}`);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  // 10 entries of 100 bytes; each costs 100 + 76 + 2 x name bytes in a ZIP.
  const entries = Array.from({length: 10}, (_, i) => ({name: `p${i}.png`, size: 100}));
  const runs = splitForZip(entries, 700, 65000);
  assert(runs.map((r) => r.length).join() === '3,3,3,1', `runs ${runs.map((r) => r.length)}`);
  assert(splitForZip(entries, 1e9, 4).map((r) => r.length).join() === '4,4,2', 'entry limit');
  assert(splitForZip([{name: 'huge', size: 5000}], 700).length === 1, 'an oversized entry gets its own run');
});

// A 600 x 400 frame of a film over the grey landscape: its pixels from column x0 on
// (upside down with flip: another shot).
function filmView(grey, x0, flip) {
  const g = grey.rgba(), W = grey.width();
  const px = new Uint8Array(600 * 400 * 4);
  for (let y = 0; y < 400; y++) {
    for (let x = 0; x < 600; x++) {
      const s = ((flip ? 420 - y : y) * W + x0 + x) * 4, d = (y * 600 + x) * 4;
      px[d] = px[d + 1] = px[d + 2] = g[s];
      px[d + 3] = 255;
    }
  }
  const r = core.imageFromRgba(px, 600, 400);
  assert(r.ok, r.message);
  return r.image;
}

test('film: frames of a pan carry colour (the motion found), a cut starts afresh with the method\'s own chroma', () => {
  const grey = decodeOk(bytesOf(path.join(ROOT, 'tests/data/landscape-grey.jpg')));
  const ref = decodeOk(bytesOf(path.join(ROOT, 'tests/data/landscape-reference.jpg')));
  const crop = (x0, flip) => filmView(grey, x0, flip);
  const film = new core.Film(0.8);
  const steps = [];
  for (const [x0, flip] of [[0, false], [3, false], [6, true]]) {
    const img = crop(x0, flip);
    const p = core.prepare(img, 64, 'stretch');
    const own = core.exemplar(p.prepared, ref, {seed: 1});
    assert(own.ok, own.message);
    const r = film.frame(p.prepared, own.ab, own.width, own.height, {saturation: 1}, null);
    assert(r.ok, r.message);
    steps.push(r);
    if (r.newShot) {
      assert(r.width === own.width && r.height === own.height, 'a new shot gives the method\'s chroma');
      assert(r.ab.every((v, i) => v === own.ab[i]), 'a new shot gives the method\'s chroma as it is');
    } else {
      assert(r.width === 384 && r.height === 256, `film grid ${r.width} x ${r.height}`);
    }
    const fin = core.finish(img, p.prepared, r.ab, r.width, r.height, {saturation: 1});
    assert(fin.ok, fin.message);
    for (const h of [img, p.prepared, fin.image]) h.delete();
  }
  assert(steps.map((s) => s.newShot).join() === 'true,false,true', `new shots ${steps.map((s) => s.newShot)}`);
  assert(Math.abs(steps[1].shiftX - 3 * 384 / 600) < 0.4 && Math.abs(steps[1].shiftY) < 0.4,
    `shift ${steps[1].shiftX}, ${steps[1].shiftY}`);
  assert(steps[1].matched > 0.9, `matched ${steps[1].matched}`);
  // A film taken up again from a kept result: the next frame of the pan carries on from it.
  const again = new core.Film(0.8);
  const kept = crop(0, false), kp = core.prepare(kept, 64, 'stretch');
  const ko = core.exemplar(kp.prepared, ref, {seed: 1});
  const kr = core.finish(kept, kp.prepared, ko.ab, ko.width, ko.height, {saturation: 1});
  assert(again.remember(kr.image).ok, 'remember');
  const nextImg = crop(3, false), np = core.prepare(nextImg, 64, 'stretch');
  const no = core.exemplar(np.prepared, ref, {seed: 1});
  const goOn = again.frame(np.prepared, no.ab, no.width, no.height, {saturation: 1}, null);
  assert(goOn.ok && !goOn.newShot && Math.abs(goOn.shiftX - 3 * 384 / 600) < 0.4, `after remember: ${JSON.stringify({...goOn, ab: null})}`);
  for (const h of [again, kept, kp.prepared, kr.image, nextImg, np.prepared]) h.delete();
  const img = crop(0, false), p = core.prepare(img, 64, 'stretch');
  const bad = film.frame(p.prepared, new Float32Array(3), 1, 1, {}, null);
  assert(bad.ok === false && /chroma buffer/.test(bad.message), `a wrong chroma buffer: ${JSON.stringify(bad)}`);
  film.delete();
  const wild = new core.Film(2);
  const r = wild.frame(p.prepared, new Float32Array(2 * 64 * 64), 64, 64, {}, null);
  assert(r.ok === false && r.codeName === 'invalid argument', `carry 2: ${JSON.stringify(r)}`);
  for (const h of [wild, img, p.prepared, grey, ref]) h.delete();
});

test('film: paint on a frame corrects it and is held, moved with the picture, in the frames after it', () => {
  const grey = decodeOk(bytesOf(path.join(ROOT, 'tests/data/landscape-grey.jpg')));
  const ref = decodeOk(bytesOf(path.join(ROOT, 'tests/data/landscape-reference.jpg')));
  const g = core.marksGridFor(600, 400);
  // Magenta over (100..130, 340..370) of the first frame, drawn on the marks grid.
  const layer = new Uint8Array(g.width * g.height * 4), sx = g.width / 600, sy = g.height / 400;
  for (let y = Math.round(340 * sy); y < Math.round(370 * sy); y++) {
    for (let x = Math.round(100 * sx); x < Math.round(130 * sx); x++) layer.set([190, 40, 165, 255], (y * g.width + x) * 4);
  }
  const magenta = core.srgbToLab(190, 40, 165);
  // Mean a*, b* of a result over a square of the picture.
  const meanAb = (img, x0, y0, side) => {
    const px = img.rgba(), W = img.width();
    let a = 0, b = 0;
    for (let y = y0; y < y0 + side; y++) {
      for (let x = x0; x < x0 + side; x++) {
        const i = (y * W + x) * 4, lab = core.srgbToLab(px[i], px[i + 1], px[i + 2]);
        a += lab.a; b += lab.b;
      }
    }
    return {a: a / side / side, b: b / side / side};
  };
  const run = (painted) => {
    const film = new core.Film(0.8);
    const out = [];
    for (const x0 of [0, 6, 12]) {
      const img = filmView(grey, x0, false), p = core.prepare(img, 64, 'stretch');
      const own = core.exemplar(p.prepared, ref, {seed: 1});
      const marks = painted && x0 === 0 ? {width: g.width, height: g.height, paint: layer} : null;
      const r = film.frame(p.prepared, own.ab, own.width, own.height, {saturation: 1}, marks);
      assert(r.ok, r.message);
      const fin = core.finish(img, p.prepared, r.ab, r.width, r.height, {saturation: 1});
      assert(fin.ok, fin.message);
      // The square where it is in this frame (the picture moves left by x0).
      out.push({held: r.held, newShot: r.newShot, ab: meanAb(fin.image, 105 - x0, 345, 20), points: film.heldPoints()});
      for (const h of [img, p.prepared, fin.image]) h.delete();
    }
    film.delete();
    return out;
  };
  const painted = run(true), plain = run(false);
  const far = (m) => Math.hypot(m.a - magenta.a, m.b - magenta.b);
  assert(far(painted[0].ab) < 15, `the painted frame: ${JSON.stringify(painted[0].ab)} vs ${JSON.stringify(magenta)}`);
  assert(painted[0].held === 0 && painted[2].held > 100, `held ${painted.map((f) => f.held)}`);
  assert(far(painted[2].ab) < 15, `two frames on: ${JSON.stringify(painted[2].ab)}`);
  assert(far(plain[2].ab) > 40, `without paint: ${JSON.stringify(plain[2].ab)}`);
  assert(plain.every((f) => f.held === 0), 'nothing held without paint');
  assert(painted[2].points.length === 4 * painted[2].held && plain[2].points.length === 0,
    `held points ${painted[2].points.length / 4}`);
  // The paint held, put back on a film taken up again from a frame (as the app does after a
  // reload), is held there; a film with no frame yet, or points not in fours, refuse it.
  const film = new core.Film(0.8);
  const img = filmView(grey, 0, false), p = core.prepare(img, 64, 'stretch');
  const own = core.exemplar(p.prepared, ref, {seed: 1});
  const none = film.holdPoints(painted[1].points);
  assert(!none.ok && none.codeName === 'invalid argument', `before a frame: ${JSON.stringify(none)}`);
  const made = core.finish(img, p.prepared, own.ab, own.width, own.height, {saturation: 1}).image;
  assert(film.remember(made).ok && film.holdPoints(painted[1].points).ok, 'held points put back');
  assert(film.heldPoints().every((v, i) => v === painted[1].points[i]), 'the same points held');
  assert(!film.holdPoints(new Float32Array(3)).ok, 'points in fours');
  made.delete();
  film.forget();
  // Marks on another grid than the frame's are refused.
  const bad = film.frame(p.prepared, own.ab, own.width, own.height, {},
    {width: 10, height: 10, paint: new Uint8Array(400).fill(255)});
  assert(bad.ok === false && bad.codeName === 'invalid argument', `marks on another grid: ${JSON.stringify({...bad, ab: null})}`);
  for (const h of [film, img, p.prepared, grey, ref]) h.delete();
});

test('WebM: frames become a Segment whose cues point at clusters starting at key frames', () => {
  const w = new WebmWriter({codec: 'vp8', width: 320, height: 180, fps: 25});
  const frames = [];
  for (let i = 0; i < 60; i++) {
    const data = new Uint8Array(10 + i).fill(i);
    const key = i % 25 === 0 || i === 40;
    frames.push({data, key, us: i * 40000});
    w.add(data, i * 40000, key);
  }
  assert(w.frames === 60 && w.durationMs === 2400, `${w.frames} frames, ${w.durationMs} ms`);
  const parts = w.parts();
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
  fs.writeFileSync(path.join(tmp, 'writer.webm'), bytes);
  const top = readEbml(bytes, new Set([ID.EBML, ID.Segment, ID.Info, ID.Tracks, ID.TrackEntry, ID.Video,
    ID.Cues, ID.CuePoint, ID.CueTrackPositions, ID.Cluster, ID.SeekHead, ID.Seek]));
  assert(top.length === 2 && top[0].id === ID.EBML && top[1].id === ID.Segment, 'EBML header, then one Segment');
  const seg = top[1];
  assert(seg.dataStart + seg.size === bytes.length, 'the Segment runs to the end of the file');
  const uintAt = (e) => e && [...bytes.subarray(e.dataStart, e.dataStart + e.size)].reduce((v, b) => v * 256 + b, 0);
  const text = (e) => new TextDecoder().decode(bytes.subarray(e.dataStart, e.dataStart + e.size));
  const find = (list, id) => list.find((e) => e.id === id);
  assert(text(find(top[0].children, ID.DocType)) === 'webm', 'doc type');
  const entry = find(find(seg.children, ID.Tracks).children, ID.TrackEntry);
  assert(text(find(entry.children, ID.CodecID)) === 'V_VP8', 'codec');
  const video = find(entry.children, ID.Video);
  assert(uintAt(find(video.children, ID.PixelWidth)) === 320 && uintAt(find(video.children, ID.PixelHeight)) === 180, 'size');
  const durEl = find(find(seg.children, ID.Info).children, ID.Duration);
  assert(new DataView(bytes.buffer, durEl.dataStart, 8).getFloat64(0) === 2400, 'duration');
  // The seek head points at Info, Tracks and Cues.
  for (const s of find(seg.children, ID.SeekHead).children) {
    const want = uintAt(find(s.children, ID.SeekID)), at = uintAt(find(s.children, ID.SeekPosition));
    assert(seg.children.some((e) => e.id === want && e.start === seg.dataStart + at), `seek to ${want.toString(16)}`);
  }
  // Clusters: one per key frame (0, 25, 40, 50), each cue at its cluster; the blocks hold the frames in order.
  const clusters = seg.children.filter((e) => e.id === ID.Cluster);
  const cues = find(seg.children, ID.Cues).children;
  assert(clusters.length === 4 && cues.length === 4, `${clusters.length} clusters, ${cues.length} cues`);
  const got = [];
  clusters.forEach((c, i) => {
    const time = uintAt(find(c.children, ID.Timecode));
    const pos = find(cues[i].children, ID.CueTrackPositions);
    assert(uintAt(find(cues[i].children, ID.CueTime)) === time, 'cue time');
    assert(seg.dataStart + uintAt(find(pos.children, ID.CueClusterPosition)) === c.start, 'cue position');
    for (const b of c.children.filter((e) => e.id === ID.SimpleBlock)) {
      const d = bytes.subarray(b.dataStart, b.dataStart + b.size);
      assert(d[0] === 0x81, 'track 1');
      got.push({ms: time + ((d[1] << 8) | d[2]), key: (d[3] & 0x80) !== 0, data: d.subarray(4)});
    }
    assert(got[got.length - c.children.filter((e) => e.id === ID.SimpleBlock).length].key, 'a cluster starts with a key frame');
  });
  assert(got.length === 60, `${got.length} blocks`);
  got.forEach((g, i) => {
    assert(g.ms === frames[i].us / 1000 && g.key === frames[i].key, `block ${i}`);
    assert(Buffer.compare(Buffer.from(g.data), Buffer.from(frames[i].data)) === 0, `block ${i}'s data`);
  });
  // Sizes in their shortest form and in a fixed width; refusals.
  assert(sizeBytes(126).join() === '254' && sizeBytes(127).join() === '64,127', `sizes ${sizeBytes(126)} ${sizeBytes(127)}`);
  assert(sizeBytes(5, 8).join() === '1,0,0,0,0,0,0,5', 'fixed width');
  const refused = (f) => { try { f(); return false; } catch { return true; } };
  assert(refused(() => new WebmWriter({codec: 'avc1.42001f', width: 2, height: 2})), 'H.264 is not WebM');
  assert(refused(() => new WebmWriter({width: 2, height: 2}).add(new Uint8Array(1), 0, false)), 'first frame not key');
  assert(refused(() => new WebmWriter({width: 2, height: 2}).parts()), 'no frames');
  const back = new WebmWriter({width: 2, height: 2});
  back.add(new Uint8Array(1), 1000, true);
  assert(refused(() => back.add(new Uint8Array(1), 0, false)), 'time going back');
  assert(refused(() => back.addAudio(new Uint8Array(1), 0, 20000)), 'sound in a film made without it');
});

test('WebM with sound: an Opus track beside the picture, blocks of both in time order, cues on the picture', () => {
  const opusHead = new Uint8Array([79, 112, 117, 115, 72, 101, 97, 100, 1, 2, 56, 1, 128, 187, 0, 0, 0, 0, 0]);
  const w = new WebmWriter({codec: 'vp8', width: 64, height: 48, fps: 10,
    audio: {sampleRate: 48000, channels: 2, codecPrivate: opusHead, preSkip: 312}});
  // The picture comes first, the sound after (as the app encodes them): 2 s of each.
  for (let i = 0; i < 20; i++) w.add(new Uint8Array([1, i]), i * 100000, i % 10 === 0);
  for (let i = 0; i < 100; i++) w.addAudio(new Uint8Array([2, i]), i * 20000, 20000);
  assert(w.durationMs === 2000, `duration ${w.durationMs}`);
  const parts = w.parts();
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
  fs.writeFileSync(path.join(tmp, 'writer-sound.webm'), bytes);
  const top = readEbml(bytes, new Set([ID.Segment, ID.Tracks, ID.TrackEntry, ID.Audio, ID.Cues, ID.CuePoint,
    ID.CueTrackPositions, ID.Cluster]));
  const seg = top[1];
  const find = (list, id) => list.find((e) => e.id === id);
  const uintAt = (e) => [...bytes.subarray(e.dataStart, e.dataStart + e.size)].reduce((v, b) => v * 256 + b, 0);
  const entries = find(seg.children, ID.Tracks).children;
  assert(entries.length === 2, `${entries.length} tracks`);
  const sound = entries[1].children;
  assert(uintAt(find(sound, ID.TrackType)) === 2 && uintAt(find(sound, ID.TrackNumber)) === 2, 'a sound track, number 2');
  assert(new TextDecoder().decode(bytes.subarray(find(sound, ID.CodecID).dataStart, find(sound, ID.CodecID).dataStart + 6)) === 'A_OPUS', 'Opus');
  const priv = find(sound, ID.CodecPrivate);
  assert(Buffer.compare(Buffer.from(bytes.subarray(priv.dataStart, priv.dataStart + priv.size)), Buffer.from(opusHead)) === 0, 'OpusHead');
  assert(uintAt(find(sound, ID.CodecDelay)) === 6500000, 'codec delay: 312 samples at 48 kHz');
  const audio = find(sound, ID.Audio).children;
  assert(new DataView(bytes.buffer, find(audio, ID.SamplingFrequency).dataStart, 8).getFloat64(0) === 48000 &&
    uintAt(find(audio, ID.Channels)) === 2, 'rate and channels');
  const clusters = seg.children.filter((e) => e.id === ID.Cluster);
  assert(clusters.length === 2 && find(seg.children, ID.Cues).children.length === 2, `${clusters.length} clusters`);
  const seen = [];
  for (const c of clusters) {
    const time = uintAt(find(c.children, ID.Timecode));
    for (const b of c.children.filter((e) => e.id === ID.SimpleBlock)) {
      const d = bytes.subarray(b.dataStart, b.dataStart + b.size);
      seen.push({track: d[0] & 0x7f, ms: time + ((d[1] << 8) | d[2]), first: d[4]});
    }
  }
  assert(seen.length === 120, `${seen.length} blocks`);
  assert(seen.every((b, i) => !i || b.ms >= seen[i - 1].ms), 'blocks in time order');
  assert(seen.every((b) => b.first === b.track), 'each block on its own track');
  assert(seen[0].track === 1, 'the picture first at the same moment');
  assert(seen.filter((b) => b.track === 2).length === 100, 'all the sound');
});

// An MP4 file as mp4.js writes it (ftyp, mdat, moov), read back: its boxes, and each track's
// samples from its tables: offset (co64), size (stsz), duration (stts), key (stss).
function mp4File(bytes) {
  const top = readBoxes(bytes, new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'dinf']));
  assert(top.map((b) => b.type).join() === 'ftyp,mdat,moov', top.map((b) => b.type).join());
  assert(top[2].start + top[2].size === bytes.length, 'moov ends the file');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const str = (at, n) => String.fromCharCode(...bytes.subarray(at, at + n));
  const find = (list, type) => list.find((b) => b.type === type);
  const moov = top[2].children;
  const traks = moov.filter((b) => b.type === 'trak');
  const samples = (trak) => {
    const mdia = find(trak.children, 'mdia');
    const stbl = find(find(mdia.children, 'minf').children, 'stbl').children;
    const at = (type) => find(stbl, type).dataStart + 4;  // past version and flags
    const n = v.getUint32(at('stsz') + 4);
    assert(v.getUint32(at('stsz')) === 0 && v.getUint32(at('co64')) === n, 'sizes and offsets for every sample');
    const c = at('stsc');
    assert(v.getUint32(c) === 1 && v.getUint32(c + 4) === 1 && v.getUint32(c + 8) === 1, 'a chunk a sample');
    const durations = [];
    for (let k = 0, runs = v.getUint32(at('stts')); k < runs; k++) {
      for (let j = 0; j < v.getUint32(at('stts') + 4 + 8 * k); j++) durations.push(v.getUint32(at('stts') + 8 + 8 * k));
    }
    const stss = find(stbl, 'stss');
    const sync = stss ? new Set(Array.from({length: v.getUint32(stss.dataStart + 4)}, (_, k) => v.getUint32(stss.dataStart + 8 + 4 * k))) : null;
    const list = [];
    for (let k = 0; k < n; k++) {
      const offset = Number(v.getBigUint64(at('co64') + 4 + 8 * k)), size = v.getUint32(at('stsz') + 8 + 4 * k);
      list.push({data: bytes.subarray(offset, offset + size), duration: durations[k], key: sync ? sync.has(k + 1) : true});
    }
    assert(durations.length === n, `${durations.length} durations for ${n} samples`);
    const mdhd = find(mdia.children, 'mdhd');
    const entry = find(stbl, 'stsd').dataStart + 8;
    return {list, timescale: v.getUint32(mdhd.dataStart + 12), mediaDuration: v.getUint32(mdhd.dataStart + 16),
      handler: str(find(mdia.children, 'hdlr').dataStart + 8, 4), entry, entryType: str(entry + 4, 4), trak};
  };
  return {top, v, str, find, moov, traks, samples};
}

test('MP4: an H.264 track and an Opus track; every sample where the tables say, with its time, size and key flag', async () => {
  const avcc = new Uint8Array([1, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1f, 1, 0, 2, 0x68, 0xce]);
  const opusHead = new Uint8Array([79, 112, 117, 115, 72, 101, 97, 100, 1, 2, 56, 1, 128, 187, 0, 0, 0, 0, 0]);
  const w = new Mp4Writer({codec: 'avc1.42c01f', width: 320, height: 180, fps: 25,
    audio: {sampleRate: 48000, channels: 2}});
  w.video.codecPrivate = avcc;
  w.audio.codecPrivate = opusHead;
  w.audio.preSkip = 312;
  const frames = [];
  for (let i = 0; i < 60; i++) {
    const data = new Uint8Array(10 + i).fill(i);
    const key = i % 25 === 0 || i === 40;
    frames.push({data, key, us: i * 40000});
    // Frame 30 comes as a Blob (as a kept segment's slice of a file does).
    w.add(i === 30 ? new Blob([data]) : data, i * 40000, key);
  }
  const packets = [];
  for (let i = 0; i < 121; i++) {
    const data = new Uint8Array(3 + (i % 5)).fill(200 + (i % 50));
    packets.push(data);
    w.addAudio(data, i * 20000, 20000);
  }
  assert(w.frames === 60 && Math.abs(w.durationMs - 2420) < 1e-9, `${w.frames} frames, ${w.durationMs} ms`);
  const bytes = new Uint8Array(await new Blob(w.parts()).arrayBuffer());
  fs.writeFileSync(path.join(tmp, 'writer.mp4'), bytes);
  const {top, v, str, find, moov, traks, samples} = mp4File(bytes);
  assert(str(top[0].dataStart, 4) === 'isom', 'brand');
  const mvhd = find(moov, 'mvhd');
  assert(v.getUint32(mvhd.dataStart + 12) === 1000 && v.getUint32(mvhd.dataStart + 16) === 2420, 'movie time scale and duration');
  assert(traks.length === 2, `${traks.length} tracks`);
  const pic = samples(traks[0]);
  assert(pic.handler === 'vide' && pic.entryType === 'avc1' && pic.timescale === 90000, `${pic.handler} ${pic.entryType}`);
  assert(v.getUint16(pic.entry + 8 + 24) === 320 && v.getUint16(pic.entry + 8 + 26) === 180, 'avc1 size');
  const avcC = pic.entry + 8 + 78;
  assert(str(avcC + 4, 4) === 'avcC' && Buffer.compare(Buffer.from(bytes.subarray(avcC + 8, avcC + 8 + avcc.length)), Buffer.from(avcc)) === 0, 'avcC as given');
  assert(pic.list.length === 60 && pic.mediaDuration === 60 * 3600, `${pic.list.length} frames, ${pic.mediaDuration}`);
  pic.list.forEach((f, i) => {
    assert(f.duration === 3600 && f.key === frames[i].key, `frame ${i}: ${f.duration} ${f.key}`);
    assert(Buffer.compare(Buffer.from(f.data), Buffer.from(frames[i].data)) === 0, `frame ${i}'s data`);
  });
  const tkhd = find(traks[0].children, 'tkhd');
  assert(v.getUint32(tkhd.dataStart + 76) === 320 * 65536 && v.getUint32(tkhd.dataStart + 80) === 180 * 65536, 'tkhd size');
  assert(v.getUint32(tkhd.dataStart + 20) === 2400, 'the picture track lasts its 60 frames (the sound runs on to 2420 ms)');
  const snd = samples(traks[1]);
  assert(snd.handler === 'soun' && snd.entryType === 'Opus' && snd.timescale === 48000, `${snd.handler} ${snd.entryType}`);
  assert(v.getUint16(snd.entry + 8 + 16) === 2 && v.getUint32(snd.entry + 8 + 24) === 48000 * 65536, 'Opus entry: channels, rate');
  const dOps = snd.entry + 8 + 28;
  assert(str(dOps + 4, 4) === 'dOps', 'dOps');
  assert(bytes[dOps + 8] === 0 && bytes[dOps + 9] === 2 && v.getUint16(dOps + 10) === 312 && v.getUint32(dOps + 12) === 48000 &&
    v.getInt16(dOps + 16) === 0 && bytes[dOps + 18] === 0, 'dOps: the OpusHead fields, big-endian');
  assert(snd.list.length === 121 && snd.list.every((p, i) => p.duration === 960 &&
    Buffer.compare(Buffer.from(p.data), Buffer.from(packets[i])) === 0), 'every packet, 960 samples each');
  // The sound's pre-skip as an edit: it plays from sample 312 on.
  const elst = find(find(traks[1].children, 'edts').children, 'elst');
  assert(v.getUint32(elst.dataStart + 4) === 1 && v.getUint32(elst.dataStart + 12) === 312, 'edit from the pre-skip');
  assert(v.getUint32(elst.dataStart + 8) === Math.round((121 * 960 - 312) / 48), 'edit duration');
  // Refusals.
  const refused = (f) => { try { f(); return false; } catch { return true; } };
  assert(refused(() => new Mp4Writer({codec: 'vp8', width: 2, height: 2})), 'VP8 is not this MP4');
  assert(refused(() => new Mp4Writer({width: 2, height: 2}).add(new Uint8Array(1), 0, false)), 'first frame not key');
  const noConfig = new Mp4Writer({width: 2, height: 2});
  noConfig.add(new Uint8Array(1), 0, true);
  assert(refused(() => noConfig.parts()), 'no avcC');
  assert(refused(() => noConfig.add(new Uint8Array(1), 0, false)), 'time not going on');
  assert(refused(() => noConfig.addAudio(new Uint8Array(1), 0, 20000)), 'sound in a film made without it');
  assert(refused(() => new Mp4Writer({width: 2, height: 2}).parts()), 'no frames');
});

test('MP4: an AAC sound track (real AAC from ffmpeg): its mp4a entry and ES descriptor, every frame where the tables say', async () => {
  const aac = adtsFrames(fs.readFileSync(AAC_TONE));
  assert(aac.sampleRate === 48000 && aac.channels === 2 && aac.frames.length > 100, `${aac.sampleRate} Hz, ${aac.channels} channels`);
  // The configuration the writer makes when the encoder gives none is ffmpeg's (AAC-LC).
  assert(audioSpecificConfig(48000, 2).join() === aac.config.join(), `${audioSpecificConfig(48000, 2)} vs ${aac.config}`);
  const w = new Mp4Writer({codec: 'avc1.42c01f', width: 64, height: 48, fps: 25, audio: {codec: 'aac', sampleRate: 48000, channels: 2}});
  w.video.codecPrivate = new Uint8Array([1, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1f, 1, 0, 2, 0x68, 0xce]);
  for (let i = 0; i < 50; i++) w.add(new Uint8Array(8).fill(i), i * 40000, i % 25 === 0);
  aac.frames.forEach((f, i) => w.addAudio(f, Math.round(i * 1024 * 1e6 / 48000), 1024 * 1e6 / 48000));
  const bytes = new Uint8Array(await new Blob(w.parts()).arrayBuffer());
  fs.writeFileSync(path.join(tmp, 'writer-aac.mp4'), bytes);
  const {v, str, find, traks, samples} = mp4File(bytes);
  assert(traks.length === 2, `${traks.length} tracks`);
  const snd = samples(traks[1]);
  assert(snd.handler === 'soun' && snd.entryType === 'mp4a' && snd.timescale === 48000, `${snd.handler} ${snd.entryType}`);
  assert(v.getUint16(snd.entry + 8 + 16) === 2 && v.getUint32(snd.entry + 8 + 24) === 48000 * 65536, 'mp4a entry: channels, rate');
  const esds = snd.entry + 8 + 28;
  assert(str(esds + 4, 4) === 'esds' && v.getUint32(esds + 8) === 0, 'esds, version 0');
  // ES_Descriptor (3) { ES_ID, flags, DecoderConfigDescriptor (4) { audio 14496-3, audio stream, ...,
  // DecoderSpecificInfo (5) { the AudioSpecificConfig } }, SLConfigDescriptor (6) { 2 } }.
  let at = esds + 12;
  const descriptor = (tag) => {
    assert(bytes[at] === tag, `descriptor ${bytes[at]} where ${tag} was due`);
    const d = {tag, length: bytes[at + 1], start: at + 2};
    at += 2;
    return d;
  };
  const es = descriptor(3);
  assert(es.start + es.length === esds + v.getUint32(esds), 'the ES descriptor fills the esds box');
  at += 3;  // ES_ID, flags
  const config = descriptor(4);
  assert(bytes[at] === 0x40 && bytes[at + 1] === 0x15, `object type ${bytes[at]}, stream type ${bytes[at + 1]}`);
  const bits = 8 * aac.frames.reduce((n, f) => n + f.length, 0), seconds = aac.frames.length * 1024 / 48000;
  assert(Math.abs(v.getUint32(at + 9) - bits / seconds) < 1, `average bit rate ${v.getUint32(at + 9)}`);
  at += 13;
  const info = descriptor(5);
  assert(info.length === 2 && bytes[at] === aac.config[0] && bytes[at + 1] === aac.config[1], 'the AudioSpecificConfig');
  at += info.length;
  const sl = descriptor(6);
  assert(sl.length === 1 && bytes[at] === 2 && at + 1 === config.start + config.length + 3, 'the SL descriptor after the decoder\'s');
  assert(snd.list.length === aac.frames.length && snd.list.every((p, i) => p.duration === 1024 &&
    Buffer.compare(Buffer.from(p.data), Buffer.from(aac.frames[i])) === 0), 'every frame, 1024 samples each');
  assert(snd.mediaDuration === aac.frames.length * 1024, `media duration ${snd.mediaDuration}`);
  assert(!find(traks[1].children, 'edts'), 'no edit: the encoder does not say its priming');
  // The encoder's own configuration, when it gives one, is written as given.
  const given = new Mp4Writer({width: 2, height: 2, audio: {codec: 'aac', sampleRate: 48000, channels: 1}});
  given.video.codecPrivate = new Uint8Array([1, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1f, 1, 0, 2, 0x68, 0xce]);
  given.audio.codecPrivate = new Uint8Array([0x11, 0x88, 0x56, 0xe5]);
  given.add(new Uint8Array(1), 0, true);
  given.addAudio(aac.frames[0], 0, 21333);
  const g = mp4File(new Uint8Array(await new Blob(given.parts()).arrayBuffer()));
  const gEntry = g.samples(g.traks[1]).entry;
  const gInfo = [...new Uint8Array(g.v.buffer, g.v.byteOffset, g.v.byteLength)].findIndex((b, i, all) =>
    i > gEntry && b === 5 && all[i + 1] === 4 && all[i + 2] === 0x11);
  assert(gInfo > 0 && g.v.getUint32(gInfo + 2) === 0x118856e5, 'a 4-byte configuration as given');
  // Refusals.
  const refused = (f) => { try { f(); return false; } catch { return true; } };
  assert(refused(() => new Mp4Writer({width: 2, height: 2, audio: {codec: 'mp3', sampleRate: 48000, channels: 2}})), 'MP3');
  assert(refused(() => new WebmWriter({width: 2, height: 2, audio: {codec: 'aac', sampleRate: 48000, channels: 2}})), 'AAC in a WebM');
  assert(refused(() => audioSpecificConfig(44000, 2)) && refused(() => audioSpecificConfig(48000, 8)), 'no such configuration');
});

test('a sound that could not be encoded is taken out: a WebM and an MP4 of the picture alone, as long as the picture', async () => {
  const refused = (f) => { try { f(); return false; } catch { return true; } };
  const webm = new WebmWriter({codec: 'vp8', width: 64, height: 48, fps: 10, audio: {sampleRate: 48000, channels: 2}});
  for (let i = 0; i < 20; i++) webm.add(new Uint8Array([1, i]), i * 100000, i % 10 === 0);
  for (let i = 0; i < 120; i++) webm.addAudio(new Uint8Array([2, i]), i * 20000, 20000);
  assert(webm.durationMs === 2400, `with the sound ${webm.durationMs} ms`);
  webm.dropSound();
  assert(webm.durationMs === 2000 && refused(() => webm.addAudio(new Uint8Array(1), 0, 20000)), `without ${webm.durationMs} ms`);
  const wb = new Uint8Array(await new Blob(webm.parts()).arrayBuffer());
  const seg = readEbml(wb, new Set([ID.Segment, ID.Tracks, ID.Cluster]))[1];
  const tracks = seg.children.find((e) => e.id === ID.Tracks).children;
  const blocks = seg.children.filter((e) => e.id === ID.Cluster).flatMap((c) => c.children.filter((e) => e.id === ID.SimpleBlock));
  assert(tracks.length === 1 && blocks.length === 20 && blocks.every((b) => wb[b.dataStart] === 0x81 && wb[b.dataStart + 4] === 1),
    `${tracks.length} tracks, ${blocks.length} blocks`);

  const mp4 = new Mp4Writer({codec: 'avc1.42c01f', width: 64, height: 48, fps: 10, audio: {codec: 'aac', sampleRate: 48000, channels: 2}});
  mp4.video.codecPrivate = new Uint8Array([1, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1f, 1, 0, 2, 0x68, 0xce]);
  for (let i = 0; i < 20; i++) {
    mp4.add(new Uint8Array([1, i]), i * 100000, i % 10 === 0);
    for (let k = 0; k < 6; k++) mp4.addAudio(new Uint8Array([2, i, k]), (i * 6 + k) * 20000, 20000);
  }
  assert(mp4.durationMs === 2400, `with the sound ${mp4.durationMs} ms`);
  mp4.dropSound();
  assert(mp4.durationMs === 2000 && refused(() => mp4.addAudio(new Uint8Array(1), 0, 20000)), `without ${mp4.durationMs} ms`);
  const {v, find, moov, traks, samples} = mp4File(new Uint8Array(await new Blob(mp4.parts()).arrayBuffer()));
  assert(traks.length === 1 && v.getUint32(find(moov, 'mvhd').dataStart + 16) === 2000, `${traks.length} tracks`);
  const pic = samples(traks[0]);
  assert(pic.list.length === 20 && pic.list.every((f, i) => f.data.length === 2 && f.data[0] === 1 && f.data[1] === i),
    'the frames, one after the other, with no sound between them');
});

test('srgbToLab matches published CIELAB values (D65)', () => {
  // sRGB red (255, 0, 0) -> L* 53.24, a* 80.09, b* 67.20; white -> 100, 0, 0.
  const red = core.srgbToLab(255, 0, 0);
  assert(Math.abs(red.L - 53.24) < 0.05 && Math.abs(red.a - 80.09) < 0.1 && Math.abs(red.b - 67.20) < 0.1,
    `red ${JSON.stringify(red)}`);
  const white = core.srgbToLab(255, 255, 255);
  assert(Math.abs(white.L - 100) < 0.01 && Math.abs(white.a) < 0.01 && Math.abs(white.b) < 0.01,
    `white ${JSON.stringify(white)}`);
});

test('score: the metrics, wrong-colour area included, through the binding', () => {
  const solid = (r, g, b) => {
    const px = new Uint8Array(16 * 8 * 4);
    for (let i = 0; i < px.length; i += 4) { px[i] = r; px[i + 1] = g; px[i + 2] = b; px[i + 3] = 255; }
    const img = core.imageFromRgba(px, 16, 8);
    assert(img.ok, img.message);
    return img.image;
  };
  const red = solid(200, 40, 40), blue = solid(40, 60, 200), grey = solid(110, 110, 110);
  const same = core.score(red, red), wrong = core.score(blue, red), none = core.score(grey, red);
  assert(same.ok && wrong.ok && none.ok, 'score failed');
  assert(same.psnr === Infinity && same.ciede2000 === 0 && same.wrongColour === 0, JSON.stringify(same));
  assert(wrong.wrongColour === 1 && wrong.ciede2000 > 30, JSON.stringify(wrong));
  assert(none.wrongColour === 0 && none.colourfulness === 0, JSON.stringify(none));
  const tiny = core.imageFromRgba(new Uint8Array(2 * 2 * 4), 2, 2).image;
  const bad = core.score(red, tiny);
  assert(!bad.ok && /same size/.test(bad.message), JSON.stringify(bad));
  for (const h of [red, blue, grey, tiny]) h.delete();
});

test('the heap is capped and the cap is reported', () => {
  const m = core.memoryInfo();
  assert(m.maxHeapBytes > 0 && m.maxHeapBytes <= 4 * 2 ** 30, `max heap ${m.maxHeapBytes}`);
  assert(m.heapBytes <= m.maxHeapBytes, 'heap above its cap');
});

process.exitCode = await run('wasm') ? 1 : 0;

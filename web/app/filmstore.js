// A film in progress kept on the device, in the origin's private file system (OPFS), so that a
// closed, reloaded or crashed tab loses at most the last segment, and the encoded frames of a
// long film are on disk rather than in memory. Per film, a folder films/<key>/ holds:
//   meta.json          what the film is made from and with (a film is taken up again only when
//                      the same file comes with the same settings);
//   seg-<first>.bin    one segment: the encoded frames from frame <first> on, each as a 16-byte
//                      header (u32 length, u8 key frame, 3 unused, f64 timestamp in us; little-
//                      endian) and its bytes; a segment starts at a key frame;
//   at-<frames>.bin    what the film goes on from after its first <frames> frames, written with
//                      the segment that ends there (u32 width, height, frames, shots so far,
//                      then the RGBA of the film's memory of its last frame, a picture of the
//                      film's grid, then the paint held after it, if any: f32 x, y, a, b per
//                      point); kept for the last segment and the first in every 250 frames;
//                      films kept before 2026-12-07 have one such file, last.bin;
//   codec.bin          an MP4 film's H.264 decoder configuration (avcC), written before its
//                      first segment.
// A segment is written whole and then its state; a film goes on from its last state (or, when
// only the paint of some frames changed, from the last state before the first of them), and
// the segments beyond that state are left over (from a stop in between, or made with the paint
// before) and are not used. No DOM.

const DIR = 'films';
const KEEP = 3;  // films kept for taking up again; the least recently touched go first
const HEAD = 16;
const STATE_SPAN = 250;  // frames: 10 s at 25 a second

const stateName = (frames) => `at-${String(frames).padStart(8, '0')}.bin`;

// The OPFS folder of films, or null where this browser has none (or it is refused).
async function filmsDir() {
  try {
    const root = await navigator.storage?.getDirectory?.();
    return root ? await root.getDirectoryHandle(DIR, {create: true}) : null;
  } catch {
    return null;
  }
}

async function readJson(dir, name) {
  try {
    return JSON.parse(await (await (await dir.getFileHandle(name)).getFile()).text());
  } catch {
    return null;
  }
}

async function writeFile(dir, name, parts) {
  const h = await dir.getFileHandle(name, {create: true});
  const w = await h.createWritable();
  try {
    for (const p of parts) await w.write(p);
    await w.close();
  } catch (e) {
    await w.abort().catch(() => {});
    throw e;
  }
  return h;
}

// A key naming a film: its file (name, size, date) — the same file dropped again finds it. (Also
// names a film's reference photo in its settings.)
export function filmKey(file) {
  const s = `${file.name}|${file.size}|${file.lastModified}`;
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return `f${h.toString(16)}-${file.size}`;
}

// A state file (at-N.bin, or last.bin of films kept before): {width, height, frames, shots,
// rgba, held}, or null where it is damaged.
async function readState(handle) {
  try {
    const b = new Uint8Array(await (await handle.getFile()).arrayBuffer());
    const v = new DataView(b.buffer);
    const width = v.getUint32(0, true), height = v.getUint32(4, true);
    const end = 16 + width * height * 4;
    if (b.length < end || (b.length - end) % 16) return null;
    return {width, height, frames: v.getUint32(8, true), shots: v.getUint32(12, true), rgba: b.subarray(16, end),
      held: b.length > end ? new Float32Array(b.buffer, end, (b.length - end) / 4) : null};
  } catch {
    return null;
  }
}

// The first frame whose change differs between two lists of [{frame, ...}] (Infinity: none).
function firstChange(was = [], now = []) {
  const of = (list) => new Map((Array.isArray(list) ? list : []).map((p) => [p.frame, JSON.stringify(p)]));
  const a = of(was), b = of(now);
  let first = Infinity;
  for (const k of new Set([...a.keys(), ...b.keys()])) if (a.get(k) !== b.get(k)) first = Math.min(first, k);
  return first;
}

export class FilmStore {
  // Opens the store of `file`'s film made with `meta` (plain data: the settings it is made
  // with), read at `fps` frames a second: {store, kept} where kept is null (a fresh start) or
  // {frames, shots, fps (the rate it was begun at, to go on with), last: {rgba, width, height,
  // held}, segments: [{first, file}], codec (codec.bin's bytes, or null)}. Resolves to null
  // where there is no OPFS. fresh: throw away what was kept. meta.paint, where there is one, is
  // a list of changes to single frames ([{frame, ...}]): a film whose meta differs only there
  // is kept up to the last segment that ends at or before the first frame whose change differs
  // (the frames from there on are made again).
  static async open(file, meta, {fps, fresh = false} = {}) {
    const films = await filmsDir();
    if (!films) return null;
    const key = filmKey(file);
    let dir = await films.getDirectoryHandle(key, {create: true});
    const was = await readJson(dir, 'meta.json');
    let store = new FilmStore(films, dir, key);
    let kept = null;
    if (!fresh && was?.fps > 0) {
      const made = was.made || {};
      const but = (m) => JSON.stringify({...m, paint: null});
      if (but(made) === but(meta)) kept = await store.#kept(firstChange(made.paint, meta.paint));
    }
    if (kept) kept.fps = was.fps;
    if (!kept) {
      // Nothing to take up again: an empty folder, so no segment of another try is mixed in.
      await films.removeEntry(key, {recursive: true}).catch(() => {});
      dir = await films.getDirectoryHandle(key, {create: true});
      store = new FilmStore(films, dir, key);
    }
    await writeFile(dir, 'meta.json', [JSON.stringify({made: meta, fps: kept ? kept.fps : fps, name: file.name,
      touched: Date.now()})]);
    await store.#tidy();
    return {store, kept};
  }

  constructor(films, dir, key) {
    Object.assign(this, {films, dir, key});
    this.broken = null;  // why writing stopped (e.g. the disk is full): the rest stays in memory
    this.lastState = null;  // {frames, first}: the state written last by this store, and whether
                            // it is the first of its span of frames
  }

  // What a stopped film left: the segments up to its last state (or, with `before`, up to its
  // last state at or before that frame; the segments and states after it are removed).
  async #kept(before = Infinity) {
    const segments = [], states = [];
    for await (const [name, h] of this.dir.entries()) {
      const m = /^(seg|at)-(\d+)\.bin$/.exec(name);
      if (m) (m[1] === 'seg' ? segments : states).push({n: Number(m[2]), name, handle: h});
    }
    let at = states.filter((x) => x.n <= before).sort((x, y) => y.n - x.n)[0] || null;
    // A film kept before 2026-12-07: one state, last.bin.
    if (!states.length && before === Infinity) at = {name: 'last.bin', handle: await this.dir.getFileHandle('last.bin').catch(() => null)};
    const last = at?.handle ? await readState(at.handle) : null;
    if (!last) return null;
    const unused = [...segments.filter((x) => x.n >= last.frames), ...states.filter((x) => x.n > last.frames)];
    for (const x of unused) await this.dir.removeEntry(x.name).catch(() => {});
    const used = [];
    for (const x of segments.filter((x) => x.n < last.frames).sort((x, y) => x.n - y.n)) used.push({first: x.n, file: await x.handle.getFile()});
    if (!used.length || used[0].first !== 0) return null;
    let codec = null;
    try {
      codec = new Uint8Array(await (await (await this.dir.getFileHandle('codec.bin')).getFile()).arrayBuffer());
    } catch { /* a WebM film has none */ }
    return {frames: last.frames, shots: last.shots, last, segments: used, codec};
  }

  // The encoded frames of a kept segment file: [{data (a Blob slice of it), timestampUs, key}].
  static async records(file) {
    const v = new DataView(await file.arrayBuffer());
    const out = [];
    for (let at = 0; at + HEAD <= v.byteLength;) {
      const length = v.getUint32(at, true);
      if (at + HEAD + length > v.byteLength) break;  // cut short
      out.push({data: file.slice(at + HEAD, at + HEAD + length), timestampUs: v.getFloat64(at + 8, true),
        key: v.getUint8(at + 4) === 1});
      at += HEAD + length;
    }
    return out;
  }

  // Keeps the film's decoder configuration (an MP4 film's avcC), read back as kept.codec.
  async writeCodec(bytes) {
    if (this.broken) return;
    try {
      await writeFile(this.dir, 'codec.bin', [bytes]);
    } catch (e) {
      this.broken = e.message || String(e);
    }
  }

  // Writes one segment (frames `first` .. first + records.length - 1: [{data: Uint8Array,
  // timestampUs, key}]) and then the frame to carry on from. Returns the records with their data
  // as slices of the file written (so the memory can go), or the records as they are when
  // writing failed (this.broken says why; nothing more is written).
  async writeSegment(first, records, last) {
    if (this.broken) return records;
    try {
      const parts = [];
      for (const r of records) {
        const head = new DataView(new ArrayBuffer(HEAD));
        head.setUint32(0, r.data.length, true);
        head.setUint8(4, r.key ? 1 : 0);
        head.setFloat64(8, r.timestampUs, true);
        parts.push(head.buffer, r.data);
      }
      const h = await writeFile(this.dir, `seg-${String(first).padStart(8, '0')}.bin`, [new Blob(parts)]);
      const meta = new DataView(new ArrayBuffer(16));
      [last.width, last.height, last.frames, last.shots].forEach((x, i) => meta.setUint32(4 * i, x, true));
      await writeFile(this.dir, stateName(last.frames),
        last.held?.length ? [meta.buffer, last.rgba, last.held] : [meta.buffer, last.rgba]);
      // The states kept: the last, and the first of every STATE_SPAN frames (a film made again
      // from a changed frame goes back at most that far; a state is about 0.3 MB at 720p).
      const prev = this.lastState;
      if (prev && !prev.first) await this.dir.removeEntry(stateName(prev.frames)).catch(() => {});
      this.lastState = {frames: last.frames,
        first: !prev || Math.floor(prev.frames / STATE_SPAN) !== Math.floor(last.frames / STATE_SPAN)};
      const file = await h.getFile();
      let at = 0;
      return records.map((r) => {
        const data = file.slice(at + HEAD, at + HEAD + r.data.length);
        at += HEAD + r.data.length;
        return {...r, data};
      });
    } catch (e) {
      this.broken = e.message || String(e);
      return records;
    }
  }

  // Forgets the film (its folder).
  async remove() { await this.films.removeEntry(this.key, {recursive: true}).catch(() => {}); }

  // Forgets what is kept of `file`'s film, if anything.
  static async forget(file) { await (await filmsDir())?.removeEntry(filmKey(file), {recursive: true}).catch(() => {}); }

  // Keeps the KEEP films touched last (this one among them).
  async #tidy() {
    const all = [];
    for await (const [name, h] of this.films.entries()) {
      if (h.kind !== 'directory' || name === this.key) continue;
      all.push({name, touched: (await readJson(h, 'meta.json'))?.touched || 0});
    }
    all.sort((a, b) => b.touched - a.touched);
    for (const f of all.slice(KEEP - 1)) await this.films.removeEntry(f.name, {recursive: true}).catch(() => {});
  }
}

// The names of the films kept (for the tests and the curious).
export async function keptFilms() {
  const films = await filmsDir();
  const names = [];
  if (films) for await (const [name] of films.entries()) names.push(name);
  return names;
}

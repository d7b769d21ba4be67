// A WebM file (Matroska, EBML) of one video track, written from encoded frames: what WebCodecs'
// VideoEncoder gives (VP8 or VP9) becomes a file a browser, VLC or ffmpeg plays and seeks.
// No DOM; runs under node for the tests.
//
// Layout: EBML header, then one Segment of known size holding a SeekHead (where Info, Tracks
// and Cues are), Info (1 ms timecodes, the duration), Tracks, Cues (one point per cluster) and
// the Clusters. A cluster starts at every key frame (and at least every 30 s, the reach of a
// block's 16-bit relative time), so each cue points at a frame that decodes on its own.

const ID = {
  EBML: 0x1a45dfa3, EBMLVersion: 0x4286, EBMLReadVersion: 0x42f7, EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3, DocType: 0x4282, DocTypeVersion: 0x4287, DocTypeReadVersion: 0x4285,
  Segment: 0x18538067, SeekHead: 0x114d9b74, Seek: 0x4dbb, SeekID: 0x53ab, SeekPosition: 0x53ac,
  Info: 0x1549a966, TimecodeScale: 0x2ad7b1, Duration: 0x4489, MuxingApp: 0x4d80, WritingApp: 0x5741,
  Tracks: 0x1654ae6b, TrackEntry: 0xae, TrackNumber: 0xd7, TrackUID: 0x73c5, TrackType: 0x83,
  FlagLacing: 0x9c, CodecID: 0x86, DefaultDuration: 0x23e383, Video: 0xe0, PixelWidth: 0xb0,
  PixelHeight: 0xba, Cues: 0x1c53bb6b, CuePoint: 0xbb, CueTime: 0xb3, CueTrackPositions: 0xb7,
  CueTrack: 0xf7, CueClusterPosition: 0xf1, Cluster: 0x1f43b675, Timecode: 0xe7, SimpleBlock: 0xa3,
};
export const WEBM_IDS = ID;

const CODEC_IDS = {vp8: 'V_VP8', vp09: 'V_VP9', vp9: 'V_VP9'};
const CLUSTER_SPAN_MS = 30000;

// The bytes of an element ID (its length marker is part of the number).
function idBytes(id) {
  const out = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) out.unshift(v & 255);
  return out;
}

// An element's data size as a variable-length integer: the shortest form, or `width` bytes.
export function sizeBytes(n, width = 0) {
  let k = 1;
  while (n >= 2 ** (7 * k) - 1) k++;
  if (width) {
    if (width < k) throw new RangeError(`size ${n} does not fit ${width} bytes`);
    k = width;
  }
  const out = new Array(k);
  let v = n;
  for (let i = k - 1; i >= 0; i--) { out[i] = v % 256; v = Math.floor(v / 256); }
  out[0] |= 1 << (8 - k);
  return out;
}

// An unsigned integer in `width` bytes (0: as few as it needs, at least one), big-endian.
function uintBytes(n, width = 0) {
  const out = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  if (!out.length) out.push(0);
  while (width && out.length < width) out.unshift(0);
  return out;
}

const utf8 = (s) => [...new TextEncoder().encode(s)];
function float64Bytes(x) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x);
  return [...b];
}

// An element with `data` (an array of bytes).
function el(id, data) { return [...idBytes(id), ...sizeBytes(data.length), ...data]; }
const uint = (id, n, width = 0) => el(id, uintBytes(n, width));
const master = (id, ...children) => el(id, children.flat());

// Collects the encoded frames of one video track and writes them out as a WebM file.
export class WebmWriter {
  // codec: WebCodecs' codec string ('vp8', 'vp09...'); width, height: the frames' pixels;
  // fps: frames a second (only written as the track's frame duration, a player's hint).
  constructor({codec = 'vp8', width, height, fps = 0, app = 'colorize'}) {
    const codecId = CODEC_IDS[String(codec).split('.')[0]];
    if (!codecId) throw new Error(`WebM holds VP8 or VP9 here, not ${codec}`);
    if (!(width > 0 && height > 0)) throw new Error('a film needs a width and a height');
    Object.assign(this, {codecId, width, height, fps, app});
    this.clusters = [];  // {time (ms), blocks: [bytes...], bytes}
    this.lastMs = -1;
    this.endMs = 0;
    this.frames = 0;
  }

  // One encoded frame: `data` (Uint8Array), its time in microseconds (increasing), and whether
  // it is a key frame (decodes on its own). The first frame must be a key frame.
  add(data, timestampUs, key) {
    const ms = Math.round(timestampUs / 1000);
    if (!this.clusters.length && !key) throw new Error('a film must start with a key frame');
    if (ms < this.lastMs) throw new Error('frames must come in the order of their times');
    let c = this.clusters[this.clusters.length - 1];
    if (!c || key && ms > c.time || ms - c.time >= CLUSTER_SPAN_MS) {
      c = {time: ms, parts: [], bytes: 0, key};
      this.clusters.push(c);
    }
    const head = new Uint8Array([...idBytes(ID.SimpleBlock), ...sizeBytes(4 + data.length, 8), 0x81,
      ((ms - c.time) >> 8) & 255, (ms - c.time) & 255, key ? 0x80 : 0x00]);
    c.parts.push(head, data);
    c.bytes += head.length + data.length;
    this.lastMs = ms;
    this.frames++;
    this.endMs = ms + (this.fps > 0 ? 1000 / this.fps : 0);
  }

  // The file, as a list of parts (Uint8Arrays) to put in a Blob or write out one by one.
  parts() {
    if (!this.clusters.length) throw new Error('a film without frames cannot be written');
    const header = master(ID.EBML, uint(ID.EBMLVersion, 1), uint(ID.EBMLReadVersion, 1),
      uint(ID.EBMLMaxIDLength, 4), uint(ID.EBMLMaxSizeLength, 8), el(ID.DocType, utf8('webm')),
      uint(ID.DocTypeVersion, 2), uint(ID.DocTypeReadVersion, 2));
    const info = master(ID.Info, uint(ID.TimecodeScale, 1e6), el(ID.Duration, float64Bytes(this.endMs)),
      el(ID.MuxingApp, utf8(this.app)), el(ID.WritingApp, utf8(this.app)));
    const video = master(ID.Video, uint(ID.PixelWidth, this.width), uint(ID.PixelHeight, this.height));
    const entry = [uint(ID.TrackNumber, 1), uint(ID.TrackUID, 1), uint(ID.TrackType, 1),
      uint(ID.FlagLacing, 0), el(ID.CodecID, utf8(this.codecId))];
    if (this.fps > 0) entry.push(uint(ID.DefaultDuration, Math.round(1e9 / this.fps)));
    entry.push(video);
    const tracks = master(ID.Tracks, master(ID.TrackEntry, ...entry));
    // Positions are from the start of the Segment's data; written in 8 bytes each so that the
    // sizes of SeekHead and Cues do not depend on them.
    const cues = (positions) => master(ID.Cues, ...this.clusters.map((c, i) => master(ID.CuePoint,
      uint(ID.CueTime, c.time), master(ID.CueTrackPositions, uint(ID.CueTrack, 1),
        uint(ID.CueClusterPosition, positions[i], 8)))));
    const seekHead = (at) => master(ID.SeekHead, ...[ID.Info, ID.Tracks, ID.Cues].map((id, i) =>
      master(ID.Seek, el(ID.SeekID, idBytes(id)), uint(ID.SeekPosition, at[i], 8))));
    const seekLen = seekHead([0, 0, 0]).length;
    const cuesLen = cues(this.clusters.map(() => 0)).length;
    const infoAt = seekLen, tracksAt = infoAt + info.length, cuesAt = tracksAt + tracks.length;
    const positions = [];
    let at = cuesAt + cuesLen;
    const clusterParts = [];
    for (const c of this.clusters) {
      positions.push(at);
      const time = uint(ID.Timecode, c.time);
      const bytes = new Uint8Array([...idBytes(ID.Cluster), ...sizeBytes(time.length + c.bytes, 8), ...time]);
      clusterParts.push(bytes, ...c.parts);
      at += bytes.length + c.bytes;
    }
    const front = [...seekHead([infoAt, tracksAt, cuesAt]), ...info, ...tracks, ...cues(positions)];
    const segmentHead = [...idBytes(ID.Segment), ...sizeBytes(at, 8)];
    return [new Uint8Array([...header, ...segmentHead, ...front]), ...clusterParts];
  }

  // The film in milliseconds: the last frame's time plus one frame.
  get durationMs() { return this.endMs; }
}

// Reads the elements of an EBML buffer (for the tests and for checking a file): returns
// [{id, start, dataStart, size, children?}] for the elements between `from` and `to`, going
// into the master elements named in `masters`.
export function readEbml(bytes, masters = new Set(), from = 0, to = bytes.length) {
  const vint = (at, keepMarker) => {
    const first = bytes[at];
    let k = 1;
    while (k <= 8 && !(first & (1 << (8 - k)))) k++;
    if (k > 8) throw new Error(`bad variable-length integer at ${at}`);
    let v = keepMarker ? first : first & ((1 << (8 - k)) - 1);
    for (let i = 1; i < k; i++) v = v * 256 + bytes[at + i];
    return {value: v, length: k};
  };
  const out = [];
  let at = from;
  while (at < to) {
    const id = vint(at, true), size = vint(at + id.length, false);
    const dataStart = at + id.length + size.length;
    if (dataStart + size.value > to) throw new Error(`element ${id.value.toString(16)} at ${at} runs past its parent`);
    const e = {id: id.value, start: at, dataStart, size: size.value};
    if (masters.has(id.value)) e.children = readEbml(bytes, masters, dataStart, dataStart + size.value);
    out.push(e);
    at = dataStart + size.value;
  }
  return out;
}

// A WebM file (Matroska, EBML) of a video track and an optional sound track, written from encoded
// frames: what WebCodecs' VideoEncoder (VP8 or VP9) and AudioEncoder (Opus) give becomes a file a
// browser, VLC or ffmpeg plays and seeks.
// No DOM; runs under node for the tests.
//
// Layout: EBML header, then one Segment of known size holding a SeekHead (where Info, Tracks
// and Cues are), Info (1 ms timecodes, the duration), Tracks, Cues (one point per cluster) and
// the Clusters. A cluster starts at every key frame of the picture (and at least every 30 s, the
// reach of a block's 16-bit relative time), so each cue points at a frame that decodes on its own.

const ID = {
  EBML: 0x1a45dfa3, EBMLVersion: 0x4286, EBMLReadVersion: 0x42f7, EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3, DocType: 0x4282, DocTypeVersion: 0x4287, DocTypeReadVersion: 0x4285,
  Segment: 0x18538067, SeekHead: 0x114d9b74, Seek: 0x4dbb, SeekID: 0x53ab, SeekPosition: 0x53ac,
  Info: 0x1549a966, TimecodeScale: 0x2ad7b1, Duration: 0x4489, MuxingApp: 0x4d80, WritingApp: 0x5741,
  Tracks: 0x1654ae6b, TrackEntry: 0xae, TrackNumber: 0xd7, TrackUID: 0x73c5, TrackType: 0x83,
  FlagLacing: 0x9c, CodecID: 0x86, DefaultDuration: 0x23e383, Video: 0xe0, PixelWidth: 0xb0,
  PixelHeight: 0xba, Cues: 0x1c53bb6b, CuePoint: 0xbb, CueTime: 0xb3, CueTrackPositions: 0xb7,
  CueTrack: 0xf7, CueClusterPosition: 0xf1, Cluster: 0x1f43b675, Timecode: 0xe7, SimpleBlock: 0xa3,
  CodecPrivate: 0x63a2, CodecDelay: 0x56aa, SeekPreRoll: 0x56bb, Audio: 0xe1, SamplingFrequency: 0xb5,
  Channels: 0x9f,
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

// Collects encoded frames of a video track (and, if asked, an Opus sound track) and writes them
// out as a WebM file.
export class WebmWriter {
  // codec: WebCodecs' codec string ('vp8', 'vp09...'); width, height: the frames' pixels;
  // fps: frames a second (only written as the track's frame duration, a player's hint);
  // audio: null, or {codec: 'opus' (the only one taken; may be left out), sampleRate, channels,
  // codecPrivate (the OpusHead the encoder gives), preSkip (samples, from it)} for a second
  // track of Opus packets.
  constructor({codec = 'vp8', width, height, fps = 0, audio = null, app = 'colorize'}) {
    const codecId = CODEC_IDS[String(codec).split('.')[0]];
    if (!codecId) throw new Error(`WebM holds VP8 or VP9 here, not ${codec}`);
    if (!(width > 0 && height > 0)) throw new Error('a film needs a width and a height');
    if (audio && !(audio.sampleRate > 0 && audio.channels > 0)) throw new Error('the sound needs a rate and channels');
    if (audio && audio.codec && audio.codec !== 'opus') throw new Error(`the sound of a WebM is Opus here, not ${audio.codec}`);
    Object.assign(this, {codecId, width, height, fps, audio, app});
    this.blocks = [];  // {track, ms, key, data}, in the order they came
    this.lastMs = [-1, -1];
    this.endMs = 0;
    this.frames = 0;
  }

  // One encoded frame: `data` (a Uint8Array, or a Blob such as a slice of a file kept on disk),
  // its time in microseconds (increasing), and whether it is a key frame (decodes on its own).
  // The first frame must be a key frame.
  add(data, timestampUs, key) {
    const ms = Math.round(timestampUs / 1000);
    if (!this.frames && !key) throw new Error('a film must start with a key frame');
    if (ms < this.lastMs[0]) throw new Error('frames must come in the order of their times');
    this.blocks.push({track: 1, ms, key, data});
    this.lastMs[0] = ms;
    this.frames++;
    this.endMs = Math.max(this.endMs, ms + (this.fps > 0 ? 1000 / this.fps : 0));
  }

  // One encoded packet of the sound (Opus), its time and duration in microseconds.
  addAudio(data, timestampUs, durationUs = 0) {
    if (!this.audio) throw new Error('this film was made without sound');
    const ms = Math.round(timestampUs / 1000);
    if (ms < this.lastMs[1]) throw new Error('sound must come in the order of its times');
    this.blocks.push({track: 2, ms, key: true, data});
    this.lastMs[1] = ms;
    this.endMs = Math.max(this.endMs, (timestampUs + durationUs) / 1000);
  }

  // Takes the sound out (its packets and its track), for a film whose sound could not be
  // encoded to the end: the picture is written alone.
  dropSound() {
    this.audio = null;
    this.blocks = this.blocks.filter((b) => b.track === 1);
    this.lastMs[1] = -1;
    const last = this.blocks[this.blocks.length - 1];
    this.endMs = last ? last.ms + (this.fps > 0 ? 1000 / this.fps : 0) : 0;
  }

  // The file, as a list of parts (Uint8Arrays, and the Blobs given) to put in a Blob.
  parts() {
    if (!this.frames) throw new Error('a film without frames cannot be written');
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
    const entries = [master(ID.TrackEntry, ...entry)];
    if (this.audio) {
      const a = this.audio;
      const sound = [uint(ID.TrackNumber, 2), uint(ID.TrackUID, 2), uint(ID.TrackType, 2),
        uint(ID.FlagLacing, 0), el(ID.CodecID, utf8('A_OPUS'))];
      if (a.codecPrivate) sound.push(el(ID.CodecPrivate, [...a.codecPrivate]));
      sound.push(uint(ID.CodecDelay, Math.round((a.preSkip || 0) * 1e9 / 48000)), uint(ID.SeekPreRoll, 80e6),
        master(ID.Audio, el(ID.SamplingFrequency, float64Bytes(a.sampleRate)), uint(ID.Channels, a.channels)));
      entries.push(master(ID.TrackEntry, ...sound));
    }
    const tracks = master(ID.Tracks, ...entries);
    // Blocks in time order (a frame before the sound of the same moment); a cluster starts at
    // each key frame of the picture.
    const blocks = this.blocks.map((b, i) => ({...b, i}))
      .sort((x, y) => x.ms - y.ms || x.track - y.track || x.i - y.i);
    const clusters = [];
    let c = null;
    for (const b of blocks) {
      const keyFrame = b.track === 1 && b.key;
      if (!c || keyFrame && b.ms > c.time || b.ms - c.time >= CLUSTER_SPAN_MS) {
        c = {time: b.ms, parts: [], bytes: 0, cue: keyFrame};
        clusters.push(c);
      }
      const size = b.data.length ?? b.data.size;
      const head = new Uint8Array([...idBytes(ID.SimpleBlock), ...sizeBytes(4 + size, 8), 0x80 | b.track,
        ((b.ms - c.time) >> 8) & 255, (b.ms - c.time) & 255, b.key ? 0x80 : 0x00]);
      c.parts.push(head, b.data);
      c.bytes += head.length + size;
    }
    // Positions are from the start of the Segment's data; written in 8 bytes each so that the
    // sizes of SeekHead and Cues do not depend on them.
    const cued = clusters.filter((k) => k.cue);
    const cues = (positions) => master(ID.Cues, ...cued.map((k, i) => master(ID.CuePoint,
      uint(ID.CueTime, k.time), master(ID.CueTrackPositions, uint(ID.CueTrack, 1),
        uint(ID.CueClusterPosition, positions[i], 8)))));
    const seekHead = (at) => master(ID.SeekHead, ...[ID.Info, ID.Tracks, ID.Cues].map((id, i) =>
      master(ID.Seek, el(ID.SeekID, idBytes(id)), uint(ID.SeekPosition, at[i], 8))));
    const seekLen = seekHead([0, 0, 0]).length;
    const cuesLen = cues(cued.map(() => 0)).length;
    const infoAt = seekLen, tracksAt = infoAt + info.length, cuesAt = tracksAt + tracks.length;
    const positions = [];
    let at = cuesAt + cuesLen;
    const clusterParts = [];
    for (const k of clusters) {
      if (k.cue) positions.push(at);
      const time = uint(ID.Timecode, k.time);
      const bytes = new Uint8Array([...idBytes(ID.Cluster), ...sizeBytes(time.length + k.bytes, 8), ...time]);
      clusterParts.push(bytes, ...k.parts);
      at += bytes.length + k.bytes;
    }
    const front = [...seekHead([infoAt, tracksAt, cuesAt]), ...info, ...tracks, ...cues(positions)];
    const segmentHead = [...idBytes(ID.Segment), ...sizeBytes(at, 8)];
    return [new Uint8Array([...header, ...segmentHead, ...front]), ...clusterParts];
  }

  // The film in milliseconds: the last frame's time plus one frame (or the sound's end).
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

// An MP4 (ISO base media file) writer for the films: an H.264 picture track and, if asked, a
// sound track of AAC (ISO/IEC 14496-3 in an 'mp4a' entry with its ES descriptor, 14496-14) or of
// Opus ("Encapsulation of Opus in ISO Base Media File Format"), from the encoded frames
// WebCodecs gives. The same face as webm.js's WebmWriter, so film.js takes either.
// Layout: ftyp, mdat (every frame and packet in the order given), moov (written last, when the
// sizes and places are known: a file to download, not to stream). No DOM.

const te = new TextEncoder();
const utf8 = (s) => [...te.encode(s)];
const u16 = (n) => [(n >>> 8) & 255, n & 255];
const u32 = (n) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const u64 = (n) => [...u32(Math.floor(n / 2 ** 32)), ...u32(n >>> 0)];
const zeros = (n) => new Array(n).fill(0);

// A box: its size, its four-letter type (one byte a character: '\u00a9too' is A9 74 6F 6F) and
// its contents (an array of bytes).
function box(type, ...content) {
  const body = content.flat(Infinity);
  return [...u32(8 + body.length), ...[...type].map((c) => c.charCodeAt(0) & 255), ...body];
}
// A "full box": version and flags before the contents.
const fullBox = (type, version, flags, ...content) =>
  box(type, [version, (flags >>> 16) & 255, (flags >>> 8) & 255, flags & 255], ...content);

// The unity matrix of tkhd and mvhd.
const MATRIX = [...u32(0x10000), ...u32(0), ...u32(0), ...u32(0), ...u32(0x10000), ...u32(0), ...u32(0), ...u32(0),
  ...u32(0x40000000)];

// Durations as a time-to-sample table: runs of equal durations.
function stts(durations) {
  const runs = [];
  for (const d of durations) {
    if (runs.length && runs[runs.length - 1][1] === d) runs[runs.length - 1][0]++;
    else runs.push([1, d]);
  }
  return fullBox('stts', 0, 0, u32(runs.length), runs.map(([n, d]) => [...u32(n), ...u32(d)]));
}

// Collects encoded frames of an H.264 track (and, if asked, an AAC or Opus track) and writes them
// out as an MP4 file.
export class Mp4Writer {
  // codec: WebCodecs' codec string ('avc1.*'); width, height: the frames' pixels; fps: frames a
  // second (the last frame's duration); video.codecPrivate: the avcC record (VideoEncoder's
  // decoderConfig.description with avc format 'avc'), to be set before parts(); audio: null, or
  // {codec: 'opus' (default) or 'aac', sampleRate, channels, codecPrivate (Opus: the OpusHead
  // the encoder gives; AAC: its AudioSpecificConfig, made from the rate and channels (AAC-LC)
  // when not given), preSkip (Opus: samples)}.
  constructor({codec = 'avc1', width, height, fps = 0, audio = null, app = 'colorize'}) {
    if (String(codec).split('.')[0] !== 'avc1') throw new Error(`MP4 holds H.264 (avc1) here, not ${codec}`);
    if (!(width > 0 && height > 0)) throw new Error('a film needs a width and a height');
    if (audio && !(audio.sampleRate > 0 && audio.channels > 0)) throw new Error('the sound needs a rate and channels');
    if (audio && !['opus', 'aac', undefined].includes(audio.codec)) throw new Error(`the sound is Opus or AAC here, not ${audio.codec}`);
    Object.assign(this, {width, height, fps, audio, app});
    this.video = {codecPrivate: null};
    this.samples = [[], []];  // [picture: {data, us, key}, sound: {data, us, durationUs}]
    this.order = [];  // the samples in the order given: [track, index], for the mdat
    this.endMs = 0;
    this.frames = 0;
  }

  // One encoded frame: `data` (a Uint8Array, or a Blob such as a slice of a file kept on disk;
  // length-prefixed NAL units), its time in microseconds (increasing), and whether it is a key
  // frame. The first frame must be a key frame.
  add(data, timestampUs, key) {
    const v = this.samples[0];
    if (!this.frames && !key) throw new Error('a film must start with a key frame');
    if (v.length && timestampUs <= v[v.length - 1].us) throw new Error('frames must come in the order of their times');
    v.push({data, us: timestampUs, key: !!key});
    this.order.push([0, v.length - 1]);
    this.frames++;
    this.endMs = Math.max(this.endMs, (timestampUs + (this.fps > 0 ? 1e6 / this.fps : 0)) / 1000);
  }

  // One encoded packet of the sound (Opus, or an AAC frame without ADTS header), its time and
  // duration in microseconds.
  addAudio(data, timestampUs, durationUs = 0) {
    if (!this.audio) throw new Error('this film was made without sound');
    const a = this.samples[1];
    if (a.length && timestampUs < a[a.length - 1].us) throw new Error('sound must come in the order of its times');
    a.push({data, us: timestampUs, durationUs});
    this.order.push([1, a.length - 1]);
    this.endMs = Math.max(this.endMs, (timestampUs + durationUs) / 1000);
  }

  // The film in milliseconds: the last frame's time plus one frame (or the sound's end).
  get durationMs() { return this.endMs; }

  // Takes the sound out (its packets and its track), for a film whose sound could not be
  // encoded to the end: the picture is written alone.
  dropSound() {
    this.audio = null;
    this.samples[1] = [];
    this.order = this.order.filter(([t]) => t === 0);
    const v = this.samples[0], last = v[v.length - 1];
    this.endMs = last ? (last.us + (this.fps > 0 ? 1e6 / this.fps : 0)) / 1000 : 0;
  }

  // The file, as a list of parts (Uint8Arrays, and the Blobs given) to put in a Blob.
  parts() {
    if (!this.frames) throw new Error('a film without frames cannot be written');
    if (!this.video.codecPrivate?.length) throw new Error('the H.264 decoder configuration (avcC) is missing');
    const size = (d) => (d.byteLength ?? d.size);
    const ftyp = box('ftyp', utf8('isom'), u32(0x200), utf8('isom'), utf8('iso2'), utf8('avc1'), utf8('mp41'));
    let mdatSize = 16;
    for (const [t, i] of this.order) mdatSize += size(this.samples[t][i].data);
    // Where each sample lies in the file: after ftyp and the mdat's 16-byte header.
    const offsets = [[], []];
    let at = ftyp.length + 16;
    for (const [t, i] of this.order) {
      offsets[t][i] = at;
      at += size(this.samples[t][i].data);
    }
    const tracks = [this.#videoTrak(offsets[0])];
    if (this.audio && this.samples[1].length) tracks.push(this.#audioTrak(offsets[1]));
    const mvhd = fullBox('mvhd', 0, 0, u32(0), u32(0), u32(1000), u32(Math.round(this.endMs)), u32(0x10000),
      u16(0x100), zeros(10), MATRIX, zeros(24), u32(tracks.length + 1));
    const udta = box('udta', box('meta', [0, 0, 0, 0], fullBox('hdlr', 0, 0, u32(0), utf8('mdir'), utf8('appl'),
      zeros(8), [0]), box('ilst', box('\u00a9too', box('data', u32(1), u32(0), utf8(this.app))))));
    const moov = box('moov', mvhd, ...tracks, udta);
    const mdatHead = [...u32(1), ...utf8('mdat'), ...u64(mdatSize)];
    return [new Uint8Array([...ftyp, ...mdatHead]), ...this.order.map(([t, i]) => this.samples[t][i].data),
      new Uint8Array(moov)];
  }

  // tkhd + mdia with the sample tables of one track.
  #trak(id, {durationMs, timescale, mediaDuration, handler, header, entry, durations, offsets, sizes, keys,
    width = 0, height = 0, volume = 0, edit = null}) {
    const tkhd = fullBox('tkhd', 0, 3, u32(0), u32(0), u32(id), u32(0), u32(Math.round(durationMs)), zeros(8),
      u16(0), u16(0), u16(volume), u16(0), MATRIX, u32(width * 65536), u32(height * 65536));
    const mdhd = fullBox('mdhd', 0, 0, u32(0), u32(0), u32(timescale), u32(mediaDuration), u16(0x55c4), u16(0));
    const hdlr = fullBox('hdlr', 0, 0, u32(0), utf8(handler), zeros(12), utf8(handler === 'vide' ? 'Picture' : 'Sound'), [0]);
    const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
    const stbl = [fullBox('stsd', 0, 0, u32(1), entry), stts(durations)];
    if (keys && keys.some((k) => !k)) {
      const sync = [];
      keys.forEach((k, i) => { if (k) sync.push(i + 1); });
      stbl.push(fullBox('stss', 0, 0, u32(sync.length), sync.map(u32)));
    }
    stbl.push(fullBox('stsc', 0, 0, u32(1), u32(1), u32(1), u32(1)),
      fullBox('stsz', 0, 0, u32(0), u32(sizes.length), sizes.map(u32)),
      fullBox('co64', 0, 0, u32(offsets.length), offsets.map(u64)));
    const minf = box('minf', header, dinf, box('stbl', ...stbl));
    const edts = edit ? [box('edts', fullBox('elst', 0, 0, u32(1), u32(Math.round(edit.durationMs)), u32(edit.mediaTime),
      u16(1), u16(0)))] : [];
    return box('trak', tkhd, ...edts, box('mdia', mdhd, hdlr, minf));
  }

  #videoTrak(offsets) {
    const v = this.samples[0];
    const timescale = 90000;
    const ticks = v.map((s) => Math.round(s.us * timescale / 1e6));
    const last = this.fps > 0 ? Math.round(timescale / this.fps) : (v.length > 1 ? ticks[v.length - 1] - ticks[v.length - 2] : 3000);
    const durations = ticks.map((t, i) => (i + 1 < ticks.length ? ticks[i + 1] - t : last));
    const mediaDuration = durations.reduce((a, b) => a + b, 0);
    const name = new Array(32).fill(0);
    const entry = box('avc1', zeros(6), u16(1), zeros(16), u16(this.width), u16(this.height), u32(0x480000),
      u32(0x480000), u32(0), u16(1), name, u16(0x18), u16(0xffff), box('avcC', [...this.video.codecPrivate]));
    // (Films made here start at time 0: the first frame's time is not written as an edit.)
    return this.#trak(1, {durationMs: mediaDuration * 1000 / timescale, timescale, mediaDuration, handler: 'vide', entry, durations,
      header: fullBox('vmhd', 0, 1, zeros(8)), offsets, sizes: v.map((s) => (s.data.byteLength ?? s.data.size)),
      keys: v.map((s) => s.key), width: this.width, height: this.height});
  }

  #audioTrak(offsets) {
    const a = this.samples[1];
    const rate = this.audio.sampleRate;
    const durations = a.map((s, i) => Math.round(((s.durationUs || (i + 1 < a.length ? a[i + 1].us - s.us : 20000))) * rate / 1e6));
    const mediaDuration = durations.reduce((x, y) => x + y, 0);
    const sizes = a.map((s) => (s.data.byteLength ?? s.data.size));
    const {entry, preSkip} = this.audio.codec === 'aac'
      ? this.#aacEntry(8 * sizes.reduce((x, y) => x + y, 0) * rate / Math.max(1, mediaDuration))
      : this.#opusEntry();
    const playedMs = Math.max(0, mediaDuration - preSkip) * 1000 / rate;
    return this.#trak(2, {durationMs: playedMs, timescale: rate, mediaDuration, handler: 'soun', entry, durations,
      header: fullBox('smhd', 0, 0, u16(0), u16(0)), offsets, sizes, keys: null, volume: 0x100, edit: this.audio.codec === 'aac' ? null : {durationMs: playedMs, mediaTime: preSkip}});
  }

  // The Opus sample entry (with its dOps) and the samples to skip at the start.
  #opusEntry() {
    const rate = this.audio.sampleRate;
    const head = this.audio.codecPrivate;
    const preSkip = this.audio.preSkip || (head?.length >= 12 ? head[10] | (head[11] << 8) : 0);
    const channels = head?.length >= 10 ? head[9] : this.audio.channels;
    const inputRate = head?.length >= 16 ? (head[12] | (head[13] << 8) | (head[14] << 16) | (head[15] << 24)) >>> 0 : rate;
    const gain = head?.length >= 18 ? head[16] | (head[17] << 8) : 0;
    const family = head?.length >= 19 ? head[18] : 0;
    // dOps: OpusHead's fields, big-endian, without its magic and version (RFC 7845 -> ISOBMFF).
    const dOps = box('dOps', [0, channels], u16(preSkip), u32(inputRate), u16(gain), [family],
      family !== 0 && head ? [...head.subarray(19)] : []);
    return {entry: box('Opus', zeros(6), u16(1), zeros(8), u16(channels), u16(16), u16(0), u16(0), u32(rate * 65536), dOps),
      preSkip};
  }

  // The AAC sample entry: 'mp4a' with an ES descriptor (14496-1: ES_Descriptor, its
  // DecoderConfigDescriptor for audio 14496-3 holding the AudioSpecificConfig, and the
  // SLConfigDescriptor MP4 files carry). WebCodecs does not say how many samples the encoder put
  // before the sound (AAC encoders' priming, ~1024): no edit is written for them.
  // bitsPerSecond: the track's average.
  #aacEntry(bitsPerSecond) {
    const {sampleRate: rate, channels} = this.audio;
    const asc = this.audio.codecPrivate?.length ? [...this.audio.codecPrivate] : audioSpecificConfig(rate, channels);
    const descriptor = (tag, ...content) => {
      const body = content.flat(Infinity);
      if (body.length > 127) throw new Error('an ES descriptor part longer than 127 bytes');
      return [tag, body.length, ...body];
    };
    const decoderConfig = descriptor(4, [0x40, 0x15], [0, 0, 0], u32(0), u32(Math.round(bitsPerSecond)),
      descriptor(5, asc));
    const esds = fullBox('esds', 0, 0, descriptor(3, u16(2), [0], decoderConfig, descriptor(6, [2])));
    return {entry: box('mp4a', zeros(6), u16(1), zeros(8), u16(channels), u16(16), u16(0), u16(0),
      u32(Math.min(rate, 65535) * 65536), esds), preSkip: 0};
  }
}

// The two-byte AudioSpecificConfig of AAC-LC at `rate` with `channels` (1..7), as an encoder that
// gives none would have written it.
export function audioSpecificConfig(rate, channels) {
  const rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
  const index = rates.indexOf(rate);
  if (index < 0 || !(channels >= 1 && channels <= 7)) throw new Error(`no AAC configuration for ${rate} Hz, ${channels} channels`);
  const bits = (2 << 11) | (index << 7) | (channels << 3);
  return [bits >> 8, bits & 255];
}

// Reads the boxes of an MP4 buffer (for the tests and for checking a file): returns
// [{type, start, dataStart, size (the whole box's), children?}] between `from` and `to`, going
// into the container boxes named in `containers` (a Set of types).
export function readBoxes(bytes, containers = new Set(), from = 0, to = bytes.length) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  let at = from;
  while (at + 8 <= to) {
    let size = v.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    let dataStart = at + 8;
    if (size === 1) {
      size = v.getUint32(at + 8) * 2 ** 32 + v.getUint32(at + 12);
      dataStart = at + 16;
    }
    if (size < 8 || at + size > to) throw new Error(`box ${type} at ${at} runs past its parent`);
    const b = {type, start: at, dataStart, size};
    if (containers.has(type)) b.children = readBoxes(bytes, containers, dataStart, at + size);
    out.push(b);
    at += size;
  }
  return out;
}

// Films: a video file read frame by frame in the page (a <video> element sought to each frame),
// each frame colorized by the worker with the frames before carried in (the core's film memory:
// colour that holds still instead of flickering; a cut starts afresh), and the results encoded
// with WebCodecs into a WebM (VP8, webm.js) or an MP4 (H.264, mp4.js) file, the film's sound
// beside them (decoded by the browser, encoded as Opus, or in an MP4 as AAC where the browser
// encodes it). Nothing leaves the device. UI-free:
// app.js shows the progress.
import {FilmStore} from './filmstore.js';
import {Mp4Writer} from './mp4.js';
import {WebmWriter} from './webm.js';

const VIDEO_NAME = /\.(mp4|m4v|mov|webm|mkv|ogv|ogg|avi|mpe?g|3gp)$/i;

// Whether a file is a film rather than a photo (by its type, else its name).
export function isVideoFile(file) {
  return (file.type || '').startsWith('video/') || (!file.type && VIDEO_NAME.test(file.name || ''));
}

// Frame rates films are made at; a measured rate within 1.5 % of one of them is taken as it.
const COMMON_RATES = [12, 15, 16, 18, 20, 23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60];
// The frames' size is brought within this many pixels (1920 x 1080) to keep a film's time sane.
export const FILM_MAX_PIXELS = 1920 * 1080;

const filmError = (code, message) => Object.assign(new Error(message), {code});

function once(target, ok, bad = 'error', ms = 20000) {
  return new Promise((resolve, reject) => {
    const done = (f, v) => { clearTimeout(timer); target.removeEventListener(ok, onOk); target.removeEventListener(bad, onBad); f(v); };
    const onOk = (ev) => done(resolve, ev);
    const onBad = () => done(reject, filmError('not a video', 'This browser cannot read this video file.'));
    const timer = setTimeout(() => done(reject, filmError('timeout', `The video did not answer (waiting for “${ok}”).`)), ms);
    target.addEventListener(ok, onOk);
    target.addEventListener(bad, onBad);
  });
}

// Opens a video file: {video, url, duration (s), width, height}. Files without a stated
// duration (as MediaRecorder writes them) are read through to the end once to learn it.
export async function openVideo(file) {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  const url = URL.createObjectURL(file);
  video.src = url;
  try {
    await once(video, 'loadedmetadata');
    if (!video.videoWidth || !video.videoHeight) throw filmError('not a video', 'This file has no picture.');
    if (!Number.isFinite(video.duration)) {
      const known = once(video, 'durationchange');
      video.currentTime = 1e9;
      await known;
      if (!Number.isFinite(video.duration)) throw filmError('not a video', 'The length of this video cannot be found.');
      video.currentTime = 0;
      await once(video, 'seeked');
    }
    if (!(video.duration > 0)) throw filmError('not a video', 'This video has no length.');
    return {video, url, duration: video.duration, width: video.videoWidth, height: video.videoHeight};
  } catch (e) {
    video.removeAttribute('src');
    URL.revokeObjectURL(url);
    throw e;
  }
}

// Shows frame i (at `fps`) in the video: the picture at the middle of its time, which is safe
// from rounding.
async function seekFrame(v, i, fps) {
  v.video.currentTime = Math.min(v.duration, (i + 0.5) / fps);
  await once(v.video, 'seeked');
}

// Frame i of a video file as it is in the file (at its own size), as a PNG file named `name`
// (dated as the video is, so the same frame is the same file again: colorize's paint kept for
// a photo finds it).
export async function frameFile(file, i, fps, name) {
  const v = await openVideo(file);
  try {
    await seekFrame(v, i, fps);
    const c = new OffscreenCanvas(v.width, v.height);
    c.getContext('2d').drawImage(v.video, 0, 0, v.width, v.height);
    const png = await c.convertToBlob({type: 'image/png'});
    return new File([png], name, {type: 'image/png', lastModified: file.lastModified || 0});
  } finally {
    closeVideo(v);
  }
}

export function closeVideo(v) {
  v.video.pause();
  v.video.removeAttribute('src');
  v.video.load();
  URL.revokeObjectURL(v.url);
}

// The video's frame rate, measured by playing it (muted) for a moment and reading the times of
// the frames shown (requestVideoFrameCallback); 0 if it could not be measured.
export async function measureFrameRate(v) {
  const video = v.video;
  if (!('requestVideoFrameCallback' in video)) return 0;
  const times = [];
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 2500);
    const seen = (nowMs, meta) => {
      times.push(meta.mediaTime);
      if (times.length >= 16) { clearTimeout(timer); resolve(); } else video.requestVideoFrameCallback(seen);
    };
    video.requestVideoFrameCallback(seen);
    video.play().catch(() => { clearTimeout(timer); resolve(); });
  });
  video.pause();
  const gaps = times.slice(1).map((t, i) => t - times[i]).filter((d) => d > 1e-4).sort((a, b) => a - b);
  if (gaps.length < 3) return 0;
  // The shortest gaps are the frame's own duration (a slow moment skips frames, never adds).
  const frame = gaps[Math.floor(gaps.length / 4)];
  const rate = 1 / frame;
  const near = COMMON_RATES.find((r) => Math.abs(rate - r) / r < 0.015);
  return near || Math.round(rate * 100) / 100;
}

// The size frames are colorized and written at: the video's own, brought within FILM_MAX_PIXELS,
// even (the VP8 encoder's chroma planes are half size).
export function filmSize(width, height, maxPixels = FILM_MAX_PIXELS) {
  const s = Math.min(1, Math.sqrt(maxPixels / (width * height)));
  const even = (x) => Math.max(2, 2 * Math.round(x * s / 2));
  return {width: even(width), height: even(height), scaled: s < 1};
}

// The picture codecs tried for each container, in order (H.264 at level 4.2: up to 1080p at 60).
const VIDEO_CODECS = {webm: ['vp8', 'vp09.00.10.08'], mp4: ['avc1.64002a', 'avc1.4d002a', 'avc1.42002a']};

// The encoder's settings for a container (an MP4's H.264 frames length-prefixed, their decoder
// configuration apart: avcC).
function encoderConfig(container, width, height, bitrate, fps) {
  return {width, height, bitrate, framerate: fps, latencyMode: 'quality', ...(container === 'mp4' ? {avc: {format: 'avc'}} : {})};
}

// The first of a container's codecs this browser encodes with `config`, or null.
async function pickCodec(container, config) {
  for (const codec of VIDEO_CODECS[container]) {
    const s = await VideoEncoder.isConfigSupported({...config, codec}).catch(() => null);
    if (s?.supported) return codec;
  }
  return null;
}

// Which containers this browser can write a film of `width` x `height` in: a subset of
// ['webm', 'mp4'] (MP4 needs an H.264 encoder, which some browsers lack).
export async function filmContainers(width = 1280, height = 720) {
  if (typeof VideoEncoder === 'undefined') return [];
  const out = [];
  for (const container of Object.keys(VIDEO_CODECS)) {
    if (await pickCodec(container, encoderConfig(container, width, height, 4e6, 25))) out.push(container);
  }
  return out;
}

// An encoder's decoderConfig.description (an ArrayBuffer or a view) as bytes of its own.
function descriptionBytes(d) {
  return new Uint8Array(d.buffer ? d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength) : d);
}

// The sound is read only from files up to this size and films up to this length (the browser
// decodes it whole: 23 MB of samples a minute).
export const SOUND_MAX_BYTES = 2 ** 30;
export const SOUND_MAX_SECONDS = 20 * 60;
const SOUND_RATE = 48000;
// The sound's encodings: WebCodecs' codec string for each. A WebM holds Opus; an MP4 holds AAC
// where the browser encodes it (what most players expect in an MP4), else Opus.
const SOUND_CODECS = {aac: 'mp4a.40.2', opus: 'opus'};
const SOUND_FOR = {webm: ['opus'], mp4: ['aac', 'opus']};
// The encoder's configuration for the sound as `codec` with `channels`.
const soundConfig = (codec, channels) =>
  ({codec: SOUND_CODECS[codec], sampleRate: SOUND_RATE, numberOfChannels: channels, bitrate: 64000 * channels});
const soundSupported = (config) => AudioEncoder.isConfigSupported(config).then((r) => r.supported, () => false);

// The sound encodings this browser writes: 'aac', 'opus' (none without WebCodecs' AudioEncoder).
export async function soundCodecs() {
  if (typeof AudioEncoder === 'undefined') return [];
  const out = [];
  for (const name of Object.keys(SOUND_CODECS)) {
    if (await soundSupported(soundConfig(name, 2))) out.push(name);
  }
  return out;
}

// The container a film is best written in here: 'mp4' where the browser encodes H.264 and AAC
// (a file that plays nearly everywhere: phones, players, editors), else 'webm' (an MP4 of Opus
// sound, which some players skip, is for those who ask for it).
// containers, sounds: filmContainers() and soundCodecs() where the caller has them already.
export async function preferredContainer({containers = null, sounds = null} = {}) {
  [containers, sounds] = await Promise.all([containers || filmContainers(), sounds || soundCodecs()]);
  return containers.includes('mp4') && sounds.includes('aac') ? 'mp4' : 'webm';
}

// The film's sound, decoded by the browser at 48 kHz: {buffer: AudioBuffer} or {why: a reason
// there is none}.
export async function readSound(file, duration) {
  if (typeof AudioEncoder === 'undefined' || typeof OfflineAudioContext === 'undefined') {
    return {why: 'this browser cannot write sound'};
  }
  if (file.size > SOUND_MAX_BYTES || duration > SOUND_MAX_SECONDS) {
    return {why: `the sound is read only from films under ${SOUND_MAX_SECONDS / 60} minutes and ${SOUND_MAX_BYTES / 2 ** 30} GB`};
  }
  if (!(await soundCodecs()).length) return {why: 'this browser cannot encode sound (AAC or Opus)'};
  try {
    const context = new OfflineAudioContext({numberOfChannels: 2, length: 1, sampleRate: SOUND_RATE});
    return {buffer: await context.decodeAudioData(await file.arrayBuffer())};
  } catch {
    return {why: 'the video has no sound this browser can read'};
  }
}

// Encodes the first `seconds` of `buffer` (an AudioBuffer) into `writer` (webm.js or mp4.js) as
// its audio.codec says ('opus' or 'aac').
async function writeSound(buffer, seconds, writer) {
  const channels = Math.min(2, buffer.numberOfChannels);
  const aac = writer.audio.codec === 'aac';
  let failure = null;
  const encoder = new AudioEncoder({
    output: (chunk, meta) => {
      const d = meta?.decoderConfig?.description;
      if (d && !writer.audio.codecPrivate) {
        // Opus: its OpusHead (with the samples to skip); AAC: its AudioSpecificConfig.
        const head = descriptionBytes(d);
        writer.audio.codecPrivate = head;
        if (!aac && head.length >= 12) writer.audio.preSkip = head[10] | (head[11] << 8);
      }
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      try { writer.addAudio(data, chunk.timestamp, chunk.duration || 0); } catch (e) { failure = e; }
    },
    error: (e) => { failure = e; },
  });
  encoder.configure(soundConfig(writer.audio.codec, channels));
  const total = Math.min(buffer.length, Math.round(seconds * SOUND_RATE));
  const step = SOUND_RATE / 2;
  try {
    for (let at = 0; at < total && !failure; at += step) {
      const n = Math.min(step, total - at);
      const data = new Float32Array(n * channels);
      for (let c = 0; c < channels; c++) data.set(buffer.getChannelData(c).subarray(at, at + n), c * n);
      encoder.encode(new AudioData({format: 'f32-planar', sampleRate: SOUND_RATE, numberOfFrames: n,
        numberOfChannels: channels, timestamp: Math.round(at * 1e6 / SOUND_RATE), data}));
      while (encoder.encodeQueueSize > 8) await once(encoder, 'dequeue', 'error', 60000);
    }
    await encoder.flush();
  } finally {
    if (encoder.state !== 'closed') encoder.close();
  }
  if (failure) throw failure;
  if (!writer.audio.codecPrivate && !aac) {
    // The encoder gave no header: the one RFC 7845 describes (no pre-skip known).
    const head = new Uint8Array(19);
    head.set(new TextEncoder().encode('OpusHead'));
    head[8] = 1;
    head[9] = channels;
    new DataView(head.buffer).setUint32(12, SOUND_RATE, true);
    writer.audio.codecPrivate = head;
  }
}

// Colorizes the film. colorizeFrame(frame: VideoFrame | ImageBitmap, which it takes; index) -> the
// worker's answer {rgba, width, height (or after: an ImageBitmap), newShot, memory (with a
// store: what it keeps to go on from this frame, {rgba, width, height, held}), ...};
// onFrame({index, total, shots, result, frame}) after each frame (frame: the colorized
// VideoFrame, valid during the call); shouldStop() is asked before each frame: when it says yes
// the frames so far are written out (with their part of the sound), as they are when a frame
// fails after the first (`error` says why). sound: readSound's answer (or null: none).
// The encoded frames go out in segments of keyEvery frames (default two seconds; a new shot
// also starts one), each starting at a key frame: to `store` (filmstore.js: on disk, and taken up
// again from `kept` after a stop) where there is one, else kept in memory.
// container: 'webm' (VP8 or VP9 picture) or 'mp4' (H.264 picture; filmContainers() says which
// this browser writes); the sound is Opus in a WebM, AAC (where this browser encodes it) or Opus
// in an MP4.
// Returns {blob, frames, total, fps, width, height, shots, stopped, codec, container, sound (bool),
// soundCodec ('aac', 'opus' or null), soundWhy (why there is no sound, when `sound` had some),
// error, from (the first frame made this time), stored (true: on the device's disk; false: no
// store; or why writing to it stopped part-way)}.
export async function colorizeFilm(v, {fps, colorizeFrame, onFrame, shouldStop = () => false, maxPixels,
  sound = null, store = null, kept = null, keyEvery = 0, container = 'webm'}) {
  if (typeof VideoEncoder === 'undefined' || typeof VideoFrame === 'undefined') {
    throw filmError('unsupported', 'This browser cannot write video (it has no WebCodecs); films need a recent Chrome, Edge or Safari.');
  }
  const {width, height} = filmSize(v.width, v.height, maxPixels);
  const total = Math.max(1, Math.floor(v.duration * fps + 1e-6));
  const bitrate = Math.round(Math.min(12e6, Math.max(1e6, width * height * fps * 0.12)));
  const every = Math.max(1, Math.round(keyEvery || 2 * fps));
  if (!VIDEO_CODECS[container]) throw filmError('invalid argument', `A film is written as webm or mp4, not ${container}.`);
  const mp4 = container === 'mp4';
  const config = encoderConfig(container, width, height, bitrate, fps);
  const codec = await pickCodec(container, config);
  if (!codec) {
    throw filmError('unsupported', `This browser cannot encode ${mp4 ? 'H.264 (MP4)' : 'VP8 or VP9 (WebM)'} video at ${width} x ${height}.`);
  }
  // The sound's encoding: the first of the container's that this browser encodes for this sound.
  let soundCodec = null;
  const channels = Math.min(2, sound?.buffer?.numberOfChannels || 0);
  for (const c of sound?.buffer ? SOUND_FOR[container] : []) {
    if (await soundSupported(soundConfig(c, channels))) { soundCodec = c; break; }
  }
  let soundWhy = sound?.buffer && !soundCodec ? `this browser cannot encode this sound for a ${container.toUpperCase()}` : null;
  const buffer = soundCodec ? sound.buffer : null;
  const Writer = mp4 ? Mp4Writer : WebmWriter;
  const writer = new Writer({codec, width, height, fps,
    audio: buffer ? {codec: soundCodec, sampleRate: SOUND_RATE, channels} : null});
  // H.264's decoder configuration (avcC) comes with the encoder's first frame; a film taken up
  // again keeps the one its first frames were made with, and goes on only if the encoder's
  // configuration is the same again.
  let avcc = mp4 && kept ? kept.codec : null;
  if (mp4 && kept && !avcc) throw filmError('corrupt', 'The film kept on this device lacks its H.264 configuration.');
  if (avcc) writer.video.codecPrivate = avcc;
  let avccKept = !!avcc;
  let frames = 0, shots = 0;
  if (kept) {
    for (const seg of kept.segments) {
      for (const r of await FilmStore.records(seg.file)) writer.add(r.data, r.timestampUs, r.key);
    }
    if (writer.frames !== kept.frames) throw filmError('corrupt', `The film kept on this device has ${writer.frames} frames, not ${kept.frames}.`);
    frames = kept.frames;
    shots = kept.shots;
  }
  const from = frames;
  let failure = null;
  let pending = [];  // encoded frames of the segment being made: {data, timestampUs, key}
  const encoder = new VideoEncoder({
    output: (chunk, meta) => {
      const d = mp4 ? meta?.decoderConfig?.description : null;
      if (d) {
        const bytes = descriptionBytes(d);
        if (!avcc) {
          avcc = bytes;
          writer.video.codecPrivate = bytes;
        } else if (bytes.length !== avcc.length || bytes.some((b, i) => b !== avcc[i])) {
          failure = filmError('corrupt', 'The H.264 encoder changed its configuration part-way; colorize the film again from the start.');
        }
      }
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      pending.push({data, timestampUs: chunk.timestamp, key: chunk.type === 'key'});
    },
    error: (e) => { failure = e; },
  });
  encoder.configure({...config, codec});
  // Ends the segment that began at frame `first`: its frames encoded, written (to the store, with
  // `last`, the frame to carry on from), and given to the writer.
  let first = frames;
  const endSegment = async (last) => {
    await encoder.flush();
    if (failure) throw failure;
    const records = pending;
    pending = [];
    if (!records.length) return;
    if (store && avcc && !avccKept) {
      await store.writeCodec(avcc);
      avccKept = true;
    }
    const done = store ? await store.writeSegment(first, records, last) : records;
    for (const r of done) writer.add(r.data, r.timestampUs, r.key);
    first = last.frames;
  };

  const grab = async (i) => {
    await seekFrame(v, i, fps);
    // The decoded frame itself where it is already the size written (square pixels, not made
    // smaller); else a bitmap drawn at that size.
    if (typeof VideoFrame !== 'undefined') {
      try {
        const f = new VideoFrame(v.video, {timestamp: Math.round(i * 1e6 / fps)});
        if (f.displayWidth === width && f.displayHeight === height &&
            f.visibleRect.width === width && f.visibleRect.height === height) return f;
        f.close();
      } catch { /* not this browser */ }
    }
    return createImageBitmap(v.video, {resizeWidth: width, resizeHeight: height, resizeQuality: 'high'});
  };
  let stopped = false, frameError = null, previous = null;  // previous: what goes on from the last frame made (the store's)
  try {
    let next = frames < total ? grab(frames) : null;
    for (let i = frames; i < total; i++) {
      let picture;
      try {
        picture = await next;
      } catch (e) {
        // A frame the browser cannot seek to or read ends the film there, as a failed frame does.
        if (!frames) throw e;
        frameError = e;
        stopped = true;
        next = null;
        break;
      }
      if (shouldStop()) { picture.close(); stopped = true; break; }
      // The next frame is sought while the worker colorizes this one.
      next = i + 1 < total ? grab(i + 1) : null;
      next?.catch(() => {});
      let r;
      try {
        r = await colorizeFrame(picture, i);
      } catch (e) {
        // A frame that fails (the engine out of memory, say) ends the film there: the frames
        // before it are still written out.
        next?.then((b) => b.close(), () => {});
        next = null;
        if (!frames) throw e;
        frameError = e;
        stopped = true;
        break;
      }
      if (failure) throw failure;
      // A key frame, and a new segment, at each new shot and every `every` frames.
      const key = i === first || r.newShot || i - first >= every;
      if (key && i > first) await endSegment({...previous, frames: i, shots});
      const when = {timestamp: Math.round(i * 1e6 / fps), duration: Math.round(1e6 / fps)};
      const frame = r.rgba ? new VideoFrame(r.rgba, {format: 'RGBA', codedWidth: r.width, codedHeight: r.height, ...when})
        : new VideoFrame(r.after, when);
      r.after?.close();
      encoder.encode(frame, {keyFrame: key});
      frames = i + 1;
      if (r.newShot) shots++;
      if (r.memory) previous = r.memory;
      try {
        onFrame?.({index: i, total, shots, result: r, frame});
      } finally {
        frame.close();
      }
      while (encoder.encodeQueueSize > 4) await once(encoder, 'dequeue', 'error', 60000);
    }
    await next?.then((b) => b.close(), () => {});
    if (frames > first) await endSegment({...previous, frames, shots});
  } finally {
    if (encoder.state !== 'closed') encoder.close();
  }
  const stored = store ? store.broken || true : false;
  if (!frames) {
    return {blob: null, frames, total, fps, width, height, shots, stopped, codec, container, sound: false, soundCodec: null,
      soundWhy, from, stored};
  }
  let sounded = !!buffer;
  if (buffer) {
    // A sound that fails to encode costs the sound, not the film.
    try {
      await writeSound(buffer, frames / fps, writer);
    } catch (e) {
      writer.dropSound();
      sounded = false;
      soundCodec = null;
      soundWhy = `its sound could not be encoded: ${e?.message || e}`;
    }
  }
  return {blob: new Blob(writer.parts(), {type: mp4 ? 'video/mp4' : 'video/webm'}), frames, total, fps, width, height,
    shots, stopped, codec, container, sound: sounded, soundCodec, soundWhy, durationMs: writer.durationMs,
    error: frameError, from, stored};
}

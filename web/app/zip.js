// A minimal ZIP writer (stored entries, no compression: PNG and JPEG are compressed already).
// Format: PKWARE APPNOTE 6.3 — local headers, data, central directory, end record.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// One file for a ZIP: its checksum and size now, its bytes moved into a Blob (which the
// browser may keep on disk), so a ZIP of many large results need not fit in the JS heap.
export function zipEntry(name, bytes) {
  return {name, crc: crc32(bytes), size: bytes.length, data: new Blob([bytes])};
}

// The most one ZIP here holds: no ZIP64, so offsets and sizes stay below 4 GiB and entries
// below 65,535; 2 GiB keeps a margin for headers and for what browsers save at once.
export const ZIP_MAX_BYTES = 2 ** 31;
export const ZIP_MAX_ENTRIES = 65000;

// Splits entries ({name, size}) into runs that each fit one ZIP (headers counted); an entry
// larger than the limit by itself gets a run of its own (and is refused by makeZip).
export function splitForZip(entries, maxBytes = ZIP_MAX_BYTES, maxEntries = ZIP_MAX_ENTRIES) {
  const runs = [];
  let run = [], bytes = 0;
  for (const e of entries) {
    const cost = e.size + 30 + 46 + 2 * new TextEncoder().encode(e.name).length;
    if (run.length && (bytes + cost + 22 > maxBytes || run.length >= maxEntries)) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(e);
    bytes += cost;
  }
  if (run.length) runs.push(run);
  return runs;
}

// files: [{name, bytes: Uint8Array}] or zipEntry()s -> Blob (application/zip). Names are
// UTF-8. Throws when the ZIP would pass the 4 GiB of a ZIP without ZIP64.
export function makeZip(files) {
  const enc = new TextEncoder();
  const parts = [];
  const central = [];
  let offset = 0;
  for (const entry of files) {
    const f = entry.data ? entry : {name: entry.name, crc: crc32(entry.bytes), size: entry.bytes.length, data: entry.bytes};
    const name = enc.encode(f.name);
    const crc = f.crc;
    if (offset + 30 + name.length + f.size >= 2 ** 32) throw new Error('too much for one ZIP (4 GiB)');
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);       // version needed
    local.setUint16(6, 0x0800, true);   // UTF-8 names
    local.setUint16(8, 0, true);        // stored
    local.setUint16(10, 0, true);       // time
    local.setUint16(12, 0x21, true);    // date 1980-01-01
    local.setUint32(14, crc, true);
    local.setUint32(18, f.size, true);
    local.setUint32(22, f.size, true);
    local.setUint16(26, name.length, true);
    local.setUint16(28, 0, true);
    parts.push(local, name, f.data);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(4, 20, true);
    cd.setUint16(6, 20, true);
    cd.setUint16(8, 0x0800, true);
    cd.setUint16(10, 0, true);
    cd.setUint16(12, 0, true);
    cd.setUint16(14, 0x21, true);
    cd.setUint32(16, crc, true);
    cd.setUint32(20, f.size, true);
    cd.setUint32(24, f.size, true);
    cd.setUint16(28, name.length, true);
    cd.setUint32(42, offset, true);
    central.push(cd, name);
    offset += 30 + name.length + f.size;
  }
  const cdSize = central.reduce((n, p) => n + p.byteLength, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, files.length, true);
  end.setUint16(10, files.length, true);
  end.setUint32(12, cdSize, true);
  end.setUint32(16, offset, true);
  return new Blob([...parts, ...central, end], {type: 'application/zip'});
}

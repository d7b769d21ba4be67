// What was dropped on the page, as files: folders are walked (sub-folders too), so a whole
// box of scans can be dropped at once. No DOM here, only the File and Directory Entries API
// objects it is given, so node tests can hand it stand-ins.

// Names the app takes from a dropped folder: what the core decodes, and what browsers often
// decode themselves. Other files in a folder (sidecars, notes) are left out and counted.
const IMAGE_NAME = /\.(png|jpe?g|jpe|tiff?|bmp|gif|tga|webp|avif|heic|heif)$/i;

export function isImageName(name) { return IMAGE_NAME.test(name); }

// All entries of a directory: readEntries gives them in batches until an empty one.
function readAll(dirEntry) {
  const reader = dirEntry.createReader();
  const out = [];
  return new Promise((resolve, reject) => {
    const next = () => reader.readEntries((batch) => {
      if (!batch.length) { resolve(out); return; }
      out.push(...batch);
      next();
    }, reject);
    next();
  });
}

function fileOf(fileEntry) {
  return new Promise((resolve, reject) => fileEntry.file(resolve, reject));
}

// entries: FileSystemEntry-like objects ({isFile, isDirectory, name, fullPath, file(),
// createReader()}), or null for dropped items that are not files.
// Returns {files: [{file, path}], leftOut: [path]}: in the order dropped, each folder's
// contents sorted by name; path is relative to the dropped folder's parent (e.g.
// "box 1/scan-003.tif"). Hidden files and folders are skipped; a file dropped by itself is
// always taken (the decoder decides), one inside a folder only with an image name.
export async function filesFromEntries(entries) {
  const files = [], leftOut = [];
  const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const walk = async (entry, inFolder) => {
    if (!entry || entry.name.startsWith('.')) return;
    const path = (entry.fullPath || entry.name).replace(/^\/+/, '');
    if (entry.isDirectory) {
      for (const child of (await readAll(entry)).sort(byName)) await walk(child, true);
    } else if (entry.isFile) {
      if (inFolder && !isImageName(entry.name)) { leftOut.push(path); return; }
      files.push({file: await fileOf(entry), path});
    }
  };
  for (const e of entries) await walk(e, false);
  return {files, leftOut};
}

// The files of an <input webkitdirectory> (each with webkitRelativePath "box 1/sub/x.tif"):
// the same choice as for a dropped folder, sorted by path.
export function filesFromFolderInput(fileList) {
  const files = [], leftOut = [];
  const all = [...fileList].map((file) => ({file, path: file.webkitRelativePath || file.name}))
    .filter(({path}) => !path.split('/').some((part) => part.startsWith('.')))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of all) {
    if (isImageName(f.file.name)) files.push(f);
    else leftOut.push(f.path);
  }
  return {files, leftOut};
}

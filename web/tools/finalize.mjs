// Stamps the service worker of a built site: its cache version (a hash of every shell file, so
// any change makes a new cache and the old one is deleted) and the list of files to precache.
// usage: node web/tools/finalize.mjs <dist folder>
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const dist = process.argv[2];
const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(path.join(dist, dir), {withFileTypes: true})) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) walk(rel); else files.push(rel);
  }
})('');
// Precached at install: everything but the models (own cache, see worker.js) and the WebGPU
// build of ORT (27 MB, cached on first use); the CPU build is precached so that the first visit
// is enough to work offline.
const shell = files.filter((f) => f !== 'sw.js' && (!f.startsWith('models/') || f === 'models/models.json') &&
  !f.includes('.asyncify.') && !f.endsWith('.map')).sort();
const hash = crypto.createHash('sha256');
for (const f of files.filter((x) => x !== 'sw.js').sort()) {
  hash.update(f);
  hash.update(fs.readFileSync(path.join(dist, f)));
}
const version = hash.digest('hex').slice(0, 16);
const swPath = path.join(dist, 'sw.js');
const sw = fs.readFileSync(swPath, 'utf8')
  .replace("'__VERSION__'", JSON.stringify(version))
  .replace('__SHELL_FILES__', JSON.stringify(['./', ...shell]));
fs.writeFileSync(swPath, sw);
fs.writeFileSync(path.join(dist, 'version.txt'), `${version}\n`);
console.log(`finalize: version ${version}, ${shell.length} shell files`);

// Copies the web model variants into the served folder and writes <dist>/models/models.json,
// the list the app reads:
//   {default: id, models: [{id, name, description, hints, workingSize,
//                           variants: [{precision, url, sha256, bytes}]}]}
// Source: models/manifest.json (written by the training work) when present, else the tiny test
// models in tests/data/models/*.onnx (or the folder WEB_MODELS_FALLBACK names). Every copied file's sha256 is computed here and must
// equal the manifest's, so a stale manifest fails the build instead of the app.
//
// usage: node web/tools/stage_models.mjs <repo root> <dist folder>
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const [root, dist] = process.argv.slice(2);
const outDir = path.join(dist, 'models');
fs.mkdirSync(outDir, {recursive: true});

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const hasHints = (file) => fs.readFileSync(file).includes(Buffer.from('hint_mask'));

function stage(src, expectSha) {
  const digest = sha256(src);
  if (expectSha && expectSha !== digest) {
    throw new Error(`${src}: sha256 ${digest} does not match the manifest's ${expectSha}`);
  }
  const name = `${path.basename(src, '.onnx')}.${digest.slice(0, 12)}.onnx`;
  fs.copyFileSync(src, path.join(outDir, name));
  return {url: `models/${name}`, sha256: digest, bytes: fs.statSync(src).size};
}

const models = [];
let def = null;
const manifestPath = path.join(root, 'models', 'manifest.json');
// Precision as the app uses it: the first token ("fp16 weights (weight-only), fp32 compute"
// -> fp16); a file of one model family is a variant of it (colorizer-fp32, colorizer-int8 ...).
const precisionOf = (p) => (/^(fp32|fp16|int8)/i.exec(String(p || 'fp32')) || ['fp32'])[0].toLowerCase();
const familyOf = (id) => id.replace(/[-_.](web[-_.])?(fp32|fp16|int8|q)$/i, '');
if (fs.existsSync(manifestPath)) {
  const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const entries = Array.isArray(m) ? m : (m.models || []);
  const byId = new Map();
  for (const e of entries) {
    const files = e.variants || [e];
    for (const f of files) {
      const rel = f.file || f.path;
      if (!rel || !rel.endsWith('.onnx')) continue;
      const file = [path.join(root, 'models', rel), path.join(root, rel)].find((x) => fs.existsSync(x));
      if (!file) { console.warn(`stage_models: ${rel} listed but missing; skipped`); continue; }
      const id = e.family || familyOf(e.id || path.basename(rel, '.onnx'));
      if (!byId.has(id)) {
        byId.set(id, {
          id, name: e.title || e.display_name || id, description: e.description || '',
          hints: Boolean(e.hints ?? f.hints ?? hasHints(file)),
          workingSize: e.working_size || m.working_size || 256, variants: [],
        });
      }
      byId.get(id).variants.push({precision: precisionOf(f.precision || e.precision), ...stage(file, f.sha256)});
    }
  }
  models.push(...byId.values());
  const d = m.default ? familyOf(m.default) : null;
  def = models.find((x) => x.id === d)?.id || models[0]?.id;
}
// The tiny test models are always staged too, listed in models-test.json (the page reads it with
// ?models=test): the end-to-end tests of slow providers (software WebGPU) use them.
const testModels = [];
{
  const dir = process.env.WEB_MODELS_FALLBACK || path.join(root, 'tests', 'data', 'models');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort() : [];
  // <id>.onnx is the fp32 model; <id>_q / _int8 / _fp16 .onnx are variants of the same model.
  const variantOf = (f) => {
    const m = /^(.*?)(?:[_.-](q|int8|fp16))?\.onnx$/.exec(f);
    return {id: m[1], precision: m[2] === 'fp16' ? 'fp16' : m[2] ? 'int8' : 'fp32'};
  };
  const byId = new Map();
  for (const f of files) {
    const file = path.join(dir, f);
    const {id, precision} = variantOf(f);
    if (!byId.has(id)) {
      byId.set(id, {id, name: `${id} (test model)`,
        description: 'A tiny untrained model for tests: it shows the pipeline works, not good colour.',
        hints: hasHints(file), workingSize: 256, variants: []});
    }
    byId.get(id).variants.push({precision, ...stage(file)});
  }
  testModels.push(...byId.values());
}
const testDefault = testModels.find((m) => m.hints)?.id || testModels[0]?.id || null;
fs.writeFileSync(path.join(outDir, 'models-test.json'), JSON.stringify({default: testDefault, models: testModels}, null, 2));
if (!models.length) {
  models.push(...testModels);
  def = testDefault;
}
fs.writeFileSync(path.join(outDir, 'models.json'), JSON.stringify({default: def, models}, null, 2));
console.log(`stage_models: ${models.length} model(s)${def ? `, default ${def}` : ''}; ${testModels.length} test model(s)`);

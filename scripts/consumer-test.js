#!/usr/bin/env node
'use strict';
// Consumer test (`npm run test:consumer`; .ci/run calls it): install the packed tarball into a fresh
// project in a temporary folder, the way a user would, then
//   (a) a CommonJS script and (b) an ES module (namespace, named and default imports) each train a
//       tiny network (Linear → ReLU → Linear on XOR data, Adam) and assert the loss fell,
//   (c) strict TypeScript files (CommonJS .ts and ESM .mts) using tensors, nn, optim and the Trainer
//       type-check with `tsc --noEmit --strict` against the shipped declarations (no skipLibCheck),
//       including `@ts-expect-error` lines that prove the types are precise rather than `any`.
// By default the tarball is a release: it must hold a prebuilt binary newer than the native sources
// (`npm run prebuildify` first), and the install must use it. `--from-source` packs without one
// and forces the source build (NATIVEGRAD_BUILD_FROM_SOURCE=1). `--keep` leaves the temporary folder for inspection.
// Packs what is in dist/ now (`npm test` or `npm run build:ts` builds it) without re-running tsc.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const args = new Set(process.argv.slice(2));
const fromSource = args.has('--from-source');
const keep = args.has('--keep');
const t0 = Date.now();
let failures = 0;

const secs = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
function pass(what) {
  console.log(`PASS ${what}`);
}
function fail(what, detail) {
  failures++;
  console.log(`FAIL ${what}`);
  if (detail) console.log(detail.trimEnd().replace(/^/gm, '     '));
}

// The child processes must see a plain environment: not the npm variables of a surrounding
// `npm run` (npm_config_local_prefix would point npm back at this repository), and not a
// NATIVEGRAD_BINARY / NATIVEGRAD_PREBUILDS_ONLY that would bypass the installed package's own loader.
const env = {};
for (const [k, v] of Object.entries(process.env)) {
  if (/^(npm_package_|npm_lifecycle_)/.test(k)) continue;
  if (
    [
      'npm_config_local_prefix',
      'npm_config_call',
      'npm_command',
      'INIT_CWD',
      'NATIVEGRAD_BINARY',
      'NATIVEGRAD_PREBUILDS_ONLY',
      'NATIVEGRAD_BUILD_FROM_SOURCE',
    ].includes(k)
  )
    continue;
  env[k] = v;
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, env, ...opts });
  const output = `${r.stdout || ''}${r.stderr || ''}${r.error ? String(r.error) : ''}`;
  return { ok: r.status === 0, output, stdout: r.stdout || '' };
}

// ---- the files the consumer project holds -----------------------------------------------------

// XOR in the plane: 64 points, class 1 where x·y > 0. Not linearly separable, so the hidden layer
// has to work. A fixed LCG makes the data identical in every run.
const trainBody = (ng) => `
const n = 64;
const xs = new Float32Array(2 * n);
const ys = new Int32Array(n);
let s = 12345;
const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296) * 2 - 1;
for (let i = 0; i < n; i++) {
  xs[2 * i] = u();
  xs[2 * i + 1] = u();
  ys[i] = xs[2 * i] * xs[2 * i + 1] > 0 ? 1 : 0;
}
${ng}.manualSeed(0);
const x = ${ng}.tensor(xs, [n, 2]);
const model = new ${ng}.nn.Sequential(new ${ng}.nn.Linear(2, 16), new ${ng}.nn.ReLU(), new ${ng}.nn.Linear(16, 2));
const optimizer = new ${ng}.optim.Adam(model.parameters(), { lr: 0.05 });
const lossFn = new ${ng}.nn.CrossEntropyLoss();
const losses = [];
for (let step = 0; step < 200; step++) {
  optimizer.zeroGrad();
  const loss = lossFn.forward(model.forward(x), ys);
  loss.backward();
  optimizer.step();
  losses.push(loss.item());
}
const logits = model.eval().forward(x).data;
let correct = 0;
for (let i = 0; i < n; i++) correct += (logits[2 * i + 1] > logits[2 * i] ? 1 : 0) === ys[i] ? 1 : 0;
const first = losses[0];
const last = losses[losses.length - 1];
const binaries = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
console.log(\`loss \${first.toFixed(4)} -> \${last.toFixed(4)} in 200 Adam steps, accuracy \${correct}/\${n}; binary \${binaries.join(', ')}\`);
if (!(last < 0.5 * first)) throw new Error(\`the loss did not fall by half: \${first} -> \${last}\`);
if (correct < 0.9 * n) throw new Error(\`accuracy \${correct}/\${n} after training XOR\`);
if (binaries.length !== 1 || !binaries[0].startsWith(require('path').join(__dirname, 'node_modules', 'nativegrad') + require('path').sep))
  throw new Error('the addon did not load from node_modules/nativegrad: ' + binaries.join(', '));
`;

const cjsScript = `'use strict';
const ng = require('nativegrad');
if (!require.resolve('nativegrad').startsWith(__dirname)) throw new Error('nativegrad resolved outside the project: ' + require.resolve('nativegrad'));
${trainBody('ng')}`;

// Named imports train; the namespace and default imports must expose the same functions.
const esmScript = `import * as ng from 'nativegrad';
import def, { tensor, nn, optim, manualSeed, Tensor } from 'nativegrad';
import { createRequire } from 'module';
import { fileURLToPath } from 'url';
import path from 'path';
const require = createRequire(import.meta.url);
const __dirname = path.dirname(fileURLToPath(import.meta.url));
for (const [name, named] of Object.entries({ tensor, nn, optim, manualSeed, Tensor }))
  if (ng[name] !== named || def[name] !== named) throw new Error('ESM import mismatch for ' + name);
const api = { tensor, nn, optim, manualSeed };
${trainBody('api')}`;

const tsCommon = `
const x: Tensor = ng.randn([8, 2]);
const shape: readonly number[] = x.shape;
const values: Float32Array = x.data;
const model: nn.Module = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Linear(4, 2));
const params: Tensor[] = model.parameters();
const optimizer = new optim.Adam(params, { lr: 1e-2, betas: [0.9, 0.999] });
const lr: number = optimizer.lr;
const scheduler = new optim.StepLR(optimizer, { stepSize: 10, gamma: 0.5 });
const lossFn = new nn.CrossEntropyLoss();
const y = new Int32Array(8);
const loss: Tensor = ng.noGrad(() => lossFn.forward(model.forward(x), y));
const grad: Tensor | null = params[0].grad;
const sd: Record<string, Tensor> = model.stateDict();
const named: [string, Tensor][] = model.namedParameters();
const check = ng.gradcheck((w: Tensor) => w.mul(w).sum(), [ng.randn([3], { requiresGrad: true })]);
const ok: boolean = check.ok;
const maxError: number = check.maxError;
const trainer = new ng.Trainer({ model, loss: lossFn, optimizer, scheduler, metrics: ['accuracy'] });
async function fit(): Promise<number> {
  const history = await trainer.fit([{ x, y }], { epochs: 1, progress: false });
  const log = history.epochs[history.epochs.length - 1];
  const accuracy: number | undefined = log.accuracy;
  const evaluated = await trainer.evaluate([{ x, y }]);
  const prediction: Tensor = trainer.predict(x);
  return log.loss + evaluated.loss + (accuracy ?? 0) + prediction.size;
}
export const used = [shape, values, lr, loss, grad, sd, named, ok, maxError, fit];

// The declarations are precise, not \`any\`: each line below must be a type error.
// @ts-expect-error shape is readonly number[]
export const wrongShape: string = x.shape;
// @ts-expect-error Linear takes numbers
new nn.Linear('2', 4);
// @ts-expect-error lr is a number
new optim.Adam(params, { lr: '0.1' });
// @ts-expect-error the Trainer needs an optimizer
new ng.Trainer({ model, loss: lossFn });
// @ts-expect-error no such export
ng.notAnExport();
`;
const tsCjs = `import * as ng from 'nativegrad';\nimport { Tensor, nn, optim } from 'nativegrad';\n${tsCommon}`;
const tsEsm = `import * as ng from 'nativegrad';\nimport { Tensor, nn, optim } from 'nativegrad';\n${tsCommon}`;

// ---- the test ---------------------------------------------------------------------------------

function main() {
  for (const f of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/index.mjs'])
    if (!fs.existsSync(path.join(root, f))) {
      fail(`${f} exists`, 'Build the package first: npm run build:ts (npm test does it).');
      return;
    }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nativegrad-consumer-'));
  try {
    // 1. pack (what `npm publish` would upload); as a release, the tarball must hold a current
    // prebuild (the prepack check, which --ignore-scripts below skips, is run here instead)
    let t = Date.now();
    if (!fromSource) {
      const why = require('./prepack').problem();
      if (why) return fail('the release tarball holds a current prebuilt binary', `${why}: run npm run prebuildify first (or use --from-source)`);
    }
    const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: root });
    if (!packed.ok) return fail('npm pack', packed.output);
    const info = JSON.parse(packed.stdout)[0];
    const tarball = path.join(tmp, info.filename);
    const withPrebuild = info.files.some((f) => /^prebuilds\/.*\.node$/.test(f.path));
    pass(
      `npm pack: ${info.filename}, ${info.entryCount} files, ${(info.size / 2 ** 20).toFixed(2)} MiB` +
        `${withPrebuild ? ' (with prebuilds/)' : ' (no prebuilds/)'} (${secs(t)})`,
    );
    if (!fromSource && !withPrebuild) return fail('the tarball holds prebuilds/', info.files.map((f) => f.path).join('\n'));

    // 2. a fresh project installs it (dependencies from the registry)
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }, null, 2));
    t = Date.now();
    const installEnv = fromSource ? { ...env, NATIVEGRAD_BUILD_FROM_SOURCE: '1' } : env;
    const inst = run('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', tarball], { cwd: app, env: installEnv });
    if (!inst.ok) return fail('npm install <tarball>', inst.output);
    const pkgDir = path.join(app, 'node_modules', 'nativegrad');
    const usedPrebuild = /nativegrad: using the prebuilt binary/.test(inst.output);
    const built = fs.existsSync(path.join(pkgDir, 'build', 'Release', 'nativegrad.node'));
    const expectPrebuild = withPrebuild && !fromSource;
    if (expectPrebuild && (!usedPrebuild || fs.existsSync(path.join(pkgDir, 'build'))))
      return fail('npm install used the prebuilt binary and compiled nothing', inst.output);
    if (!expectPrebuild && !built) return fail('npm install built the addon from source', inst.output);
    pass(`npm install <tarball>: ${expectPrebuild ? 'prebuilt binary, nothing compiled' : 'built from source with cmake-js'} (${secs(t)})`);

    // 3. the scripts and the type check
    fs.writeFileSync(path.join(app, 'train.cjs'), cjsScript);
    fs.writeFileSync(path.join(app, 'train.mjs'), esmScript);
    fs.writeFileSync(path.join(app, 'check.ts'), tsCjs);
    fs.writeFileSync(path.join(app, 'check.mts'), tsEsm);
    // @types/node comes from this repository (a consumer has its own); nothing else is borrowed.
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'ES2022',
            lib: ['ES2022'],
            module: 'node16',
            moduleResolution: 'node16',
            types: ['node'],
            typeRoots: [path.join(root, 'node_modules', '@types')],
          },
          files: ['check.ts', 'check.mts'],
        },
        null,
        2,
      ),
    );
    for (const [what, file] of [
      ['CommonJS require', 'train.cjs'],
      ['ESM import (namespace, named, default)', 'train.mjs'],
    ]) {
      t = Date.now();
      const r = run(process.execPath, [file], { cwd: app });
      if (r.ok) pass(`${what} trains: ${r.output.trim()} (${secs(t)})`);
      else fail(`${what} trains`, r.output);
    }
    t = Date.now();
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit', '--strict'], { cwd: app });
    if (r.ok) pass(`tsc --noEmit --strict: check.ts (CommonJS) and check.mts (ESM) type-check against the shipped .d.ts (${secs(t)})`);
    else fail('tsc --noEmit --strict on check.ts and check.mts', r.output);
  } finally {
    if (keep) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  fail('consumer test', e.stack || String(e));
}
console.log(`${failures === 0 ? 'PASS' : 'FAIL'} consumer test (${secs(t0)})`);
process.exit(failures === 0 ? 0 : 1);

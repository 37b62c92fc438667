#!/usr/bin/env node
'use strict';
// Prebuild check (`npm run test:prebuild`; .ci/run calls it after `npm run prebuildify`):
//   1. prebuilds/<platform>-<arch>/*.node exists (it does not build it: run `npm run prebuildify`),
//      is stripped, and needs nothing beyond glibc ≥ 2.34 / libstdc++ / libgcc: `ldd` lists no
//      OpenBLAS, LAPACK, BLAS, gfortran or quadmath library and only allowed system libraries;
//      the highest GLIBC_ symbol version it needs is ≤ 2.34 (what the README promises).
//   2. the package loads from the prebuild and passes a smoke test (exact and random matmuls
//      against JS references, a training run whose loss must fall, LAPACK when exported), in a
//      child process — once with NATIVEGRAD_PREBUILDS_ONLY=1, and once with build/ really moved
//      away (restored in a finally, under the lock scripts/build-native.sh takes, so no parallel
//      build sees the folder missing). The child reports which .node file it loaded.
// Prints PASS/FAIL lines; exits non-zero on any failure.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const platformDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const LOCK = '/tmp/nativegrad-build.lock'; // the lock scripts/build-native.sh holds while building
const MAX_GLIBC = [2, 34];
const FORBIDDEN_LIBS = /lib(open)?blas|liblapack|libgfortran|libquadmath|libcblas/;
const ALLOWED_LIBS = /^(linux-vdso\.so|ld-linux[-\w]*\.so|libc\.so|libm\.so|libstdc\+\+\.so|libgcc_s\.so|libpthread\.so|libdl\.so|librt\.so)/;

// ---- the smoke test, run in a child process (`--smoke`) ---------------------------------------
function smoke() {
  const assert = require('assert');
  const ng = require(path.join(root, 'dist', 'lib', 'index.js'));
  const loaded = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
  assert.strictEqual(loaded.length, 1, `one addon loaded, got ${loaded.join(', ')}`);
  assert.ok(loaded[0].startsWith(platformDir + path.sep), `the addon came from prebuilds/, not ${loaded[0]}`);
  const notes = [`loaded ${path.relative(root, loaded[0])}`];

  // exact small product
  const c = ng.matmul(ng.tensor([1, 2, 3, 4], [2, 2]), ng.tensor([5, 6, 7, 8], [2, 2]));
  assert.deepStrictEqual(Array.from(c.data), [19, 22, 43, 50], 'matmul [[1,2],[3,4]]·[[5,6],[7,8]]');

  // odd sizes (OpenBLAS edge kernels) against a double-precision triple loop
  const [M, K, N] = [37, 53, 29];
  let s = 7;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296) * 2 - 1;
  const a = Float32Array.from({ length: M * K }, u);
  const b = Float32Array.from({ length: K * N }, u);
  const out = ng.matmul(ng.tensor(a, [M, K]), ng.tensor(b, [K, N])).data;
  let maxErr = 0;
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let ref = 0;
      for (let k = 0; k < K; k++) ref += a[i * K + k] * b[k * N + j];
      maxErr = Math.max(maxErr, Math.abs(out[i * N + j] - ref));
    }
  assert.ok(maxErr < 1e-4, `matmul ${M}x${K}·${K}x${N}: max error ${maxErr}`);
  notes.push(`matmul ${M}x${K}x${N} max error ${maxErr.toExponential(1)}`);

  // training: a tiny regression network, the loss must fall by 10x
  ng.manualSeed(3);
  const x = ng.randn([32, 4]);
  const y = ng.tensor(
    Array.from({ length: 32 }, (_, i) => Math.sin(3 * x.data[4 * i])),
    [32, 1],
  ); // y = sin(3·x₀)
  const model = new ng.nn.Sequential(new ng.nn.Linear(4, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 1));
  const opt = new ng.optim.Adam(model.parameters(), { lr: 0.02 });
  const mse = new ng.nn.MSELoss();
  let first = NaN;
  let last = NaN;
  for (let step = 0; step < 300; step++) {
    opt.zeroGrad();
    const loss = mse.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    last = loss.item();
    if (step === 0) first = last;
  }
  assert.ok(last < first / 10, `training: loss ${first} -> ${last}`);
  notes.push(`training loss ${first.toFixed(4)} -> ${last.toFixed(4)}`);

  // LAPACK (statically linked with OpenBLAS) when the analysis API is exported
  if (ng.analysis && typeof ng.analysis.eigh === 'function') {
    const { values } = ng.analysis.eigh(ng.tensor([2, 1, 1, 2], [2, 2]));
    const v = Array.from(values.data ?? values);
    assert.ok(Math.abs(v[0] - 1) < 1e-5 && Math.abs(v[1] - 3) < 1e-5, `eigh [[2,1],[1,2]] → [1, 3], got ${v}`);
    notes.push('LAPACK eigh ok');
  } else notes.push('LAPACK not exported yet (ng.analysis.eigh): skipped');
  notes.push(`BLAS: ${ng.blasConfig().trim()}`);
  console.log(notes.join('; '));
}

// ---- the parent -------------------------------------------------------------------------------
let failures = 0;
const pass = (what) => console.log(`PASS ${what}`);
function fail(what, detail) {
  failures++;
  console.log(`FAIL ${what}`);
  if (detail) console.log(String(detail).trimEnd().replace(/^/gm, '     '));
}
function run(cmd, argv, env = process.env) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  return { ok: r.status === 0, missing: r.error?.code === 'ENOENT', output: `${r.stdout || ''}${r.stderr || ''}${r.error ? String(r.error) : ''}` };
}
/** The environment for a smoke child: NATIVEGRAD_BINARY (which bypasses the search) never passes. */
function childEnv(prebuildsOnly) {
  const env = { ...process.env };
  delete env.NATIVEGRAD_BINARY;
  delete env.NATIVEGRAD_PREBUILDS_ONLY;
  if (prebuildsOnly) env.NATIVEGRAD_PREBUILDS_ONLY = '1';
  return env;
}

function checkBinary(file) {
  const rel = path.relative(root, file);
  const size = fs.statSync(file).size;

  const ldd = run('ldd', [file]);
  if (!ldd.ok) return fail(`ldd ${rel}`, ldd.output);
  const libs = ldd.output
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean)
    .map((l) => path.basename(l));
  const bad = libs.filter((l) => FORBIDDEN_LIBS.test(l));
  const unexpected = libs.filter((l) => !ALLOWED_LIBS.test(l));
  if (/not found/.test(ldd.output)) fail(`ldd ${rel}: every library resolves`, ldd.output);
  if (bad.length) fail(`ldd ${rel}: no OpenBLAS / LAPACK / gfortran dependency`, ldd.output);
  else if (unexpected.length) fail(`ldd ${rel}: only glibc, libstdc++ and libgcc (unexpected: ${unexpected.join(', ')})`, ldd.output);
  else pass(`ldd ${rel}: ${libs.join(' ')} (no OpenBLAS, LAPACK or gfortran)`);

  const syms = run('objdump', ['-T', file]);
  if (syms.missing) console.log('SKIP GLIBC version check: objdump not installed (binutils)');
  else if (!syms.ok) fail(`objdump -T ${rel}`, syms.output);
  else {
    const need = (re) => [...syms.output.matchAll(re)].map((m) => m[1].split('.').map(Number)).reduce((x, y) => (cmp(x, y) >= 0 ? x : y), [0]);
    const glibc = need(/GLIBC_([\d.]+)/g);
    const glibcxx = need(/GLIBCXX_([\d.]+)/g);
    const what = `${rel} needs GLIBC_${glibc.join('.')} and GLIBCXX_${glibcxx.join('.')}`;
    if (cmp(glibc, MAX_GLIBC) <= 0) pass(`${what} (≤ glibc ${MAX_GLIBC.join('.')}, as the README states)`);
    else fail(`${what}: more than the glibc ${MAX_GLIBC.join('.')} the README promises`);
  }

  const sections = run('readelf', ['-S', '-W', file]);
  if (sections.missing) console.log('SKIP strip check: readelf not installed (binutils)');
  else if (/\.symtab\b/.test(sections.output)) fail(`${rel} is stripped (it still has a .symtab)`);
  else pass(`${rel} is stripped: ${(size / 2 ** 20).toFixed(1)} MiB`);
}

function cmp(x, y) {
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
  return 0;
}

function warnIfStale(file) {
  const sources = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (/\.(cc|h|c)$/.test(e.name)) sources.push(path.join(d, e.name));
  };
  walk(path.join(root, 'native'));
  sources.push(path.join(root, 'CMakeLists.txt'));
  const newer = sources.filter((f) => fs.statSync(f).mtimeMs > fs.statSync(file).mtimeMs).map((f) => path.relative(root, f));
  if (newer.length)
    console.log(`WARN the prebuild is older than ${newer.slice(0, 4).join(', ')}${newer.length > 4 ? ', …' : ''}: run \`npm run prebuildify\` to rebuild it`);
}

function smokeRun(label, env) {
  const t = Date.now();
  const r = run(process.execPath, [__filename, '--smoke'], env);
  if (r.ok) pass(`smoke test ${label}: ${r.output.trim()} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  else fail(`smoke test ${label}`, r.output);
}

// Moves build/ away, runs the smoke test without NATIVEGRAD_PREBUILDS_ONLY, puts build/ back.
// Runs inside `flock` (see main) so that scripts/build-native.sh never finds build/ missing.
function withoutBuildFolder() {
  const build = path.join(root, 'build');
  const moved = path.join(root, 'build.moved-by-check-prebuild');
  if (fs.existsSync(moved) && !fs.existsSync(build)) fs.renameSync(moved, build); // an interrupted earlier run
  if (fs.existsSync(moved)) throw new Error(`${moved} exists: remove it or move it back to build/`);
  const had = fs.existsSync(build);
  const restore = () => {
    if (had && fs.existsSync(moved) && !fs.existsSync(build)) fs.renameSync(moved, build);
  };
  const onSignal = (sig) => {
    restore();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (had) fs.renameSync(build, moved);
    smokeRun(`with build/ ${had ? 'moved away' : 'absent'} (the loader falls through to prebuilds/)`, childEnv(false));
  } finally {
    restore();
  }
}

function main() {
  if (!fs.existsSync(path.join(root, 'dist', 'lib', 'index.js'))) return fail('dist/lib/index.js exists', 'Build the TypeScript first: npm run build:ts');
  const files = fs.existsSync(platformDir) ? fs.readdirSync(platformDir).filter((f) => f.endsWith('.node')) : [];
  if (files.length === 0)
    return fail(`a prebuilt binary in ${path.relative(root, platformDir)}/`, 'Build it first: npm run prebuildify (about 20 s), then run this check again.');
  for (const f of files) {
    warnIfStale(path.join(platformDir, f));
    checkBinary(path.join(platformDir, f));
  }
  smokeRun('with NATIVEGRAD_PREBUILDS_ONLY=1', childEnv(true));
  // The same with build/ really gone, under the build lock when flock(1) exists.
  const self = [__filename, '--without-build-folder'];
  const locked = spawnSync('flock', [LOCK, process.execPath, ...self], { cwd: root, stdio: 'inherit' });
  if (locked.error?.code === 'ENOENT') {
    withoutBuildFolder();
  } else if (locked.status !== 0) failures++;
}

const mode = process.argv[2];
if (mode === '--smoke') smoke();
else if (mode === '--without-build-folder') {
  try {
    withoutBuildFolder();
  } catch (e) {
    fail('smoke test without build/', e.stack);
  }
  process.exit(failures ? 1 : 0);
} else {
  try {
    main();
  } catch (e) {
    fail('prebuild check', e.stack);
  }
  console.log(`${failures ? 'FAIL' : 'PASS'} prebuild check`);
  process.exit(failures ? 1 : 0);
}

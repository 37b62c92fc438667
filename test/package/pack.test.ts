/**
 * The published file list: `npm pack --dry-run --json` must hold everything a consumer needs to
 * load the package or build it from source (compiled JS + declarations for every lib/ file, every
 * native source CMake globs, the install script, the data set, prebuilt binaries when built), and
 * nothing else (tests, fixtures, benchmark output, build folders, compiled tests and scripts,
 * source maps). `--ignore-scripts` keeps `prepare` from recompiling: `npm test` just did.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { createRequire } from 'module';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { repoRoot } from '../helpers';

interface PackEntry {
  path: string;
  size: number;
}
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: PackEntry[];
}

/** Files under `dir` (relative to the repository root, `/`-separated) whose names pass `keep`. */
function walk(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const abs = path.join(repoRoot, dir);
  if (!fs.existsSync(abs)) return out;
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...walk(rel, keep));
    else if (keep(e.name)) out.push(rel);
  }
  return out;
}

/** Paths a package must never ship, with the reason shown when one does. */
const FORBIDDEN: [RegExp, string][] = [
  [/^test\//, 'test sources'],
  [/(^|\/)fixtures?\//, 'test fixtures'],
  [/^dist\/(test|scripts|examples)\//, 'compiled tests, scripts or examples'],
  [/\.map$/, 'source maps (the TypeScript sources they point to are not shipped)'],
  [/^build(-[^/]*)?\//, 'a CMake build folder'],
  [/^bench\//, 'benchmark output'],
  [/^docs\//, 'generated API docs'],
  [/^node_modules\//, 'dependencies'],
  [/\.tgz$/, 'a packed tarball'],
  [/^lib\//, 'TypeScript sources (dist/lib holds the compiled package)'],
  [/^scripts\/(?!install\.js$)/, 'development scripts (only scripts/install.js runs at install time)'],
  [/^examples\//, 'examples'],
  [/^\.|\/\./, 'dot files (CI, editor and tool configuration)'],
  [/^(tsconfig\.json|typedoc\.json|eslint\.config\.mjs|package-lock\.json)$/, 'development configuration'],
];

describe('package: npm pack file list', function () {
  this.timeout(60_000);
  let pack: PackResult;
  let files: Set<string>;

  before(() => {
    const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
    pack = (JSON.parse(json) as PackResult[])[0];
    files = new Set(pack.files.map((f) => f.path));
    console.log(
      `      ${pack.filename}: ${pack.entryCount} files, ${(pack.size / 2 ** 20).toFixed(2)} MiB packed, ` +
        `${(pack.unpackedSize / 2 ** 20).toFixed(2)} MiB unpacked`,
    );
  });

  it('holds the metadata, README, licence, CMake project, install script and data set', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CMakeLists.txt', 'scripts/install.js', 'data/digits.csv.gz', 'data/README.md'])
      expect(files.has(f), `${f} in the package`).to.equal(true);
  });

  it('holds every entry point package.json names (main, types, exports, bin, install script)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const targets: string[] = [pkg.main, pkg.types];
    const collect = (v: unknown): void => {
      if (typeof v === 'string') targets.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect(pkg.exports);
    collect(pkg.bin);
    expect(targets.length).to.be.at.least(5);
    for (const t of targets) {
      const rel = path.posix.normalize(t.replace(/^\.\//, ''));
      expect(files.has(rel), `${t} (named in package.json) in the package`).to.equal(true);
    }
    const install = /node\s+(\S+\.js)/.exec(pkg.scripts.install ?? '');
    expect(install, 'an install script running a .js file').to.not.equal(null);
    expect(files.has(install![1]), `${install![1]} (the install script) in the package`).to.equal(true);
  });

  it('holds compiled JS and declarations for every lib/ source file, and the ESM entry', () => {
    const sources = walk('lib', (n) => n.endsWith('.ts') && !n.endsWith('.d.ts'));
    expect(sources.length).to.be.greaterThan(20);
    const missing: string[] = [];
    for (const src of sources) {
      const base = `dist/${src.slice(0, -3)}`;
      for (const f of [`${base}.js`, `${base}.d.ts`]) if (!files.has(f)) missing.push(f);
    }
    expect(missing, 'compiled files missing from the package (run `npm run build:ts`)').to.deep.equal([]);
    expect(files.has('dist/lib/index.mjs'), 'dist/lib/index.mjs (ESM entry)').to.equal(true);
  });

  it('has an ESM entry exporting the same names as the CommonJS entry (not a stale index.mjs)', async () => {
    const cjs = Object.keys(createRequire(__filename)(path.join(repoRoot, 'dist', 'lib', 'index.js')) as object);
    const esm = Object.keys(await import(pathToFileURL(path.join(repoRoot, 'dist', 'lib', 'index.mjs')).href)).filter((k) => k !== 'default');
    expect(cjs).to.include.members(['tensor', 'nn', 'optim']);
    expect(esm.sort(), 'dist/lib/index.mjs exports (regenerate: node scripts/write-esm-entry.js)').to.deep.equal(cjs.sort());
  });

  it('ships no stale compiled file without a lib/ source', () => {
    const stale = [...files].filter((f) => {
      const m = /^dist\/(lib\/.*)\.(js|d\.ts)$/.exec(f);
      return m !== null && !fs.existsSync(path.join(repoRoot, `${m[1]}.ts`));
    });
    expect(stale, 'compiled files whose source is gone (rm -rf dist && npm run build:ts)').to.deep.equal([]);
  });

  it('holds every native source file CMake builds, so a source build works from the tarball', () => {
    const native = walk('native', (n) => /\.(cc|h|c)$/.test(n));
    expect(native).to.include.members(['native/addon.cc', 'native/bindings/common.h', 'native/static/gfortran_shim.c']);
    expect(native.filter((f) => f.startsWith('native/kernels/')).length).to.be.greaterThan(5);
    expect(
      native.filter((f) => !files.has(f)),
      'native sources missing from the package',
    ).to.deep.equal([]);
  });

  it('holds the prebuilt binaries when they are built', function () {
    const built = walk('prebuilds', (n) => n.endsWith('.node'));
    if (built.length === 0) this.skip(); // `npm run prebuildify` not run: nothing to ship
    expect(
      built.filter((f) => !files.has(f)),
      'prebuilt binaries missing from the package',
    ).to.deep.equal([]);
  });

  it('ships no tests, fixtures, build folders, benchmark output, source maps or dev configuration', () => {
    const bad: string[] = [];
    for (const f of files) for (const [re, why] of FORBIDDEN) if (re.test(f)) bad.push(`${f} (${why})`);
    expect(bad).to.deep.equal([]);
  });

  it('has no large file other than the prebuilt binaries', () => {
    const big = pack.files.filter((f) => f.size > 1 << 20 && !/^prebuilds\/[^/]+\/[^/]+\.node$/.test(f.path));
    expect(big.map((f) => `${f.path} (${f.size} bytes)`)).to.deep.equal([]);
  });
});

describe('package: prepack refuses a release without a current prebuilt binary', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { problem } = require(path.join(repoRoot, 'scripts', 'prepack.js')) as { problem(dir: string): string | null };
  const bin = path.join('prebuilds', 'linux-x64', 'node.napi.glibc.node');
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nativegrad-prepack-'));
    fs.mkdirSync(path.join(dir, 'native', 'kernels'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'native', 'kernels', 'a.cc'), '');
    fs.writeFileSync(path.join(dir, 'CMakeLists.txt'), '');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const touch = (rel: string, secondsAgo: number): void => {
    const t = new Date(Date.now() - secondsAgo * 1000);
    fs.utimesSync(path.join(dir, rel), t, t);
  };

  it('names the missing binary, then one older than a native source, and accepts a current one', () => {
    expect(problem(dir)).to.equal(`${bin} is missing`);
    fs.mkdirSync(path.join(dir, 'prebuilds', 'linux-x64'), { recursive: true });
    fs.writeFileSync(path.join(dir, bin), '');
    touch(bin, 100);
    touch('CMakeLists.txt', 200);
    touch(path.join('native', 'kernels', 'a.cc'), 10);
    expect(problem(dir)).to.equal(`${bin} is older than ${path.join('native', 'kernels', 'a.cc')}`);
    touch(bin, 1);
    expect(problem(dir)).to.equal(null);
  });

  it('as the prepack script: exits 1 with the command to run, unless NATIVEGRAD_PACK_FROM_SOURCE=1', () => {
    const script = path.join(repoRoot, 'scripts', 'prepack.js');
    // run against a copy of the script inside the temporary package, which has no prebuild
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.copyFileSync(script, path.join(dir, 'scripts', 'prepack.js'));
    const env: NodeJS.ProcessEnv = { ...process.env, npm_command: 'pack' };
    delete env.NATIVEGRAD_PACK_FROM_SOURCE;
    const refused = spawnSync(process.execPath, [path.join(dir, 'scripts', 'prepack.js')], { env, encoding: 'utf8' });
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.include(`refusing to pack: ${bin} is missing`).and.include('npm run release');
    const allowed = spawnSync(process.execPath, [path.join(dir, 'scripts', 'prepack.js')], {
      env: { ...env, NATIVEGRAD_PACK_FROM_SOURCE: '1' },
      encoding: 'utf8',
    });
    expect(allowed.status).to.equal(0);
  });
});

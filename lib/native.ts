/**
 * Loads the compiled addon. Candidates, in order:
 *   1. `$NATIVEGRAD_BINARY` when set (a path to a `.node` file): then only that file,
 *   2. `build/Release/nativegrad.node` (a source build: `npm install` without a matching prebuild),
 *   3. `build/Debug/nativegrad.node`,
 *   4. `prebuilds/<platform>-<arch>/*.node` (shipped prebuilt binaries).
 * `NATIVEGRAD_PREBUILDS_ONLY=1` skips 2 and 3. When none loads, one Error lists what was tried,
 * why each failed, and the possible solutions for this platform (the way sharp does).
 */
import * as fs from 'fs';
import * as path from 'path';

/** The package root: dist/lib/native.js → ../.. */
export const packageRoot = path.resolve(__dirname, '..', '..');

/** Signatures of the core native functions. Domain modules (nn, optim, data, …) type their own. */
export interface CoreBinding {
  detach(buffer: ArrayBufferView | ArrayBuffer): boolean;
  addressMod(buffer: ArrayBufferView | ArrayBuffer, align: number): number;
  axpy(dst: Float32Array, src: Float32Array, alpha: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  blasConfig(): string;
  manualSeed(hi: number, lo: number): void;
  rngUniform(out: Float32Array, lo: number, hi: number): void;
  rngNormal(out: Float32Array, mean: number, std: number): void;
  rngPermutation(out: Int32Array): void;
  rngDropoutMask(out: Float32Array, p: number): void;
  rngGetState(): Uint32Array;
  rngSetState(state: Uint32Array): void;
  /** The op tables (native/kernels/elementwise.h): op names, each op's code being its position. */
  binaryOps: readonly string[];
  unaryOps: readonly string[];
  binaryForward(op: number, out: Float32Array, a: Float32Array, b: Float32Array, shape?: Int32Array, sa?: Int32Array, sb?: Int32Array): void;
  binaryBackward(op: number, da: Float32Array | null, db: Float32Array | null, dout: Float32Array, a: Float32Array, b: Float32Array, shape?: Int32Array, sa?: Int32Array, sb?: Int32Array): void;
  unaryForward(op: number, out: Float32Array, x: Float32Array, p: number): void;
  unaryBackward(op: number, dx: Float32Array, dout: Float32Array, x: Float32Array, out: Float32Array, p: number): void;
  sgemm(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, transA: boolean, transB: boolean, alpha: number, beta: number): void;
  matmulBackward(da: Float32Array | null, db: Float32Array | null, dout: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number): void;
  transposeForward(out: Float32Array, a: Float32Array, R: number, C: number): void;
  transposeBackward(da: Float32Array, dout: Float32Array, R: number, C: number): void;
  sumForward(out: Float32Array, x: Float32Array, outer: number, n: number, inner: number, scale: number): void;
  sumBackward(dx: Float32Array, dout: Float32Array, outer: number, n: number, inner: number, scale: number): void;
  softmaxForward(out: Float32Array, x: Float32Array, outer: number, n: number, inner: number, log: boolean): void;
  softmaxBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, outer: number, n: number, inner: number, log: boolean): void;
}

interface Attempt {
  path: string;
  error: string;
}

/** True on a musl libc (Alpine): glibc-tagged prebuilds do not load there. */
function isMusl(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}

function candidates(): string[] {
  const list: string[] = [];
  // an explicit choice is not second-guessed: only that file is tried
  if (process.env.NATIVEGRAD_BINARY) return [path.resolve(process.env.NATIVEGRAD_BINARY)];
  if (!process.env.NATIVEGRAD_PREBUILDS_ONLY) {
    list.push(path.join(packageRoot, 'build', 'Release', 'nativegrad.node'));
    list.push(path.join(packageRoot, 'build', 'Debug', 'nativegrad.node'));
  }
  const dir = path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`);
  const libc = isMusl() ? 'musl' : 'glibc';
  const other = libc === 'musl' ? '.glibc.' : '.musl.';
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.node') && !f.includes(other)) list.push(path.join(dir, f));
  } else {
    list.push(path.join(dir, `node.napi.${libc}.node`));
  }
  return list;
}

/** Builds the "possible solutions" text for the failures seen. */
export function possibleSolutions(attempts: Attempt[]): string[] {
  const all = attempts.map((a) => a.error).join('\n');
  const tips: string[] = [];
  if (/libopenblas|liblapack|libgfortran/.test(all))
    tips.push(
      'OpenBLAS was removed or is not on the library path. Install it: Debian/Ubuntu `sudo apt-get install libopenblas0` ' +
        '(or libopenblas-dev), Fedora `sudo dnf install openblas`, macOS `brew install openblas`; ' +
        'or reinstall nativegrad so that it uses its prebuilt binary with OpenBLAS linked in.',
    );
  if (/GLIBC_|GLIBCXX_/.test(all))
    tips.push(
      'The binary needs a newer glibc/libstdc++ than this system has (prebuilt binaries need glibc >= 2.34). ' +
        'Build from source: `NATIVEGRAD_BUILD_FROM_SOURCE=1 npm install nativegrad`.',
    );
  if (/musl|Error relocating/.test(all))
    tips.push('This looks like a musl system (Alpine): build from source with `apk add build-base cmake openblas-dev` then `NATIVEGRAD_BUILD_FROM_SOURCE=1 npm install nativegrad`.');
  if (/Cannot find module|ENOENT|no such file/i.test(all) && tips.length === 0)
    tips.push(
      'No compiled binary was found: the install step did not run or failed. Run `npm rebuild nativegrad` ' +
        '(or `npm install` in this package) and read its output; building from source needs CMake, a C++17 compiler and OpenBLAS ' +
        '(Debian/Ubuntu: `sudo apt-get install cmake g++ libopenblas-dev`).',
    );
  if (/NODE_MODULE_VERSION|napi/i.test(all))
    tips.push('The binary was built for another Node.js: run `npm rebuild nativegrad`.');
  if (tips.length === 0)
    tips.push('Reinstall with `NATIVEGRAD_BUILD_FROM_SOURCE=1 npm install nativegrad` and read the build output.');
  tips.push('Set NATIVEGRAD_BINARY to the path of a nativegrad.node you built yourself to load it directly.');
  return tips;
}

function load(): CoreBinding {
  const attempts: Attempt[] = [];
  for (const file of candidates()) {
    if (!fs.existsSync(file)) {
      attempts.push({ path: file, error: 'ENOENT: no such file' });
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(file) as CoreBinding;
    } catch (e) {
      attempts.push({ path: file, error: (e as Error).message.split('\n')[0] });
    }
  }
  const lines = [
    `nativegrad could not load its native addon on ${process.platform}-${process.arch} (Node.js ${process.version}).`,
    'Tried:',
    ...attempts.map((a) => `  - ${path.relative(process.cwd(), a.path) || a.path}: ${a.error}`),
    'Possible solutions:',
    ...possibleSolutions(attempts).map((t) => `  - ${t}`),
  ];
  const err = new Error(lines.join('\n')) as Error & { attempts?: Attempt[]; code?: string };
  err.attempts = attempts;
  err.code = 'NATIVEGRAD_LOAD_FAILED';
  throw err;
}

/** The loaded addon. */
export const native: CoreBinding = load();

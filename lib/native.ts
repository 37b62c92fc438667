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

/** Float32Array → LAPACK single precision (s*), Float64Array → double precision (d*). */
export type FloatArray = Float32Array | Float64Array;

/**
 * The whole addon, typed: every function native/bindings/*.cc registers, grouped by binding file.
 * test/native_binding.test.ts checks these names against the loaded addon's exports both ways.
 */
export interface Binding {
  // ---- core.cc: buffers, threads, the random generator ----
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

  // ---- ops.cc: tensor ops (op codes: the binaryOps / unaryOps tables of kernels/elementwise.h) ----
  /** The op tables: op names, each op's code being its position. */
  binaryOps: readonly string[];
  unaryOps: readonly string[];
  binaryForward(op: number, out: Float32Array, a: Float32Array, b: Float32Array, shape?: Int32Array, sa?: Int32Array, sb?: Int32Array): void;
  binaryBackward(
    op: number,
    da: Float32Array | null,
    db: Float32Array | null,
    dout: Float32Array,
    a: Float32Array,
    b: Float32Array,
    shape?: Int32Array,
    sa?: Int32Array,
    sb?: Int32Array,
  ): void;
  unaryForward(op: number, out: Float32Array, x: Float32Array, p: number): void;
  unaryBackward(op: number, dx: Float32Array, dout: Float32Array, x: Float32Array, out: Float32Array, p: number): void;
  sgemm(
    out: Float32Array,
    a: Float32Array,
    b: Float32Array,
    M: number,
    K: number,
    N: number,
    transA: boolean,
    transB: boolean,
    alpha: number,
    beta: number,
  ): void;
  matmulBackward(da: Float32Array | null, db: Float32Array | null, dout: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number): void;
  transposeForward(out: Float32Array, a: Float32Array, R: number, C: number): void;
  transposeBackward(da: Float32Array, dout: Float32Array, R: number, C: number): void;
  sumForward(out: Float32Array, x: Float32Array, outer: number, n: number, inner: number, scale: number): void;
  sumBackward(dx: Float32Array, dout: Float32Array, outer: number, n: number, inner: number, scale: number): void;
  softmaxForward(out: Float32Array, x: Float32Array, outer: number, n: number, inner: number, log: boolean): void;
  softmaxBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, outer: number, n: number, inner: number, log: boolean): void;

  // ---- nn.cc: layers and losses ----
  linearForward(out: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, N: number, I: number, O: number): void;
  linearBackward(
    dx: Float32Array | null,
    dw: Float32Array | null,
    db: Float32Array | null,
    dout: Float32Array,
    x: Float32Array,
    w: Float32Array,
    N: number,
    I: number,
    O: number,
  ): void;
  linearReluForward(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, N: number, I: number, O: number): void;
  linearReluBackward(
    dx: Float32Array | null,
    dw: Float32Array | null,
    db: Float32Array | null,
    dout: Float32Array,
    y: Float32Array,
    x: Float32Array,
    w: Float32Array,
    N: number,
    I: number,
    O: number,
  ): void;
  softmaxXentForward(
    loss: Float32Array,
    probs: Float32Array,
    lse: Float32Array,
    logits: Float32Array,
    classes: Int32Array | null,
    target: Float32Array | null,
    N: number,
    K: number,
    smoothing: number,
    weight?: Float32Array | null,
    ignoreIndex?: number | null,
  ): number;
  softmaxXentBackward(
    dlogits: Float32Array | null,
    dtarget: Float32Array | null,
    dloss: Float32Array,
    dlossStride: number,
    scale: number,
    probs: Float32Array,
    lse: Float32Array,
    logits: Float32Array,
    classes: Int32Array | null,
    target: Float32Array | null,
    N: number,
    K: number,
    smoothing: number,
    weight?: Float32Array | null,
    ignoreIndex?: number | null,
  ): void;
  batchNorm1dForward(
    out: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    runningMean: Float32Array | null,
    runningVar: Float32Array | null,
    x: Float32Array,
    weight: Float32Array | null,
    bias: Float32Array | null,
    N: number,
    C: number,
    L: number,
    eps: number,
    factor: number,
    batchStats: boolean,
  ): void;
  batchNorm1dBackward(
    dx: Float32Array | null,
    dweight: Float32Array | null,
    dbias: Float32Array | null,
    dout: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    weight: Float32Array | null,
    N: number,
    C: number,
    L: number,
    batchStats: boolean,
  ): void;
  dropoutForward(out: Float32Array, mask: Float32Array, x: Float32Array, p: number): void;
  dropoutBackward(dx: Float32Array, dout: Float32Array, mask: Float32Array): void;
  mseForward(each: Float32Array | null, a: Float32Array, b: Float32Array): number;
  mseBackward(da: Float32Array | null, db: Float32Array | null, dout: Float32Array, doutStride: number, scale: number, a: Float32Array, b: Float32Array): void;

  // ---- sequential.cc: compileStep's fused Linear/ReLU + cross-entropy step ----
  /** buffers = [x, probs, lse, rowLoss, then per layer: w, b|null, dw|null, db|null, y, dy]; returns Σ_n loss_n. */
  sequentialXentStep(
    buffers: (Float32Array | null)[],
    relu: Int32Array,
    dims: Int32Array,
    first: number,
    classes: Int32Array,
    N: number,
    smoothing: number,
    scale: number,
    weight?: Float32Array | null,
    ignoreIndex?: number | null,
  ): number;

  // ---- optim.cc: one call updates every tensor of a parameter group (arrays in the same order) ----
  /** θ ← θ − η·d with d = g + λθ, momentum buffer b (fresh[k] = 1: b ← d), nesterov d + μb. */
  sgdStep(
    params: Float32Array[],
    grads: Float32Array[],
    buffers: Float32Array[] | null,
    fresh: Int32Array | null,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
  ): void;
  /** RMSprop; gradAvg present = centered, buffers present = momentum. */
  rmspropStep(
    params: Float32Array[],
    grads: Float32Array[],
    squareAvg: Float32Array[],
    gradAvg: Float32Array[] | null,
    buffers: Float32Array[] | null,
    lr: number,
    alpha: number,
    eps: number,
    weightDecay: number,
    momentum: number,
  ): void;
  /** Adam (decoupled = false, L2 in the gradient) or AdamW (decoupled = true); maxExpAvgSq present = amsgrad. */
  adamStep(
    params: Float32Array[],
    grads: Float32Array[],
    expAvg: Float32Array[],
    expAvgSq: Float32Array[],
    maxExpAvgSq: Float32Array[] | null,
    steps: Float64Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: boolean,
  ): void;
  /** Rprop with the sign-flip rule. */
  rpropStep(
    params: Float32Array[],
    grads: Float32Array[],
    prev: Float32Array[],
    stepSizes: Float32Array[],
    etaMinus: number,
    etaPlus: number,
    stepMin: number,
    stepMax: number,
  ): void;
  /** averages[k] ← decay·averages[k] + (1 − decay)·params[k] */
  emaUpdate(averages: Float32Array[], params: Float32Array[], decay: number): void;
  /**
   * Whether the kernels fuse multiply-adds (x + a·y rounded once) where PyTorch's CPU kernels do:
   * x86-64 with AVX2 and FMA, and arm64. Either way the results are PyTorch's on the same CPU.
   */
  optimizerStepsFuse(): boolean;

  // ---- data.cc, linalg.cc: batches, casts, LAPACK ----
  /** outX [M, R] = x [idx, :], outY [M, Ry] = y [idx, :]; every index checked against N. */
  gatherBatch(
    outX: Float32Array,
    x: Float32Array,
    idx: Int32Array,
    N: number,
    R: number,
    outY: Int32Array | Float32Array | null,
    y: Int32Array | Float32Array | null,
    Ry: number,
  ): void;
  /**
   * outX [M, R] = (float)(x [idx, :] · scale + offset) from bytes x [N, R], outY [M, Ry] = y [idx, :];
   * every index checked against N. idx null: all N rows in order (then outY must be null).
   */
  gatherBytesBatch(
    outX: Float32Array,
    x: Uint8Array,
    idx: Int32Array | null,
    N: number,
    R: number,
    scale: number,
    offset: number,
    outY: Int32Array | Float32Array | null,
    y: Int32Array | Float32Array | null,
    Ry: number,
  ): void;
  /** out[i] = src[i] · scale, formed in double and rounded once. */
  castToF32(
    out: Float32Array,
    src: Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array,
    scale: number,
  ): void;
  /** LAPACK ?syevd: values ascending, column j of vectors = eigenvector j; reads the lower triangle. Returns the status. */
  linalgEigh<T extends FloatArray>(values: T, vectors: T, a: T, n: number): number;
  /** LAPACK ?sysv: x [n, k] = a⁻¹ b for symmetric a. Returns the status. */
  linalgSolveSym<T extends FloatArray>(x: T, a: T, b: T, n: number, k: number): number;
  /** LAPACK ?potrf + ?potrs: x [n, k] = a⁻¹ b for symmetric positive-definite a. Returns the status. */
  linalgCholeskySolve<T extends FloatArray>(x: T, a: T, b: T, n: number, k: number): number;

  // ---- metrics.cc ----
  argmaxRows(out: Int32Array, x: Float32Array, N: number, K: number): void;
  countCorrect(x: Float32Array, labels: Int32Array, N: number, K: number): number;

  // ---- bench.cc: the benchmarks' raw sgemm loop (not part of the API) ----
  /** Mean seconds per cblas_sgemm call, one per sample. */
  benchSgemm(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, samples: number, minSeconds: number): Float64Array;
}

/** Every name of Binding, at run time (the compiler checks the list is complete and exact). */
const NAMES = {
  detach: 1,
  addressMod: 1,
  axpy: 1,
  setNumThreads: 1,
  getNumThreads: 1,
  blasConfig: 1,
  manualSeed: 1,
  rngUniform: 1,
  rngNormal: 1,
  rngPermutation: 1,
  rngDropoutMask: 1,
  rngGetState: 1,
  rngSetState: 1,
  binaryOps: 1,
  unaryOps: 1,
  binaryForward: 1,
  binaryBackward: 1,
  unaryForward: 1,
  unaryBackward: 1,
  sgemm: 1,
  matmulBackward: 1,
  transposeForward: 1,
  transposeBackward: 1,
  sumForward: 1,
  sumBackward: 1,
  softmaxForward: 1,
  softmaxBackward: 1,
  linearForward: 1,
  linearBackward: 1,
  linearReluForward: 1,
  linearReluBackward: 1,
  softmaxXentForward: 1,
  softmaxXentBackward: 1,
  batchNorm1dForward: 1,
  batchNorm1dBackward: 1,
  dropoutForward: 1,
  dropoutBackward: 1,
  mseForward: 1,
  mseBackward: 1,
  sequentialXentStep: 1,
  sgdStep: 1,
  rmspropStep: 1,
  adamStep: 1,
  rpropStep: 1,
  emaUpdate: 1,
  optimizerStepsFuse: 1,
  gatherBatch: 1,
  gatherBytesBatch: 1,
  castToF32: 1,
  linalgEigh: 1,
  linalgSolveSym: 1,
  linalgCholeskySolve: 1,
  argmaxRows: 1,
  countCorrect: 1,
  benchSgemm: 1,
} as const satisfies Record<keyof Binding, 1>;
export const BINDING_NAMES = Object.freeze(Object.keys(NAMES)) as readonly (keyof Binding)[];

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
    tips.push(
      'This looks like a musl system (Alpine): build from source with `apk add build-base cmake openblas-dev` then `NATIVEGRAD_BUILD_FROM_SOURCE=1 npm install nativegrad`.',
    );
  if (/Cannot find module|ENOENT|no such file/i.test(all) && tips.length === 0)
    tips.push(
      'No compiled binary was found: the install step did not run or failed. Run `npm rebuild nativegrad` ' +
        '(or `npm install` in this package) and read its output; building from source needs CMake, a C++17 compiler and OpenBLAS ' +
        '(Debian/Ubuntu: `sudo apt-get install cmake g++ libopenblas-dev`).',
    );
  if (/NODE_MODULE_VERSION|napi/i.test(all)) tips.push('The binary was built for another Node.js: run `npm rebuild nativegrad`.');
  if (tips.length === 0) tips.push('Reinstall with `NATIVEGRAD_BUILD_FROM_SOURCE=1 npm install nativegrad` and read the build output.');
  tips.push('Set NATIVEGRAD_BINARY to the path of a nativegrad.node you built yourself to load it directly.');
  return tips;
}

function load(): Binding {
  const attempts: Attempt[] = [];
  for (const file of candidates()) {
    if (!fs.existsSync(file)) {
      attempts.push({ path: file, error: 'ENOENT: no such file' });
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(file) as Binding;
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
export const native: Binding = load();

/** Creating tensors, seeding the random generator, and OpenBLAS's thread count. */
import { native } from './native';
import { argError, checkNumber, checkOptions, rangeError, shapeStr } from './errors';
import { Tensor, allocate, allocateCopy, NestedNumbers } from './tensor';
import { checkShape, MAX_RANK } from './shape';

export interface TensorOptions {
  /** Record operations on this tensor for backward() (default false). */
  requiresGrad?: boolean;
  /** Accepted for PyTorch users' sake; nativegrad tensors are float32 only, so anything else throws. */
  dtype?: 'float32';
}

const TENSOR_OPTIONS = ['requiresGrad', 'dtype'] as const;

/**
 * Checks the creation options before anything is allocated or drawn (so a bad option leaves the
 * random generator untouched): unknown keys throw (checkOptions), `dtype` must be 'float32' (the
 * only type nativegrad has), `requiresGrad` a boolean. Returns requiresGrad.
 */
function requiresGradOf(fn: string, opts: TensorOptions | undefined): boolean {
  const o = checkOptions(fn, opts, TENSOR_OPTIONS, '{ requiresGrad: true }');
  if (o.dtype !== undefined && o.dtype !== 'float32') throw argError(fn, 'dtype', "'float32' (nativegrad tensors are float32 only)", o.dtype);
  if (o.requiresGrad !== undefined && typeof o.requiresGrad !== 'boolean') throw argError(fn, 'requiresGrad', 'a boolean', o.requiresGrad);
  return o.requiresGrad ?? false;
}

function withGrad(t: Tensor, requiresGrad: boolean): Tensor {
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

/** Infers the shape of nested arrays and flattens them, naming the first bad element. */
function flatten(fn: string, values: NestedNumbers): { shape: number[]; data: Float32Array } {
  const shape: number[] = [];
  let probe: unknown = values;
  while (Array.isArray(probe)) {
    if (shape.length >= MAX_RANK) throw rangeError(fn, `values are nested deeper than ${MAX_RANK} levels (MAX_RANK)`);
    shape.push(probe.length);
    probe = probe[0];
  }
  const size = checkShape(fn, 'values', shape);
  const data = allocate(fn, size);
  let k = 0;
  const walk = (v: unknown, depth: number, where: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw argError(fn, `values${where}`, 'a number', v);
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      throw rangeError(
        fn,
        `values are ragged: values${where} should be an array of length ${shape[depth]} (the shape so far is ${shapeStr(shape)}), got ${Array.isArray(v) ? `length ${v.length}` : typeof v}`,
      );
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${where}[${i}]`);
  };
  walk(values, 0, '');
  return { shape, data };
}

/**
 * A tensor from values: a number (0-d), nested arrays (shape inferred) or a typed array (1-D, or
 * `shape`). The values are copied into a new native buffer. Options may take the shape's place, as
 * in PyTorch's `torch.tensor(data, requires_grad=True)`: `ng.tensor(data, { requiresGrad: true })`.
 */
export function tensor(values: NestedNumbers | ArrayLike<number>, opts?: TensorOptions): Tensor;
export function tensor(values: NestedNumbers | ArrayLike<number>, shape?: readonly number[] | null, opts?: TensorOptions): Tensor;
export function tensor(values: NestedNumbers | ArrayLike<number>, shapeOrOpts?: readonly number[] | TensorOptions | null, maybeOpts?: TensorOptions): Tensor {
  const fn = 'ng.tensor';
  let shape: readonly number[] | undefined;
  let opts = maybeOpts;
  if (shapeOrOpts !== undefined && shapeOrOpts !== null && !Array.isArray(shapeOrOpts) && typeof shapeOrOpts === 'object' && !ArrayBuffer.isView(shapeOrOpts)) {
    if (maybeOpts !== undefined) throw argError(fn, 'shape', 'an array of non-negative integers when options are given third', shapeOrOpts);
    opts = shapeOrOpts as TensorOptions;
  } else shape = (shapeOrOpts ?? undefined) as readonly number[] | undefined;
  const grad = requiresGradOf(fn, opts);
  let data: Float32Array;
  let inferred: number[];
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const src = values as unknown as ArrayLike<number>;
    if (typeof (values as unknown as { [0]: unknown })[0] === 'bigint') throw argError(fn, 'values', 'numbers, not BigInts', values);
    data = values instanceof Float32Array ? allocateCopy(fn, values) : Float32Array.from(src);
    inferred = [data.length];
  } else if (typeof values === 'number' || Array.isArray(values)) {
    ({ shape: inferred, data } = flatten(fn, values as NestedNumbers));
  } else {
    throw argError(fn, 'values', 'a number, nested arrays of numbers or a Float32Array', values);
  }
  if (shape !== undefined && shape !== null) {
    const size = checkShape(fn, 'shape', shape);
    if (size !== data.length) throw rangeError(fn, `${data.length} values do not fill shape ${shapeStr(shape)} (${size} elements)`);
    inferred = shape.slice();
  }
  return withGrad(new Tensor(data, inferred), grad);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], opts?: TensorOptions): Tensor {
  const size = checkShape('ng.zeros', 'shape', shape);
  const grad = requiresGradOf('ng.zeros', opts);
  return withGrad(new Tensor(allocate('ng.zeros', size), shape), grad);
}
function filled(fn: string, shape: readonly number[], value: number, opts: TensorOptions | undefined): Tensor {
  const size = checkShape(fn, 'shape', shape);
  if (typeof value !== 'number') throw argError(fn, 'value', 'a number', value);
  const grad = requiresGradOf(fn, opts);
  const data = allocate(fn, size);
  data.fill(value);
  return withGrad(new Tensor(data, shape), grad);
}
/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number, opts?: TensorOptions): Tensor {
  return filled('ng.full', shape, value, opts);
}
/** A tensor of ones. */
export function ones(shape: readonly number[], opts?: TensorOptions): Tensor {
  return filled('ng.ones', shape, 1, opts);
}
/** Standard normal samples N(0, 1), following ng.manualSeed. */
export function randn(shape: readonly number[], opts?: TensorOptions): Tensor {
  const size = checkShape('ng.randn', 'shape', shape);
  const grad = requiresGradOf('ng.randn', opts);
  const t = new Tensor(allocate('ng.randn', size), shape);
  native.rngNormal(t.data, 0, 1);
  return withGrad(t, grad);
}
/** Uniform samples in [0, 1), following ng.manualSeed. */
export function rand(shape: readonly number[], opts?: TensorOptions): Tensor {
  const size = checkShape('ng.rand', 'shape', shape);
  const grad = requiresGradOf('ng.rand', opts);
  const t = new Tensor(allocate('ng.rand', size), shape);
  native.rngUniform(t.data, 0, 1);
  return withGrad(t, grad);
}
/**
 * `arange(n)` = [0, 1, …, n−1]; `arange(start, end, step = 1)` as in PyTorch (end excluded).
 * Options (`{ requiresGrad }`) come last: `arange(n, opts)`, `arange(start, end, opts)` or
 * `arange(start, end, step, opts)`.
 */
export function arange(n: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number, step?: number, opts?: TensorOptions): Tensor;
export function arange(startOrN: number, endOrOpts?: number | TensorOptions, stepOrOpts?: number | TensorOptions, options?: TensorOptions): Tensor {
  const fn = 'ng.arange';
  // an object after the numbers is the options (arange(n, opts), arange(start, end, opts))
  const isOpts = (v: unknown): boolean => v !== null && typeof v === 'object';
  let end: number | undefined, step: number, opts: TensorOptions | undefined;
  if (isOpts(endOrOpts)) [end, step, opts] = [undefined, 1, endOrOpts as TensorOptions];
  else if (isOpts(stepOrOpts)) [end, step, opts] = [endOrOpts as number | undefined, 1, stepOrOpts as TensorOptions];
  else [end, step, opts] = [endOrOpts as number | undefined, (stepOrOpts as number | undefined) ?? 1, options];
  const grad = requiresGradOf(fn, opts);
  const start = end === undefined ? 0 : checkNumber(fn, 'start', startOrN);
  const stop = end === undefined ? checkNumber(fn, 'n', startOrN) : checkNumber(fn, 'end', end);
  checkNumber(fn, 'step', step);
  if (step === 0) throw rangeError(fn, "argument 'step' must be non-zero");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const size = checkShape(fn, 'shape', [n]);
  const data = allocate(fn, size);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return withGrad(new Tensor(data, [n]), grad);
}

/**
 * Seeds the generator behind every random draw in the library (initialisers, randn/rand,
 * shuffling, dropout, balanced batches). Each thread (worker) has its own generator.
 */
export function manualSeed(seed: number | bigint): void {
  let s: bigint;
  if (typeof seed === 'bigint') s = seed;
  else if (typeof seed === 'number' && Number.isSafeInteger(seed)) s = BigInt(seed);
  else throw argError('ng.manualSeed', 'seed', 'a safe integer or a BigInt', seed);
  s = BigInt.asUintN(64, s);
  native.manualSeed(Number(s >> 32n), Number(s & 0xffffffffn));
}
/** The generator's state (for checkpoints); restore it with setRngState. */
export function getRngState(): Uint32Array {
  return native.rngGetState();
}
export function setRngState(state: Uint32Array): void {
  if (!(state instanceof Uint32Array) || state.length !== 8) throw argError('ng.setRngState', 'state', 'a Uint32Array of 8 words from getRngState()', state);
  native.rngSetState(state);
}

/** Sets the number of threads OpenBLAS uses for sgemm (and that our parallel kernels use). */
export function setNumThreads(n: number): void {
  checkNumber('ng.setNumThreads', 'n', n, { integer: true, min: 1, max: 1024 });
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** OpenBLAS's build configuration (version, CPU kernel, thread limit). */
export function blasConfig(): string {
  return native.blasConfig();
}

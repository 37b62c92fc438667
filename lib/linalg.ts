/**
 * Symmetric eigen-decomposition and linear solves on LAPACK (native/kernels/linalg.cc), used by
 * the whitening transforms, ng.analysis and ng.optim.Newton; public as ng.linalg.
 *
 *   eigh(A):  A = V diag(λ) Vᵀ, λ ascending, column j of V the unit eigenvector of λ_j
 *             (LAPACK ssyevd in float, or dsyevd on a double copy with `precision: 'double'`)
 *   solveSymmetric(A, B):  X = A⁻¹ B (LAPACK ?sysv, LDLᵀ with Bunch–Kaufman pivoting, for any
 *             non-singular symmetric A; `method: 'cholesky'` uses ?potrf/?potrs and demands A ≻ 0)
 *
 * As torch.linalg.eigh(UPLO='L'), only the lower triangle of A is read. Eigenvectors are unique
 * only up to sign (and, for repeated eigenvalues, up to a rotation within their eigenspace).
 */
import { Tensor, checkTensor, allocate } from './tensor';
import { argError, checkOptions, rangeError, shapeStr } from './errors';
import { native as k } from './native';

/** Status codes of native/kernels/linalg.h besides LAPACK's INFO. */
const LINALG_NON_FINITE = -1000;
const LINALG_TOO_LARGE = -1001;
const LINALG_NO_MEMORY = -1002;

export interface LinalgOptions {
  /** 'float' (default): LAPACK single precision on the tensor's values; 'double': computed in double, rounded to float at the end. */
  precision?: 'float' | 'double';
}

function precisionOf(fn: string, opts: LinalgOptions): 'float' | 'double' {
  const p = opts.precision ?? 'float';
  if (p !== 'float' && p !== 'double') throw argError(fn, 'precision', "'float' or 'double'", p);
  return p;
}

function squareMatrix(fn: string, arg: string, a: unknown): number {
  const t = checkTensor(fn, arg, a);
  if (t.ndim !== 2 || t.shape[0] !== t.shape[1]) throw rangeError(fn, `argument '${arg}' must be a square 2-D Tensor [n, n], got shape ${shapeStr(t.shape)}`);
  return t.shape[0];
}

function statusError(fn: string, routine: string, status: number): Error {
  if (status === LINALG_NON_FINITE) return rangeError(fn, 'the matrix (or right-hand side) contains NaN or Infinity');
  if (status === LINALG_TOO_LARGE) return rangeError(fn, "the matrix is too large for LAPACK's 32-bit sizes");
  if (status === LINALG_NO_MEMORY) return rangeError(fn, 'out of memory for the LAPACK workspace');
  if (status < 0) return new Error(`${fn}: LAPACK ${routine} rejected argument ${-status} (a bug in nativegrad)`);
  if (routine.endsWith('syevd')) return new Error(`${fn}: LAPACK ${routine} did not converge (info = ${status})`);
  if (routine.endsWith('sysv')) return rangeError(fn, `the matrix is singular: the factor D(${status},${status}) of its LDLᵀ decomposition is exactly zero`);
  return rangeError(
    fn,
    `the matrix is not positive definite (its leading minor of order ${status} is not positive); use method 'ldlt' for indefinite matrices`,
  );
}

/** Eigenvalues (ascending, shape [n]) and eigenvectors (columns of [n, n]) of a symmetric matrix. */
export function eigh(a: Tensor, opts?: LinalgOptions): { values: Tensor; vectors: Tensor } {
  const fn = 'ng.linalg.eigh';
  const n = squareMatrix(fn, 'a', a);
  const precision = precisionOf(fn, checkOptions(fn, opts, ['precision'], "{ precision: 'double' }"));
  const values = allocate(fn, n);
  const vectors = allocate(fn, n * n);
  let status: number;
  if (precision === 'float') status = k.linalgEigh(values, vectors, a.data, n);
  else {
    const v64 = new Float64Array(n),
      m64 = new Float64Array(n * n);
    status = k.linalgEigh(v64, m64, Float64Array.from(a.data), n);
    values.set(v64);
    vectors.set(m64);
  }
  if (status !== 0) throw statusError(fn, precision === 'float' ? 'ssyevd' : 'dsyevd', status);
  return { values: new Tensor(values, [n]), vectors: new Tensor(vectors, [n, n]) };
}

export interface SolveOptions extends LinalgOptions {
  /** 'ldlt' (default, any non-singular symmetric matrix) or 'cholesky' (positive definite only). */
  method?: 'ldlt' | 'cholesky';
}

/** X = A⁻¹ B for symmetric A [n, n] and B [n] or [n, k]; the result has B's shape. */
export function solveSymmetric(a: Tensor, b: Tensor, opts?: SolveOptions): Tensor {
  const fn = 'ng.linalg.solveSymmetric';
  const n = squareMatrix(fn, 'a', a);
  checkTensor(fn, 'b', b);
  if ((b.ndim !== 1 && b.ndim !== 2) || b.shape[0] !== n)
    throw rangeError(fn, `argument 'b' must have shape [${n}] or [${n}, k] to match a of shape ${shapeStr(a.shape)}, got ${shapeStr(b.shape)}`);
  const o = checkOptions(fn, opts, ['precision', 'method'], "{ method: 'cholesky' }");
  const precision = precisionOf(fn, o);
  const method = o.method ?? 'ldlt';
  if (method !== 'ldlt' && method !== 'cholesky') throw argError(fn, 'method', "'ldlt' or 'cholesky'", method);
  const cols = b.ndim === 1 ? 1 : b.shape[1];
  const x = allocate(fn, n * cols);
  const call = method === 'ldlt' ? k.linalgSolveSym.bind(k) : k.linalgCholeskySolve.bind(k);
  let status: number;
  if (precision === 'float') status = call(x, a.data, b.data, n, cols);
  else {
    const x64 = new Float64Array(n * cols);
    status = call(x64, Float64Array.from(a.data), Float64Array.from(b.data), n, cols);
    x.set(x64);
  }
  const p = precision === 'float' ? 's' : 'd';
  if (status !== 0) throw statusError(fn, method === 'ldlt' ? `${p}sysv` : `${p}potrf`, status);
  return new Tensor(x, b.shape.slice());
}

/** Dense symmetric linear algebra through LAPACK (OpenBLAS; kernels/linalg.cc): eigh and solveSymmetric. */
import { native } from '../native';
import { Tensor, checkTensor, allocate } from '../tensor';
import { argError, rangeError, shapeError, shapeStr } from '../errors';

interface LapackKernels {
  linalgEigh(values: Float32Array, vectors: Float32Array, a: Float32Array, n: number): number;
  linalgSolveSym(x: Float32Array, a: Float32Array, b: Float32Array, n: number, k: number): number;
}
const lapack = native as unknown as LapackKernels;

function checkSquare(fn: string, arg: string, a: Tensor): number {
  checkTensor(fn, arg, a);
  if (a.ndim !== 2 || a.shape[0] !== a.shape[1]) throw argError(fn, arg, 'a square 2-D Tensor [n, n]', a);
  for (const v of a.data) if (!Number.isFinite(v)) throw rangeError(fn, `argument '${arg}' contains ${v}; LAPACK needs finite values`);
  return a.shape[0];
}

/**
 * Eigen-decomposition of a symmetric matrix (LAPACK ssyevd, only the lower triangle is read):
 * `values` ascending, `vectors` [n, n] with column k the unit eigenvector of values[k], so that
 * A = V·diag(values)·Vᵀ.
 */
export function eigh(symmetric: Tensor): { values: Tensor; vectors: Tensor } {
  const fn = 'ng.analysis.eigh';
  const n = checkSquare(fn, 'symmetric', symmetric);
  const values = new Tensor(allocate(fn, n), [n]);
  const vectors = new Tensor(allocate(fn, n * n), [n, n]);
  const info = lapack.linalgEigh(values.data, vectors.data, symmetric.data, n);
  if (info !== 0) throw new Error(`${fn}: LAPACK ssyevd failed (status ${info}: ${info > 0 ? 'no convergence' : 'bad input'})`);
  return { values, vectors };
}

/**
 * Solves A·x = b for a symmetric A (LAPACK ssysv, LDLᵀ with pivoting: indefinite A is fine,
 * singular A throws). b is [n] or [n, k]; x has b's shape.
 */
export function solveSymmetric(A: Tensor, b: Tensor): Tensor {
  const fn = 'ng.analysis.solveSymmetric';
  const n = checkSquare(fn, 'A', A);
  checkTensor(fn, 'b', b);
  if (b.shape[0] !== n || b.ndim < 1 || b.ndim > 2)
    throw shapeError(fn, `A is ${shapeStr(A.shape)} but b is ${shapeStr(b.shape)}: b must be [${n}] or [${n}, k]`);
  const nrhs = b.ndim === 2 ? b.shape[1] : 1;
  const x = new Tensor(allocate(fn, b.size), b.shape);
  const info = lapack.linalgSolveSym(x.data, A.data, b.data, n, nrhs);
  if (info > 0) throw rangeError(fn, `A is singular (LAPACK ssysv: D(${info},${info}) is exactly zero); add damping or regularise`);
  if (info < 0) throw new Error(`${fn}: LAPACK ssysv failed (status ${info})`);
  return x;
}

/** Typed view of the native functions behind ng.data (native/bindings/data.cc, native/bindings/linalg.cc). */
import { native } from '../native';

/** Float32Array → LAPACK single precision (s*), Float64Array → double precision (d*). */
export type FloatArray = Float32Array | Float64Array;

export interface DataKernels {
  /** outX [M, R] = x [idx, :], outY [M, Ry] = y [idx, :]; every index checked against N. */
  gatherBatch(
    outX: Float32Array, x: Float32Array, idx: Int32Array, N: number, R: number,
    outY: Int32Array | Float32Array | null, y: Int32Array | Float32Array | null, Ry: number,
  ): void;
  /**
   * outX [M, R] = (float)(x [idx, :] · scale + offset) from bytes x [N, R], outY [M, Ry] = y [idx, :];
   * every index checked against N. idx null: all N rows in order (then outY must be null).
   */
  gatherBytesBatch(
    outX: Float32Array, x: Uint8Array, idx: Int32Array | null, N: number, R: number, scale: number, offset: number,
    outY: Int32Array | Float32Array | null, y: Int32Array | Float32Array | null, Ry: number,
  ): void;
  /** out[i] = src[i] · scale, formed in double and rounded once. */
  castToF32(out: Float32Array, src: Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array, scale: number): void;
  /** LAPACK ?syevd: values ascending, column j of vectors = eigenvector j; reads the lower triangle. Returns the status. */
  linalgEigh<T extends FloatArray>(values: T, vectors: T, a: T, n: number): number;
  /** LAPACK ?sysv: x [n, k] = a⁻¹ b for symmetric a. Returns the status. */
  linalgSolveSym<T extends FloatArray>(x: T, a: T, b: T, n: number, k: number): number;
  /** LAPACK ?potrf + ?potrs: x [n, k] = a⁻¹ b for symmetric positive-definite a. Returns the status. */
  linalgCholeskySolve<T extends FloatArray>(x: T, a: T, b: T, n: number, k: number): number;
}

export const k = native as unknown as DataKernels;

/** Status codes of native/kernels/linalg.h besides LAPACK's INFO. */
export const LINALG_NON_FINITE = -1000;
export const LINALG_TOO_LARGE = -1001;
export const LINALG_NO_MEMORY = -1002;

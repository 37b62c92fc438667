/**
 * What a DataLoader draws from (the Dataset interface) and TensorDataset, the rows of a float
 * tensor. ByteDataset (byte_dataset.ts) keeps its samples as bytes and converts each batch.
 */
import { Tensor, checkTensor, allocateUninit } from '../tensor';
import { argError, rangeError, shapeStr } from '../errors';
import { sizeOf } from '../shape';
import { native as k } from '../native';

/** One batch: x [b, ...] float32, and y [b] class indices (Int32Array) or targets (Tensor [b, ...]). */
export interface Batch {
  x: Tensor;
  y: Int32Array | Tensor;
}

/**
 * N samples with their targets, and a way to assemble any of them as a batch. A DataLoader only
 * chooses indices (order, shuffling, class balance) and asks the dataset for each batch, so how the
 * samples are stored (float rows, bytes, …) is the dataset's business. `y` is exposed whole because
 * class-balanced sampling groups the samples by label.
 */
export interface Dataset {
  /** N, the number of samples */
  readonly length: number;
  /** class indices (Int32Array [N]) or targets (Tensor [N, ...]) */
  readonly y: Tensor | Int32Array;
  /**
   * The samples at `indices` (each in [0, N), repeats allowed), in that order, as a batch in fresh
   * buffers: x [indices.length, ...] float32 and y [indices.length] or [indices.length, ...].
   */
  getBatch(indices: Int32Array): Batch;
}

/**
 * Validates the targets of N samples: an Int32Array (or a plain array of 32-bit integers, converted)
 * of class indices, or a Tensor whose first dimension is N. `xHas` describes the inputs in errors
 * ("x has 5 samples (shape [5, 2])").
 */
export function checkTargets(fn: string, y: unknown, N: number, xHas: string): Tensor | Int32Array {
  if (y instanceof Tensor) {
    checkTensor(fn, 'y', y);
    if (y.ndim < 1) throw rangeError(fn, `argument 'y' must have a first (sample) dimension, got a 0-d Tensor`);
    if (y.shape[0] !== N) throw rangeError(fn, `${xHas} but y has ${y.shape[0]} (shape ${shapeStr(y.shape)})`);
    return y;
  }
  if (y instanceof Int32Array || Array.isArray(y)) {
    if (Array.isArray(y)) {
      const bad = y.findIndex((v) => typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31);
      if (bad >= 0) throw argError(fn, `y[${bad}]`, 'a 32-bit integer class index', y[bad]);
    }
    const labels = y instanceof Int32Array ? y : Int32Array.from(y as number[]);
    if (labels.length !== N) throw rangeError(fn, `${xHas} but y has ${labels.length} labels`);
    return labels;
  }
  throw argError(fn, 'y', 'an Int32Array of class indices or a Tensor of targets', y);
}

export function checkIndices(fn: string, indices: unknown): Int32Array {
  if (!(indices instanceof Int32Array)) throw argError(fn, 'indices', 'an Int32Array of sample indices', indices);
  return indices;
}

/** The targets part of a native gather of b rows: source, output buffer, row width, and the batch's y. */
export interface TargetRows {
  src: Int32Array | Float32Array;
  out: Int32Array | Float32Array;
  Ry: number;
  y: Int32Array | Tensor;
}
export function targetRows(fn: string, y: Tensor | Int32Array, b: number): TargetRows {
  if (y instanceof Tensor) {
    checkTensor(fn, 'y', y);
    const tail = y.shape.slice(1);
    const Ry = sizeOf(tail);
    const out = allocateUninit(fn, b * Ry); // the gather writes every element
    return { src: y.data, out, Ry, y: new Tensor(out, [b, ...tail]) };
  }
  const out = new Int32Array(b);
  return { src: y, out, Ry: 1, y: out };
}

export class TensorDataset implements Dataset {
  readonly x: Tensor;
  readonly y: Tensor | Int32Array;

  /**
   * `x` [N, ...] and `y`: an Int32Array of N class indices (a plain array of integers is converted),
   * or a Tensor whose first dimension is N (regression targets). Neither is copied.
   */
  constructor(x: Tensor, y: Tensor | Int32Array | number[]) {
    const fn = 'new ng.data.TensorDataset';
    checkTensor(fn, 'x', x);
    if (x.ndim < 1) throw rangeError(fn, `argument 'x' must have a first (sample) dimension, got a 0-d Tensor`);
    const N = x.shape[0];
    this.y = checkTargets(fn, y, N, `x has ${N} samples (shape ${shapeStr(x.shape)})`);
    this.x = x;
  }

  get length(): number {
    return this.x.shape[0];
  }

  /** Rows `indices` of x and y, copied by one native call (kernels/gather.cc, gather_rows). */
  getBatch(indices: Int32Array): Batch {
    const fn = 'TensorDataset.getBatch';
    checkIndices(fn, indices);
    const x = checkTensor(fn, 'x', this.x);
    const N = x.shape[0];
    const tail = x.shape.slice(1);
    const R = sizeOf(tail);
    const b = indices.length;
    const xb = allocateUninit(fn, b * R); // gatherBatch writes every element
    const t = targetRows(fn, this.y, b);
    k.gatherBatch(xb, x.data, indices, N, R, t.out, t.src, t.Ry);
    return { x: new Tensor(xb, [b, ...tail]), y: t.y };
  }
}

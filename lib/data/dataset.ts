/** TensorDataset: inputs x [N, ...] paired with targets (class indices, or a tensor of targets [N, ...]). */
import { Tensor, checkTensor } from '../tensor';
import { argError, rangeError, shapeStr } from '../errors';

/** What a DataLoader draws from: N rows of x and N targets. */
export interface Dataset {
  readonly x: Tensor;
  /** class indices (Int32Array [N]) or targets (Tensor [N, ...]) */
  readonly y: Tensor | Int32Array;
  readonly length: number;
}

export class TensorDataset implements Dataset {
  readonly x: Tensor;
  readonly y: Tensor | Int32Array;

  /**
   * `x` [N, ...] and `y`: an Int32Array of N class indices (a plain array of integers is converted),
   * or a Tensor whose first dimension is N (regression targets). Neither is copied.
   */
  constructor(x: Tensor, y: Tensor | Int32Array | number[]) {
    const fn = 'new TensorDataset';
    checkTensor(fn, 'x', x);
    if (x.ndim < 1) throw rangeError(fn, `argument 'x' must have a first (sample) dimension, got a 0-d Tensor`);
    const N = x.shape[0];
    let labels: Tensor | Int32Array;
    if (y instanceof Tensor) {
      checkTensor(fn, 'y', y);
      if (y.ndim < 1) throw rangeError(fn, `argument 'y' must have a first (sample) dimension, got a 0-d Tensor`);
      if (y.shape[0] !== N)
        throw rangeError(fn, `x has ${N} samples (shape ${shapeStr(x.shape)}) but y has ${y.shape[0]} (shape ${shapeStr(y.shape)})`);
      labels = y;
    } else if (y instanceof Int32Array || Array.isArray(y)) {
      if (Array.isArray(y)) {
        const bad = y.findIndex((v) => typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31);
        if (bad >= 0) throw argError(fn, `y[${bad}]`, 'a 32-bit integer class index', y[bad]);
      }
      labels = y instanceof Int32Array ? y : Int32Array.from(y);
      if (labels.length !== N)
        throw rangeError(fn, `x has ${N} samples (shape ${shapeStr(x.shape)}) but y has ${labels.length} labels`);
    } else {
      throw argError(fn, 'y', 'an Int32Array of class indices or a Tensor of targets', y);
    }
    this.x = x;
    this.y = labels;
  }

  get length(): number {
    return this.x.shape[0];
  }
}

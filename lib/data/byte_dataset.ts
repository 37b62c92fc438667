/**
 * ByteDataset: samples kept as bytes (uint8, e.g. image pixels), converted to float32 one batch at a
 * time, so a data set costs one byte per value instead of four:
 *
 *   x = bytes · scale + offset        (defaults scale = 1/255, offset = 0: pixels to [0, 1])
 *
 * evaluated in double and rounded once to float32 (kernels/gather.cc, gather_bytes_scaled). With
 * offset 0 each value is exactly the float32 of v · scale that castToF32 gives, so batches are
 * bit-identical to the same rows of a TensorDataset over the converted tensor (what
 * ng.data.loadFashionMnist returns by default). This is what torchvision does too: MNIST-style data
 * sets keep uint8 images and ToTensor converts each sample on access; here the gather of a batch's
 * rows and the conversion are one native call per batch.
 */
import { Tensor, allocateUninit } from '../tensor';
import { argError, checkNumber, checkOptions, rangeError, shapeStr } from '../errors';
import { checkShape, sizeOf } from '../shape';
import { Batch, Dataset, checkIndices, checkTargets, targetRows } from './dataset';
import { native as k } from '../native';

export interface ByteDatasetOptions {
  /** multiplies each byte (default 1/255) */
  scale?: number;
  /** added after scaling (default 0); e.g. scale 2/255, offset −1 maps bytes to [−1, 1] */
  offset?: number;
}

export class ByteDataset implements Dataset {
  /** the samples, row-major [N, ...] (not copied: changing them changes later batches) */
  readonly bytes: Uint8Array;
  /** `[N, ...]`: the shape of the float tensor the bytes stand for */
  readonly shape: readonly number[];
  readonly y: Tensor | Int32Array;
  readonly scale: number;
  readonly offset: number;

  /**
   * `bytes` holds N samples row-major with `shape` [N, ...] (its length must be the product of
   * `shape`); `y` as in TensorDataset: an Int32Array (or integer array) of N class indices, or a
   * Tensor [N, ...] of targets. Neither is copied.
   */
  constructor(bytes: Uint8Array, shape: readonly number[], y: Tensor | Int32Array | number[], opts?: ByteDatasetOptions) {
    const fn = 'new ng.data.ByteDataset';
    if (!(bytes instanceof Uint8Array)) throw argError(fn, 'bytes', 'a Uint8Array (or Buffer) of samples', bytes);
    const size = checkShape(fn, 'shape', shape);
    if (shape.length < 1) throw rangeError(fn, `argument 'shape' must have a first (sample) dimension, got []`);
    if (bytes.length !== size)
      throw rangeError(fn, `argument 'bytes' has ${bytes.length} bytes but shape ${shapeStr(shape)} needs ${size}`);
    const o = checkOptions(fn, opts, ['scale', 'offset'], '{ scale: 1 / 255, offset: 0 }');
    this.scale = checkNumber(fn, 'scale', o.scale ?? 1 / 255);
    this.offset = checkNumber(fn, 'offset', o.offset ?? 0);
    const N = shape[0];
    this.y = checkTargets(fn, y, N, `the bytes hold ${N} samples (shape ${shapeStr(shape)})`);
    this.bytes = bytes;
    this.shape = Object.freeze([...shape]);
  }

  get length(): number {
    return this.shape[0];
  }

  /** The shape of one sample (shape without its first dimension). */
  get sampleShape(): number[] {
    return this.shape.slice(1);
  }

  /**
   * Rows `indices` as float32, x [b, ...] = bytes[indices] · scale + offset, with their targets:
   * gathered and converted in one native call (kernels/gather.cc, gather_bytes_scaled).
   */
  getBatch(indices: Int32Array): Batch {
    const fn = 'ByteDataset.getBatch';
    checkIndices(fn, indices);
    const [N, R, tail] = this.checkedRows(fn);
    const b = indices.length;
    const xb = allocateUninit(fn, b * R); // gatherBytesBatch writes every element
    const t = targetRows(fn, this.y, b);
    k.gatherBytesBatch(xb, this.bytes, indices, N, R, this.scale, this.offset, t.out, t.src, t.Ry);
    return { x: new Tensor(xb, [b, ...tail]), y: t.y };
  }

  /**
   * The whole data set as one float32 Tensor [N, ...] = bytes · scale + offset (4 bytes per value:
   * for code that needs x at once, e.g. evaluating on a test set in one forward).
   */
  toTensor(): Tensor {
    const fn = 'ByteDataset.toTensor';
    const [N, R] = this.checkedRows(fn);
    const out = allocateUninit(fn, N * R); // gatherBytesBatch writes every element
    k.gatherBytesBatch(out, this.bytes, null, N, R, this.scale, this.offset, null, null, 0);
    return new Tensor(out, [...this.shape]);
  }

  /** [N, R, sample shape], after checking that the bytes still fill the shape (not detached). */
  private checkedRows(fn: string): [number, number, number[]] {
    const tail = this.sampleShape;
    const R = sizeOf(tail);
    const N = this.shape[0];
    if (this.bytes.length !== N * R)
      throw rangeError(fn, `the dataset's bytes now hold ${this.bytes.length} bytes, shape ${shapeStr(this.shape)} needs ${N * R} (detached or transferred?)`);
    return [N, R, tail];
  }
}

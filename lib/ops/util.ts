/** Helpers shared by the op files: argument coercion and output allocation. */
import { argError } from '../errors';
import { Tensor, TensorLike, SCALAR_SHAPE, allocate, allocateUninit, checkTensor } from '../tensor';
import { sizeOf } from '../shape';

/** A Tensor argument, or a JS number made into a 0-d tensor. */
export function asTensor(fn: string, arg: string, v: TensorLike): Tensor {
  if (typeof v === 'number') {
    const data = new Float32Array(1);
    data[0] = v;
    return new Tensor(data, SCALAR_SHAPE);
  }
  if (!(v instanceof Tensor)) throw argError(fn, arg, 'a Tensor or a number', v);
  return checkTensor(fn, arg, v);
}

/** A fresh zero-filled output tensor. */
export function output(fn: string, shape: readonly number[]): Tensor {
  return new Tensor(allocate(fn, sizeOf(shape)), shape);
}

/**
 * A fresh output tensor with unspecified contents: only for a kernel that writes every element
 * (every forward kernel here does). Saves the zero-fill of `output`.
 */
export function uninitOutput(fn: string, shape: readonly number[]): Tensor {
  return new Tensor(allocateUninit(fn, sizeOf(shape)), shape);
}

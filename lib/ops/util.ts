/** Helpers shared by the op files: argument coercion and output allocation. */
import { argError } from '../errors';
import { Tensor, TensorLike, allocate, checkTensor } from '../tensor';
import { sizeOf } from '../shape';

/** A Tensor argument, or a JS number made into a 0-d tensor. */
export function asTensor(fn: string, arg: string, v: TensorLike): Tensor {
  if (typeof v === 'number') {
    const t = new Tensor(new Float32Array(1), []);
    t.data[0] = v;
    return t;
  }
  if (!(v instanceof Tensor)) throw argError(fn, arg, 'a Tensor or a number', v);
  return checkTensor(fn, arg, v);
}

/** A fresh zero-filled output tensor. */
export function output(fn: string, shape: readonly number[]): Tensor {
  return new Tensor(allocate(fn, sizeOf(shape)), shape);
}

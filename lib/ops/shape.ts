/**
 * reshape (a copy with a new shape; one dimension may be −1) and clone.
 *   backward: dx += g (same elements, same order)
 */
import { native } from '../native';
import { Tensor, allocateCopy, checkTensor } from '../tensor';
import { record } from '../autograd/node';
import { argError, rangeError, shapeError, shapeStr } from '../errors';
import { checkShape } from '../shape';

function copyOf(fn: string, a: Tensor, shape: readonly number[], op: string): Tensor {
  const out = new Tensor(allocateCopy(fn, a.data), shape);
  return record(out, op, [a], (g, gradOf) => native.axpy(gradOf(0)!, g, 1));
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const fn = 'ng.reshape';
  const a = checkTensor(fn, 'x', x);
  if (!Array.isArray(shape)) throw argError(fn, 'shape', 'an array of integers', shape);
  const infer = shape.indexOf(-1);
  let target = shape.slice();
  if (infer >= 0) {
    if (shape.indexOf(-1, infer + 1) >= 0) throw rangeError(fn, `argument 'shape' ${shapeStr(shape)} may contain at most one −1 (the dimension to infer)`);
    const rest = shape.filter((_, i) => i !== infer);
    const known = checkShape(fn, 'shape', rest);
    if (known === 0 || a.size % known !== 0)
      throw shapeError(fn, `cannot reshape a tensor of shape ${shapeStr(a.shape)} (${a.size} elements) to ${shapeStr(shape)}`);
    target[infer] = a.size / known;
  }
  const size = checkShape(fn, 'shape', target);
  if (size !== a.size)
    throw shapeError(fn, `cannot reshape a tensor of shape ${shapeStr(a.shape)} (${a.size} elements) to ${shapeStr(target)} (${size} elements)`);
  target = target.map((d) => d);
  return copyOf(fn, a, target, 'reshape');
}

/** A copy that stays in the graph. */
export function clone(x: Tensor): Tensor {
  const a = checkTensor('ng.clone', 'x', x);
  return copyOf('ng.clone', a, a.shape, 'clone');
}

/**
 * sum and mean, over all elements (→ a 0-d tensor, as PyTorch) or along one axis.
 * Kernel: kernels/reduce.cc, accumulating in double.
 *   forward   out[o, i] = s · Σ_k x[o, k, i]     (s = 1, or 1/n for mean)
 *   backward  dx[o, k, i] += s · g[o, i]
 */
import { native } from '../native';
import { Tensor, checkTensor } from '../tensor';
import { record } from '../autograd/node';
import { axisSplit, normAxis } from '../shape';
import { uninitOutput } from './util';

function reduce(op: 'sum' | 'mean', x: Tensor, axis: number | undefined, keepDim: boolean): Tensor {
  const fn = `ng.${op}`;
  const a = checkTensor(fn, 'x', x);
  let outer: number, n: number, inner: number, shape: number[];
  if (axis === undefined || axis === null) {
    [outer, n, inner] = [1, a.size, 1];
    shape = keepDim ? a.shape.map(() => 1) : [];
  } else {
    const ax = normAxis(fn, axis, a.shape);
    [outer, n, inner] = axisSplit(a.shape, ax);
    shape = a.shape.slice();
    if (keepDim) shape[ax] = 1;
    else shape.splice(ax, 1);
  }
  const scale = op === 'mean' ? 1 / n : 1; // mean of nothing is NaN, as in PyTorch
  const out = uninitOutput(fn, shape);
  native.sumForward(out.data, a.data, outer, n, inner, scale);
  return record(out, op, [a], (g, gradOf) => native.sumBackward(gradOf(0)!, g, outer, n, inner, scale));
}

/** Sum of all elements (a 0-d tensor), or along `axis` (removed unless keepDim). */
export function sum(x: Tensor, axis?: number, keepDim = false): Tensor {
  return reduce('sum', x, axis, keepDim);
}
/** Mean of all elements (a 0-d tensor), or along `axis` (removed unless keepDim). */
export function mean(x: Tensor, axis?: number, keepDim = false): Tensor {
  return reduce('mean', x, axis, keepDim);
}

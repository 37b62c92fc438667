/**
 * softmax and logSoftmax along an axis (default: the last). Kernel: kernels/softmax.cc; both
 * subtract the maximum first, so logits of ±1e4 give finite results.
 *   softmax     y = e^(x−max) / Σ e^(x−max)        dx += y ⊙ (g − Σ g⊙y)
 *   logSoftmax  y = x − max − log Σ e^(x−max)      dx += g − eʸ · Σ g
 */
import { native } from '../native';
import { Tensor, checkTensor } from '../tensor';
import { record } from '../autograd/node';
import { axisSplit, normAxis } from '../shape';
import { uninitOutput } from './util';

function softmaxAlong(op: 'softmax' | 'logSoftmax', x: Tensor, axis: number): Tensor {
  const fn = `ng.${op}`;
  const a = checkTensor(fn, 'x', x);
  const [outer, n, inner] = axisSplit(a.shape, normAxis(fn, axis, a.shape));
  const log = op === 'logSoftmax';
  const out = uninitOutput(fn, a.shape);
  native.softmaxForward(out.data, a.data, outer, n, inner, log);
  return record(out, op, [a], (g, gradOf) => native.softmaxBackward(gradOf(0)!, g, out.data, outer, n, inner, log));
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxAlong('softmax', x, axis);
}
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxAlong('logSoftmax', x, axis);
}

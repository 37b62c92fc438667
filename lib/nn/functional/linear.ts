/**
 * linear(x, weight, bias?) — PyTorch's F.linear, fused. Kernel: native/kernels/linear.cc.
 *
 *   x [..., I], weight [O, I], bias [O]  →  out [..., O]   (leading dimensions flattened to N rows)
 *   forward   out = x · weightᵀ + bias          one sgemm over an output pre-filled with the bias rows
 *   backward  dx += g · weight,  dW += gᵀ · x   sgemm with transpose flags (no transposed copies)
 *             db += Σ_rows g                    column sum
 * One native call forward and one backward, whatever the batch size.
 */
import { Tensor, checkTensor } from '../../tensor';
import { record } from '../../autograd/node';
import { argError, shapeError, shapeStr } from '../../errors';
import { output } from '../../ops/util';
import { k } from '../kernels';

/** @internal linear with the caller's name in errors (a module passes its own). */
export function linearAs(fn: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): Tensor {
  checkTensor(fn, 'input', x);
  checkTensor(fn, 'weight', weight);
  if (weight.ndim !== 2) throw argError(fn, 'weight', 'a 2-D Tensor [out, in]', weight);
  const [O, I] = weight.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== I)
    throw shapeError(
      fn,
      `input of shape ${shapeStr(x.shape)} does not fit weight of shape ${shapeStr(weight.shape)}: the input's last dimension must be ${I} (in_features)`,
    );
  if (bias !== null && bias !== undefined) {
    checkTensor(fn, 'bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== O)
      throw shapeError(fn, `bias of shape ${shapeStr(bias.shape)} does not fit weight of shape ${shapeStr(weight.shape)}: expected [${O}]`);
  }
  const lead = x.shape.slice(0, -1);
  let N = 1;
  for (const d of lead) N *= d;
  const out = output(fn, [...lead, O]);
  const b = bias ?? null;
  k.linearForward(out.data, x.data, weight.data, b ? b.data : null, N, I, O);
  const inputs = b ? [x, weight, b] : [x, weight];
  return record(out, 'linear', inputs, (g, gradOf) => {
    k.linearBackward(gradOf(0), gradOf(1), b ? gradOf(2) : null, g, x.data, weight.data, N, I, O);
  });
}

/** x · weightᵀ + bias over the last dimension of x (PyTorch's F.linear). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return linearAs('ng.nn.functional.linear', x, weight, bias);
}

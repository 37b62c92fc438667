/**
 * linear(x, weight, bias?) — PyTorch's F.linear, fused. Kernel: native/kernels/linear.cc.
 *
 *   x [..., I], weight [O, I], bias [O]  →  out [..., O]   (leading dimensions flattened to N rows)
 *   forward   out = x · weightᵀ + bias          one sgemm over an output pre-filled with the bias rows
 *   backward  dx += g · weight,  dW += gᵀ · x   sgemm with transpose flags (no transposed copies)
 *             db += Σ_rows g                    column sum
 * One native call forward and one backward, whatever the batch size.
 * nn.Sequential runs a Linear followed by a ReLU as one fused op, linearRelu (below).
 */
import { Tensor, checkTensor } from '../../tensor';
import { record } from '../../autograd/node';
import { argError, shapeError, shapeStr } from '../../errors';
import { allocateUninit } from '../../tensor';
import { native as k } from '../../native';

/** @internal linear with the caller's name in errors (a module passes its own). */
export function linearAs(fn: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): Tensor {
  return linearOp(fn, x, weight, bias, false, null);
}

/**
 * @internal relu(x · weightᵀ + bias) as one op (nn.Sequential runs Linear followed by ReLU so):
 * forward one sgemm then the ReLU in place, backward the mask [y > 0] applied in a kernel-owned
 * scratch buffer, then the Linear backward (kernels/linear.cc).
 */
export function linearReluAs(fn: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, into: Float32Array | null = null): Tensor {
  return linearOp(fn, x, weight, bias, true, into);
}

/**
 * @internal plain or fused linear writing into `into` when given (a buffer of exactly the output's
 * size), else into a fresh one. `intoShape`, the frozen shape of the tensor that last wrapped
 * `into`, is reused when it is the output's shape.
 */
export function linearOp(
  fn: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  withRelu: boolean,
  into: Float32Array | null,
  intoShape: readonly number[] | null = null,
): Tensor {
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
  const lead = x.ndim === 2 ? null : x.shape.slice(0, -1);
  const N = lead === null ? x.shape[0] : lead.reduce((a, d) => a * d, 1);
  const fits = into !== null && into.length === N * O;
  const same = fits && intoShape !== null && intoShape.length === x.ndim && intoShape[x.ndim - 1] === O && sameLead(intoShape, x.shape);
  const shape = same ? intoShape : lead === null ? [N, O] : [...lead, O];
  // every element is written by the kernel (bias rows or beta = 0), so the buffer needs no zero-fill
  const out = new Tensor(fits ? into : allocateUninit(fn, N * O), shape);
  const b = bias ?? null;
  const bd = b ? b.data : null;
  if (withRelu) k.linearReluForward(out.data, x.data, weight.data, bd, N, I, O);
  else k.linearForward(out.data, x.data, weight.data, bd, N, I, O);
  const inputs = b ? [x, weight, b] : [x, weight];
  if (withRelu)
    return record(out, 'linearRelu', inputs, (g, gradOf) => {
      k.linearReluBackward(gradOf(0), gradOf(1), b ? gradOf(2) : null, g, out.data, x.data, weight.data, N, I, O);
    });
  return record(out, 'linear', inputs, (g, gradOf) => {
    k.linearBackward(gradOf(0), gradOf(1), b ? gradOf(2) : null, g, x.data, weight.data, N, I, O);
  });
}

/** Whether a and b agree on every dimension but the last (same rank assumed). */
function sameLead(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length - 1; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** x · weightᵀ + bias over the last dimension of x (PyTorch's F.linear). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return linearAs('ng.nn.functional.linear', x, weight, bias);
}

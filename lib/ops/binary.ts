/**
 * add, sub, mul, div with broadcasting (NumPy/PyTorch rules: same shape, a scalar or one-element
 * tensor, a row [M] over [N, M], and any other compatible pair). Kernel: kernels/elementwise.cc.
 *
 *   forward   out = a ∘ b
 *   backward  da += g · ∂(a∘b)/∂a,  db += g · ∂(a∘b)/∂b, summed over the dimensions each was broadcast along
 */
import { native } from '../native';
import { Tensor, TensorLike } from '../tensor';
import { record, isGradEnabled } from '../autograd/node';
import { broadcastPlan, broadcastShapes, sameShape } from '../shape';
import { asTensor, uninitOutput } from './util';
import { opCodes } from './table';

const NAMES = ['add', 'sub', 'mul', 'div'] as const;
type Name = (typeof NAMES)[number];
const CODE = opCodes('binaryOps', NAMES);
const FN = Object.fromEntries(NAMES.map((n) => [n, `ng.${n}`])) as Record<Name, string>;

function binary(name: Name, x: TensorLike, y: TensorLike): Tensor {
  const op = CODE[name];
  const fn = FN[name];
  const a = asTensor(fn, 'a', x);
  const b = asTensor(fn, 'b', y);
  // fast path: equal shapes need neither a broadcast shape nor a plan
  const same = sameShape(a.shape, b.shape);
  let shape = same ? a.shape : broadcastShapes(fn, a.shape, b.shape);
  const plan = same ? null : broadcastPlan(shape, a.shape, b.shape);
  // share an operand's (frozen) shape when the result has it, as in [N, M] + [M]
  if (!same) shape = sameShape(shape, a.shape) ? a.shape : sameShape(shape, b.shape) ? b.shape : shape;
  const out = uninitOutput(fn, shape);
  if (plan) native.binaryForward(op, out.data, a.data, b.data, plan.shape, plan.sa, plan.sb);
  else if (out.size > 0) native.binaryForward(op, out.data, a.data, b.data);
  if (!(a.requiresGrad || b.requiresGrad) || !isGradEnabled()) return out; // nothing to record
  return record(out, name, [a, b], (g, gradOf) => {
    const da = gradOf(0);
    const db = gradOf(1);
    if (plan) native.binaryBackward(op, da, db, g, a.data, b.data, plan.shape, plan.sa, plan.sb);
    else if (g.length > 0) native.binaryBackward(op, da, db, g, a.data, b.data);
  });
}

/** a + b (broadcasting) */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary('add', a, b);
}
/** a − b (broadcasting) */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary('sub', a, b);
}
/** a · b element-wise (broadcasting) */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', a, b);
}
/** a / b element-wise (broadcasting); division by zero gives ±Inf or NaN, as IEEE says */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary('div', a, b);
}

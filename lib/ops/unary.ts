/**
 * Element-wise maps. Kernel: kernels/elementwise.cc (unary_forward / unary_backward).
 *
 *   neg   y = −x            dx += −g
 *   exp   y = eˣ            dx += g·y
 *   log   y = ln x          dx += g/x
 *   sqrt  y = √x            dx += g/(2y)
 *   abs   y = |x|           dx += g·sign(x)
 *   pow   y = xᵖ            dx += g·p·xᵖ⁻¹
 *   relu  y = max(x, 0)     dx += g·[x > 0]
 *   sigmoid y = 1/(1+e⁻ˣ)   dx += g·y(1−y)
 *   tanh  y = tanh x        dx += g·(1−y²)
 */
import { native } from '../native';
import { Tensor } from '../tensor';
import { record, isGradEnabled } from '../autograd/node';
import { checkNumber } from '../errors';
import { asTensor, uninitOutput } from './util';

const enum Op {
  Neg = 0,
  Exp = 1,
  Log = 2,
  Sqrt = 3,
  Relu = 4,
  Sigmoid = 5,
  Tanh = 6,
  Pow = 7,
  Abs = 8,
}
const NAMES = ['neg', 'exp', 'log', 'sqrt', 'relu', 'sigmoid', 'tanh', 'pow', 'abs'];
const FNS = NAMES.map((n) => `ng.${n}`);

function unary(op: Op, x: Tensor, p = 0): Tensor {
  const fn = FNS[op];
  const a = asTensor(fn, 'x', x);
  const out = uninitOutput(fn, a.shape);
  native.unaryForward(op, out.data, a.data, p);
  if (!a.requiresGrad || !isGradEnabled()) return out; // nothing to record
  return record(out, NAMES[op], [a], (g, gradOf) => {
    native.unaryBackward(op, gradOf(0)!, g, a.data, out.data, p);
  });
}

export const neg = (x: Tensor): Tensor => unary(Op.Neg, x);
export const exp = (x: Tensor): Tensor => unary(Op.Exp, x);
export const log = (x: Tensor): Tensor => unary(Op.Log, x);
export const sqrt = (x: Tensor): Tensor => unary(Op.Sqrt, x);
export const abs = (x: Tensor): Tensor => unary(Op.Abs, x);
export const relu = (x: Tensor): Tensor => unary(Op.Relu, x);
export const sigmoid = (x: Tensor): Tensor => unary(Op.Sigmoid, x);
export const tanh = (x: Tensor): Tensor => unary(Op.Tanh, x);
/** xᵖ for a number p (element-wise). */
export function pow(x: Tensor, exponent: number): Tensor {
  checkNumber('ng.pow', 'exponent', exponent);
  return unary(Op.Pow, x, exponent);
}

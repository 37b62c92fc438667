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
import { opCodes } from './table';

const NAMES = ['neg', 'exp', 'log', 'sqrt', 'relu', 'sigmoid', 'tanh', 'pow', 'abs'] as const;
type Name = (typeof NAMES)[number];
const CODE = opCodes('unaryOps', NAMES);
const FN = Object.fromEntries(NAMES.map((n) => [n, `ng.${n}`])) as Record<Name, string>;

function unary(name: Name, x: Tensor, p = 0): Tensor {
  const op = CODE[name];
  const fn = FN[name];
  const a = asTensor(fn, 'x', x);
  const out = uninitOutput(fn, a.shape);
  native.unaryForward(op, out.data, a.data, p);
  if (!a.requiresGrad || !isGradEnabled()) return out; // nothing to record
  return record(out, name, [a], (g, gradOf) => {
    native.unaryBackward(op, gradOf(0)!, g, a.data, out.data, p);
  });
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** xᵖ for a number p (element-wise). */
export function pow(x: Tensor, exponent: number): Tensor {
  checkNumber('ng.pow', 'exponent', exponent);
  return unary('pow', x, exponent);
}

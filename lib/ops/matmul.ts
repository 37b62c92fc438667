/**
 * Matrix product and 2-D transpose. Kernels: kernels/matmul.cc.
 *
 *   matmul     out [M, N] = a [M, K] · b [K, N]          one cblas_sgemm
 *              da += g · bᵀ,  db += aᵀ · g               sgemm with transpose flags, no transposed copies
 *   transpose  out [C, R] = aᵀ                           da += gᵀ
 */
import { native } from '../native';
import { Tensor } from '../tensor';
import { record, isGradEnabled } from '../autograd/node';
import { argError, describe, rangeError, shapeError, shapeStr } from '../errors';
import { checkTensor } from '../tensor';
import { uninitOutput } from './util';

/** `a [M, K] · b [K, N]` through one cblas_sgemm, into a new tensor; differentiable. */
export function matmul(x: Tensor, y: Tensor): Tensor {
  const fn = 'ng.matmul';
  const [a, b, M, K, N] = checkMatmul(fn, x, y);
  const out = uninitOutput(fn, Object.freeze([M, N]));
  native.sgemm(out.data, a.data, b.data, M, K, N, false, false, 1, 0);
  if (!((a.requiresGrad || b.requiresGrad) && isGradEnabled())) return out; // nothing to record
  return record(out, 'matmul', [a, b], (g, gradOf) => {
    native.matmulBackward(gradOf(0), gradOf(1), g, a.data, b.data, M, K, N);
  });
}

/**
 * `out ← a · b` into an existing [M, N] tensor (PyTorch's `torch.matmul(a, b, out=out)`): no
 * allocation, for loops that multiply the same shapes again and again. Returns `out`. As in
 * PyTorch, it is not differentiable: it throws while recording if an input requires a gradient.
 */
export function matmulInto(out: Tensor, x: Tensor, y: Tensor): Tensor {
  const fn = 'ng.matmulInto';
  const [a, b, M, K, N] = checkMatmul(fn, x, y);
  const o = checkTensor(fn, 'out', out);
  if (o.ndim !== 2 || o.shape[0] !== M || o.shape[1] !== N)
    throw shapeError(fn, `out has shape ${shapeStr(o.shape)} but ${shapeStr(a.shape)} · ${shapeStr(b.shape)} is [${M}, ${N}]`);
  if ((a.requiresGrad || b.requiresGrad) && isGradEnabled())
    throw new Error(`${fn}: writing into 'out' is not differentiable and an input requires grad; use ng.matmul, or call it inside ng.noGrad`);
  if (o === a || o === b) throw argError(fn, 'out', 'a tensor other than the inputs (sgemm cannot work in place)', o);
  native.sgemm(o.data, a.data, b.data, M, K, N, false, false, 1, 0);
  return o;
}

function checkMatmul(fn: string, x: Tensor, y: Tensor): [Tensor, Tensor, number, number, number] {
  const a = checkTensor(fn, 'a', x);
  const b = checkTensor(fn, 'b', y);
  if (a.ndim !== 2) throw argError(fn, 'a', 'a 2-D Tensor', a);
  if (b.ndim !== 2) throw argError(fn, 'b', 'a 2-D Tensor', b);
  const [M, K] = a.shape;
  const [K2, N] = b.shape;
  if (K !== K2) throw shapeError(fn, `shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied: a has ${K} columns, b has ${K2} rows`);
  return [a, b, M, K, N];
}

/** Transpose of a 2-D tensor (a copy, [R, C] → [C, R]). `dim0, dim1` may be given as 0, 1 or 1, 0. */
export function transpose(x: Tensor, dim0 = 0, dim1 = 1): Tensor {
  const fn = 'ng.transpose';
  const a = checkTensor(fn, 'x', x);
  if (a.ndim !== 2) throw argError(fn, 'x', 'a 2-D Tensor', a);
  const d0 = dim0 < 0 ? dim0 + 2 : dim0;
  const d1 = dim1 < 0 ? dim1 + 2 : dim1;
  if (!((d0 === 0 && d1 === 1) || (d0 === 1 && d1 === 0)))
    throw rangeError(fn, `arguments 'dim0', 'dim1' must be the two axes of a 2-D tensor (0 and 1, or −2 and −1), got ${describe(dim0)} and ${describe(dim1)}`);
  const [R, C] = a.shape;
  const out = uninitOutput(fn, [C, R]);
  native.transposeForward(out.data, a.data, R, C);
  return record(out, 'transpose', [a], (g, gradOf) => {
    native.transposeBackward(gradOf(0)!, g, R, C);
  });
}

/**
 * Compares the tape's gradients with central finite differences.
 *
 * For f with output y, both sides are taken of the scalar L = Σ_i r_i · y_i with a fixed
 * pseudo-random r (so a non-scalar output is checked in every direction at once):
 *   analytic  ∂L/∂x from backward(r)
 *   numeric   (L(x + ε e_j) − L(x − ε e_j)) / 2ε, for every element j of every input with requiresGrad
 * An element passes when |numeric − analytic| ≤ atol + rtol·|numeric|. The defaults suit float32
 * (PyTorch's own gradcheck wants float64; in float32 ε = 1e-3 balances truncation and rounding).
 */
import { Tensor, checkTensor } from '../tensor';
import { argError, checkOptions } from '../errors';
import { noGrad } from './node';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}
export interface GradcheckResult {
  ok: boolean;
  /** The largest |numeric − analytic| over all checked elements. */
  maxError: number;
  /** Where maxError was found: input index and flat element index. */
  worst?: { input: number; index: number; numeric: number; analytic: number };
}

export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options?: GradcheckOptions): GradcheckResult {
  const name = 'ng.gradcheck';
  if (typeof fn !== 'function') throw argError(name, 'fn', 'a function of tensors returning a Tensor', fn);
  if (!Array.isArray(inputs)) throw argError(name, 'inputs', 'an array of Tensors', inputs);
  inputs.forEach((t, i) => checkTensor(name, `inputs[${i}]`, t));
  const opts = checkOptions(name, options, ['eps', 'atol', 'rtol'], '{ eps: 1e-3, atol: 1e-3, rtol: 1e-2 }');
  const eps = opts.eps ?? 1e-3;
  const atol = opts.atol ?? 1e-3;
  const rtol = opts.rtol ?? 1e-2;

  const first = fn(...inputs);
  checkTensor(name, 'fn(...inputs)', first);
  const r = new Float32Array(first.size);
  for (let i = 0; i < r.length; i++) r[i] = Math.sin(1.7 * i + 0.3) + 0.1; // fixed, not 0, varied
  const saved = inputs.map((t) => t.grad);
  inputs.forEach((t) => (t.grad = null));
  if (first.requiresGrad) first.backward(new Tensor(r, first.shape));
  const analytic = inputs.map((t) => (t.requiresGrad ? (t.grad ? new Float32Array(t.grad.data) : new Float32Array(t.size)) : null));
  inputs.forEach((t, i) => (t.grad = saved[i]));

  const L = (): number =>
    noGrad(() => {
      const y = fn(...inputs).data;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += r[i] * y[i];
      return s;
    });

  let maxError = 0;
  let ok = true;
  let worst: GradcheckResult['worst'];
  inputs.forEach((t, k) => {
    const an = analytic[k];
    if (!an) return;
    const d = t.data;
    for (let j = 0; j < d.length; j++) {
      const orig = d[j];
      d[j] = orig + eps;
      const hi = L();
      d[j] = orig - eps;
      const lo = L();
      d[j] = orig;
      const numeric = (hi - lo) / (2 * eps);
      const err = Math.abs(numeric - an[j]);
      if (!(err <= atol + rtol * Math.abs(numeric))) ok = false;
      if (err > maxError || Number.isNaN(err)) {
        maxError = Number.isNaN(err) ? Infinity : err;
        worst = { input: k, index: j, numeric, analytic: an[j] };
      }
    }
  });
  return { ok, maxError, worst };
}

/**
 * Second-order information about a loss, from the tape's gradients.
 *
 * hessian:    H[:, j] ≈ (∇L(θ + h e_j) − ∇L(θ − h e_j)) / 2h for every parameter j (2P backward
 *             passes), then symmetrised, H ← (H + Hᵀ)/2. The error is O(h²) from truncation plus
 *             O(ε_f32 · |∇L| / h) from rounding; h = 5e-3·max(1, |θ_j|) balances them in float32, giving
 *             entries accurate to about 1e-3 of the largest entry on well-scaled problems.
 * curvature:  the largest-magnitude eigenvalue of H by power iteration on Hessian-vector products,
 *             Hv ≈ (∇L(θ + hv) − ∇L(θ − hv)) / 2h with ‖v‖ = 1: two backward passes per iteration
 *             and never a P×P matrix, so it works on networks with millions of parameters.
 */
import { native } from '../native';
import { Tensor, checkTensor } from '../tensor';
import { argError, checkNumber, checkOptions, rangeError, shapeStr } from '../errors';
import { eigh } from '../linalg';

/** Largest parameter count `hessian` accepts: a 2000×2000 Hessian needs 4000 backward passes. */
export const HESSIAN_MAX_PARAMS = 2000;

function checkArgs(fn: string, lossFn: unknown, params: unknown): Tensor[] {
  if (typeof lossFn !== 'function') throw argError(fn, 'lossFn', 'a function () => scalar Tensor', lossFn);
  if (!Array.isArray(params) || params.length === 0) throw argError(fn, 'params', 'a non-empty array of Tensors', params);
  params.forEach((p, i) => checkTensor(fn, `params[${i}]`, p));
  return params as Tensor[];
}

/** ∇L at the current parameters, flattened in order; the parameters' own .grad are left as they were. */
export function flatGradient(lossFn: () => Tensor, params: Tensor[], fn = 'ng.analysis.gradient'): Float32Array {
  const saved = params.map((p) => [p.grad, p.requiresGrad] as const);
  const P = params.reduce((s, p) => s + p.size, 0);
  const out = new Float32Array(P);
  try {
    for (const p of params) {
      p.grad = null;
      p.requiresGrad = true;
    }
    const loss = lossFn();
    if (!(loss instanceof Tensor) || loss.size !== 1)
      throw argError(fn, 'lossFn', 'a function returning a scalar Tensor', loss instanceof Tensor ? loss : typeof loss);
    loss.backward();
    let o = 0;
    for (const p of params) {
      if (p.grad) out.set(p.grad.data, o);
      o += p.size;
      p.grad?.dispose();
    }
    loss.dispose();
  } finally {
    params.forEach((p, i) => {
      p.grad = saved[i][0];
      p.requiresGrad = saved[i][1];
    });
  }
  return out;
}

/** Adds `alpha·v` to the flattened parameters (in place). */
function perturb(params: Tensor[], v: Float32Array, alpha: number): void {
  let o = 0;
  for (const p of params) {
    native.axpy(p.data, v.subarray(o, o + p.size), alpha);
    o += p.size;
  }
}

/** The full Hessian [P, P] of a scalar loss with respect to the flattened parameters. */
export function hessian(lossFn: () => Tensor, params: Tensor[], opts?: { step?: number }): Tensor {
  const fn = 'ng.analysis.hessian';
  checkArgs(fn, lossFn, params);
  const o = checkOptions(fn, opts, ['step'], '{ step: 5e-3 }');
  const P = params.reduce((s, p) => s + p.size, 0);
  if (P > HESSIAN_MAX_PARAMS)
    throw rangeError(
      fn,
      `${P} parameters is above HESSIAN_MAX_PARAMS (${HESSIAN_MAX_PARAMS}): a full Hessian would take ${2 * P} backward passes and ${((P * P * 4) / 2 ** 20).toFixed(0)} MiB. ` +
        'Use ng.analysis.curvature(lossFn, params) for the largest eigenvalue from Hessian-vector products instead.',
    );
  const base = o.step ?? 5e-3;
  checkNumber(fn, 'step', base, { min: 0, minExclusive: true });
  const H = new Float64Array(P * P);
  const flat: { p: Tensor; i: number }[] = [];
  for (const p of params) for (let i = 0; i < p.size; i++) flat.push({ p, i });
  for (let j = 0; j < P; j++) {
    const { p, i } = flat[j];
    const orig = p.data[i];
    const h = base * Math.max(1, Math.abs(orig));
    p.data[i] = orig + h;
    const gp = flatGradient(lossFn, params, fn);
    p.data[i] = orig - h;
    const gm = flatGradient(lossFn, params, fn);
    p.data[i] = orig;
    for (let r = 0; r < P; r++) H[r * P + j] = (gp[r] - gm[r]) / (2 * h);
  }
  const out = new Float32Array(P * P);
  for (let r = 0; r < P; r++) for (let c = 0; c < P; c++) out[r * P + c] = 0.5 * (H[r * P + c] + H[c * P + r]);
  return new Tensor(out, [P, P]);
}

export type CriticalPoint = 'minimum' | 'maximum' | 'saddle' | 'degenerate';

/**
 * Classifies a critical point from its Hessian's eigenvalues λ, with t = tol·max|λ|:
 * some λ > t and some λ < −t → 'saddle'; all λ > t → 'minimum'; all λ < −t → 'maximum';
 * otherwise (some |λ| ≤ t, the rest of one sign) → 'degenerate' (second order cannot tell).
 */
export function classifyCriticalPoint(H: Tensor, opts?: { tol?: number }): CriticalPoint {
  const fn = 'ng.analysis.classifyCriticalPoint';
  checkTensor(fn, 'hessian', H);
  if (H.ndim !== 2 || H.shape[0] !== H.shape[1] || H.size === 0) throw argError(fn, 'hessian', `a non-empty square 2-D Tensor, got shape ${shapeStr(H.shape)}`);
  const tol = checkNumber(fn, 'tol', checkOptions(fn, opts, ['tol'], '{ tol: 1e-3 }').tol ?? 1e-3, { min: 0 });
  const lam = Array.from(eigh(H).values.data);
  const t = tol * Math.max(...lam.map(Math.abs));
  const pos = lam.some((l) => l > t);
  const neg = lam.some((l) => l < -t);
  if (pos && neg) return 'saddle';
  if (lam.every((l) => l > t)) return 'minimum';
  if (lam.every((l) => l < -t)) return 'maximum';
  return 'degenerate';
}

export interface Curvature {
  /** the largest-magnitude eigenvalue of the Hessian, with its sign */
  lambdaMax: number;
  /**
   * 1/|λmax|. On the local quadratic model, gradient descent diverges along the top eigenvector
   * once η > 2/λmax, and η = 1/λmax removes that direction's error in one step while staying a
   * factor 2 inside the edge of stability: a safe, aggressive fixed learning rate.
   */
  suggestedLr: number;
  /** the top eigenvector (flattened like the parameters) */
  vector: Float32Array;
  /** power iterations run */
  iterations: number;
}

/** Power iteration on finite-difference Hessian-vector products (no P×P matrix is formed). */
export function curvature(lossFn: () => Tensor, params: Tensor[], opts?: { iterations?: number; step?: number; tol?: number }): Curvature {
  const fn = 'ng.analysis.curvature';
  checkArgs(fn, lossFn, params);
  const o = checkOptions(fn, opts, ['iterations', 'step', 'tol'], '{ iterations: 20 }');
  const iterations = checkNumber(fn, 'iterations', o.iterations ?? 20, { integer: true, min: 1 });
  const h = checkNumber(fn, 'step', o.step ?? 1e-3, { min: 0, minExclusive: true });
  const tol = checkNumber(fn, 'tol', o.tol ?? 1e-4, { min: 0 });
  const P = params.reduce((s, p) => s + p.size, 0);
  // a deterministic start vector that does not consume the library's RNG
  let v: Float32Array = new Float32Array(P);
  let s = 0x9e3779b9;
  for (let i = 0; i < P; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 4294967296 - 0.5;
  }
  const normalize = (x: Float32Array): number => {
    let n = 0;
    for (let i = 0; i < x.length; i++) n += x[i] * x[i];
    n = Math.sqrt(n);
    if (n > 0) for (let i = 0; i < x.length; i++) x[i] /= n;
    return n;
  };
  normalize(v);
  const hvp = (x: Float32Array): Float32Array => {
    perturb(params, x, h);
    const gp = flatGradient(lossFn, params, fn);
    perturb(params, x, -2 * h);
    const gm = flatGradient(lossFn, params, fn);
    perturb(params, x, h);
    for (let i = 0; i < P; i++) gp[i] = (gp[i] - gm[i]) / (2 * h);
    return gp;
  };
  let lambda = 0;
  let it = 0;
  for (; it < iterations; it++) {
    const Hv = hvp(v);
    let rayleigh = 0;
    for (let i = 0; i < P; i++) rayleigh += v[i] * Hv[i];
    const norm = normalize(Hv);
    if (norm === 0) {
      lambda = 0;
      break;
    }
    const prev = lambda;
    lambda = rayleigh;
    v = Hv;
    if (it > 0 && Math.abs(lambda - prev) <= tol * Math.abs(lambda)) {
      it++;
      break;
    }
  }
  return { lambdaMax: lambda, suggestedLr: lambda !== 0 ? 1 / Math.abs(lambda) : Infinity, vector: v, iterations: it };
}

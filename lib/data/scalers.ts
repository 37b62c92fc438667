/**
 * Input normalisation fitted on a data matrix x [N, F] (rows are samples), as in scikit-learn:
 * statistics are the biased (1/N) ones.
 *
 *   StandardScaler   z = (x − μ) / σ,  σ_f = sqrt(1/N Σ_n (x_nf − μ_f)²); a constant feature
 *                    (σ_f² ≤ (4 ε_float |μ_f|)², i.e. zero up to rounding) gets σ_f = 1
 *                    (scikit-learn's StandardScaler; PyTorch has none)
 *   PCAWhitening     z = (x − μ) U Λ^(−1/2):  C = 1/N (x − μ)ᵀ(x − μ) = U Λ Uᵀ, divided by sqrt(λ + eps);
 *                    columns ordered by decreasing eigenvalue, each eigenvector's sign chosen so that
 *                    its largest-magnitude entry is positive (scikit-learn's svd_flip convention);
 *                    cov(z) = diag(λ / (λ + eps))
 *   ZCAWhitening     z = (x − μ) U Λ^(−1/2) Uᵀ: the whitening closest to the input (Bell & Sejnowski);
 *                    W = U diag(1/sqrt(λ + eps)) Uᵀ is symmetric
 *
 * The covariance is one sgemm (1/N · X_cᵀ X_c in float, accumulated by OpenBLAS); the
 * eigen-decomposition is LAPACK ssyevd in float (data/linalg.ts). Eigenvalues below zero (rounding of
 * a singular covariance) are clamped to 0 before adding eps. Everything runs without recording
 * gradients: these are data transforms, fitted once.
 */
import { native } from '../native';
import { Tensor, checkTensor, allocate } from '../tensor';
import { argError, checkNumber, checkOptions, rangeError, shapeStr } from '../errors';
import { noGrad } from '../autograd/node';
import * as ops from '../ops';
import { eigh } from '../linalg';

const FLOAT32_EPS = 2 ** -23;

function matrix(fn: string, x: unknown): Tensor {
  const t = checkTensor(fn, 'x', x);
  if (t.ndim !== 2) throw rangeError(fn, `argument 'x' must be a 2-D Tensor [samples, features], got shape ${shapeStr(t.shape)}`);
  return t;
}
function fitted<T>(fn: string, v: T | null): T {
  if (v === null) throw new Error(`${fn}: not fitted yet; call fit(x) first`);
  return v;
}
function sameWidth(fn: string, x: Tensor, F: number): void {
  if (x.shape[1] !== F)
    throw rangeError(fn, `argument 'x' has ${x.shape[1]} features (shape ${shapeStr(x.shape)}) but the transform was fitted on ${F}`);
}
function samples(fn: string, x: Tensor): number {
  if (x.shape[0] < 1) throw rangeError(fn, `argument 'x' needs at least one sample, got shape ${shapeStr(x.shape)}`);
  return x.shape[0];
}
function loadTensor(fn: string, sd: Record<string, Tensor>, key: string, shape: readonly number[]): Tensor {
  const t = sd?.[key];
  if (!(t instanceof Tensor)) throw argError(fn, `state['${key}']`, 'a Tensor', t);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw rangeError(fn, `state['${key}'] has shape ${shapeStr(t.shape)}, expected ${shapeStr(shape)}`);
  return t.detach();
}

/** Standardises each feature to zero mean and unit (biased) variance. */
export class StandardScaler {
  /** μ [F] */
  mean: Tensor | null = null;
  /** σ² [F] (biased) */
  var: Tensor | null = null;
  /** σ [F], zeros replaced by 1 */
  scale: Tensor | null = null;

  fit(x: Tensor): this {
    const fn = 'StandardScaler.fit';
    matrix(fn, x);
    samples(fn, x);
    noGrad(() => {
      const mean = ops.mean(x, 0);
      const centered = ops.sub(x, mean);
      const variance = ops.mean(ops.mul(centered, centered), 0);
      centered.dispose();
      const scale = ops.sqrt(variance);
      // as scikit-learn (_is_constant_feature + _handle_zeros_in_scale): a feature whose variance is
      // zero up to float32 rounding of the centring, σ² ≤ (4 ε |μ|)², is left unscaled (σ = 1)
      const s = scale.data, v = variance.data, m = mean.data;
      for (let f = 0; f < s.length; f++) if (v[f] <= (4 * FLOAT32_EPS * m[f]) ** 2) s[f] = 1;
      this.mean = mean;
      this.var = variance;
      this.scale = scale;
    });
    return this;
  }
  /** (x − μ) / σ */
  transform(x: Tensor): Tensor {
    const fn = 'StandardScaler.transform';
    matrix(fn, x);
    const mean = fitted(fn, this.mean);
    sameWidth(fn, x, mean.size);
    return noGrad(() => {
      const c = ops.sub(x, mean);
      const z = ops.div(c, this.scale!);
      c.dispose();
      return z;
    });
  }
  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }
  /** z σ + μ */
  inverseTransform(z: Tensor): Tensor {
    const fn = 'StandardScaler.inverseTransform';
    matrix(fn, z);
    const mean = fitted(fn, this.mean);
    sameWidth(fn, z, mean.size);
    return noGrad(() => {
      const s = ops.mul(z, this.scale!);
      const x = ops.add(s, mean);
      s.dispose();
      return x;
    });
  }
  /** { mean, var, scale } for saving with ng.save. */
  stateDict(): Record<string, Tensor> {
    const fn = 'StandardScaler.stateDict';
    return { mean: fitted(fn, this.mean), var: fitted(fn, this.var!), scale: fitted(fn, this.scale!) };
  }
  loadStateDict(sd: Record<string, Tensor>): void {
    const fn = 'StandardScaler.loadStateDict';
    const m = sd?.mean;
    if (!(m instanceof Tensor) || m.ndim !== 1) throw argError(fn, "state['mean']", 'a 1-D Tensor', m);
    this.mean = loadTensor(fn, sd, 'mean', m.shape);
    this.var = loadTensor(fn, sd, 'var', m.shape);
    this.scale = loadTensor(fn, sd, 'scale', m.shape);
  }
}

export interface WhiteningOptions {
  /** added to each eigenvalue before the square root (default 1e-5) */
  eps?: number;
}

/** Shared fit of PCA/ZCA: mean, covariance by sgemm, eigen-decomposition. */
abstract class Whitening {
  readonly eps: number;
  /** μ [F] */
  mean: Tensor | null = null;
  /** eigenvalues of the biased covariance, descending (PCA's order) [F] */
  eigenvalues: Tensor | null = null;
  /** unit eigenvectors as columns [F, F], in the order of `eigenvalues`, sign-normalised */
  eigenvectors: Tensor | null = null;
  /** the whitening matrix: z = (x − μ) W, [F, F] */
  whitening: Tensor | null = null;
  /** its inverse: x = z W⁻¹ + μ */
  protected unwhitening: Tensor | null = null;

  constructor(protected readonly name: string, opts: WhiteningOptions | undefined) {
    const fn = `new ng.data.${name}`;
    this.eps = checkNumber(fn, 'eps', checkOptions(fn, opts, ['eps'], '{ eps: 1e-5 }').eps ?? 1e-5, { min: 0 });
  }

  fit(x: Tensor): this {
    const fn = `${this.name}.fit`;
    matrix(fn, x);
    const N = samples(fn, x);
    const F = x.shape[1];
    noGrad(() => {
      const mean = ops.mean(x, 0);
      const centered = ops.sub(x, mean);
      // C [F, F] = 1/N · X_cᵀ X_c
      const cov = allocate(fn, F * F);
      native.sgemm(cov, centered.data, centered.data, F, N, F, true, false, 1 / N, 0);
      centered.dispose();
      const { values, vectors } = eigh(new Tensor(cov, [F, F]));
      // descending order; sign: largest-magnitude entry of each eigenvector positive
      const lam = new Float32Array(F), U = new Float32Array(F * F);
      const v = vectors.data;
      for (let j = 0; j < F; j++) {
        const src = F - 1 - j;
        lam[j] = Math.max(values.data[src], 0);
        let big = 0;
        for (let i = 0; i < F; i++) if (Math.abs(v[i * F + src]) > Math.abs(big)) big = v[i * F + src];
        const sign = big < 0 ? -1 : 1;
        for (let i = 0; i < F; i++) U[i * F + j] = sign * v[i * F + src];
      }
      this.mean = mean;
      this.eigenvalues = new Tensor(lam, [F]);
      this.eigenvectors = new Tensor(U, [F, F]);
      const inv = ops.pow(ops.add(this.eigenvalues, this.eps), -0.5); // (λ + eps)^(−1/2)
      const fwd = ops.pow(ops.add(this.eigenvalues, this.eps), 0.5);
      [this.whitening, this.unwhitening] = this.matrices(this.eigenvectors, inv, fwd);
    });
    return this;
  }

  /** W and W⁻¹ from U and the per-component scales. */
  protected abstract matrices(U: Tensor, invSqrt: Tensor, sqrt: Tensor): [Tensor, Tensor];

  /** (x − μ) W */
  transform(x: Tensor): Tensor {
    const fn = `${this.name}.transform`;
    matrix(fn, x);
    const mean = fitted(fn, this.mean);
    sameWidth(fn, x, mean.size);
    return noGrad(() => {
      const c = ops.sub(x, mean);
      const z = ops.matmul(c, this.whitening!);
      c.dispose();
      return z;
    });
  }
  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }
  /** z W⁻¹ + μ (exact only for eps = 0; with eps > 0 it inverts the regularised transform, which it is). */
  inverseTransform(z: Tensor): Tensor {
    const fn = `${this.name}.inverseTransform`;
    matrix(fn, z);
    const mean = fitted(fn, this.mean);
    sameWidth(fn, z, mean.size);
    return noGrad(() => {
      const c = ops.matmul(z, this.unwhitening!);
      const x = ops.add(c, mean);
      c.dispose();
      return x;
    });
  }
  /** { mean, eigenvalues, eigenvectors } for saving with ng.save. */
  stateDict(): Record<string, Tensor> {
    const fn = `${this.name}.stateDict`;
    return { mean: fitted(fn, this.mean), eigenvalues: fitted(fn, this.eigenvalues), eigenvectors: fitted(fn, this.eigenvectors) };
  }
  loadStateDict(sd: Record<string, Tensor>): void {
    const fn = `${this.name}.loadStateDict`;
    const m = sd?.mean;
    if (!(m instanceof Tensor) || m.ndim !== 1) throw argError(fn, "state['mean']", 'a 1-D Tensor', m);
    const F = m.size;
    this.mean = loadTensor(fn, sd, 'mean', [F]);
    this.eigenvalues = loadTensor(fn, sd, 'eigenvalues', [F]);
    this.eigenvectors = loadTensor(fn, sd, 'eigenvectors', [F, F]);
    noGrad(() => {
      const inv = ops.pow(ops.add(this.eigenvalues!, this.eps), -0.5);
      const fwd = ops.pow(ops.add(this.eigenvalues!, this.eps), 0.5);
      [this.whitening, this.unwhitening] = this.matrices(this.eigenvectors!, inv, fwd);
    });
  }
}

/** PCA whitening: decorrelates and scales each principal component to unit variance. */
export class PCAWhitening extends Whitening {
  constructor(opts?: WhiteningOptions) {
    super('PCAWhitening', opts);
  }
  // W = U diag(s), W⁻¹ = diag(1/s) Uᵀ
  protected matrices(U: Tensor, invSqrt: Tensor, sqrt: Tensor): [Tensor, Tensor] {
    const W = ops.mul(U, invSqrt); // row broadcast scales column j by s_j
    const Ut = ops.transpose(U);
    const Winv = ops.mul(Ut, ops.reshape(sqrt, [sqrt.size, 1])); // row j scaled by sqrt(λ_j + eps)
    return [W, Winv];
  }
}

/** ZCA ("Mahalanobis") whitening: PCA whitening rotated back, W = U Λ^(−1/2) Uᵀ. */
export class ZCAWhitening extends Whitening {
  constructor(opts?: WhiteningOptions) {
    super('ZCAWhitening', opts);
  }
  protected matrices(U: Tensor, invSqrt: Tensor, sqrt: Tensor): [Tensor, Tensor] {
    const Ut = ops.transpose(U);
    return [ops.matmul(ops.mul(U, invSqrt), Ut), ops.matmul(ops.mul(U, sqrt), Ut)];
  }
}

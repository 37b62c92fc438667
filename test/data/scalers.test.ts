/**
 * StandardScaler, PCAWhitening, ZCAWhitening against test/fixtures/whitening.json (PyTorch 1.13,
 * biased covariance, eps 1e-5), plus the symmetric LAPACK kernels they rest on.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { eigh, solveSymmetric } from '../../lib/linalg';
import { fixture, expectClose, lcg, randomArray } from '../helpers';

const fx = fixture('whitening.json');
const X = (): ng.Tensor => ng.tensor(Float32Array.from(fx.x.data as number[]), fx.x.shape);
const F = fx.x.shape[1] as number;

/** Biased covariance of z [N, F] in double, by plain loops (independent of the library). */
function covariance(z: Float32Array, N: number, C: number): number[] {
  const mean = new Array(C).fill(0);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) mean[c] += z[n * C + c] / N;
  const cov = new Array(C * C).fill(0);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) cov[i * C + j] += ((z[n * C + i] - mean[i]) * (z[n * C + j] - mean[j])) / N;
  return cov;
}

describe('data: StandardScaler', () => {
  it('matches the fixture: biased mean/std, standardized values, inverse', () => {
    const x = X();
    const s = new ng.data.StandardScaler();
    const z = s.fitTransform(x);
    expectClose(s.mean!.data, fx.mean.data, { rtol: 1e-6, atol: 1e-6, what: 'mean' });
    const variances = (fx.covariance.data as number[]).filter((_, i) => i % (F + 1) === 0);
    expectClose(s.var!.data, variances, { rtol: 1e-5, what: 'var' });
    expectClose(z.data, fx.standardized.data, { rtol: 1e-5, atol: 1e-5, what: 'standardized' });
    expectClose(s.inverseTransform(z).data, x.data, { rtol: 1e-5, atol: 1e-5, what: 'inverse' });
    expect(z.requiresGrad).to.equal(false);
  });

  it('leaves a constant feature unscaled (σ = 1), as scikit-learn', () => {
    const x = ng.tensor([[1, 5], [2, 5], [3, 5]]);
    const s = new ng.data.StandardScaler().fit(x);
    expect(Array.from(s.scale!.data)).to.deep.equal([Math.fround(Math.sqrt(2 / 3)), 1]);
    expect(Array.from(s.transform(x).data.filter((_, i) => i % 2 === 1))).to.deep.equal([0, 0, 0]);
  });

  it('round-trips through stateDict and checks its inputs', () => {
    const s = new ng.data.StandardScaler().fit(X());
    const t = new ng.data.StandardScaler();
    t.loadStateDict(s.stateDict());
    expect(Array.from(t.transform(X()).data)).to.deep.equal(Array.from(s.transform(X()).data));
    expect(() => new ng.data.StandardScaler().transform(X())).to.throw(/not fitted yet/);
    expect(() => s.transform(ng.zeros([3, 5]))).to.throw(/has 5 features \(shape \[3, 5\]\) but the transform was fitted on 4/);
    expect(() => s.fit(ng.zeros([4]))).to.throw(/2-D Tensor/);
    expect(() => s.fit(ng.zeros([0, 4]))).to.throw(/at least one sample/);
  });
});

describe('data: PCAWhitening and ZCAWhitening', () => {
  it('ZCA matches the fixture and is symmetric; its output has covariance ≈ I', () => {
    const zca = new ng.data.ZCAWhitening();
    const z = zca.fitTransform(X());
    expectClose(z.data, fx.zca.data, { rtol: 2e-4, atol: 2e-5, what: 'zca' });
    const W = zca.whitening!.data;
    for (let i = 0; i < F; i++) for (let j = 0; j < F; j++) expect(W[i * F + j]).to.be.closeTo(W[j * F + i], 1e-6);
    const lam = fx.eigenvalues.data as number[];
    const cov = covariance(z.data, fx.x.shape[0], F);
    // ZCA's output covariance is U diag(λ/(λ+eps)) Uᵀ: within 1e-4 of I here
    for (let i = 0; i < F; i++) for (let j = 0; j < F; j++) expect(cov[i * F + j]).to.be.closeTo(i === j ? 1 : 0, 1e-4 + 2e-5 / Math.min(...lam));
    expectClose(zca.inverseTransform(z).data, X().data, { rtol: 1e-4, atol: 1e-4, what: 'inverse' });
  });

  it('PCA: eigenvalues of the biased covariance (descending), U Λ Uᵀ = C, output covariance diag(λ/(λ+eps))', () => {
    const pca = new ng.data.PCAWhitening({ eps: 1e-5 });
    const z = pca.fitTransform(X());
    const lam = (fx.eigenvalues.data as number[]).slice().reverse();
    expectClose(pca.eigenvalues!.data, lam, { rtol: 1e-5, what: 'eigenvalues' });
    // reconstruct the covariance from the eigen-pairs
    const U = pca.eigenvectors!.data;
    const rec: number[] = [];
    for (let i = 0; i < F; i++) for (let j = 0; j < F; j++) rec.push(lam.reduce((s, l, k) => s + U[i * F + k] * l * U[j * F + k], 0));
    expectClose(rec, fx.covariance.data, { rtol: 1e-5, atol: 1e-6, what: 'U Λ Uᵀ' });
    const cov = covariance(z.data, fx.x.shape[0], F);
    for (let i = 0; i < F; i++)
      for (let j = 0; j < F; j++) expect(cov[i * F + j], `cov[${i},${j}]`).to.be.closeTo(i === j ? lam[i] / (lam[i] + 1e-5) : 0, 2e-5);
    // each column is unique up to sign: the convention makes each eigenvector's largest entry positive
    for (let j = 0; j < F; j++) {
      let big = 0;
      for (let i = 0; i < F; i++) if (Math.abs(U[i * F + j]) > Math.abs(big)) big = U[i * F + j];
      expect(big).to.be.greaterThan(0);
    }
    expectClose(pca.inverseTransform(z).data, X().data, { rtol: 1e-4, atol: 1e-4, what: 'inverse' });
  });

  it('eps regularises: with a large eps the output variances are λ/(λ+eps)', () => {
    const pca = new ng.data.PCAWhitening({ eps: 1 });
    const z = pca.fitTransform(X());
    const lam = (fx.eigenvalues.data as number[]).slice().reverse();
    const cov = covariance(z.data, fx.x.shape[0], F);
    for (let i = 0; i < F; i++) expect(cov[i * F + i]).to.be.closeTo(lam[i] / (lam[i] + 1), 1e-5);
  });

  it('save state, validate arguments', () => {
    const zca = new ng.data.ZCAWhitening().fit(X());
    const again = new ng.data.ZCAWhitening();
    again.loadStateDict(zca.stateDict());
    expectClose(again.transform(X()).data, zca.transform(X()).data, { rtol: 1e-6, atol: 1e-7 });
    expect(() => new ng.data.PCAWhitening({ eps: -1 })).to.throw(/eps/);
    expect(() => new ng.data.PCAWhitening().transform(X())).to.throw(/PCAWhitening.transform: not fitted yet/);
    expect(() => zca.transform(ng.zeros([2, 3]))).to.throw(/3 features.*fitted on 4/);
  });
});

describe('data: LAPACK eigh and symmetric solves', () => {
  const rnd = lcg(42);
  const symmetric = (n: number): ng.Tensor => {
    const a = randomArray(n * n, rnd);
    const s = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = a[i * n + j] + a[j * n + i];
    return new ng.Tensor(s, [n, n]);
  };

  for (const precision of ['float', 'double'] as const) {
    it(`eigh (${precision}): A V = V Λ, λ ascending, V orthonormal`, () => {
      const n = 24;
      const A = symmetric(n);
      const { values, vectors } = eigh(A, { precision });
      const a = A.data, v = vectors.data, l = values.data;
      for (let i = 1; i < n; i++) expect(l[i]).to.be.at.least(l[i - 1]);
      const tol = precision === 'float' ? 2e-5 : 1e-6;
      for (let j = 0; j < n; j++)
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let k = 0; k < n; k++) av += a[i * n + k] * v[k * n + j];
          expect(av, `(AV)[${i},${j}]`).to.be.closeTo(l[j] * v[i * n + j], tol * 10);
        }
      for (let p = 0; p < n; p++)
        for (let q = 0; q < n; q++) {
          let d = 0;
          for (let k = 0; k < n; k++) d += v[k * n + p] * v[k * n + q];
          expect(d).to.be.closeTo(p === q ? 1 : 0, tol * 5);
        }
    });
  }

  it('eigh reads only the lower triangle and matches the fixture eigenvalues', () => {
    const C = Float32Array.from(fx.covariance.data as number[]);
    for (let i = 0; i < F; i++) for (let j = i + 1; j < F; j++) C[i * F + j] = 1e6; // garbage above the diagonal
    expectClose(eigh(new ng.Tensor(C, [F, F])).values.data, fx.eigenvalues.data, { rtol: 1e-5 });
  });

  it('solveSymmetric: LDLᵀ for indefinite matrices, Cholesky for positive definite ones', () => {
    const n = 12;
    const A = symmetric(n);
    const b = ng.tensor(randomArray(n * 3, rnd), [n, 3]);
    for (const [M, method] of [[A, 'ldlt'], [ng.add(ng.matmul(A, A), 1e-1), 'cholesky']] as [ng.Tensor, 'ldlt' | 'cholesky'][]) {
      const x = solveSymmetric(M, b, { method, precision: 'double' });
      expect(x.shape).to.deep.equal([n, 3]);
      expectClose(ng.matmul(M, x).data, b.data, { rtol: 1e-3, atol: 1e-4, what: method });
    }
    const x1 = solveSymmetric(ng.tensor([[2, 1], [1, -3]]), ng.tensor([3, -2]));
    expectClose(x1.data, [1, 1], { rtol: 1e-6 });
  });

  it('reports singular, indefinite, non-finite and non-square input clearly', () => {
    expect(() => solveSymmetric(ng.zeros([3, 3]), ng.ones([3]))).to.throw(/singular/);
    expect(() => solveSymmetric(ng.tensor([[1, 0], [0, -1]]), ng.ones([2]), { method: 'cholesky' })).to.throw(/not positive definite/);
    expect(() => eigh(ng.tensor([[1, 0], [NaN, 1]]))).to.throw(/NaN or Infinity/);
    expect(() => eigh(ng.zeros([2, 3]))).to.throw(/square 2-D Tensor \[n, n\], got shape \[2, 3\]/);
    expect(() => solveSymmetric(ng.zeros([2, 2]), ng.ones([3]))).to.throw(/shape \[2\] or \[2, k\]/);
    expect(eigh(ng.zeros([0, 0])).values.shape).to.deep.equal([0]);
  });
});

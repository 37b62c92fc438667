import { expect } from 'chai';
import * as ng from '../../lib';
import { expectClose, fixture, lcg } from '../helpers';

const q64 = fixture('quadratic.json');
const hfix = fixture('hessian.json');

describe('analysis.eigh / solveSymmetric', () => {
  it('decomposes a symmetric matrix: A = V diag(λ) Vᵀ, λ ascending, V orthonormal', () => {
    const rnd = lcg(5);
    const n = 6;
    const m = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) m[i * n + j] = m[j * n + i] = rnd() * 2 - 1;
    const A = new ng.Tensor(m, [n, n]);
    const { values, vectors } = ng.analysis.eigh(A);
    const lam = Array.from(values.data);
    for (let i = 1; i < n; i++) expect(lam[i]).to.be.at.least(lam[i - 1]);
    const V = vectors.toArray() as number[][];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let rec = 0;
        let dot = 0;
        for (let k = 0; k < n; k++) {
          rec += V[i][k] * lam[k] * V[j][k];
          dot += V[k][i] * V[k][j];
        }
        expect(rec).to.be.closeTo(m[i * n + j], 1e-5);
        expect(dot).to.be.closeTo(i === j ? 1 : 0, 1e-5);
      }
  });

  it('solves symmetric indefinite systems and rejects singular ones', () => {
    const A = ng.tensor([
      [1, 2],
      [2, -3],
    ]);
    const x = ng.analysis.solveSymmetric(A, ng.tensor([5, -4]));
    // 1·x + 2·y = 5, 2·x − 3·y = −4  →  x = 1, y = 2
    expectClose(x.data, [1, 2], { rtol: 1e-6, atol: 1e-6 });
    expect(() =>
      ng.analysis.solveSymmetric(
        ng.tensor([
          [1, 1],
          [1, 1],
        ]),
        ng.tensor([1, 2]),
      ),
    ).to.throw(/singular/);
    expect(() => ng.analysis.solveSymmetric(A, ng.tensor([1, 2, 3]))).to.throw(/\[2, 2\].*\[3\]/);
    expect(() => ng.analysis.eigh(ng.zeros([2, 3]))).to.throw(/square/);
  });
});

describe('analysis.quadratic (the lecture toy problem, float64 fixture)', () => {
  const q = ng.analysis.leastSquares(ng.tensor(q64.X), ng.tensor(q64.y));

  it('matches A, b, w*, eigenvalues, κ, η*, rate and 2/λmax to 1e-4 relative', () => {
    expectClose(q.A.data, q64.A.flat(), { rtol: 1e-6 });
    expectClose(q.b.data, q64.b, { rtol: 1e-6 });
    expectClose(q.wStar, q64.w_star, { rtol: 1e-4, atol: 1e-6 });
    expectClose(q.eigenvalues, q64.eigenvalues, { rtol: 1e-4 });
    expect(q.conditionNumber).to.be.closeTo(q64.condition_number, 1e-4 * q64.condition_number);
    expect(q.optimalLr).to.be.closeTo(q64.optimal_lr, 1e-4 * q64.optimal_lr);
    expect(q.optimalRate).to.be.closeTo(q64.optimal_rate, 1e-4 * q64.optimal_rate);
    expect(q.maxStableLr).to.be.closeTo(q64.max_stable_lr, 1e-4 * q64.max_stable_lr);
    expect(q.loss(q.wStar)).to.be.closeTo(q64.c - 0.5 * (q64.b[0] * q64.w_star[0] + q64.b[1] * q64.w_star[1]), 1e-5);
  });

  it('reproduces every gradient-descent run (including the diverging one) to 1e-4 relative', () => {
    expect(q64.gd_runs.length).to.be.greaterThan(3);
    for (const run of q64.gd_runs as { lr: number; w0: number[]; trajectory: number[][] }[]) {
      const ours = q.gradientDescent(run.w0, run.lr, run.trajectory.length);
      expectClose(ours.flat(), run.trajectory.flat(), { rtol: 1e-4, atol: 1e-7, what: `GD lr=${run.lr}` });
    }
  });

  it('lands on w* with one Newton step from 0 (to 1e-4), and with ng.optim.Newton on the same loss', () => {
    expectClose(q.newtonStep([0, 0]), q64.newton_from_zero, { atol: 1e-4 });
    const w = ng.zeros([2], { requiresGrad: true });
    const X = ng.tensor(q64.X);
    const y = ng.tensor(q64.y);
    const loss = () =>
      X.matmul(w.reshape([2, 1]))
        .reshape([2])
        .sub(y)
        .pow(2)
        .sum()
        .mul(0.5);
    const newton = new ng.optim.Newton([w], loss);
    const after = newton.step();
    expectClose(w.data, q64.w_star, { atol: 1e-4 });
    expect(after).to.be.closeTo(0, 1e-6);
  });

  it('rejects a non-symmetric or indefinite A, naming the smallest eigenvalue', () => {
    expect(() =>
      ng.analysis.quadratic(
        ng.tensor([
          [1, 2],
          [0, 1],
        ]),
        ng.tensor([1, 1]),
      ),
    ).to.throw(/not symmetric/);
    expect(() =>
      ng.analysis.quadratic(
        ng.tensor([
          [1, 0],
          [0, -2],
        ]),
        ng.tensor([1, 1]),
      ),
    ).to.throw(/not positive definite.*-2/);
    expect(() =>
      ng.analysis.quadratic(
        ng.tensor([
          [1, 0],
          [0, 2],
        ]),
        ng.tensor([1, 1, 1]),
      ),
    ).to.throw(/b has shape \[3\]/);
  });

  it('GD at η* contracts by (κ−1)/(κ+1) per step on a random SPD matrix with chosen eigenvalues (1e-3)', () => {
    const rnd = lcg(17);
    const n = 5;
    const lambdas = [0.5, 1, 2, 3.5, 6]; // κ = 12
    // a random orthogonal Q from Gram–Schmidt
    const Q: number[][] = [];
    while (Q.length < n) {
      let v = Array.from({ length: n }, () => rnd() - 0.5);
      for (const u of Q) {
        const d = v.reduce((s, x, i) => s + x * u[i], 0);
        v = v.map((x, i) => x - d * u[i]);
      }
      const norm = Math.hypot(...v);
      Q.push(v.map((x) => x / norm));
    }
    const A = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = lambdas.reduce((s, l, k) => s + Q[k][i] * l * Q[k][j], 0);
    const b = Array.from({ length: n }, () => rnd());
    const quad = ng.analysis.quadratic(new ng.Tensor(A, [n, n]), ng.tensor(b));
    const kappa = 12;
    expect(quad.conditionNumber).to.be.closeTo(kappa, 1e-3 * kappa);
    // start with equal weight on the extreme eigenvectors: both contract at exactly the optimal rate
    const w0 = quad.wStar.map((w, i) => w + Q[0][i] + Q[n - 1][i]);
    const steps = 30;
    const traj = quad.gradientDescent(w0, quad.optimalLr, steps);
    const err = (w: number[]) => Math.hypot(...w.map((v, i) => v - quad.wStar[i]));
    const measured = (err(traj[steps - 1]) / err(w0)) ** (1 / steps);
    expect(measured).to.be.closeTo((kappa - 1) / (kappa + 1), 1e-3);
    // and just above 2/λmax it diverges
    const div = quad.gradientDescent(w0, quad.maxStableLr * 1.05, steps);
    expect(err(div[steps - 1])).to.be.greaterThan(err(w0));
  });
});

describe('analysis.hessian / classifyCriticalPoint / curvature (PyTorch fixture)', () => {
  function model() {
    const p = (k: string) => ng.tensor(hfix.init[k].data, hfix.init[k].shape, { requiresGrad: true });
    const params = [p('0.weight'), p('0.bias'), p('2.weight'), p('2.bias')];
    const x = ng.tensor(hfix.x.data, hfix.x.shape);
    const y = ng.tensor(hfix.y.data, hfix.y.shape);
    const [w1, b1, w2, b2] = params;
    const loss = () => x.matmul(w1.transpose()).add(b1).tanh().matmul(w2.transpose()).add(b2).sub(y).pow(2).mean();
    return { params, loss };
  }

  it('computes the 13x13 Hessian to 2e-3 of its largest entry, and its eigenvalues likewise', () => {
    const { params, loss } = model();
    expect(loss().item()).to.be.closeTo(hfix.loss, 1e-5);
    const H = ng.analysis.hessian(loss, params);
    expect(H.shape).to.deep.equal([13, 13]);
    const ref: number[] = hfix.hessian.data;
    const scale = Math.max(...ref.map(Math.abs));
    let worst = 0;
    H.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ref[i]))));
    expect(worst / scale).to.be.lessThan(2e-3);
    const lam = ng.analysis.eigh(H).values.data;
    const refLam: number[] = hfix.eigenvalues.data;
    const lscale = Math.max(...refLam.map(Math.abs));
    lam.forEach((l, i) => expect(Math.abs(l - refLam[i]) / lscale).to.be.lessThan(2e-3));
    expect(
      params.every((p) => p.grad === null),
      'hessian leaves .grad as it was',
    ).to.equal(true);
  });

  it("classifies the fixture's point as a saddle, and textbook cases correctly", () => {
    const { params, loss } = model();
    expect(ng.analysis.classifyCriticalPoint(ng.analysis.hessian(loss, params))).to.equal('saddle');
    expect(
      ng.analysis.classifyCriticalPoint(
        ng.tensor([
          [2, 0],
          [0, 1],
        ]),
      ),
    ).to.equal('minimum');
    expect(
      ng.analysis.classifyCriticalPoint(
        ng.tensor([
          [-2, 0],
          [0, -1],
        ]),
      ),
    ).to.equal('maximum');
    expect(
      ng.analysis.classifyCriticalPoint(
        ng.tensor([
          [2, 0],
          [0, 0],
        ]),
      ),
    ).to.equal('degenerate');
    expect(
      ng.analysis.classifyCriticalPoint(
        ng.tensor([
          [2, 0],
          [0, 1e-5],
        ]),
        { tol: 1e-3 },
      ),
    ).to.equal('degenerate');
    expect(
      ng.analysis.classifyCriticalPoint(
        ng.tensor([
          [2, 0, 0],
          [0, -1, 0],
          [0, 0, 0],
        ]),
      ),
    ).to.equal('saddle');
  });

  it("curvature's power iteration agrees with the largest-magnitude eigenvalue of the full Hessian (5%)", () => {
    const { params, loss } = model();
    const lam = Array.from(ng.analysis.eigh(ng.analysis.hessian(loss, params)).values.data);
    const top = lam.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
    const c = ng.analysis.curvature(loss, params, { iterations: 100 });
    expect(Math.abs(c.lambdaMax - top) / Math.abs(top)).to.be.lessThan(0.05);
    expect(c.suggestedLr).to.be.closeTo(1 / Math.abs(c.lambdaMax), 1e-12);
  });

  it('refuses a Hessian above HESSIAN_MAX_PARAMS, pointing to curvature', () => {
    const big = ng.zeros([ng.analysis.HESSIAN_MAX_PARAMS + 1], { requiresGrad: true });
    expect(() => ng.analysis.hessian(() => big.sum(), [big])).to.throw(/curvature/);
  });
});

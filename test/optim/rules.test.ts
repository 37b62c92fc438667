/**
 * Each update rule against an independent double-precision reference written from PyTorch's
 * documented algorithm, on groups of several tensors with random gradients, for option
 * combinations the PyTorch fixture does not cover (RMSprop with weight decay, AdamW with amsgrad,
 * SGD with dampening from the first step, …). Plus: the native bindings reject mismatched buffers.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { native } from '../../lib/native';
import { fma32, lcg, randomArray } from '../helpers';

type Rule = (theta: Float64Array[], grads: Float64Array[], state: Record<string, Float64Array[]>, t: number) => void;

const SHAPES = [[4, 3], [3], [1], [2, 2, 2]];

/** Runs `opt` and `ref` on the same gradients for `steps` steps and compares the parameters. */
function compare(make: (p: ng.Tensor[]) => ng.optim.Optimizer, ref: Rule, steps = 12, rtol = 1e-4): void {
  const rnd = lcg(12345);
  const params = SHAPES.map((s) =>
    ng.tensor(
      randomArray(
        s.reduce((a, b) => a * b, 1),
        rnd,
      ),
      s,
      { requiresGrad: true },
    ),
  );
  const theta = params.map((p) => Float64Array.from(p.data));
  const state: Record<string, Float64Array[]> = {};
  const opt = make(params);
  for (let t = 1; t <= steps; t++) {
    const grads = params.map((p) => randomArray(p.size, rnd, -1, 1));
    // a gradient that keeps its sign for some elements makes Rprop's step sizes grow
    for (const g of grads) g[0] = 0.5;
    params.forEach((p, k) => (p.grad = ng.tensor(grads[k], p.shape)));
    opt.step();
    ref(
      theta,
      grads.map((g) => Float64Array.from(g)),
      state,
      t,
    );
    params.forEach((p, k) => {
      for (let i = 0; i < p.size; i++) {
        const e = theta[k][i];
        if (!(Math.abs(p.data[i] - e) <= rtol * Math.max(1, Math.abs(e))))
          expect.fail(`step ${t}, tensor ${k}, element ${i}: got ${p.data[i]}, reference ${e}`);
      }
    });
  }
}

function buf(state: Record<string, Float64Array[]>, name: string, theta: Float64Array[], fill = 0): Float64Array[] {
  if (!state[name]) state[name] = theta.map((th) => new Float64Array(th.length).fill(fill));
  return state[name];
}

function sgdRef(lr: number, mu: number, tau: number, wd: number, nesterov: boolean): Rule {
  return (theta, grads, state, t) => {
    const b = buf(state, 'b', theta);
    theta.forEach((th, k) =>
      th.forEach((_, i) => {
        let d = grads[k][i] + wd * th[i];
        if (mu !== 0) {
          b[k][i] = t === 1 ? d : mu * b[k][i] + (1 - tau) * d;
          d = nesterov ? d + mu * b[k][i] : b[k][i];
        }
        th[i] -= lr * d;
      }),
    );
  };
}

function rmspropRef(lr: number, alpha: number, eps: number, wd: number, mu: number, centered: boolean): Rule {
  return (theta, grads, state) => {
    const v = buf(state, 'v', theta);
    const gbar = buf(state, 'gbar', theta);
    const b = buf(state, 'b', theta);
    theta.forEach((th, k) =>
      th.forEach((_, i) => {
        const d = grads[k][i] + wd * th[i];
        v[k][i] = alpha * v[k][i] + (1 - alpha) * d * d;
        let s: number;
        if (centered) {
          gbar[k][i] = alpha * gbar[k][i] + (1 - alpha) * d;
          s = Math.sqrt(v[k][i] - gbar[k][i] ** 2) + eps;
        } else s = Math.sqrt(v[k][i]) + eps;
        if (mu > 0) {
          b[k][i] = mu * b[k][i] + d / s;
          th[i] -= lr * b[k][i];
        } else th[i] -= (lr * d) / s;
      }),
    );
  };
}

function adamRef(lr: number, b1: number, b2: number, eps: number, wd: number, amsgrad: boolean, decoupled: boolean): Rule {
  return (theta, grads, state, t) => {
    const m = buf(state, 'm', theta);
    const v = buf(state, 'v', theta);
    const vmax = buf(state, 'vmax', theta);
    theta.forEach((th, k) =>
      th.forEach((_, i) => {
        if (decoupled) th[i] *= 1 - lr * wd;
        const d = decoupled ? grads[k][i] : grads[k][i] + wd * th[i];
        m[k][i] = b1 * m[k][i] + (1 - b1) * d;
        v[k][i] = b2 * v[k][i] + (1 - b2) * d * d;
        vmax[k][i] = Math.max(vmax[k][i], v[k][i]);
        const mhat = m[k][i] / (1 - b1 ** t);
        const vhat = (amsgrad ? vmax[k][i] : v[k][i]) / (1 - b2 ** t);
        th[i] -= (lr * mhat) / (Math.sqrt(vhat) + eps);
      }),
    );
  };
}

function rpropRef(lr: number, etaMinus: number, etaPlus: number, lo: number, hi: number): Rule {
  return (theta, grads, state) => {
    const prev = buf(state, 'prev', theta);
    const delta = buf(state, 'delta', theta, lr);
    theta.forEach((th, k) =>
      th.forEach((_, i) => {
        let g = grads[k][i];
        const s = Math.sign(g * prev[k][i]);
        const f = s > 0 ? etaPlus : s < 0 ? etaMinus : 1;
        delta[k][i] = Math.min(Math.max(delta[k][i] * f, lo), hi);
        if (s < 0) g = 0;
        th[i] -= Math.sign(g) * delta[k][i];
        prev[k][i] = g;
      }),
    );
  };
}

describe('ng.optim update rules against a double-precision reference (4 tensors per group)', () => {
  it('SGD, plain', () => compare((p) => new ng.optim.SGD(p, { lr: 0.1 }), sgdRef(0.1, 0, 0, 0, false)));
  it('SGD, momentum + dampening + weight decay', () =>
    compare((p) => new ng.optim.SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.5, weightDecay: 0.1 }), sgdRef(0.05, 0.9, 0.5, 0.1, false)));
  it('SGD, nesterov + weight decay', () =>
    compare((p) => new ng.optim.SGD(p, { lr: 0.05, momentum: 0.7, nesterov: true, weightDecay: 0.01 }), sgdRef(0.05, 0.7, 0, 0.01, true)));
  it('RMSprop, weight decay', () => compare((p) => new ng.optim.RMSprop(p, { lr: 0.01, weightDecay: 0.1 }), rmspropRef(0.01, 0.99, 1e-8, 0.1, 0, false)));
  it('RMSprop, centered + momentum + weight decay, alpha 0.9, eps 1e-3', () =>
    compare(
      (p) => new ng.optim.RMSprop(p, { lr: 0.01, alpha: 0.9, eps: 1e-3, momentum: 0.5, centered: true, weightDecay: 0.05 }),
      rmspropRef(0.01, 0.9, 1e-3, 0.05, 0.5, true),
    ));
  it('RMSprop, momentum only', () => compare((p) => new ng.optim.RMSprop(p, { lr: 0.02, momentum: 0.9 }), rmspropRef(0.02, 0.99, 1e-8, 0, 0.9, false)));
  it('Adam, defaults', () => compare((p) => new ng.optim.Adam(p), adamRef(1e-3, 0.9, 0.999, 1e-8, 0, false, false)));
  it('Adam, amsgrad + L2 weight decay + eps 1e-2', () =>
    compare(
      (p) => new ng.optim.Adam(p, { lr: 0.05, betas: [0.5, 0.9], eps: 1e-2, weightDecay: 0.2, amsgrad: true }),
      adamRef(0.05, 0.5, 0.9, 1e-2, 0.2, true, false),
    ));
  it('AdamW, defaults (decoupled decay 0.01)', () => compare((p) => new ng.optim.AdamW(p, { lr: 0.01 }), adamRef(0.01, 0.9, 0.999, 1e-8, 0.01, false, true)));
  it('AdamW, amsgrad + strong decay', () =>
    compare((p) => new ng.optim.AdamW(p, { lr: 0.05, weightDecay: 0.5, amsgrad: true }), adamRef(0.05, 0.9, 0.999, 1e-8, 0.5, true, true)));
  it('Rprop, defaults', () => compare((p) => new ng.optim.Rprop(p), rpropRef(0.01, 0.5, 1.2, 1e-6, 50)));
  it('Rprop, tight step-size bounds', () =>
    compare((p) => new ng.optim.Rprop(p, { lr: 0.05, etas: [0.3, 1.7], stepSizes: [0.02, 0.1] }), rpropRef(0.05, 0.3, 1.7, 0.02, 0.1)));

  it('Adam and AdamW differ exactly by where the decay goes', () => {
    const a = ng.tensor([2], [1], { requiresGrad: true });
    const b = ng.tensor([2], [1], { requiresGrad: true });
    a.grad = ng.tensor([0]);
    b.grad = ng.tensor([0]);
    new ng.optim.Adam([a], { lr: 0.1, weightDecay: 0.5 }).step();
    new ng.optim.AdamW([b], { lr: 0.1, weightDecay: 0.5 }).step();
    // Adam: d = 0 + 0.5·2 = 1, first step moves by lr·sign(d) = 0.1; AdamW: θ·(1 − 0.05), g = 0 → no Adam move
    expect(a.data[0]).to.be.closeTo(1.9, 1e-6);
    expect(b.data[0]).to.be.closeTo(1.9, 1e-6);
    a.grad = ng.tensor([0]);
    b.grad = ng.tensor([0]);
    const before = [a.data[0], b.data[0]];
    new ng.optim.AdamW([b], { lr: 0.1, weightDecay: 0.1 }).step();
    expect(b.data[0]).to.be.closeTo(before[1] * (1 - 0.01), 1e-6);
  });
});

describe('Adam rounds as PyTorch, bit for bit', () => {
  // PyTorch's float32 Adam, one rounding per operation in its order (Math.fround after each double
  // operation gives exactly the float32 result for +, ×, ÷ and √), where `add_(x, alpha)` and
  // `addcmul_` round once (fma32) on CPUs where PyTorch fuses them (AVX2 + FMA, arm64) and twice
  // elsewhere. The kernel divides √v by the per-step constant √(1 − β2ᵗ) without the divider (FMA
  // corrections); this checks that the result is still the correctly rounded quotient, at every
  // magnitude, including v = ∞ (a gradient of 1e30: PyTorch's update is then −0 and θ stays put)
  // and v = 0. (test/optim/rounding.test.ts compares with PyTorch's own output.)
  const fused = native.optimizerStepsFuse();
  it(`matches a float32 emulation on 2,000 elements of every magnitude over 30 steps (${fused ? 'fused' : 'unfused'} multiply-adds)`, () => {
    const f = Math.fround;
    const madd = fused ? fma32 : (y: number, a: number, x: number) => f(x + f(a * y));
    const n = 2000;
    const rnd = lcg(99);
    const lr = 1e-3;
    const b1 = 0.9;
    const b2 = 0.999;
    const eps = 1e-8;
    const p = ng.tensor(randomArray(n, rnd, -1, 1), [n], { requiresGrad: true });
    const theta = Float32Array.from(p.data);
    const m = new Float32Array(n);
    const v = new Float32Array(n);
    const opt = new ng.optim.Adam([p], { lr, betas: [b1, b2], eps });
    let fusedDiffers = 0;
    for (let t = 1; t <= 30; t++) {
      const g = new Float32Array(n);
      for (let i = 0; i < n; i++) g[i] = i % 7 === 0 ? 0 : (rnd() - 0.5) * 2 ** (-Math.floor(rnd() * 60) + 10);
      g[1] = 1e30;
      p.grad = ng.tensor(g, [n]);
      opt.step();
      const stepSize = f(lr / (1 - b1 ** t));
      const bc2 = f(Math.sqrt(1 - b2 ** t));
      for (let i = 0; i < n; i++) {
        const mb = f(m[i] * f(b1));
        if (madd(g[i], f(1 - b1), mb) !== f(mb + f(f(1 - b1) * g[i]))) fusedDiffers++;
        m[i] = madd(g[i], f(1 - b1), mb);
        v[i] = madd(g[i], f(f(1 - b2) * g[i]), f(v[i] * f(b2)));
        const denom = f(f(f(Math.sqrt(v[i])) / bc2) + f(eps));
        theta[i] = f(theta[i] + f(f(-stepSize * m[i]) / denom));
      }
      expect(Array.from(p.data), `step ${t}`).to.deep.equal(Array.from(theta));
    }
    expect(v[1]).to.equal(Infinity);
    // the two roundings really differ on this data (else the test would not tell them apart)
    if (fused) expect(fusedDiffers).to.be.greaterThan(100);
  });

  it('fma32 (the emulation above) rounds once', () => {
    // 1 + 2⁻²⁴ is halfway between 1 and 1 + 2⁻²³; the product's tail decides
    const a = 1 + 2 ** -23;
    expect(fma32(a, a, 0)).to.equal(Math.fround(1 + 2 ** -22)); // (1 + 2⁻²³)² = 1 + 2⁻²² + 2⁻⁴⁶
    expect(Math.fround(Math.fround(a * a) - 1)).to.equal(2 ** -22);
    expect(fma32(a, a, -Math.fround(a * a))).to.equal(2 ** -46); // the exact residual, lost without fusing
    expect(fma32(1 + 2 ** -12, 1 + 2 ** -12, -1)).to.equal(2 ** -11 + 2 ** -24);
    expect(fma32(2 ** -12, 2 ** -12, 1)).to.equal(1); // 1 + 2⁻²⁴ exactly: a tie, to even
    expect(fma32(2 ** -12, 2 ** -12 + 2 ** -35, 1)).to.equal(Math.fround(1 + 2 ** -23)); // just above the tie
    expect(fma32(-(2 ** -12), 2 ** -12 + 2 ** -35, 1)).to.equal(Math.fround(1 - 2 ** -24)); // below 1
  });
});

describe('optimizer bindings re-check their buffers', () => {
  const k = native as unknown as {
    adamStep(...a: unknown[]): void;
    sgdStep(...a: unknown[]): void;
    rpropStep(...a: unknown[]): void;
    emaUpdate(...a: unknown[]): void;
  };
  const p = new Float32Array(4);
  it('rejects a gradient, a state buffer or a list of the wrong length', () => {
    expect(() => k.sgdStep([p], [new Float32Array(3)], null, null, 0.1, 0, 0, 0, false)).to.throw(/grads\[0\] has 3 elements, its parameter has 4/);
    expect(() => k.adamStep([p], [p], [p], [new Float32Array(5)], null, new Float64Array([1]), 0.1, 0.9, 0.999, 1e-8, 0, false)).to.throw(
      /expAvgSq\[0\] has 5 elements/,
    );
    expect(() => k.rpropStep([p, p], [p], [p], [p], 0.5, 1.2, 0, 1)).to.throw(/'grads' has 1 entries, expected 2/);
    expect(() => k.emaUpdate([p], [p, p], 0.9)).to.throw(/'params' has 2 entries, expected 1/);
  });
  it('rejects wrong types and step counts', () => {
    expect(() => k.sgdStep([p], [new Float64Array(4)], null, null, 0.1, 0, 0, 0, false)).to.throw(TypeError, /grads\[0\] must be a Float32Array/);
    expect(() => k.sgdStep(p, [p], null, null, 0.1, 0, 0, 0, false)).to.throw(TypeError, /'params' must be an array of Float32Arrays/);
    expect(() => k.sgdStep([p], [p], [p], new Int32Array(0), 0.1, 0.9, 0, 0, false)).to.throw(/'fresh' has 0 elements/);
    expect(() => k.adamStep([p], [p], [p], [p], null, new Float64Array([0]), 0.1, 0.9, 0.999, 1e-8, 0, false)).to.throw(/steps\[0\] must be >= 1/);
    expect(() => k.adamStep([p], [p], [p], [p], null, new Float32Array([1]), 0.1, 0.9, 0.999, 1e-8, 0, false)).to.throw(
      TypeError,
      /'steps' must be a Float64Array/,
    );
  });
});

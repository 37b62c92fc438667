/**
 * Optimizer steps over ~1M parameters in four tensors (784×1024, 1024, 192×1024, 192 — an MLP's
 * layers), native kernels against the same update written as a plain JavaScript loop over the
 * Float32Arrays (constants hoisted, one pass per tensor, the way one would write it by hand):
 *   Adam  (defaults: β = (0.9, 0.999), ε = 1e-8, bias correction)
 *   SGD   (momentum 0.9, weight decay 1e-4)
 * Both sides start from the same parameters and state and take the same steps with the same
 * gradients; the results are compared before timing. Ratio = JS time / native time (> 1: native faster).
 * One native call per step updates all four tensors; the kernels are single-threaded, as is the JS loop.
 */
import * as ng from '../../lib';
import { BenchContext, timeIt, fmt } from './harness';

const SHAPES = [[784, 1024], [1024], [192, 1024], [192]];

interface Case {
  name: string;
  /** bytes read + written per parameter per step (for the bandwidth column) */
  bytesPerParam: number;
  make: (p: ng.Tensor[]) => ng.optim.Optimizer;
  /** a JS step over arrays of Float32Arrays; returns a stepper closing over its own state */
  js: (params: Float32Array[], grads: Float32Array[]) => () => void;
}

function adamJs(lr: number, b1: number, b2: number, eps: number): Case['js'] {
  return (params, grads) => {
    const m = params.map((p) => new Float32Array(p.length));
    const v = params.map((p) => new Float32Array(p.length));
    let t = 0;
    return () => {
      t += 1;
      const stepSize = lr / (1 - b1 ** t);
      const bc2 = Math.sqrt(1 - b2 ** t);
      const c1 = 1 - b1;
      const c2 = 1 - b2;
      for (let k = 0; k < params.length; k++) {
        const p = params[k], g = grads[k], mk = m[k], vk = v[k];
        for (let i = 0; i < p.length; i++) {
          const gi = g[i];
          const mi = b1 * mk[i] + c1 * gi;
          const vi = b2 * vk[i] + c2 * gi * gi;
          mk[i] = mi;
          vk[i] = vi;
          p[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2 + eps);
        }
      }
    };
  };
}

function sgdJs(lr: number, mu: number, wd: number): Case['js'] {
  return (params, grads) => {
    const b = params.map((p) => new Float32Array(p.length));
    let first = true;
    return () => {
      for (let k = 0; k < params.length; k++) {
        const p = params[k], g = grads[k], bk = b[k];
        for (let i = 0; i < p.length; i++) {
          const d = g[i] + wd * p[i];
          const bi = first ? d : mu * bk[i] + d;
          bk[i] = bi;
          p[i] -= lr * bi;
        }
      }
      first = false;
    };
  };
}

const CASES: Case[] = [
  { name: 'Adam', bytesPerParam: 4 * 7, make: (p) => new ng.optim.Adam(p), js: adamJs(1e-3, 0.9, 0.999, 1e-8) },
  { name: 'SGD momentum + wd', bytesPerParam: 4 * 5, make: (p) => new ng.optim.SGD(p, { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 }), js: sgdJs(0.01, 0.9, 1e-4) },
];

function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, k) => {
    let scale = 0;
    for (const v of b[k]) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - b[k][i]) / (scale || 1));
  });
  return worst;
}

export function run(ctx: BenchContext): void {
  const total = SHAPES.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
  const opts = { reps: ctx.quick ? 3 : 9, minSampleMs: ctx.quick ? 50 : 200 };
  const rows: (string | number)[][] = [];
  for (const c of CASES) {
    ng.manualSeed(11);
    const params = SHAPES.map((s) => ng.mul(ng.randn(s), 0.05));
    for (const p of params) {
      p.requiresGrad = true;
      p.grad = ng.mul(ng.randn(p.shape), 0.01);
    }
    const jsParams = params.map((p) => new Float32Array(p.data));
    const jsGrads = params.map((p) => p.grad!.data);
    const opt = c.make(params);
    const jsStep = c.js(jsParams, jsGrads);

    // validate: 3 identical steps from the same start
    for (let t = 0; t < 3; t++) {
      opt.step();
      jsStep();
    }
    const diff = maxRelDiff(params.map((p) => p.data), jsParams);
    if (!(diff < 1e-5)) throw new Error(`suite-optim: ${c.name}: native and JS results differ (max relative difference ${diff})`);

    const tn = timeIt(() => opt.step(), opts);
    const tj = timeIt(jsStep, opts);
    rows.push([
      c.name,
      `${(total / 1e6).toFixed(2)}M in ${SHAPES.length}`,
      fmt(tn.median * 1e3),
      fmt(tj.median * 1e3),
      `${fmt(tj.median / tn.median)}×`,
      fmt((c.bytesPerParam * total) / tn.median / 1e9),
      `${fmt(100 * Math.max(tn.spread, tj.spread), 2)}%`,
      diff.toExponential(1),
    ]);
  }
  ctx.table({
    title: 'ng.optim step over ~1M parameters: native kernel vs a plain JS loop',
    columns: ['optimizer', 'parameters (tensors)', 'native ms', 'JS loop ms', 'JS / native', 'native GB/s', 'spread', 'max rel. diff (3 steps)'],
    rows,
    notes: [
      `Shapes ${SHAPES.map((s) => `[${s.join(', ')}]`).join(', ')}; one native call per step for all tensors (ng.optim's per-group binding).`,
      'GB/s counts the bytes each rule must move per step (Adam: read θ, g, m, v, write θ, m, v; SGD: read θ, g, b, write θ, b). The JS loop computes in double and rounds on store; the kernel computes in float32 in PyTorch\'s order.',
    ],
  });
}

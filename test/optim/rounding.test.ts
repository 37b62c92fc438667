/**
 * Every update rule against PyTorch's own output, bit for bit: test/fixtures/optimizer-rounding.json
 * (scripts/fixtures/optimizer_rounding.py, PyTorch 1.13 with its AVX2 kernels) ran 25 steps of each
 * optimizer on 259 parameters (PyTorch's vectorised loop and its scalar tail) with gradients from
 * 2⁻⁵⁰ to 2⁹, zeros, and a 1e30 whose square overflows; plus the EMA idiom
 * avg.mul_(0.9).add_(p, alpha=0.1). The parameters and gradients come from a 32-bit LCG rebuilt
 * here, so the file holds only PyTorch's results (parameters after steps 1, 2 and 25, as float32
 * bytes).
 *
 * PyTorch's AVX2 kernels fuse x.add_(y, alpha=a) and addcmul_ into one rounding; so do ours on CPUs
 * where PyTorch would (optimizerStepsFuse). On other CPUs PyTorch rounds twice, as we then do, and
 * this fixture does not apply (rules.test.ts checks that case against an emulation).
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { native as kernels } from '../../lib/native';
import { fixture } from '../helpers';

const fx = fixture('optimizer-rounding.json');
const N: number = fx.n;

/** x ← 1664525x + 1013904223 mod 2³², as the generator script. */
function lcg32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(1664525, x) + 1013904223) >>> 0;
    return x;
  };
}

/** ±(1 + k/2²³)·2ᵉ with e in [lo, lo + span), or 0 once in `zeroEvery` draws (0: never). */
function draw(next: () => number, lo: number, span: number, zeroEvery: number): number {
  const a = next();
  const b = next();
  if (zeroEvery && a % zeroEvery === 0) return 0;
  const v = (1 + (b >>> 9) / 2 ** 23) * 2 ** (lo + ((a >>> 8) % span));
  return a & 1 ? -v : v;
}

const initial = (seed: number) => {
  const next = lcg32(seed);
  return Float32Array.from({ length: N }, () => draw(next, -12, 13, 0));
};
const gradient = (seed: number, t: number) => {
  const next = lcg32(seed * 1000 + t);
  const g = Float32Array.from({ length: N }, () => draw(next, -50, 60, 7));
  g[1] = 1e30;
  return g;
};
const decode = (b64: string) => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
};

function camel(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

/** Indices where a and b differ as float32 bit patterns (−0 ≠ +0). */
function differing(a: Float32Array, b: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

describe('optimizers round as PyTorch 1.13, bit for bit (its own output)', function () {
  before(function () {
    if (!kernels.optimizerStepsFuse()) this.skip(); // PyTorch's baseline kernels would round twice
  });

  it('the fixture is PyTorch with fused kernels', () => {
    expect(fx.torch).to.match(/^1\.13/);
    expect(['AVX2', 'AVX512']).to.include(fx.cpu_capability);
    expect(fx.cases).to.have.length(10);
  });

  for (const c of fx.cases) {
    it(`${c.name}: ${c.optimizer}(${JSON.stringify(c.options)}), then the EMA`, () => {
      const p = ng.tensor(initial(c.seed), [N], { requiresGrad: true });
      const ctor = (ng.optim as unknown as Record<string, new (ps: ng.Tensor[], o: unknown) => ng.optim.Optimizer>)[c.optimizer];
      const opt = new ctor([p], camel(c.options));
      const ema = new ng.optim.EMA({ parameters: () => [p] }, { decay: 0.9 });
      for (let t = 1; t <= fx.steps; t++) {
        p.grad = ng.tensor(gradient(c.seed, t), [N]);
        opt.step();
        ema.update();
        if (c.params[t] !== undefined) {
          const ref = decode(c.params[t]);
          const bad = differing(p.data, ref);
          expect(bad, `step ${t}: parameters that differ from PyTorch (first: ${bad[0]}: ${p.data[bad[0]]} vs ${ref[bad[0]]})`).to.deep.equal([]);
        }
      }
      const emaRef = decode(c['ema_decay_0.9']);
      const bad = differing(ema.parameters()[0].data, emaRef);
      expect(bad, 'EMA elements that differ from PyTorch').to.deep.equal([]);
    });
  }
});

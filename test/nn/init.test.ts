/**
 * Initialisers on a 512×512 tensor: the sample variance within 5% of the formula's, uniform
 * bounds that hold exactly, the mean near 0, fans as PyTorch computes them, and ng.manualSeed.
 */
import { expect } from 'chai';
import * as ng from '../../lib';

const init = ng.nn.init;
const N = 512;

function moments(t: ng.Tensor): { mean: number; variance: number; min: number; max: number } {
  const d = t.data;
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / d.length;
  let ss = 0;
  for (const v of d) ss += (v - mean) ** 2;
  return { mean, variance: ss / (d.length - 1), min, max };
}

/** Checks variance (±5%), mean (a few standard errors) and, for uniform draws, [−bound, bound) in float32. */
function expectDistribution(t: ng.Tensor, variance: number, bound?: number): void {
  const m = moments(t);
  expect(Math.abs(m.variance / variance - 1), `variance ${m.variance} vs ${variance}`).to.be.lessThan(0.05);
  expect(Math.abs(m.mean)).to.be.lessThan(5 * Math.sqrt(variance / t.size));
  if (bound !== undefined) {
    // exact in float32: every value in [fround(−bound), fround(bound))
    expect(m.min).to.be.at.least(Math.fround(-bound));
    expect(m.max).to.be.lessThan(Math.fround(bound));
    expect(m.min).to.be.lessThan(-0.999 * bound); // the whole interval is used
    expect(m.max).to.be.greaterThan(0.999 * bound);
  }
}

describe('nn.init', () => {
  const fanIn = N;
  const fanOut = N;

  it('xavierUniform: U(−a, a), a = gain·√(6/(fan_in + fan_out))', () => {
    ng.manualSeed(1);
    const a = Math.sqrt(6 / (fanIn + fanOut));
    expectDistribution(init.xavierUniform(ng.zeros([N, N])), (a * a) / 3, a);
    const g = 5 / 3;
    expectDistribution(init.xavierUniform(ng.zeros([N, N]), g), (g * a) ** 2 / 3, g * a);
  });

  it('xavierNormal: N(0, gain²·2/(fan_in + fan_out))', () => {
    ng.manualSeed(2);
    expectDistribution(init.xavierNormal(ng.zeros([N, N])), 2 / (fanIn + fanOut));
    expectDistribution(init.xavierNormal(ng.zeros([N, N]), 2), (4 * 2) / (fanIn + fanOut));
  });

  it("kaimingUniform: PyTorch's defaults (a = 0, fan_in, leaky_relu) give U(−√(6/fan_in), √(6/fan_in))", () => {
    ng.manualSeed(3);
    const b = Math.sqrt(6 / fanIn);
    expectDistribution(init.kaimingUniform(ng.zeros([N, N])), (b * b) / 3, b);
    const b5 = 1 / Math.sqrt(fanIn); // a = √5: PyTorch's Linear default
    expectDistribution(init.kaimingUniform(ng.zeros([N, N]), { a: Math.sqrt(5) }), (b5 * b5) / 3, b5);
  });

  it('kaimingNormal: N(0, gain²/fan), fan_in or fan_out', () => {
    ng.manualSeed(4);
    expectDistribution(init.kaimingNormal(ng.zeros([N, N])), 2 / fanIn);
    expectDistribution(init.kaimingNormal(ng.zeros([256, N]), { mode: 'fan_out', nonlinearity: 'tanh' }), 25 / 9 / 256);
  });

  it('lecunNormal: N(0, 1/fan_in)', () => {
    ng.manualSeed(5);
    expectDistribution(init.lecunNormal(ng.zeros([N, N])), 1 / fanIn);
  });

  it('uniform, normal, zeros, ones, constant', () => {
    ng.manualSeed(6);
    expectDistribution(init.uniform(ng.zeros([N, N]), -0.3, 0.3), 0.36 / 12, 0.3);
    const u = moments(init.uniform(ng.zeros([N, N]), 2, 5));
    expect(u.min).to.be.at.least(2);
    expect(u.max).to.be.lessThan(5);
    expectDistribution(init.normal(ng.zeros([N, N]), 0, 0.2), 0.04);
    const n = moments(init.normal(ng.zeros([N, N]), 3, 0.5));
    expect(n.mean).to.be.closeTo(3, 0.01);
    expect(init.zeros(ng.ones([3])).toArray()).to.deep.equal([0, 0, 0]);
    expect(init.ones(ng.zeros([3])).toArray()).to.deep.equal([1, 1, 1]);
    expect(init.constant(ng.zeros([2]), 0.5).toArray()).to.deep.equal([0.5, 0.5]);
    expect(() => init.uniform(ng.zeros([2]), 1, 0)).to.throw(/must not exceed/);
    expect(() => init.normal(ng.zeros([2]), 0, -1)).to.throw(/std/);
  });

  it('computes fans as PyTorch, also for more than 2 dimensions, and needs at least 2', () => {
    expect(init.calculateFans(ng.zeros([8, 6]))).to.deep.equal([6, 8]);
    expect(init.calculateFans(ng.zeros([16, 3, 5, 5]))).to.deep.equal([75, 400]);
    ng.manualSeed(7);
    const t = init.xavierUniform(ng.zeros([64, 32, 3, 3]));
    const a = Math.sqrt(6 / (32 * 9 + 64 * 9));
    expectDistribution(t, (a * a) / 3, a);
    expect(() => init.xavierUniform(ng.zeros([5]))).to.throw(/fewer than 2 dimensions.*\[5\]/);
    expect(() => init.kaimingNormal(ng.zeros([2, 2]), { mode: 'fan_avg' as 'fan_in' })).to.throw(/mode/);
  });

  it('calculateGain follows PyTorch', () => {
    expect(init.calculateGain('linear')).to.equal(1);
    expect(init.calculateGain('sigmoid')).to.equal(1);
    expect(init.calculateGain('tanh')).to.equal(5 / 3);
    expect(init.calculateGain('relu')).to.equal(Math.SQRT2);
    expect(init.calculateGain('leaky_relu')).to.be.closeTo(Math.sqrt(2 / (1 + 1e-4)), 1e-12);
    expect(init.calculateGain('leaky_relu', 0)).to.equal(Math.SQRT2);
    expect(init.calculateGain('selu')).to.equal(0.75);
    expect(() => init.calculateGain('swish' as 'relu')).to.throw(/nonlinearity/);
  });

  it('follows ng.manualSeed: the same seed, the same values', () => {
    ng.manualSeed(42);
    const a = Array.from(init.kaimingNormal(ng.zeros([16, 16])).data);
    ng.manualSeed(42);
    expect(Array.from(init.kaimingNormal(ng.zeros([16, 16])).data)).to.deep.equal(a);
  });
});

/** zeros/ones/full/arange, the seeded generator (randn, rand), and OpenBLAS's thread count. */
import { expect } from 'chai';
import * as ng from '../../lib';

function stats(d: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    s += v;
    s2 += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  return { mean, std: Math.sqrt(s2 / d.length - mean * mean), min, max };
}

describe('creation', () => {
  it('zeros, ones, full', () => {
    expect(ng.zeros([2, 2]).toArray()).to.deep.equal([
      [0, 0],
      [0, 0],
    ]);
    expect(ng.ones([3]).toArray()).to.deep.equal([1, 1, 1]);
    expect(ng.full([2], -2.5).toArray()).to.deep.equal([-2.5, -2.5]);
    expect(ng.zeros([]).shape).to.deep.equal([]);
    expect(ng.zeros([]).size).to.equal(1);
    expect(ng.ones([4, 0]).size).to.equal(0);
  });

  it('arange(n) and arange(start, end, step) as in PyTorch', () => {
    expect(ng.arange(4).toArray()).to.deep.equal([0, 1, 2, 3]);
    expect(ng.arange(0).shape).to.deep.equal([0]);
    expect(ng.arange(2, 5).toArray()).to.deep.equal([2, 3, 4]);
    expect(ng.arange(1, 2, 0.25).toArray()).to.deep.equal([1, 1.25, 1.5, 1.75]);
    expect(ng.arange(5, 1, -2).toArray()).to.deep.equal([5, 3]);
  });

  describe('ng.manualSeed', () => {
    it('the same seed gives the same randn and rand draws; another seed gives others', () => {
      ng.manualSeed(123);
      const a = ng.randn([100]).toArray();
      const b = ng.rand([7, 3]).toArray();
      ng.manualSeed(123);
      expect(ng.randn([100]).toArray()).to.deep.equal(a);
      expect(ng.rand([7, 3]).toArray()).to.deep.equal(b);
      ng.manualSeed(124);
      expect(ng.randn([100]).toArray()).to.not.deep.equal(a);
    });
    it('successive draws differ; BigInt and 64-bit seeds are accepted', () => {
      ng.manualSeed(0);
      const a = ng.rand([10]).toArray();
      expect(ng.rand([10]).toArray()).to.not.deep.equal(a);
      ng.manualSeed(2n ** 63n + 5n);
      const c = ng.rand([4]).toArray();
      ng.manualSeed(2n ** 63n + 5n);
      expect(ng.rand([4]).toArray()).to.deep.equal(c);
    });
    it('getRngState/setRngState replay the stream', () => {
      ng.manualSeed(9);
      const s = ng.getRngState();
      const a = ng.randn([5]).toArray();
      ng.setRngState(s);
      expect(ng.randn([5]).toArray()).to.deep.equal(a);
    });
  });

  it('randn is N(0, 1) and rand is U[0, 1) (moments of 200k draws)', () => {
    ng.manualSeed(2024);
    const n = stats(ng.randn([200000]).data);
    expect(n.mean).to.be.closeTo(0, 0.01);
    expect(n.std).to.be.closeTo(1, 0.01);
    const u = stats(ng.rand([200000]).data);
    expect(u.mean).to.be.closeTo(0.5, 0.005);
    expect(u.std).to.be.closeTo(Math.sqrt(1 / 12), 0.005);
    expect(u.min).to.be.at.least(0);
    expect(u.max).to.be.below(1);
  });

  it('setNumThreads / getNumThreads', () => {
    const prev = ng.getNumThreads();
    expect(prev).to.be.a('number').and.at.least(1);
    try {
      ng.setNumThreads(1);
      expect(ng.getNumThreads()).to.equal(1);
      ng.setNumThreads(2);
      expect(ng.getNumThreads()).to.equal(2);
    } finally {
      ng.setNumThreads(prev);
    }
    expect(ng.getNumThreads()).to.equal(prev);
  });
});

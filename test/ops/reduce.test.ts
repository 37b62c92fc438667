/**
 * sum and mean over everything (a 0-d result) and along each axis (negative too, keepDim or not):
 * values against a multi-index reference, gradients by finite differences.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg } from '../helpers';
import { expectGrad, expectTensor, randInt, randT, refReduce } from './ref';

describe('ops: sum and mean', () => {
  const rnd = lcg(99);
  for (const op of ['sum', 'mean'] as const) {
    const f = op === 'sum' ? ng.sum : ng.mean;
    it(`${op} of everything is 0-d (shape [], size 1); keepDim keeps every axis as 1`, () => {
      const x = randT(rnd, [3, 4, 2]);
      const y = f(x);
      const want = refReduce(x.data, x.shape, undefined, op === 'mean');
      expectTensor(y, [], want.data, `${op}()`);
      expect(y.ndim).to.equal(0);
      expect(y.item()).to.be.closeTo(want.data[0], 1e-5);
      expect(f(x, undefined, true).shape).to.deep.equal([1, 1, 1]);
      expectGrad((t) => f(t), [x], `${op}()`);
    });

    it(`${op} along every axis, negative axes and keepDim, on random shapes`, () => {
      for (let trial = 0; trial < 3; trial++) {
        const shape = [randInt(rnd, 1, 4), randInt(rnd, 1, 5), randInt(rnd, 1, 3)].slice(0, randInt(rnd, 1, 3));
        const x = randT(rnd, shape);
        for (let ax = -shape.length; ax < shape.length; ax++) {
          const want = refReduce(x.data, shape, ax, op === 'mean');
          expectTensor(f(x, ax), want.shape, want.data, `${op}(${ax}) of ${JSON.stringify(shape)}`);
          const kept = shape.slice();
          kept[ax < 0 ? ax + shape.length : ax] = 1;
          expectTensor(f(x, ax, true), kept, want.data, `${op}(${ax}, keepDim) of ${JSON.stringify(shape)}`);
          expectGrad((t) => f(t, ax), [x], `${op}(${ax}) of ${JSON.stringify(shape)}`);
          expectGrad((t) => f(t, ax, true), [x], `${op}(${ax}, keepDim)`);
        }
      }
    });
  }

  it('methods: x.sum(axis, keepDim), x.mean()', () => {
    const x = randT(rnd, [2, 3]);
    expect(Array.from(x.sum(1, true).data)).to.deep.equal(Array.from(ng.sum(x, 1, true).data));
    expect(x.mean().item()).to.equal(ng.mean(x).item());
  });

  it('exact values on a small case; mean of nothing is NaN, sum of nothing is 0 (PyTorch)', () => {
    const x = ng.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(ng.sum(x, 0).toArray()).to.deep.equal([5, 7, 9]);
    expect(ng.mean(x, -1).toArray()).to.deep.equal([2, 5]);
    expect(ng.sum(x).item()).to.equal(21);
    expect(ng.sum(ng.zeros([0])).item()).to.equal(0);
    expect(Number.isNaN(ng.mean(ng.zeros([0])).item())).to.equal(true);
    expect(ng.sum(ng.zeros([2, 0]), 1).toArray()).to.deep.equal([0, 0]);
  });

  it('a reduction of a 0-d tensor is 0-d', () => {
    const s = ng.tensor(3, undefined, { requiresGrad: true });
    const y = ng.mean(s);
    expect(y.shape).to.deep.equal([]);
    y.backward();
    expect(s.grad!.item()).to.equal(1);
  });
});

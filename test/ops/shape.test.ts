/** reshape (with −1) and clone: values, shapes, gradients. */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg } from '../helpers';
import { expectGrad, randT } from './ref';

describe('ops: reshape and clone', () => {
  const rnd = lcg(5);
  it('reshape keeps the elements in order; −1 is inferred', () => {
    const x = ng.arange(24);
    const cases: [number[], number[]][] = [
      [
        [2, 3, 4],
        [2, 3, 4],
      ],
      [
        [4, -1],
        [4, 6],
      ],
      [[-1], [24]],
      [
        [-1, 2, 2],
        [6, 2, 2],
      ],
      [
        [1, 24, 1],
        [1, 24, 1],
      ],
    ];
    for (const [arg, want] of cases) {
      const y = ng.reshape(x, arg);
      expect(y.shape).to.deep.equal(want);
      expect(Array.from(y.data)).to.deep.equal(Array.from(x.data));
    }
    expect(ng.tensor(5).reshape([1, 1]).shape).to.deep.equal([1, 1]);
    expect(ng.tensor([5]).reshape([]).shape).to.deep.equal([]);
    expect(ng.zeros([0, 3]).reshape([-1, 3]).shape).to.deep.equal([0, 3]);
  });

  it('reshape is a copy: writing to the result leaves the source alone', () => {
    const x = ng.tensor([1, 2, 3, 4]);
    const y = x.reshape([2, 2]);
    y.data[0] = 100;
    expect(x.data[0]).to.equal(1);
  });

  it('reshape and clone pass gradients through unchanged (gradcheck)', () => {
    const x = randT(rnd, [3, 4]);
    expectGrad((t) => ng.mul(ng.reshape(t, [2, -1]), ng.reshape(t, [2, 6])), [x], 'reshape used twice');
    expectGrad((t) => ng.matmul(t.reshape([4, 3]), t), [x], 'reshape then matmul');
    expectGrad((t) => ng.mul(ng.clone(t), t), [x], 'clone');
    const c = x.clone();
    expect(c).to.not.equal(x);
    expect(c.requiresGrad).to.equal(true);
    expect(Array.from(c.data)).to.deep.equal(Array.from(x.data));
  });
});

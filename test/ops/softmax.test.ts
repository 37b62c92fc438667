/**
 * softmax and logSoftmax along several axes: values against a double-precision reference,
 * gradients by finite differences, stability for huge logits.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg } from '../helpers';
import { expectGrad, expectTensor, randInt, randT, refSoftmax } from './ref';

describe('ops: softmax and logSoftmax', () => {
  const rnd = lcg(31337);
  for (const op of ['softmax', 'logSoftmax'] as const) {
    const f = op === 'softmax' ? ng.softmax : ng.logSoftmax;
    it(`${op} along every axis of random 1-D, 2-D and 3-D tensors`, () => {
      const shapes = [[randInt(rnd, 1, 6)], [randInt(rnd, 1, 4), randInt(rnd, 2, 5)], [2, randInt(rnd, 2, 4), 3]];
      for (const s of shapes) {
        const x = randT(rnd, s, -3, 3);
        for (let ax = -s.length; ax < s.length; ax++) {
          expectTensor(f(x, ax), s, refSoftmax(x.data, s, ax, op === 'logSoftmax'), `${op}(${ax}) ${JSON.stringify(s)}`, 1e-5, 1e-6);
          expectGrad((t) => f(t, ax), [x], `${op}(${ax}) ${JSON.stringify(s)}`);
        }
      }
    });
    it(`${op}: default axis is the last; method form`, () => {
      const x = randT(rnd, [3, 4]);
      expect(Array.from(f(x).data)).to.deep.equal(Array.from(f(x, 1).data));
      const m = op === 'softmax' ? x.softmax() : x.logSoftmax();
      expect(Array.from(m.data)).to.deep.equal(Array.from(f(x, -1).data));
    });
  }

  it('softmax rows sum to 1; exp(logSoftmax) equals softmax', () => {
    const x = randT(rnd, [5, 7], -4, 4);
    const rows = ng.sum(ng.softmax(x, 1), 1).data;
    for (const r of rows) expect(r).to.be.closeTo(1, 1e-6);
    expectTensor(ng.exp(ng.logSoftmax(x, 0)), [5, 7], ng.softmax(x, 0).data, 'exp∘logSoftmax', 1e-5, 1e-7);
  });

  it('logits of ±1e4 stay finite', () => {
    const x = ng.tensor([
      [1e4, -1e4, 0],
      [5e3, 5e3, -1e4],
    ]);
    const s = ng.softmax(x).toArray();
    expect(s).to.deep.equal([
      [1, 0, 0],
      [0.5, 0.5, 0],
    ]);
    const l = ng.logSoftmax(x).data;
    expect(l[0]).to.equal(0);
    expect(l[1]).to.equal(-2e4);
    expect(l[3]).to.be.closeTo(-Math.LN2, 1e-6);
  });
});

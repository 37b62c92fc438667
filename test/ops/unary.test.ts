/**
 * Element-wise maps: forward against Math.*, backward by finite differences on random shapes,
 * with inputs kept away from relu's and abs' kink and from log's and sqrt's domain edge.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg } from '../helpers';
import { awayFromZero, expectGrad, expectTensor, randInt, randT } from './ref';

type Un = (x: ng.Tensor) => ng.Tensor;
const sig = (x: number): number => 1 / (1 + Math.exp(-x));
// name, op, reference, input generator
const CASES: [string, Un, (x: number) => number, (rnd: () => number, s: number[]) => ng.Tensor][] = [
  ['neg', ng.neg, (x) => -x, (r, s) => randT(r, s)],
  ['exp', ng.exp, Math.exp, (r, s) => randT(r, s, -2, 2)],
  ['log', ng.log, Math.log, (r, s) => randT(r, s, 0.5, 3)],
  ['sqrt', ng.sqrt, Math.sqrt, (r, s) => randT(r, s, 0.5, 3)],
  ['abs', ng.abs, Math.abs, (r, s) => awayFromZero(r, s)],
  ['relu', ng.relu, (x) => Math.max(x, 0), (r, s) => awayFromZero(r, s)],
  ['sigmoid', ng.sigmoid, sig, (r, s) => randT(r, s, -4, 4)],
  ['tanh', ng.tanh, Math.tanh, (r, s) => randT(r, s, -2, 2)],
  ['pow 2', (x) => ng.pow(x, 2), (x) => x * x, (r, s) => randT(r, s)],
  ['pow 3 (negative base)', (x) => ng.pow(x, 3), (x) => x ** 3, (r, s) => randT(r, s)],
  ['pow 0.5', (x) => ng.pow(x, 0.5), Math.sqrt, (r, s) => randT(r, s, 0.5, 2)],
  ['pow -1', (x) => ng.pow(x, -1), (x) => 1 / x, (r, s) => randT(r, s, 0.5, 2)],
  ['pow 0', (x) => ng.pow(x, 0), () => 1, (r, s) => randT(r, s)],
];

describe('ops: neg exp log sqrt abs pow relu sigmoid tanh', () => {
  const rnd = lcg(777);
  for (const [name, fn, ref, gen] of CASES) {
    it(`${name}: forward matches Math, gradcheck passes on random shapes`, () => {
      const shapes = [[randInt(rnd, 1, 7)], [randInt(rnd, 1, 4), randInt(rnd, 1, 5)], [2, randInt(rnd, 1, 3), 3], []];
      for (const s of shapes) {
        const x = gen(rnd, s);
        const y = fn(x);
        expectTensor(y, s, Array.from(x.data, ref), `${name} ${JSON.stringify(s)}`, 2e-6, 1e-7);
        expectGrad(fn, [x], `${name} ${JSON.stringify(s)}`);
      }
    });
  }

  it('methods are the same functions', () => {
    const x = randT(rnd, [2, 3], 0.5, 2);
    const same = (a: ng.Tensor, b: ng.Tensor): void => {
      expect(Array.from(a.data)).to.deep.equal(Array.from(b.data));
    };
    same(x.neg(), ng.neg(x));
    same(x.exp(), ng.exp(x));
    same(x.log(), ng.log(x));
    same(x.sqrt(), ng.sqrt(x));
    same(x.abs(), ng.abs(x));
    same(x.pow(1.5), ng.pow(x, 1.5));
    same(x.relu(), ng.relu(x));
    same(x.sigmoid(), ng.sigmoid(x));
    same(x.tanh(), ng.tanh(x));
  });

  it('sigmoid and tanh are finite in both tails; relu of a negative is 0 with zero gradient', () => {
    const x = ng.tensor([-100, -30, 0, 30, 100], undefined, { requiresGrad: true });
    const s = ng.sigmoid(x).data;
    expect(Array.from(s).every(Number.isFinite)).to.equal(true);
    expect(s[0]).to.be.at.least(0).and.below(1e-30);
    expect(s[2]).to.equal(0.5);
    expect(s[4]).to.equal(1);
    expect(Array.from(ng.tanh(x).data)).to.deep.equal([-1, -1, 0, 1, 1]);
    ng.relu(x).sum().backward();
    expect(Array.from(x.grad!.data)).to.deep.equal([0, 0, 0, 1, 1]);
  });

  it('log and sqrt outside their domain give NaN/-Inf (IEEE), not errors', () => {
    expect(Array.from(ng.log(ng.tensor([0, -1])).data)).to.deep.equal([-Infinity, NaN]);
    expect(Number.isNaN(ng.sqrt(ng.tensor([-1])).data[0])).to.equal(true);
  });
});

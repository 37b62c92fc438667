/**
 * add, sub, mul, div: forward against a multi-index broadcasting reference, backward by finite
 * differences (ng.gradcheck) on random shapes, for every broadcast form API.md names and others.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg } from '../helpers';
import { awayFromZero, expectGrad, expectTensor, randInt, randT, refBroadcast } from './ref';

type Bin = (a: ng.Tensor | number, b: ng.Tensor | number) => ng.Tensor;
const OPS: [string, Bin, (x: number, y: number) => number][] = [
  ['add', ng.add, (x, y) => x + y],
  ['sub', ng.sub, (x, y) => x - y],
  ['mul', ng.mul, (x, y) => x * y],
  ['div', ng.div, (x, y) => x / y],
];

describe('ops: add, sub, mul, div', () => {
  const rnd = lcg(20240501);
  // [shape of a, shape of b] with N, M drawn per test; b of div stays in ±[0.5, 1.5]
  const forms: [string, (N: number, M: number) => [number[], number[]]][] = [
    [
      'same shape',
      (N, M) => [
        [N, M],
        [N, M],
      ],
    ],
    ['row [M] over [N, M]', (N, M) => [[N, M], [M]]],
    ['[N, M] with row [M] on the left', (N, M) => [[M], [N, M]]],
    ['1-element tensor [1]', (N, M) => [[N, M], [1]]],
    ['0-d tensor', (N, M) => [[N, M], []]],
    ['0-d on the left', (N, M) => [[], [N, M]]],
    [
      '[N, 1] with [1, M]',
      (N, M) => [
        [N, 1],
        [1, M],
      ],
    ],
    [
      'column [N, 1] over [N, M]',
      (N, M) => [
        [N, M],
        [N, 1],
      ],
    ],
    ['3-D [2, N, 1] with [M]', (N, M) => [[2, N, 1], [M]]],
    [
      '3-D [N, 1, M] with [3, 1]',
      (N, M) => [
        [N, 1, M],
        [3, 1],
      ],
    ],
    [
      '[1, 1] with [N, M]',
      (N, M) => [
        [1, 1],
        [N, M],
      ],
    ],
  ];
  for (const [name, fn, ref] of OPS) {
    describe(name, () => {
      for (const [form, shapes] of forms) {
        it(`${form}: forward matches the reference, gradcheck passes`, () => {
          for (let trial = 0; trial < 2; trial++) {
            const [as, bs] = shapes(randInt(rnd, 1, 4), randInt(rnd, 2, 5));
            const a = randT(rnd, as);
            const b = name === 'div' ? awayFromZero(rnd, bs, 0.5, 1.5) : randT(rnd, bs);
            const out = fn(a, b);
            const want = refBroadcast(ref, a.data, as, b.data, bs);
            expectTensor(out, want.shape, want.data, `${name} ${form}`);
            expect(out.requiresGrad).to.equal(true);
            expectGrad(fn, [a, b], `${name} ${form} ${JSON.stringify([as, bs])}`);
          }
        });
      }
      it('a JS number on either side', () => {
        const a = name === 'div' ? awayFromZero(rnd, [3, 4], 0.5, 1.5) : randT(rnd, [3, 4]);
        const right = fn(a, 2.5);
        expectTensor(right, [3, 4], refBroadcast(ref, a.data, [3, 4], [2.5], []).data, `${name}(a, 2.5)`);
        const left = fn(-1.5, a);
        expectTensor(left, [3, 4], refBroadcast(ref, [-1.5], [], a.data, [3, 4]).data, `${name}(-1.5, a)`);
        expectGrad((x) => fn(x, 2.5), [a], `${name}(x, 2.5)`);
        expectGrad((x) => fn(-1.5, x), [a], `${name}(-1.5, x)`);
      });
      it('as a method gives the same result', () => {
        const a = randT(rnd, [2, 3]);
        const b = awayFromZero(rnd, [3], 0.5, 1.5);
        const m = (a as unknown as Record<string, (o: ng.Tensor) => ng.Tensor>)[name](b);
        expect(Array.from(m.data)).to.deep.equal(Array.from(fn(a, b).data));
      });
      it('gradient reaches only the inputs that require it', () => {
        const a = randT(rnd, [2, 3]);
        const b = randT(rnd, [3], 0.5, 1.5, false);
        fn(a, b).sum().backward();
        expect(a.grad).to.not.equal(null);
        expect(b.grad).to.equal(null);
      });
    });
  }

  it('empty tensors broadcast to an empty result', () => {
    const out = ng.add(ng.zeros([0, 3], { requiresGrad: true }), ng.ones([3]));
    expect(out.shape).to.deep.equal([0, 3]);
    expect(out.size).to.equal(0);
    out.sum().backward();
  });

  it('NaN and Inf propagate as IEEE says (data, not errors)', () => {
    const out = ng.div(ng.tensor([1, -1, 0, NaN]), ng.tensor([0, 0, 0, 1]));
    expect(Array.from(out.data)).to.deep.equal([Infinity, -Infinity, NaN, NaN]);
  });

  it('row broadcast gradient sums over the rows (explicit values)', () => {
    // d/db Σ (a + b) over [3, 2] + [2] is the number of rows for each column
    const a = ng.ones([3, 2], { requiresGrad: true });
    const b = ng.tensor([1, 2], undefined, { requiresGrad: true });
    ng.mul(a, b).sum().backward();
    expect(Array.from(b.grad!.data)).to.deep.equal([3, 3]);
    expect(a.grad!.toArray()).to.deep.equal([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
  });
});

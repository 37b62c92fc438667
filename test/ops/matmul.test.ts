/**
 * matmul (OpenBLAS sgemm) against a plain JS triple loop, its backward against the same loop
 * (da = g·bᵀ, db = aᵀ·g) and finite differences; transpose.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg } from '../helpers';
import { expectGrad, randInt, randT, refMatmul } from './ref';

/** max |got − want| ≤ rel · max |want| (and exact zeros for an all-zero reference). */
function expectRelClose(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what: string): void {
  expect(got.length, `${what}: length`).to.equal(want.length);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  expect(err, `${what}: max error ${err} vs scale ${scale}`).to.be.at.most(rel * scale);
}

function transposeRef(x: ArrayLike<number>, R: number, C: number): Float64Array {
  const out = new Float64Array(R * C);
  for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) out[j * R + i] = x[i * C + j];
  return out;
}

describe('ops: matmul and transpose', () => {
  const rnd = lcg(4242);
  const shapes: [number, number, number][] = [
    [1, 7, 5], // 1xK row times a matrix
    [6, 9, 1], // a matrix times a Kx1 column
    [1, 13, 1], // dot product
    [7, 1, 6], // outer product (K = 1)
    [3, 5, 2],
    [17, 33, 9],
    [64, 300, 48],
    [130, 70, 257],
  ];
  for (const [M, K, N] of shapes) {
    it(`[${M}, ${K}] · [${K}, ${N}] matches a triple loop to 1e-5 relative, forward and backward`, () => {
      const a = randT(rnd, [M, K]);
      const b = randT(rnd, [K, N]);
      const out = ng.matmul(a, b);
      expect(out.shape).to.deep.equal([M, N]);
      expectRelClose(out.data, refMatmul(a.data, b.data, M, K, N), 1e-5, 'forward');
      const g = randT(rnd, [M, N], -1, 1, false);
      out.backward(g);
      // da = g [M, N] · bᵀ [N, K], db = aᵀ [K, M] · g [M, N]
      expectRelClose(a.grad!.data, refMatmul(g.data, transposeRef(b.data, K, N), M, N, K), 1e-5, 'da');
      expectRelClose(b.grad!.data, refMatmul(transposeRef(a.data, M, K), g.data, K, M, N), 1e-5, 'db');
    });
  }

  it('empty dimensions: M = 0, N = 0, and K = 0 (a zero matrix, as in PyTorch)', () => {
    expect(ng.matmul(ng.zeros([0, 3]), ng.ones([3, 4])).shape).to.deep.equal([0, 4]);
    expect(ng.matmul(ng.ones([3, 4]), ng.ones([4, 0])).shape).to.deep.equal([3, 0]);
    const a = ng.zeros([3, 0], { requiresGrad: true });
    const b = ng.zeros([0, 4], { requiresGrad: true });
    const z = ng.matmul(a, b);
    expect(z.shape).to.deep.equal([3, 4]);
    expect(Array.from(z.data)).to.deep.equal(new Array(12).fill(0));
    z.sum().backward();
    expect(a.grad!.shape).to.deep.equal([3, 0]);
    expect(b.grad!.shape).to.deep.equal([0, 4]);
  });

  it('gradcheck on random shapes', () => {
    for (let t = 0; t < 6; t++) {
      const [M, K, N] = [randInt(rnd, 1, 5), randInt(rnd, 1, 6), randInt(rnd, 1, 5)];
      expectGrad(ng.matmul, [randT(rnd, [M, K]), randT(rnd, [K, N])], `matmul ${M}x${K}x${N}`);
    }
    // only one side requires grad
    expectGrad(ng.matmul, [randT(rnd, [3, 4]), randT(rnd, [4, 2], -1, 1, false)], 'matmul, b constant');
  });

  it('same result with 1 and 2 OpenBLAS threads', () => {
    const prev = ng.getNumThreads();
    const a = randT(rnd, [200, 150]);
    const b = randT(rnd, [150, 120]);
    try {
      ng.setNumThreads(1);
      const one = ng.matmul(a, b).data;
      ng.setNumThreads(2);
      const two = ng.matmul(a, b).data;
      expectRelClose(two, one, 1e-6, '2 threads vs 1');
    } finally {
      ng.setNumThreads(prev);
    }
  });

  it('matmul as a method; a chain a·b·c', () => {
    const a = randT(rnd, [2, 3]);
    const b = randT(rnd, [3, 4]);
    const c = randT(rnd, [4, 2]);
    expect(Array.from(a.matmul(b).data)).to.deep.equal(Array.from(ng.matmul(a, b).data));
    expectGrad((x, y, z) => x.matmul(y).matmul(z), [a, b, c], 'a·b·c');
  });

  it('transpose: values, shape, gradcheck, method form and (1, 0) axes', () => {
    for (const [R, C] of [
      [1, 5],
      [4, 1],
      [3, 7],
      [40, 33],
    ]) {
      const x = randT(rnd, [R, C]);
      const y = ng.transpose(x);
      expect(y.shape).to.deep.equal([C, R]);
      expect(Array.from(y.data)).to.deep.equal(Array.from(transposeRef(x.data, R, C)));
      if (R * C < 100) expectGrad((t) => ng.transpose(t), [x], `transpose ${R}x${C}`);
    }
    const x = randT(rnd, [2, 3]);
    expect(Array.from(x.transpose().data)).to.deep.equal(Array.from(ng.transpose(x, 1, 0).data));
    expectGrad((t) => ng.matmul(t, ng.transpose(t)), [randT(rnd, [3, 4])], 'x·xᵀ (x used twice)');
  });
});

describe('matmulInto', () => {
  it('writes the product into an existing tensor and returns it', () => {
    const a = ng.tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const b = ng.tensor([
      [1, 0, 2],
      [0, 1, 3],
    ]);
    const out = ng.full([3, 3], 99);
    const r = ng.matmulInto(out, a, b);
    expect(r).to.equal(out);
    expect(out.toArray()).to.deep.equal([
      [1, 2, 8],
      [3, 4, 18],
      [5, 6, 28],
    ]);
  });
  it('checks the shape, refuses aliasing and autograd', () => {
    const a = ng.ones([2, 3]);
    const b = ng.ones([3, 4]);
    expect(() => ng.matmulInto(ng.zeros([4, 2]), a, b)).to.throw(/out has shape \[4, 2\].*\[2, 4\]/);
    const sq = ng.ones([2, 2]);
    expect(() => ng.matmulInto(sq, sq, sq)).to.throw(/other than the inputs/);
    const g = ng.ones([2, 3], { requiresGrad: true });
    expect(() => ng.matmulInto(ng.zeros([2, 4]), g, b)).to.throw(/not differentiable/);
    expect(ng.noGrad(() => ng.matmulInto(ng.zeros([2, 4]), g, b)).data[0]).to.equal(3);
  });
});

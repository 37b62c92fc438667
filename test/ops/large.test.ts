/**
 * Forward ops allocate their outputs without zero-filling (allocateUninit); every kernel must
 * therefore write every element. Checked on tensors above the threshold, after recycling
 * NaN-filled memory so that stale bytes would show.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { native } from '../../lib/native';
import { lcg } from '../helpers';
import { expectTensor, randT, refBroadcast, refMatmul, refReduce, refSoftmax } from './ref';

/** Allocates NaN-filled buffers of the sizes about to be used and frees them at once (detach), so malloc hands them back. */
function poison(bytes: number[]): void {
  for (const n of bytes)
    for (let i = 0; i < 4; i++) {
      const f = new Float32Array(Buffer.allocUnsafeSlow(n).buffer).fill(NaN);
      native.detach(f);
    }
}

describe('ops: outputs above the uninitialised-allocation threshold are fully written', () => {
  const rnd = lcg(8080);
  const R = 37;
  const C = 53;
  const x = randT(rnd, [R, C], -2, 2, false);
  const y = randT(rnd, [R, C], 0.5, 2, false);
  const row = randT(rnd, [C], -1, 1, false);

  const cases: [string, () => ng.Tensor, () => { shape: number[]; data: ArrayLike<number> }][] = [
    ['add same shape', () => ng.add(x, y), () => refBroadcast((p, q) => p + q, x.data, [R, C], y.data, [R, C])],
    ['div by a row', () => ng.div(x, row), () => refBroadcast((p, q) => p / q, x.data, [R, C], row.data, [C])],
    ['mul by a number', () => ng.mul(x, 3), () => refBroadcast((p, q) => p * q, x.data, [R, C], [3], [])],
    [
      '[R, 1] − [1, C]',
      () => ng.sub(x.sum(1, true), row.reshape([1, C])),
      () => refBroadcast((p, q) => p - q, refReduce(x.data, [R, C], 1, false).data, [R, 1], row.data, [1, C]),
    ],
    ['exp', () => ng.exp(x), () => ({ shape: [R, C], data: Array.from(x.data, Math.exp) })],
    ['relu', () => ng.relu(x), () => ({ shape: [R, C], data: Array.from(x.data, (v) => Math.max(v, 0)) })],
    ['sum along 0', () => ng.sum(x, 0), () => refReduce(x.data, [R, C], 0, false)],
    ['mean along 1', () => ng.mean(x, 1), () => refReduce(x.data, [R, C], 1, true)],
    ['softmax along 0', () => ng.softmax(x, 0), () => ({ shape: [R, C], data: refSoftmax(x.data, [R, C], 0, false) })],
    ['transpose', () => ng.transpose(x), () => ({ shape: [C, R], data: Array.from({ length: R * C }, (_, i) => x.data[(i % R) * C + Math.floor(i / R)]) })],
    [
      'matmul',
      () => ng.matmul(x, ng.transpose(y)),
      () => ({
        shape: [R, R],
        data: refMatmul(
          x.data,
          Array.from({ length: R * C }, (_, i) => y.data[(i % R) * C + Math.floor(i / R)]),
          R,
          C,
          R,
        ),
      }),
    ],
  ];
  for (const [name, op, ref] of cases) {
    it(name, () => {
      const want = ref();
      poison([want.data.length * 4]);
      const got = op();
      expect(Array.from(got.data).some(Number.isNaN), `${name}: NaN from stale memory`).to.equal(false);
      expectTensor(got, want.shape, want.data, name, 1e-5, 1e-5);
    });
  }

  it('raw sgemm with beta 0 overwrites a NaN-filled output (BLAS: C need not be set on input)', () => {
    const out = new Float32Array(R * R).fill(NaN);
    native.sgemm(out, x.data, y.data, R, C, R, false, true, 1, 0);
    expect(Array.from(out).some(Number.isNaN)).to.equal(false);
    const k0 = new Float32Array(6).fill(NaN);
    native.sgemm(k0, new Float32Array(0), new Float32Array(0), 2, 0, 3, false, false, 1, 0);
    expect(Array.from(k0)).to.deep.equal([0, 0, 0, 0, 0, 0]);
  });
});

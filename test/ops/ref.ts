/**
 * Independent references for the op tests: plain JS loops written from the definitions
 * (NumPy broadcasting by multi-index, a triple-loop matmul, …), sharing no code with lib/.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { randomArray } from '../helpers';

/** A tensor of `shape` with values uniform in [lo, hi) from the test-local generator `rnd`. */
export function randT(rnd: () => number, shape: number[], lo = -1, hi = 1, requiresGrad = true): ng.Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return ng.tensor(randomArray(n, rnd, lo, hi), shape, { requiresGrad });
}

/** Values uniform in ±[lo, hi) with a random sign: kept away from 0 (relu's and abs' kink). */
export function awayFromZero(rnd: () => number, shape: number[], lo = 0.1, hi = 1): ng.Tensor {
  const t = randT(rnd, shape, lo, hi);
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (rnd() < 0.5) d[i] = -d[i];
  return t;
}

/** A random integer in [lo, hi]. */
export function randInt(rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

/** Row-major element strides of a shape. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** NumPy broadcasting by explicit multi-indices: out[idx] = f(a[idx mod shape a], b[idx mod shape b]). */
export function refBroadcast(
  f: (x: number, y: number) => number,
  a: ArrayLike<number>,
  as: readonly number[],
  b: ArrayLike<number>,
  bs: readonly number[],
): { shape: number[]; data: Float64Array } {
  const nd = Math.max(as.length, bs.length);
  const pa = [...new Array(nd - as.length).fill(1), ...as];
  const pb = [...new Array(nd - bs.length).fill(1), ...bs];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const n = shape.reduce((p, d) => p * d, 1);
  const so = strides(shape);
  const sa = strides(pa);
  const sb = strides(pb);
  const data = new Float64Array(n);
  for (let flat = 0; flat < n; flat++) {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < nd; k++) {
      const idx = Math.floor(flat / so[k]) % shape[k];
      ia += (pa[k] === 1 ? 0 : idx) * sa[k];
      ib += (pb[k] === 1 ? 0 : idx) * sb[k];
    }
    data[flat] = f(a[ia], b[ib]);
  }
  return { shape, data };
}

/** out[M, N] = Σ_k a[m, k] b[k, n] in double. */
export function refMatmul(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[m * K + k] * b[k * N + n];
      out[m * N + n] = s;
    }
  return out;
}

/** Reduction along one axis (or all) by multi-index, in double. */
export function refReduce(x: ArrayLike<number>, shape: readonly number[], axis: number | undefined, mean: boolean): { shape: number[]; data: Float64Array } {
  if (axis === undefined) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    return { shape: [], data: Float64Array.of(mean ? s / x.length : s) };
  }
  const ax = axis < 0 ? axis + shape.length : axis;
  const outShape = shape.filter((_, i) => i !== ax);
  const n = outShape.reduce((p, d) => p * d, 1);
  const data = new Float64Array(n);
  const si = strides(shape);
  const so = strides(outShape);
  for (let flat = 0; flat < x.length; flat++) {
    let o = 0;
    let j = 0;
    for (let k = 0; k < shape.length; k++) {
      const idx = Math.floor(flat / si[k]) % shape[k];
      if (k === ax) continue;
      o += idx * so[j++];
    }
    data[o] += x[flat];
  }
  if (mean) for (let i = 0; i < n; i++) data[i] /= shape[ax];
  return { shape: outShape, data };
}

/** Softmax (or log-softmax) along one axis by multi-index, in double. */
export function refSoftmax(x: ArrayLike<number>, shape: readonly number[], axis: number, log: boolean): Float64Array {
  const ax = axis < 0 ? axis + shape.length : axis;
  const si = strides(shape);
  const out = new Float64Array(x.length);
  const n = shape[ax];
  for (let flat = 0; flat < x.length; flat++) {
    const idx = Math.floor(flat / si[ax]) % n;
    if (idx !== 0) continue; // each row starts at index 0 along the axis
    let m = -Infinity;
    for (let k = 0; k < n; k++) m = Math.max(m, x[flat + k * si[ax]]);
    let z = 0;
    for (let k = 0; k < n; k++) z += Math.exp(x[flat + k * si[ax]] - m);
    for (let k = 0; k < n; k++) {
      const v = x[flat + k * si[ax]] - m;
      out[flat + k * si[ax]] = log ? v - Math.log(z) : Math.exp(v) / z;
    }
  }
  return out;
}

/** Asserts that ng.gradcheck passes, printing the worst element when it does not. */
export function expectGrad(fn: (...xs: ng.Tensor[]) => ng.Tensor, inputs: ng.Tensor[], what: string, opts?: ng.GradcheckOptions): void {
  const r = ng.gradcheck(fn, inputs, opts);
  expect(r.ok, `${what}: gradcheck failed, maxError ${r.maxError}, worst ${JSON.stringify(r.worst)}`).to.equal(true);
}

/** Same shape and every element within atol + rtol·|expected|. */
export function expectTensor(t: ng.Tensor, shape: readonly number[], expected: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-6): void {
  expect(t.shape, `${what}: shape`).to.deep.equal(shape);
  expect(t.size, `${what}: size`).to.equal(expected.length);
  const d = t.data;
  for (let i = 0; i < expected.length; i++) {
    const tol = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(d[i] - expected[i]) <= tol)) expect.fail(`${what}[${i}]: got ${d[i]}, expected ${expected[i]} (tolerance ${tol})`);
  }
}

/**
 * Fuzzing the native boundary through the public API (fast-check, fixed seeds so CI repeats the
 * same cases): every native-backed op is called with random shapes — broadcastable and not, empty
 * dimensions, 0-d tensors, mismatched widths, axes in and out of range, class indices in and out of
 * range — and each call must either return the result of an independent JS reference (multi-index
 * loops in double, written from the definitions) or throw an Error naming the function. Gradients
 * are checked against the same references where the op has one. NG_FUZZ_SCALE multiplies the
 * number of cases (default 1: about 3,500 cases here).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as ng from '../../lib';
import { expectNear, fails, outcome, sizeOf, stridesOf, succeeds, values } from './check';

const SCALE = Number(process.env.NG_FUZZ_SCALE ?? 1);
const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));

const dim = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) });
const shapeArb = (minRank = 0, maxRank = 4): fc.Arbitrary<number[]> => fc.array(dim, { minLength: minRank, maxLength: maxRank });
const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });

/** NumPy broadcasting of two shapes, or null when they do not fit. */
function broadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const nd = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < nd; i++) {
    const da = i < nd - a.length ? 1 : a[i - (nd - a.length)];
    const db = i < nd - b.length ? 1 : b[i - (nd - b.length)];
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each flat output index of the broadcast shape, the flat indices it reads in a and b. */
function broadcastIndex(out: readonly number[], a: readonly number[], b: readonly number[]): { ia: Int32Array; ib: Int32Array } {
  const nd = out.length;
  const pa = [...new Array(nd - a.length).fill(1), ...a];
  const pb = [...new Array(nd - b.length).fill(1), ...b];
  const so = stridesOf(out);
  const sa = stridesOf(pa);
  const sb = stridesOf(pb);
  const n = sizeOf(out);
  const ia = new Int32Array(n);
  const ib = new Int32Array(n);
  for (let flat = 0; flat < n; flat++) {
    for (let k = 0; k < nd; k++) {
      const idx = Math.floor(flat / so[k]) % out[k];
      if (pa[k] !== 1) ia[flat] += idx * sa[k];
      if (pb[k] !== 1) ib[flat] += idx * sb[k];
    }
  }
  return { ia, ib };
}

const t = (data: Float32Array, shape: number[], requiresGrad = false): ng.Tensor => ng.tensor(data, shape, { requiresGrad });

describe('fuzz: public ops on random shapes return the reference result or throw an Error', function () {
  this.timeout(60000);
  let rngState: Uint32Array;
  before(() => {
    rngState = ng.getRngState();
  });
  after(() => ng.setRngState(rngState));

  it(`add/sub/mul/div: broadcastable and non-broadcastable shape pairs, forward and backward (${runs(800)} cases)`, () => {
    const pair = fc.record({
      a: shapeArb(),
      drop: fc.nat(4),
      edits: fc.array(fc.constantFrom('same', 'same', 'same', 'one', 'other'), { minLength: 4, maxLength: 4 }),
      other: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 4 }),
      lead: fc.array(dim, { maxLength: 2 }),
      swap: fc.boolean(),
      op: fc.integer({ min: 0, max: 3 }),
      scalar: fc.constantFrom('none', 'none', 'none', 'none', 'a', 'b'),
      disposed: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
      seed: seedArb,
    });
    fc.assert(
      fc.property(pair, (c) => {
        const edit = (d: number, i: number): number => (c.edits[i] === 'one' ? 1 : c.edits[i] === 'other' ? c.other[i] : d);
        let as = c.a;
        let bs = [...c.lead, ...c.a.slice(Math.min(c.drop, c.a.length)).map(edit)];
        if (c.swap) [as, bs] = [bs, as];
        const fn = ['add', 'sub', 'mul', 'div'][c.op] as 'add' | 'sub' | 'mul' | 'div';
        const f = [(x: number, y: number) => x + y, (x: number, y: number) => x - y, (x: number, y: number) => x * y, (x: number, y: number) => x / y][c.op];
        const av = values(c.seed, sizeOf(as));
        const bv = values(c.seed + 1, sizeOf(bs), 0.5, 2); // kept away from 0 for div's gradient
        for (let i = 0; i < bv.length; i += 2) bv[i] = -bv[i];
        const a = t(av, as, true);
        const b = t(bv, bs, true);
        // a JS number as either operand takes the scalar path
        const x: ng.Tensor | number = c.scalar === 'a' ? (av.length > 0 ? av[0] : 1.5) : a;
        const y: ng.Tensor | number = c.scalar === 'b' ? (bv.length > 0 ? bv[0] : -0.75) : b;
        const xs = typeof x === 'number' ? [] : as;
        const ys = typeof y === 'number' ? [] : bs;
        if (c.disposed) {
          (typeof x === 'number' ? b : a).dispose();
          fails(
            `${fn} of a disposed tensor`,
            outcome(() => ng[fn](x, y)),
            `ng.${fn}`,
            'disposed',
          );
          return;
        }
        const shape = broadcast(xs, ys);
        const r = outcome(() => ng[fn](x, y));
        if (shape === null) {
          fails(`${fn} ${JSON.stringify(xs)} ${JSON.stringify(ys)}`, r, `ng.${fn}`, 'cannot be broadcast');
          return;
        }
        const out = succeeds(`${fn} ${JSON.stringify(xs)} ${JSON.stringify(ys)}`, r);
        expect(out.shape).to.deep.equal(shape);
        const xv = typeof x === 'number' ? Float32Array.of(x) : av;
        const yv = typeof y === 'number' ? Float32Array.of(y) : bv;
        const { ia, ib } = broadcastIndex(shape, xs, ys);
        const want = Array.from(ia, (i, k) => Math.fround(f(xv[i], yv[ib[k]])));
        expectNear(`${fn} forward`, out.data, want, 1e-6, 0);
        // backward with a random upstream gradient: da[i] = Σ over the outputs reading a[i] of g·∂f/∂a
        const g = values(c.seed + 2, out.size);
        out.backward(t(g, shape));
        const da = new Float64Array(xv.length);
        const db = new Float64Array(yv.length);
        for (let k = 0; k < ia.length; k++) {
          const p = xv[ia[k]];
          const q = yv[ib[k]];
          const [dfa, dfb] = [
            [1, 1],
            [1, -1],
            [q, p],
            [1 / q, -p / (q * q)],
          ][c.op];
          da[ia[k]] += g[k] * dfa;
          db[ib[k]] += g[k] * dfb;
        }
        if (typeof x !== 'number') expectNear(`${fn} da`, a.grad!.data, da, 1e-4, 1e-5);
        if (typeof y !== 'number') expectNear(`${fn} db`, b.grad!.data, db, 1e-4, 1e-5);
      }),
      { seed: 801, numRuns: runs(800) },
    );
  });

  it(`matmul and transpose: random sizes incl. 0, mismatched inner sizes, forward and backward (${runs(400)} cases)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        seedArb,
        (M, K, K2, N, sameK, seed) => {
          const Kb = sameK ? K : K2;
          const av = values(seed, M * K);
          const bv = values(seed + 1, Kb * N);
          const a = t(av, [M, K], true);
          const b = t(bv, [Kb, N], true);
          const r = outcome(() => ng.matmul(a, b));
          if (K !== Kb) {
            fails('matmul with mismatched inner sizes', r, 'ng.matmul', `[${M}, ${K}]`, `[${Kb}, ${N}]`);
            return;
          }
          const out = succeeds(`matmul [${M},${K}]x[${K},${N}]`, r);
          expect(out.shape).to.deep.equal([M, N]);
          const want = new Float64Array(M * N);
          const bound = new Float64Array(M * N);
          for (let m = 0; m < M; m++)
            for (let n = 0; n < N; n++)
              for (let k = 0; k < K; k++) {
                want[m * N + n] += av[m * K + k] * bv[k * N + n];
                bound[m * N + n] += 1e-6 * Math.abs(av[m * K + k] * bv[k * N + n]);
              }
          expectNear('matmul forward', out.data, want, 0, bound);
          const g = values(seed + 2, M * N);
          out.backward(t(g, [M, N]));
          const da = new Float64Array(M * K);
          const db = new Float64Array(K * N);
          for (let m = 0; m < M; m++)
            for (let n = 0; n < N; n++)
              for (let k = 0; k < K; k++) {
                da[m * K + k] += g[m * N + n] * bv[k * N + n];
                db[k * N + n] += av[m * K + k] * g[m * N + n];
              }
          expectNear('matmul da', a.grad!.data, da, 1e-4, 1e-5);
          expectNear('matmul db', b.grad!.data, db, 1e-4, 1e-5);
          // transpose of a (and of a 3-D tensor, which must throw)
          const tr = succeeds(
            'transpose',
            outcome(() => ng.transpose(a)),
          );
          expect(tr.shape).to.deep.equal([K, M]);
          for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) expect(tr.data[k * M + m]).to.equal(av[m * K + k]);
          fails(
            'transpose of 3-D',
            outcome(() => ng.transpose(t(values(seed, M * K * 2), [M, K, 2]))),
            'ng.transpose',
          );
        },
      ),
      { seed: 802, numRuns: runs(400) },
    );
  });

  it(`reshape: factorisations, −1, wrong sizes (${runs(300)} cases)`, () => {
    fc.assert(
      fc.property(
        shapeArb(),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.constantFrom('perm', 'perm', 'merge', 'infer', 'wrong'),
        seedArb,
        (shape, order, how, seed) => {
          const n = sizeOf(shape);
          const x = t(values(seed, n), shape, true);
          let target = shape.slice();
          for (let i = 0; i < order.length && target.length > 1; i++) {
            const j = order[i] % target.length;
            [target[0], target[j]] = [target[j], target[0]];
          }
          if (how === 'merge' && target.length >= 2) target = [target[0] * target[1], ...target.slice(2)];
          if (how === 'infer' && target.length >= 1 && target[0] > 0) target[0] = -1;
          if (how === 'wrong') target = [...target, 2];
          const r = outcome(() => ng.reshape(x, target));
          // −1 next to a 0 dimension could be anything (PyTorch refuses it too)
          const ambiguous = how === 'infer' && target[0] === -1 && sizeOf(target.slice(1)) === 0;
          const valid = (how !== 'wrong' || n === 0) && !ambiguous;
          if (!valid) {
            fails(`reshape ${JSON.stringify(shape)} → ${JSON.stringify(target)}`, r, 'ng.reshape');
            return;
          }
          const y = succeeds(`reshape ${JSON.stringify(shape)} → ${JSON.stringify(target)}`, r);
          const want = target.map((d) => (d === -1 ? n / sizeOf(target.filter((e) => e !== -1)) : d));
          expect(y.shape).to.deep.equal(want);
          expect(Array.from(y.data)).to.deep.equal(Array.from(x.data));
        },
      ),
      { seed: 803, numRuns: runs(300) },
    );
  });

  it(`sum/mean over every axis (and none), keepDim, out-of-range axes, backward (${runs(500)} cases)`, () => {
    fc.assert(
      fc.property(
        shapeArb(),
        fc.option(fc.integer({ min: -5, max: 4 }), { freq: 4 }),
        fc.boolean(),
        fc.boolean(),
        seedArb,
        (shape, axis, keepDim, mean, seed) => {
          const fn = mean ? 'mean' : 'sum';
          const nd = shape.length;
          const xv = values(seed, sizeOf(shape));
          const x = t(xv, shape, true);
          const ax = axis === null ? undefined : axis;
          const r = outcome(() => ng[fn](x, ax, keepDim));
          if (ax !== undefined && (ax < -nd || ax >= nd)) {
            fails(`${fn} axis ${ax} of ${JSON.stringify(shape)}`, r, `ng.${fn}`, `axis ${ax}`);
            return;
          }
          const y = succeeds(`${fn} axis ${ax} of ${JSON.stringify(shape)}`, r);
          const a = ax === undefined ? -1 : ax < 0 ? ax + nd : ax;
          // reference by multi-index in double
          const outShape =
            ax === undefined ? (keepDim ? shape.map(() => 1) : []) : keepDim ? shape.map((d, i) => (i === a ? 1 : d)) : shape.filter((_, i) => i !== a);
          expect(y.shape).to.deep.equal(outShape);
          const count = ax === undefined ? xv.length : shape[a];
          const want = new Float64Array(sizeOf(outShape));
          const bound = new Float64Array(want.length);
          const sx = stridesOf(shape);
          const target = (flat: number): number => {
            if (ax === undefined) return 0;
            let o = 0;
            let acc = 1;
            for (let k = nd - 1; k >= 0; k--) {
              if (k === a) continue;
              o += (Math.floor(flat / sx[k]) % shape[k]) * acc;
              acc *= shape[k];
            }
            return o;
          };
          for (let i = 0; i < xv.length; i++) {
            want[target(i)] += xv[i];
            bound[target(i)] += 1e-6 * Math.abs(xv[i]);
          }
          if (mean) for (let i = 0; i < want.length; i++) want[i] /= count; // 0/0 = NaN over an empty axis, as PyTorch
          expectNear(`${fn} forward`, y.data, want, 1e-6, bound);
          const g = values(seed + 1, y.size);
          y.backward(t(g, outShape));
          const dx = new Float64Array(xv.length);
          for (let i = 0; i < xv.length; i++) dx[i] = g[target(i)] / (mean ? count : 1);
          expectNear(`${fn} dx`, x.grad!.data, dx, 1e-6, 1e-7);
        },
      ),
      { seed: 804, numRuns: runs(500) },
    );
  });

  it(`unary ops (neg exp log sqrt abs relu sigmoid tanh pow) on random shapes, forward and backward (${runs(450)} cases)`, () => {
    type U = { name: 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'relu' | 'sigmoid' | 'tanh'; f: (x: number) => number; d: (x: number) => number };
    const sig = (x: number): number => 1 / (1 + Math.exp(-x));
    const OPS: U[] = [
      { name: 'neg', f: (x) => -x, d: () => -1 },
      { name: 'exp', f: Math.exp, d: Math.exp },
      { name: 'log', f: Math.log, d: (x) => 1 / x },
      { name: 'sqrt', f: Math.sqrt, d: (x) => 0.5 / Math.sqrt(x) },
      { name: 'abs', f: Math.abs, d: (x) => Math.sign(x) },
      { name: 'relu', f: (x) => Math.max(x, 0), d: (x) => (x > 0 ? 1 : 0) },
      { name: 'sigmoid', f: sig, d: (x) => sig(x) * (1 - sig(x)) },
      { name: 'tanh', f: Math.tanh, d: (x) => 1 - Math.tanh(x) ** 2 },
    ];
    fc.assert(
      fc.property(shapeArb(), fc.integer({ min: 0, max: OPS.length }), fc.constantFrom(2, 3, 0.5, -1, 0, 1.5), seedArb, (shape, which, p, seed) => {
        const xv = values(seed, sizeOf(shape), -3, 3);
        const x = t(xv, shape, true);
        const isPow = which === OPS.length;
        const name = isPow ? `pow ${p}` : OPS[which].name;
        const f = isPow ? (v: number) => Math.pow(v, p) : OPS[which].f;
        const d = isPow ? (v: number) => p * Math.pow(v, p - 1) : OPS[which].d;
        const y = succeeds(
          name,
          outcome(() => (isPow ? ng.pow(x, p) : ng[OPS[which].name](x))),
        );
        expect(y.shape).to.deep.equal(shape);
        expectNear(
          `${name} forward`,
          y.data,
          Array.from(xv, (v) => Math.fround(f(v))),
          2e-6,
          1e-30,
        );
        const g = values(seed + 1, xv.length);
        y.backward(t(g, shape));
        // compared where the derivative is finite (log, sqrt and pow of negatives are NaN in both)
        const got = x.grad!.data;
        for (let i = 0; i < xv.length; i++) {
          const want = g[i] * d(xv[i]);
          if (Number.isFinite(want)) expectNear(`${name} dx`, [got[i]], [want], 1e-4, 1e-6);
        }
      }),
      { seed: 805, numRuns: runs(450) },
    );
  });

  it(`softmax/logSoftmax on any axis of random shapes (${runs(350)} cases)`, () => {
    fc.assert(
      fc.property(shapeArb(), fc.integer({ min: -5, max: 4 }), fc.boolean(), fc.constantFrom(1, 1, 1, 30), seedArb, (shape, axis, log, range, seed) => {
        const fn = log ? 'logSoftmax' : 'softmax';
        const nd = shape.length;
        const xv = values(seed, sizeOf(shape), -range, range);
        const x = t(xv, shape, true);
        const r = outcome(() => ng[fn](x, axis));
        if (axis < -nd || axis >= nd) {
          fails(`${fn} axis ${axis} of ${JSON.stringify(shape)}`, r, `ng.${fn}`, `axis ${axis}`);
          return;
        }
        const y = succeeds(`${fn} axis ${axis}`, r);
        expect(y.shape).to.deep.equal(shape);
        const a = axis < 0 ? axis + nd : axis;
        const s = stridesOf(shape)[a];
        const n = shape[a];
        const want = new Float64Array(xv.length);
        for (let flat = 0; flat < xv.length; flat++) {
          if (Math.floor(flat / s) % n !== 0) continue; // row starts
          let m = -Infinity;
          for (let k = 0; k < n; k++) m = Math.max(m, xv[flat + k * s]);
          let z = 0;
          for (let k = 0; k < n; k++) z += Math.exp(xv[flat + k * s] - m);
          for (let k = 0; k < n; k++) want[flat + k * s] = log ? xv[flat + k * s] - m - Math.log(z) : Math.exp(xv[flat + k * s] - m) / z;
        }
        expectNear(`${fn} forward`, y.data, want, 1e-5, 1e-6);
        // backward: softmax dx = y(g − Σ g·y), logSoftmax dx = g − softmax·Σ g
        const g = values(seed + 1, xv.length);
        y.backward(t(g, shape));
        const dx = new Float64Array(xv.length);
        for (let flat = 0; flat < xv.length; flat++) {
          if (Math.floor(flat / s) % n !== 0) continue;
          let dot = 0;
          let sum = 0;
          for (let k = 0; k < n; k++) {
            const p = log ? Math.exp(want[flat + k * s]) : want[flat + k * s];
            dot += g[flat + k * s] * p;
            sum += g[flat + k * s];
          }
          for (let k = 0; k < n; k++) {
            const i = flat + k * s;
            dx[i] = log ? g[i] - Math.exp(want[i]) * sum : want[i] * (g[i] - dot);
          }
        }
        expectNear(`${fn} dx`, x.grad!.data, dx, 1e-4, 1e-5);
      }),
      { seed: 806, numRuns: runs(350) },
    );
  });

  it(`nn.functional.linear and nn.Linear: random N, I, O (incl. 0), leading dims, wrong widths and biases (${runs(350)} cases)`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.constantFrom('ok', 'ok', 'ok', 'width', 'bias', 'nobias', 'module'),
        seedArb,
        (lead, I, O, how, seed) => {
          const N = sizeOf(lead);
          const Ix = how === 'width' ? I + 1 : I;
          const xv = values(seed, N * Ix);
          const wv = values(seed + 1, O * I);
          const bv = values(seed + 2, how === 'bias' ? O + 1 : O);
          const x = t(xv, [...lead, Ix], true);
          const w = t(wv, [O, I], true);
          const b = t(bv, [bv.length], true);
          let r;
          if (how === 'module') {
            ng.manualSeed(seed);
            const lin = succeeds(
              `new Linear(${I}, ${O})`,
              outcome(() => new ng.nn.Linear(I, O)),
            );
            lin.weight.data.set(wv);
            lin.bias!.data.set(bv);
            r = outcome(() => lin.forward(x));
          } else r = outcome(() => ng.nn.functional.linear(x, w, how === 'nobias' ? null : b));
          if (how === 'width' || how === 'bias') {
            fails(`linear ${how}`, r, how === 'width' ? 'last dimension' : 'bias');
            return;
          }
          const y = succeeds(`linear [${lead}, ${I}] → ${O}`, r);
          expect(y.shape).to.deep.equal([...lead, O]);
          const want = new Float64Array(N * O);
          const bound = new Float64Array(N * O);
          for (let n = 0; n < N; n++)
            for (let o = 0; o < O; o++) {
              let s = how === 'nobias' ? 0 : bv[o];
              let m = Math.abs(s);
              for (let i = 0; i < I; i++) {
                s += xv[n * I + i] * wv[o * I + i];
                m += Math.abs(xv[n * I + i] * wv[o * I + i]);
              }
              want[n * O + o] = s;
              bound[n * O + o] = 1e-6 * m;
            }
          expectNear('linear forward', y.data, want, 0, bound);
          if (how === 'module') return;
          const g = values(seed + 3, N * O);
          y.backward(t(g, y.shape.slice()));
          const dx = new Float64Array(N * I);
          const dw = new Float64Array(O * I);
          const db = new Float64Array(O);
          for (let n = 0; n < N; n++)
            for (let o = 0; o < O; o++) {
              db[o] += g[n * O + o];
              for (let i = 0; i < I; i++) {
                dx[n * I + i] += g[n * O + o] * wv[o * I + i];
                dw[o * I + i] += g[n * O + o] * xv[n * I + i];
              }
            }
          expectNear('linear dx', x.grad!.data, dx, 1e-4, 1e-5);
          expectNear('linear dw', w.grad!.data, dw, 1e-4, 1e-5);
          if (how !== 'nobias') expectNear('linear db', b.grad!.data, db, 1e-4, 1e-5);
        },
      ),
      { seed: 807, numRuns: runs(350) },
    );
  });

  it(`nn.BatchNorm1d: random N, C, L, training and evaluation, one value per channel (${runs(250)} cases)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 0, max: 3 })),
        fc.boolean(),
        fc.boolean(),
        seedArb,
        (N, C, L, training, wrongC, seed) => {
          const shape = L === null ? [N, C + (wrongC ? 1 : 0)] : [N, C + (wrongC ? 1 : 0), L];
          const Ln = L ?? 1;
          const xv = values(seed, sizeOf(shape), -2, 2);
          const x = t(xv, shape, true);
          const bn = new ng.nn.BatchNorm1d(C);
          bn.weight!.data.set(values(seed + 1, C, 0.5, 1.5));
          bn.bias!.data.set(values(seed + 2, C));
          const rm0 = values(seed + 3, C);
          const rv0 = values(seed + 4, C, 0.5, 2);
          bn.runningMean!.data.set(rm0);
          bn.runningVar!.data.set(rv0);
          if (training) bn.train();
          else bn.eval();
          const r = outcome(() => bn.forward(x));
          if (wrongC) {
            fails('BatchNorm1d with the wrong channel count', r, 'BatchNorm1d');
            return;
          }
          const M = N * Ln;
          if (training && M <= 1) {
            fails('BatchNorm1d training on one value per channel', r, 'more than 1 value per channel');
            return;
          }
          const y = succeeds(`BatchNorm1d ${JSON.stringify(shape)} training=${training}`, r);
          const w = bn.weight!.data;
          const b = bn.bias!.data;
          const want = new Float64Array(xv.length);
          for (let c = 0; c < C; c++) {
            let mu = rm0[c];
            let v = rv0[c];
            if (training) {
              mu = 0;
              for (let n = 0; n < N; n++) for (let l = 0; l < Ln; l++) mu += xv[(n * C + c) * Ln + l];
              mu /= M;
              v = 0;
              for (let n = 0; n < N; n++) for (let l = 0; l < Ln; l++) v += (xv[(n * C + c) * Ln + l] - mu) ** 2;
              v /= M;
              expect(bn.runningMean!.data[c]).to.be.closeTo(0.9 * rm0[c] + 0.1 * mu, 1e-5);
              expect(bn.runningVar!.data[c]).to.be.closeTo(0.9 * rv0[c] + (0.1 * v * M) / (M - 1), 1e-4);
            }
            for (let n = 0; n < N; n++)
              for (let l = 0; l < Ln; l++) {
                const i = (n * C + c) * Ln + l;
                want[i] = ((xv[i] - mu) / Math.sqrt(v + 1e-5)) * w[c] + b[c];
              }
          }
          expectNear('BatchNorm1d forward', y.data, want, 1e-4, 1e-4);
        },
      ),
      { seed: 808, numRuns: runs(250) },
    );
  });

  it(`CrossEntropyLoss / MSELoss: random N, K, class indices in and out of range, probability targets, reductions (${runs(450)} cases)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.constantFrom('classes', 'classes', 'probs', 'badIndex', 'badBatch', 'mse', 'mse', 'mseShape'),
        fc.constantFrom('mean', 'sum', 'none'),
        seedArb,
        (N, K, how, reduction, seed) => {
          const red = reduction as 'mean' | 'sum' | 'none';
          const xv = values(seed, N * K, -4, 4);
          const x = t(xv, [N, K], true);
          if (how === 'mse' || how === 'mseShape') {
            const tv = values(seed + 1, N * (how === 'mseShape' ? K + 1 : K));
            const target = t(tv, how === 'mseShape' ? [N, K + 1] : [N, K], true);
            const r = outcome(() => new ng.nn.MSELoss({ reduction: red }).forward(x, target));
            if (how === 'mseShape') return fails('MSELoss of different shapes', r, 'MSELoss', 'same shape');
            const y = succeeds('MSELoss', r);
            const each = Array.from(xv, (v, i) => (v - tv[i]) ** 2);
            const total = each.reduce((p, v) => p + v, 0);
            if (red === 'none') expectNear('MSELoss none', y.data, each, 1e-5, 1e-6);
            else expectNear(`MSELoss ${red}`, y.data, [red === 'sum' ? total : total / each.length], 1e-5, 1e-6);
            return;
          }
          const rnd = values(seed + 2, N, 0, 1);
          const classes = Array.from(rnd, (u) => Math.floor(u * K));
          let target: number[] | ng.Tensor = classes;
          let probs: Float32Array | null = null;
          if (how === 'probs') {
            probs = values(seed + 3, N * K, 0, 1);
            target = t(probs, [N, K]);
          }
          if (how === 'badIndex' && N > 0) classes[Math.floor(rnd[0] * N)] = rnd[0] < 0.5 ? -1 : K;
          if (how === 'badBatch') classes.push(0);
          const r = outcome(() => new ng.nn.CrossEntropyLoss({ reduction: red }).forward(x, target));
          if (K === 0) return fails('CrossEntropyLoss without classes', r, 'CrossEntropyLoss', 'no classes');
          if (how === 'badIndex' && N > 0) return fails('CrossEntropyLoss with a class out of range', r, 'CrossEntropyLoss', 'out of range');
          if (how === 'badBatch') return fails('CrossEntropyLoss with a batch-size mismatch', r, 'CrossEntropyLoss', 'batch size mismatch');
          const y = succeeds(`CrossEntropyLoss N=${N} K=${K} ${how}`, r);
          const loss = new Float64Array(N);
          for (let n = 0; n < N; n++) {
            let m = -Infinity;
            for (let k = 0; k < K; k++) m = Math.max(m, xv[n * K + k]);
            let z = 0;
            for (let k = 0; k < K; k++) z += Math.exp(xv[n * K + k] - m);
            const lse = m + Math.log(z);
            if (probs) for (let k = 0; k < K; k++) loss[n] += probs[n * K + k] * (lse - xv[n * K + k]);
            else loss[n] = lse - xv[n * K + classes[n]];
          }
          const total = loss.reduce((p, v) => p + v, 0);
          if (red === 'none') expectNear('CrossEntropyLoss none', y.data, loss, 1e-5, 1e-5);
          else expectNear(`CrossEntropyLoss ${red}`, y.data, [red === 'sum' ? total : total / N], 1e-5, 1e-5);
          // backward of the mean/sum: dx = scale·(p − onehot) (class targets)
          if (red !== 'none' && !probs && N > 0) {
            y.backward();
            const scale = red === 'mean' ? 1 / N : 1;
            const dx = new Float64Array(N * K);
            for (let n = 0; n < N; n++) {
              const lse = xv[n * K + classes[n]] + loss[n];
              for (let k = 0; k < K; k++) dx[n * K + k] = scale * (Math.exp(xv[n * K + k] - lse) - (k === classes[n] ? 1 : 0));
            }
            expectNear('CrossEntropyLoss dx', x.grad!.data, dx, 1e-4, 1e-6);
          }
        },
      ),
      { seed: 809, numRuns: runs(450) },
    );
  });

  it(`optimizer steps (SGD, momentum, RMSprop, Adam, AdamW, Rprop) on random parameter shapes incl. empty and grad-less (${runs(250)} cases)`, () => {
    fc.assert(
      fc.property(
        fc.array(shapeArb(0, 3), { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.constantFrom('SGD', 'SGDm', 'RMSprop', 'Adam', 'AdamW', 'Rprop'),
        seedArb,
        (shapes, hasGrad, kind, seed) => {
          const lr = 0.01;
          const params = shapes.map((s, i) => t(values(seed + i, sizeOf(s)), s, true));
          const before = params.map((p) => Float32Array.from(p.data));
          const grads = params.map((p, i) => values(seed + 100 + i, p.size));
          params.forEach((p, i) => {
            if (hasGrad[i]) p.grad = t(grads[i], p.shape.slice());
          });
          const opt =
            kind === 'SGD'
              ? new ng.optim.SGD(params, { lr })
              : kind === 'SGDm'
                ? new ng.optim.SGD(params, { lr, momentum: 0.9 })
                : kind === 'RMSprop'
                  ? new ng.optim.RMSprop(params, { lr })
                  : kind === 'Adam'
                    ? new ng.optim.Adam(params, { lr })
                    : kind === 'AdamW'
                      ? new ng.optim.AdamW(params, { lr, weightDecay: 0.1 })
                      : new ng.optim.Rprop(params, { lr });
          succeeds(
            `${kind}.step`,
            outcome(() => opt.step()),
          );
          // the first step of each rule, from its definition (θ0, g):
          const first = (p: number, g: number): number => {
            if (kind === 'SGD' || kind === 'SGDm') return p - lr * g; // the momentum buffer starts as g
            if (kind === 'RMSprop') return p - (lr * g) / (Math.sqrt(0.01 * g * g) + 1e-8);
            if (kind === 'Adam') return p - (lr * g) / (Math.abs(g) + 1e-8);
            if (kind === 'AdamW') return p * (1 - lr * 0.1) - (lr * g) / (Math.abs(g) + 1e-8);
            return p - Math.sign(g) * lr; // Rprop: the initial step size
          };
          params.forEach((p, i) => {
            if (!hasGrad[i]) expect(Array.from(p.data), 'a parameter without a gradient is not moved').to.deep.equal(Array.from(before[i]));
            else
              expectNear(
                `${kind} step of parameter ${i}`,
                p.data,
                Array.from(before[i], (v, j) => first(v, grads[i][j])),
                1e-5,
                1e-7,
              );
          });
        },
      ),
      { seed: 810, numRuns: runs(250) },
    );
  });
});

/**
 * Fuzzing the raw native functions (the addon's exports, below every TypeScript check): each is
 * called with random sizes and with buffers that are exactly right, too short, detached, of the
 * wrong type, absent, or with sizes that are negative, fractional, NaN, strings or huge, op codes
 * and class/row indices out of range, and missing trailing arguments. The properties:
 *   - the process survives, and every call returns or throws an Error whose message says
 *     "nativegrad";
 *   - a call with a buffer too short for its sizes, a detached or wrongly typed buffer, an invalid
 *     size, op code or index always throws;
 *   - no call writes outside its buffers: every typed array sits between guard elements holding a
 *     sentinel, checked after each call (this catches out-of-bounds writes without a sanitizer;
 *     `npm run test:asan` runs the same cases and also catches out-of-bounds reads);
 *   - a well-formed call succeeds, and for most functions its result equals a JS reference
 *     written from the kernel's documented formula.
 * Seeds are fixed (CI repeats the same cases); NG_FUZZ_SCALE multiplies the number of cases.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { native } from '../../lib/native';
import { lcg } from '../helpers';
import { checkFences, expectNear, fenced, MAX_RSS_GROWTH, near, outcome, Outcome, setFencing } from './check';

const SCALE = Number(process.env.NG_FUZZ_SCALE ?? 1);
const RUNS = Math.max(1, Math.round(60 * SCALE));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const raw = native as any;

type S = Record<string, number>;
type Fill = (i: number, s: S, rnd: () => number) => number;
/** An argument of a native function. `need` is the element count the call needs for sizes `s`. */
type Arg =
  | { k: 'f32' | 'f64'; name: string; need: (s: S) => number; opt?: boolean; def?: boolean; fill?: Fill }
  | { k: 'i32'; name: string; need: (s: S) => number; opt?: boolean; def?: boolean; range?: (s: S) => [number, number] }
  | { k: 'typed'; name: string; need: (s: S) => number } // any numeric typed array (castToF32's source)
  | { k: 'u8'; name: string; need: (s: S) => number } // bytes (gatherBytesBatch's data set)
  | { k: 'size'; name: string }
  | { k: 'num'; name: string; gen: (rnd: () => number) => number }
  | { k: 'bool'; name: string }
  | { k: 'null' }
  | { k: 'op'; max: number };

interface Ctx {
  s: S;
  /** whether each optional buffer is present, by name */
  present: Record<string, boolean>;
  /** the value of each bool argument, by name */
  b: Record<string, boolean>;
  /** the value of each num argument, by name */
  n: Record<string, number>;
  op: number;
}
/** Copies of the buffers before the call and the buffers themselves after it, by name. */
type Bufs = Record<string, ArrayLike<number>>;

interface Spec {
  fn: string;
  /** the largest value of each size (the smallest is 0) */
  sizes: Record<string, number>;
  args: Arg[];
  /** what a well-formed call must do (default 'ok') */
  expect?: (c: Ctx) => 'ok' | 'throws' | 'either';
  /** reference check of a successful well-formed call */
  check?: (c: Ctx, before: Bufs, after: Bufs, result: unknown) => void;
}

const F = (name: string, need: (s: S) => number, o: Partial<{ opt: boolean; def: boolean; fill: Fill }> = {}): Arg => ({ k: 'f32', name, need, ...o });
const I = (name: string, need: (s: S) => number, o: Partial<{ opt: boolean; def: boolean; range: (s: S) => [number, number] }> = {}): Arg => ({
  k: 'i32',
  name,
  need,
  ...o,
});
const Z = (name: string): Arg => ({ k: 'size', name });
const Num = (name: string, gen: (rnd: () => number) => number = (r) => 2 * r() - 1): Arg => ({ k: 'num', name, gen });
const B = (name: string): Arg => ({ k: 'bool', name });
const NULL: Arg = { k: 'null' };

const BAD_SIZES: unknown[] = [-1, 0.5, NaN, -Infinity, Infinity, '2', undefined, null, true, 2 ** 53 + 2];
const HUGE_SIZES = [2 ** 31 - 1, 2 ** 31, 2 ** 40, 2 ** 52];
const BAD_NUMS: unknown[] = ['1', undefined, null, {}, NaN, Infinity];

/** A symmetric matrix [n, n] (diagonally dominant, positive: non-singular and positive definite). */
const spd = (n: number, seed: number): number[] => {
  const rnd = lcg(seed);
  const a = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = i === j ? n + 1 + rnd() : rnd() - 0.5;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  return a;
};

// ---- references ----
function refSgemm(c: Ctx, bf: Bufs, af: Bufs): void {
  const { M, K, N } = c.s;
  const ta = c.b.ta;
  const tb = c.b.tb;
  const A = (m: number, k: number): number => (ta ? bf.a[k * M + m] : bf.a[m * K + k]);
  const Bm = (k: number, n: number): number => (tb ? bf.b[n * K + k] : bf.b[k * N + n]);
  const want: number[] = [];
  const tol: number[] = [];
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      let mag = 0;
      for (let k = 0; k < K; k++) {
        s += A(m, k) * Bm(k, n);
        mag += Math.abs(A(m, k) * Bm(k, n));
      }
      want.push(c.n.alpha * s + c.n.beta * bf.out[m * N + n]);
      tol.push(1e-6 * (Math.abs(c.n.alpha) * mag + Math.abs(c.n.beta * bf.out[m * N + n])) + 1e-30);
    }
  expectNear('sgemm', Array.from(af.out).slice(0, M * N), want, 0, tol);
}

/** References of the addon's op tables (raw.unaryOps, raw.binaryOps), by op name. */
const UNARY: Record<string, (x: number, p: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  relu: (x) => Math.max(x, 0),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  pow: (x, p) => Math.pow(x, p),
  abs: Math.abs,
};
const BINARY: Record<string, (x: number, y: number) => number> = { add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y };
/** The reference of op code `op` of table `names`; a new op without one fails here, by name. */
function reference<T>(refs: Record<string, T>, names: readonly string[], op: number): T {
  const ref = refs[names[op]];
  if (ref === undefined) throw new Error(`fuzz: no reference for the native op '${names[op]}' (code ${op}): add one to UNARY / BINARY`);
  return ref;
}

/** x·wᵀ + b (and ReLU) in double: the reference of linearForward / linearReluForward. */
function linearRef(c: Ctx, bf: Bufs, relu: boolean): number[] {
  const { N, I: In, O } = c.s;
  const want: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      let s = c.present.b ? bf.b[o] : 0;
      for (let i = 0; i < In; i++) s += bf.x[n * In + i] * bf.w[o * In + i];
      want.push(relu ? Math.max(s, 0) : s);
    }
  return want;
}

function refAxis(c: Ctx, x: ArrayLike<number>, f: (row: number[]) => number[]): number[] {
  const { outer, n, inner } = c.s;
  const out = new Array<number>(outer * n * inner).fill(0);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const row: number[] = [];
      for (let k = 0; k < n; k++) row.push(x[(o * n + k) * inner + i]);
      f(row).forEach((v, k) => (out[(o * n + k) * inner + i] = v));
    }
  return out;
}

const SPECS: Spec[] = [
  // ---- core ----
  {
    fn: 'axpy',
    sizes: { n: 8 },
    args: [F('dst', (s) => s.n), F('src', (s) => s.n, { def: true }), Num('alpha')],
    check: (c, bf, af) =>
      expectNear(
        'axpy',
        Array.from(af.dst).slice(0, c.s.n),
        Array.from(bf.src, (v, i) => bf.dst[i] + c.n.alpha * v),
        1e-6,
        1e-7,
      ),
  },
  {
    fn: 'rngUniform',
    sizes: { n: 8 },
    args: [F('out', (s) => s.n, { def: true }), Num('lo', (r) => -1 - r()), Num('hi', (r) => r())],
    check: (c, bf, af) => Array.from(af.out).forEach((v) => expect(v >= c.n.lo && v < c.n.hi, `uniform ${v}`).to.equal(true)),
  },
  {
    fn: 'rngNormal',
    sizes: { n: 8 },
    args: [F('out', (s) => s.n, { def: true }), Num('mean'), Num('std', (r) => r())],
    check: (c, bf, af) => Array.from(af.out).forEach((v) => expect(Number.isFinite(v)).to.equal(true)),
  },
  {
    fn: 'rngPermutation',
    sizes: { n: 8 },
    args: [I('out', (s) => s.n, { def: true })],
    check: (c, bf, af) => expect(Array.from(af.out).sort((x, y) => x - y)).to.deep.equal(Array.from({ length: c.s.n }, (_, i) => i)),
  },
  {
    fn: 'rngDropoutMask',
    sizes: { n: 8 },
    args: [F('out', (s) => s.n, { def: true }), Num('p', (r) => [0, 0.25, 0.5, 1][Math.floor(r() * 4)])],
    expect: (c) => (c.n.p >= 0 && c.n.p <= 1 ? 'ok' : 'throws'),
    check: (c, bf, af) => Array.from(af.out).forEach((v) => expect([0, c.n.p < 1 ? Math.fround(1 / (1 - c.n.p)) : 0]).to.include(v)),
  },
  { fn: 'manualSeed', sizes: { hi: 5, lo: 5 }, args: [Z('hi'), Z('lo')] },
  // ---- ops ----
  {
    fn: 'unaryForward',
    sizes: { n: 8 },
    args: [
      { k: 'op', max: raw.unaryOps.length - 1 },
      F('out', (s) => s.n),
      F('x', (s) => s.n, { def: true }),
      Num('p', (r) => [2, 0.5, -1, 3][Math.floor(r() * 4)]),
    ],
    check: (c, bf, af) =>
      expectNear(
        `unary op ${raw.unaryOps[c.op]}`,
        Array.from(af.out).slice(0, c.s.n),
        Array.from(bf.x, (v) => Math.fround(reference(UNARY, raw.unaryOps, c.op)(v, Math.fround(c.n.p)))),
        2e-6,
        1e-30,
      ),
  },
  {
    fn: 'unaryBackward',
    sizes: { n: 8 },
    args: [
      { k: 'op', max: raw.unaryOps.length - 1 },
      F('dx', (s) => s.n),
      F('dout', (s) => s.n),
      F('x', (s) => s.n, { def: true }),
      F('out', (s) => s.n),
      Num('p'),
    ],
  },
  {
    fn: 'sgemm',
    sizes: { M: 5, K: 5, N: 5 },
    args: [F('out', (s) => s.M * s.N), F('a', (s) => s.M * s.K), F('b', (s) => s.K * s.N), Z('M'), Z('K'), Z('N'), B('ta'), B('tb'), Num('alpha'), Num('beta')],
    check: refSgemm,
  },
  {
    fn: 'matmulBackward',
    sizes: { M: 5, K: 5, N: 5 },
    args: [
      F('da', (s) => s.M * s.K, { opt: true }),
      F('db', (s) => s.K * s.N, { opt: true }),
      F('dout', (s) => s.M * s.N),
      F('a', (s) => s.M * s.K),
      F('b', (s) => s.K * s.N),
      Z('M'),
      Z('K'),
      Z('N'),
    ],
    check: (c, bf, af) => {
      const { M, K, N } = c.s;
      if (c.present.da) {
        const want = Array.from({ length: M * K }, (_, i) => {
          const [m, k] = [Math.floor(i / K), i % K];
          let s = bf.da[i];
          for (let n = 0; n < N; n++) s += bf.dout[m * N + n] * bf.b[k * N + n];
          return s;
        });
        expectNear('matmulBackward da', Array.from(af.da).slice(0, M * K), want, 1e-5, 1e-5);
      }
      if (c.present.db) {
        const want = Array.from({ length: K * N }, (_, i) => {
          const [k, n] = [Math.floor(i / N), i % N];
          let s = bf.db[i];
          for (let m = 0; m < M; m++) s += bf.a[m * K + k] * bf.dout[m * N + n];
          return s;
        });
        expectNear('matmulBackward db', Array.from(af.db).slice(0, K * N), want, 1e-5, 1e-5);
      }
    },
  },
  {
    fn: 'transposeForward',
    sizes: { R: 6, C: 6 },
    args: [F('out', (s) => s.R * s.C), F('a', (s) => s.R * s.C), Z('R'), Z('C')],
    check: (c, bf, af) => {
      const { R, C } = c.s;
      for (let r = 0; r < R; r++) for (let k = 0; k < C; k++) expect(af.out[k * R + r]).to.equal(bf.a[r * C + k]);
    },
  },
  {
    fn: 'transposeBackward',
    sizes: { R: 6, C: 6 },
    args: [F('da', (s) => s.R * s.C), F('dout', (s) => s.R * s.C), Z('R'), Z('C')],
    check: (c, bf, af) => {
      const { R, C } = c.s;
      for (let r = 0; r < R; r++) for (let k = 0; k < C; k++) expect(af.da[r * C + k]).to.equal(Math.fround(bf.da[r * C + k] + bf.dout[k * R + r]));
    },
  },
  {
    fn: 'sumForward',
    sizes: { outer: 4, n: 4, inner: 4 },
    args: [F('out', (s) => s.outer * s.inner), F('x', (s) => s.outer * s.n * s.inner), Z('outer'), Z('n'), Z('inner'), Num('scale')],
    check: (c, bf, af) => {
      const { outer, n, inner } = c.s;
      const want: number[] = [];
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += bf.x[(o * n + k) * inner + i];
          want.push(s * c.n.scale);
        }
      expectNear('sumForward', Array.from(af.out).slice(0, outer * inner), want, 1e-6, 1e-6);
    },
  },
  {
    fn: 'sumBackward',
    sizes: { outer: 4, n: 4, inner: 4 },
    args: [F('dx', (s) => s.outer * s.n * s.inner), F('dout', (s) => s.outer * s.inner), Z('outer'), Z('n'), Z('inner'), Num('scale')],
    check: (c, bf, af) => {
      const { outer, n, inner } = c.s;
      const want = Array.from({ length: outer * n * inner }, (_, f) => bf.dx[f] + c.n.scale * bf.dout[Math.floor(f / (n * inner)) * inner + (f % inner)]);
      expectNear('sumBackward', Array.from(af.dx).slice(0, outer * n * inner), want, 1e-6, 1e-6);
    },
  },
  {
    fn: 'softmaxForward',
    sizes: { outer: 4, n: 4, inner: 4 },
    args: [F('out', (s) => s.outer * s.n * s.inner), F('x', (s) => s.outer * s.n * s.inner), Z('outer'), Z('n'), Z('inner'), B('log')],
    check: (c, bf, af) => {
      const want = refAxis(c, bf.x, (row) => {
        const m = Math.max(...row);
        const z = row.reduce((p, v) => p + Math.exp(v - m), 0);
        return row.map((v) => (c.b.log ? v - m - Math.log(z) : Math.exp(v - m) / z));
      });
      expectNear('softmaxForward', Array.from(af.out).slice(0, want.length), want, 1e-5, 1e-6);
    },
  },
  {
    fn: 'softmaxBackward',
    sizes: { outer: 4, n: 4, inner: 4 },
    args: [
      F('dx', (s) => s.outer * s.n * s.inner),
      F('dy', (s) => s.outer * s.n * s.inner),
      F('y', (s) => s.outer * s.n * s.inner),
      Z('outer'),
      Z('n'),
      Z('inner'),
      B('log'),
    ],
  },
  // ---- nn ----
  {
    fn: 'linearForward',
    sizes: { N: 5, I: 5, O: 5 },
    args: [F('out', (s) => s.N * s.O), F('x', (s) => s.N * s.I), F('w', (s) => s.O * s.I), F('b', (s) => s.O, { opt: true }), Z('N'), Z('I'), Z('O')],
    check: (c, bf, af) => {
      expectNear('linearForward', Array.from(af.out).slice(0, c.s.N * c.s.O), linearRef(c, bf, false), 1e-5, 1e-5);
    },
  },
  {
    fn: 'linearReluForward',
    sizes: { N: 5, I: 5, O: 5 },
    args: [F('y', (s) => s.N * s.O), F('x', (s) => s.N * s.I), F('w', (s) => s.O * s.I), F('b', (s) => s.O, { opt: true }), Z('N'), Z('I'), Z('O')],
    check: (c, bf, af) => {
      expectNear('linearReluForward', Array.from(af.y).slice(0, c.s.N * c.s.O), linearRef(c, bf, true), 1e-5, 1e-5);
    },
  },
  {
    fn: 'linearReluBackward',
    sizes: { N: 5, I: 5, O: 5 },
    args: [
      F('dx', (s) => s.N * s.I, { opt: true }),
      F('dw', (s) => s.O * s.I, { opt: true }),
      F('db', (s) => s.O, { opt: true }),
      F('dout', (s) => s.N * s.O),
      F('y', (s) => s.N * s.O),
      F('x', (s) => s.N * s.I),
      F('w', (s) => s.O * s.I),
      Z('N'),
      Z('I'),
      Z('O'),
    ],
    check: (c, bf, af) => {
      const { N, O } = c.s;
      if (c.present.db)
        expectNear(
          'linearReluBackward db',
          Array.from(af.db).slice(0, O),
          Array.from({ length: O }, (_, o) => {
            let s = bf.db[o];
            for (let n = 0; n < N; n++) if (bf.y[n * O + o] > 0) s += bf.dout[n * O + o];
            return s;
          }),
          1e-5,
          1e-5,
        );
    },
  },
  {
    fn: 'linearBackward',
    sizes: { N: 5, I: 5, O: 5 },
    args: [
      F('dx', (s) => s.N * s.I, { opt: true }),
      F('dw', (s) => s.O * s.I, { opt: true }),
      F('db', (s) => s.O, { opt: true }),
      F('dout', (s) => s.N * s.O),
      F('x', (s) => s.N * s.I),
      F('w', (s) => s.O * s.I),
      Z('N'),
      Z('I'),
      Z('O'),
    ],
    check: (c, bf, af) => {
      const { N, O } = c.s;
      if (c.present.db)
        expectNear(
          'linearBackward db',
          Array.from(af.db).slice(0, O),
          Array.from({ length: O }, (_, o) => {
            let s = bf.db[o];
            for (let n = 0; n < N; n++) s += bf.dout[n * O + o];
            return s;
          }),
          1e-5,
          1e-5,
        );
    },
  },
  {
    fn: 'softmaxXentForward',
    sizes: { N: 5, K: 5 },
    args: [
      F('loss', (s) => s.N),
      F('probs', (s) => s.N * s.K),
      F('lse', (s) => s.N),
      F('logits', (s) => s.N * s.K),
      I('classes', (s) => s.N, { range: (s) => [0, s.K] }),
      NULL,
      Z('N'),
      Z('K'),
      Num('smoothing', (r) => r()),
    ],
    expect: (c) => (c.s.K === 0 && c.s.N > 0 ? 'throws' : 'ok'),
    check: (c, bf, af, total) => {
      const { N, K } = c.s;
      let sum = 0;
      for (let n = 0; n < N; n++) {
        const row = Array.from({ length: K }, (_, k) => bf.logits[n * K + k]);
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((p, v) => p + Math.exp(v - m), 0));
        const eps = Math.fround(c.n.smoothing);
        let l = 0;
        for (let k = 0; k < K; k++) l += ((1 - eps) * (k === bf.classes[n] ? 1 : 0) + eps / K) * (lse - row[k]);
        expect(near(af.loss[n], l, 1e-5, 1e-5), `loss[${n}] ${af.loss[n]} vs ${l}`).to.equal(true);
        sum += l;
      }
      expect(near(total as number, sum, 1e-5, 1e-5), `total ${total} vs ${sum}`).to.equal(true);
    },
  },
  {
    // class weights and an ignored index (PyTorch's weight= and ignore_index=, -100 or class 0)
    fn: 'softmaxXentForward (weight, ignoreIndex)',
    sizes: { N: 5, K: 5 },
    args: [
      F('loss', (s) => s.N),
      F('probs', (s) => s.N * s.K),
      F('lse', (s) => s.N),
      F('logits', (s) => s.N * s.K),
      I('classes', (s) => s.N, { range: (s) => [0, s.K] }),
      NULL,
      Z('N'),
      Z('K'),
      Num('smoothing', (r) => r()),
      F('weight', (s) => s.K, { opt: true, fill: (_i, _s, r) => 2 * r() }),
      Num('ignoreIndex', (r) => (r() < 0.5 ? -100 : 0)),
    ],
    expect: (c) => (c.s.K === 0 && c.s.N > 0 ? 'throws' : 'ok'),
    check: (c, bf, af, total) => {
      const { N, K } = c.s;
      const w = (k: number): number => (c.present.weight ? bf.weight[k] : 1);
      const eps = Math.fround(c.n.smoothing);
      let sum = 0;
      for (let n = 0; n < N; n++) {
        const y = bf.classes[n];
        const row = Array.from({ length: K }, (_, k) => bf.logits[n * K + k]);
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((p, v) => p + Math.exp(v - m), 0));
        let l = 0;
        if (y !== c.n.ignoreIndex) for (let k = 0; k < K; k++) l += w(k) * ((1 - eps) * (k === y ? 1 : 0) + eps / K) * (lse - row[k]);
        expect(near(af.loss[n], l, 1e-5, 1e-5), `loss[${n}] ${af.loss[n]} vs ${l}`).to.equal(true);
        sum += l;
      }
      expect(near(total as number, sum, 1e-5, 1e-5), `total ${total} vs ${sum}`).to.equal(true);
    },
  },
  {
    fn: 'softmaxXentBackward (weight, ignoreIndex)',
    sizes: { N: 5, K: 5, stride: 1 },
    args: [
      F('dlogits', (s) => s.N * s.K, { opt: true }),
      F('dtarget', (s) => s.N * s.K, { opt: true }),
      F('dloss', (s) => (s.stride ? s.N : 1)),
      Z('stride'),
      Num('scale'),
      F('probs', (s) => s.N * s.K),
      F('lse', (s) => s.N),
      F('logits', (s) => s.N * s.K),
      I('classes', (s) => s.N, { range: (s) => [0, s.K] }),
      NULL,
      Z('N'),
      Z('K'),
      Num('smoothing', (r) => r()),
      F('weight', (s) => s.K, { opt: true }),
      Num('ignoreIndex', (r) => (r() < 0.5 ? -100 : 0)),
    ],
    expect: (c) => (c.s.K === 0 && c.s.N > 0 ? 'throws' : 'ok'),
  },
  {
    fn: 'softmaxXentForward (probabilities)',
    sizes: { N: 5, K: 5 },
    args: [
      F('loss', (s) => s.N),
      F('probs', (s) => s.N * s.K),
      F('lse', (s) => s.N),
      F('logits', (s) => s.N * s.K),
      NULL,
      F('target', (s) => s.N * s.K),
      Z('N'),
      Z('K'),
      Num('smoothing', (r) => r()),
    ],
    expect: (c) => (c.s.K === 0 && c.s.N > 0 ? 'throws' : 'ok'),
  },
  {
    fn: 'softmaxXentBackward',
    sizes: { N: 5, K: 5, stride: 1 },
    args: [
      F('dlogits', (s) => s.N * s.K, { opt: true }),
      F('dtarget', (s) => s.N * s.K, { opt: true }),
      F('dloss', (s) => (s.stride ? s.N : 1)),
      Z('stride'),
      Num('scale'),
      F('probs', (s) => s.N * s.K),
      F('lse', (s) => s.N),
      F('logits', (s) => s.N * s.K),
      I('classes', (s) => s.N, { range: (s) => [0, s.K] }),
      NULL,
      Z('N'),
      Z('K'),
      Num('smoothing', (r) => r()),
    ],
    expect: (c) => (c.s.K === 0 && c.s.N > 0 ? 'throws' : 'ok'),
  },
  {
    fn: 'softmaxXentBackward (probabilities)',
    sizes: { N: 5, K: 5, stride: 1 },
    args: [
      F('dlogits', (s) => s.N * s.K, { opt: true }),
      F('dtarget', (s) => s.N * s.K, { opt: true }),
      F('dloss', (s) => (s.stride ? s.N : 1)),
      Z('stride'),
      Num('scale'),
      F('probs', (s) => s.N * s.K),
      F('lse', (s) => s.N),
      F('logits', (s) => s.N * s.K),
      NULL,
      F('target', (s) => s.N * s.K),
      Z('N'),
      Z('K'),
      Num('smoothing', (r) => r()),
    ],
    expect: (c) => (c.s.K === 0 && c.s.N > 0 ? 'throws' : 'ok'),
  },
  {
    fn: 'batchNorm1dForward',
    sizes: { N: 4, C: 4, L: 3 },
    args: [
      F('out', (s) => s.N * s.C * s.L),
      F('mean', (s) => s.C),
      F('rstd', (s) => s.C),
      F('runningMean', (s) => s.C, { opt: true }),
      F('runningVar', (s) => s.C, { opt: true, fill: (i, s, r) => 0.5 + r() }),
      F('x', (s) => s.N * s.C * s.L),
      F('weight', (s) => s.C, { opt: true }),
      F('bias', (s) => s.C, { opt: true }),
      Z('N'),
      Z('C'),
      Z('L'),
      Num('eps', (r) => 1e-5 * r()),
      Num('factor', (r) => r()),
      B('batchStats'),
    ],
    expect: (c) => (c.b.batchStats ? (c.s.N * c.s.L > 0 ? 'ok' : 'throws') : c.present.runningMean && c.present.runningVar ? 'ok' : 'throws'),
    check: (c, bf, af) => {
      if (!c.b.batchStats) return;
      const { N, C, L } = c.s;
      for (let ch = 0; ch < C; ch++) {
        const xs: number[] = [];
        for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) xs.push(bf.x[(n * C + ch) * L + l]);
        const mu = xs.reduce((p, v) => p + v, 0) / xs.length;
        const v = xs.reduce((p, x) => p + (x - mu) ** 2, 0) / xs.length;
        expect(near(af.mean[ch], mu, 1e-5, 1e-6), `mean[${ch}]`).to.equal(true);
        expect(near(af.rstd[ch], 1 / Math.sqrt(v + Math.fround(c.n.eps)), 1e-3, 1e-3), `rstd[${ch}]`).to.equal(true);
      }
    },
  },
  {
    fn: 'batchNorm1dBackward',
    sizes: { N: 4, C: 4, L: 3 },
    args: [
      F('dx', (s) => s.N * s.C * s.L, { opt: true }),
      F('dweight', (s) => s.C, { opt: true }),
      F('dbias', (s) => s.C, { opt: true }),
      F('dout', (s) => s.N * s.C * s.L),
      F('x', (s) => s.N * s.C * s.L),
      F('mean', (s) => s.C),
      F('rstd', (s) => s.C),
      F('weight', (s) => s.C, { opt: true }),
      Z('N'),
      Z('C'),
      Z('L'),
      B('batchStats'),
    ],
  },
  {
    fn: 'dropoutForward',
    sizes: { n: 8 },
    args: [F('out', (s) => s.n), F('mask', (s) => s.n), F('x', (s) => s.n, { def: true }), Num('p', (r) => [0, 0.3, 0.5, 1][Math.floor(r() * 4)])],
    check: (c, bf, af) => {
      const keep = c.n.p < 1 ? Math.fround(1 / (1 - Math.fround(c.n.p))) : 0;
      for (let i = 0; i < c.s.n; i++) {
        expect([0, keep]).to.include(af.mask[i]);
        expect(af.out[i]).to.equal(Math.fround(bf.x[i] * af.mask[i]));
      }
    },
  },
  { fn: 'dropoutBackward', sizes: { n: 8 }, args: [F('dx', (s) => s.n), F('dout', (s) => s.n), F('mask', (s) => s.n, { def: true })] },
  {
    fn: 'mseForward',
    sizes: { n: 8 },
    args: [F('each', (s) => s.n, { opt: true }), F('a', (s) => s.n, { def: true }), F('b', (s) => s.n)],
    check: (c, bf, af, total) => {
      const e = Array.from(bf.a, (v, i) => (v - bf.b[i]) ** 2);
      expect(
        near(
          total as number,
          e.reduce((p, v) => p + v, 0),
          1e-6,
          1e-6,
        ),
      ).to.equal(true);
      if (c.present.each) expectNear('mse each', Array.from(af.each).slice(0, c.s.n), e, 1e-6, 1e-7);
    },
  },
  {
    fn: 'mseBackward',
    sizes: { n: 8, stride: 1 },
    args: [
      F('da', (s) => s.n, { opt: true }),
      F('db', (s) => s.n, { opt: true }),
      F('dout', (s) => (s.stride ? s.n : 1)),
      Z('stride'),
      Num('scale'),
      F('a', (s) => s.n, { def: true }),
      F('b', (s) => s.n),
    ],
  },
  // ---- data ----
  {
    fn: 'gatherBatch',
    sizes: { M: 5, N: 5, R: 4, Ry: 3 },
    args: [
      F('outX', (s) => s.M * s.R),
      F('x', (s) => s.N * s.R),
      I('idx', (s) => s.M, { def: true, range: (s) => [0, s.N] }),
      Z('N'),
      Z('R'),
      I('outY', (s) => s.M * s.Ry),
      I('y', (s) => s.N * s.Ry),
      Z('Ry'),
    ],
    expect: (c) => (c.s.N === 0 && c.s.M > 0 ? 'throws' : 'ok'),
    check: (c, bf, af) => {
      const { M, R, Ry } = c.s;
      for (let m = 0; m < M; m++) {
        const i = bf.idx[m];
        for (let r = 0; r < R; r++) expect(af.outX[m * R + r]).to.equal(bf.x[i * R + r]);
        for (let r = 0; r < Ry; r++) expect(af.outY[m * Ry + r]).to.equal(bf.y[i * Ry + r]);
      }
    },
  },
  {
    fn: 'gatherBatch (float y)',
    sizes: { M: 5, N: 5, R: 4, Ry: 3 },
    args: [
      F('outX', (s) => s.M * s.R),
      F('x', (s) => s.N * s.R),
      I('idx', (s) => s.M, { def: true, range: (s) => [0, s.N] }),
      Z('N'),
      Z('R'),
      F('outY', (s) => s.M * s.Ry),
      F('y', (s) => s.N * s.Ry),
      Z('Ry'),
    ],
    expect: (c) => (c.s.N === 0 && c.s.M > 0 ? 'throws' : 'ok'),
  },
  {
    fn: 'gatherBatch (no y)',
    sizes: { M: 5, N: 5, R: 4 },
    args: [F('outX', (s) => s.M * s.R), F('x', (s) => s.N * s.R), I('idx', (s) => s.M, { def: true, range: (s) => [0, s.N] }), Z('N'), Z('R'), NULL, NULL],
    expect: (c) => (c.s.N === 0 && c.s.M > 0 ? 'throws' : 'ok'),
  },
  {
    fn: 'gatherBytesBatch',
    sizes: { M: 5, N: 5, R: 4, Ry: 3 },
    args: [
      F('outX', (s) => s.M * s.R),
      { k: 'u8', name: 'x', need: (s) => s.N * s.R },
      I('idx', (s) => s.M, { def: true, range: (s) => [0, s.N] }),
      Z('N'),
      Z('R'),
      Num('scale', () => 1 / 255),
      Num('offset'),
      I('outY', (s) => s.M * s.Ry),
      I('y', (s) => s.N * s.Ry),
      Z('Ry'),
    ],
    expect: (c) => (c.s.N === 0 && c.s.M > 0 ? 'throws' : 'ok'),
    check: (c, bf, af) => {
      const { M, R } = c.s;
      for (let m = 0; m < M; m++)
        for (let r = 0; r < R; r++) {
          const want = bf.x[bf.idx[m] * R + r] * c.n.scale + c.n.offset;
          expect(near(af.outX[m * R + r], want, 1e-6, 1e-6), `outX[${m}, ${r}]`).to.equal(true);
        }
    },
  },
  {
    fn: 'castToF32',
    sizes: { n: 8 },
    args: [F('out', (s) => s.n), { k: 'typed', name: 'src', need: (s) => s.n }, Num('scale', (r) => (r() < 0.5 ? 1 : 1 / 255))],
    check: (c, bf, af) =>
      expectNear(
        'castToF32',
        Array.from(af.out).slice(0, c.s.n),
        Array.from(bf.src, (v) => Math.fround(v * c.n.scale)),
        0,
        0,
      ),
  },
  // ---- metrics ----
  {
    fn: 'argmaxRows',
    sizes: { N: 5, K: 5 },
    args: [I('out', (s) => s.N), F('x', (s) => s.N * s.K), Z('N'), Z('K')],
    check: (c, bf, af) => {
      const { N, K } = c.s;
      if (K === 0) return;
      for (let n = 0; n < N; n++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (bf.x[n * K + k] > bf.x[n * K + best]) best = k;
        expect(af.out[n], `argmax row ${n}`).to.equal(best);
      }
    },
  },
  { fn: 'countCorrect', sizes: { N: 5, K: 5 }, args: [F('x', (s) => s.N * s.K), I('labels', (s) => s.N), Z('N'), Z('K')] },
  // ---- linalg (float and double) ----
  ...(['f32', 'f64'] as const).flatMap((k): Spec[] => {
    const M = (name: string, need: (s: S) => number, fill?: Fill): Arg => ({ k, name, need, fill });
    const sym: Fill = (i, s) => spd(s.n, 11)[i];
    const tol = k === 'f64' ? 1e-9 : 2e-4;
    return [
      {
        fn: `linalgEigh (${k})`,
        sizes: { n: 5 },
        args: [M('values', (s) => s.n), M('vectors', (s) => s.n * s.n), M('a', (s) => s.n * s.n, sym), Z('n')],
        check: (c, bf, af, status) => {
          expect(status).to.equal(0);
          const n = c.s.n;
          for (let j = 0; j < n; j++)
            for (let i = 0; i < n; i++) {
              let av = 0;
              for (let l = 0; l < n; l++) av += bf.a[i * n + l] * af.vectors[l * n + j];
              expect(Math.abs(av - af.values[j] * af.vectors[i * n + j]), `A v = λ v at (${i}, ${j})`).to.be.below(tol * (n + 2));
            }
        },
      },
      ...(['linalgSolveSym', 'linalgCholeskySolve'] as const).map(
        (fn): Spec => ({
          fn: `${fn} (${k})`,
          sizes: { n: 5, k: 3 },
          args: [M('x', (s) => s.n * s.k), M('a', (s) => s.n * s.n, sym), M('b', (s) => s.n * s.k), Z('n'), Z('k')],
          check: (c, bf, af, status) => {
            expect(status).to.equal(0);
            const { n, k: K } = c.s;
            for (let i = 0; i < n; i++)
              for (let j = 0; j < K; j++) {
                let ax = 0;
                for (let l = 0; l < n; l++) ax += bf.a[i * n + l] * af.x[l * K + j];
                expect(Math.abs(ax - bf.b[i * K + j]), `A x = b at (${i}, ${j})`).to.be.below(tol * 10);
              }
          },
        }),
      ),
    ];
  }),
];

type Corruption =
  | { kind: 'none' }
  | { kind: 'short'; at: number; frac: number }
  | { kind: 'detached'; at: number }
  | { kind: 'type'; at: number; which: number }
  | { kind: 'badSize'; at: number; which: number }
  | { kind: 'hugeSize'; at: number; which: number }
  | { kind: 'badIndex'; at: number; high: boolean }
  | { kind: 'badOp'; which: number }
  | { kind: 'badNum'; at: number; which: number }
  | { kind: 'truncate'; len: number };

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('short' as const), at: fc.nat(), frac: fc.double({ min: 0, max: 0.999, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('detached' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('type' as const), at: fc.nat(), which: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('badSize' as const), at: fc.nat(), which: fc.nat(BAD_SIZES.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hugeSize' as const), at: fc.nat(), which: fc.nat(HUGE_SIZES.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('badIndex' as const), at: fc.nat(), high: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('badOp' as const), which: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('badNum' as const), at: fc.nat(), which: fc.nat(BAD_NUMS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), len: fc.nat() }) },
);

const TYPED = [Uint8Array, Int8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];

/** A wrong value for a buffer argument of kind `k`. */
function wrongBuffer(k: Arg['k'], n: number, which: number, optional: boolean): unknown {
  const list: unknown[] = [
    k === 'typed' ? new BigUint64Array(n) : k === 'f32' ? new Float64Array(n) : new Float32Array(n),
    k === 'typed' ? new BigInt64Array(n) : k === 'i32' ? new Uint32Array(n) : k === 'u8' ? new Int8Array(n) : new Int32Array(n),
    new Array(n).fill(0),
    'x',
    7,
    {},
    new DataView(new ArrayBuffer(4 * n)),
  ];
  if (!optional) list.push(null);
  return list[which % list.length];
}

/** Builds one call of `spec`, runs it and checks the properties. */
function runCase(spec: Spec, s: S, flags: boolean[], c: Corruption, seed: number): void {
  const rnd = lcg(seed);
  setFencing(seed % 2 === 0);
  const ctx: Ctx = { s, present: {}, b: {}, n: {}, op: 0 };
  const label = `${spec.fn} ${JSON.stringify(s)} ${JSON.stringify(c)}`;
  // which arguments each corruption may hit
  const bufferIdx = spec.args.flatMap((a, i) => (a.k === 'f32' || a.k === 'f64' || a.k === 'i32' || a.k === 'typed' || a.k === 'u8' ? [i] : []));
  const present = (i: number): boolean => {
    const a = spec.args[i];
    return !('opt' in a && a.opt) || flags[i % flags.length];
  };
  const needOf = (i: number): number => (spec.args[i] as { need: (s: S) => number }).need(s);
  const shortable = bufferIdx.filter((i) => spec.args[i].k !== 'typed' && present(i) && !(spec.args[i] as { def?: boolean }).def && needOf(i) > 0);
  const sizeIdx = spec.args.flatMap((a, i) => (a.k === 'size' ? [i] : []));
  const numIdx = spec.args.flatMap((a, i) => (a.k === 'num' ? [i] : []));
  const rangeIdx = spec.args.flatMap((a, i) => (a.k === 'i32' && a.range && needOf(i) > 0 ? [i] : []));
  const hasOp = spec.args.some((a) => a.k === 'op');
  const pick = (list: number[], at: number): number => (list.length ? list[at % list.length] : -1);
  const target =
    c.kind === 'short' || c.kind === 'detached'
      ? pick(shortable, c.at)
      : c.kind === 'type'
        ? pick(bufferIdx, c.at)
        : c.kind === 'badSize' || c.kind === 'hugeSize'
          ? pick(sizeIdx, c.at)
          : c.kind === 'badNum'
            ? pick(numIdx, c.at)
            : c.kind === 'badIndex'
              ? pick(rangeIdx, c.at)
              : -1;
  let mustThrow = false;
  const args: unknown[] = [];
  const before: Bufs = {};
  const after: Bufs = {};
  spec.args.forEach((a, i) => {
    switch (a.k) {
      case 'f32':
      case 'f64':
      case 'i32':
      case 'u8':
      case 'typed': {
        if (!present(i)) {
          ctx.present[a.name] = false;
          if (i === target && c.kind === 'type') {
            args.push(wrongBuffer(a.k, 1, (c as { which: number }).which, true));
            mustThrow = true;
          } else args.push(flags[(i + 1) % flags.length] ? null : undefined);
          return;
        }
        ctx.present[a.name] = true;
        let n = a.need(s);
        if (i === target && c.kind === 'short') {
          n = Math.floor(c.frac * n);
          mustThrow = true;
        }
        let arr: Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array;
        if (n === 0 && rnd() < 0.5) {
          // a zero-length array of its own: its data pointer may be null, which must not read as "absent"
          arr = a.k === 'i32' ? new Int32Array(0) : a.k === 'f64' ? new Float64Array(0) : a.k === 'u8' ? new Uint8Array(0) : new Float32Array(0);
        } else if (a.k === 'i32') {
          const [lo, hi] = a.range ? a.range(s) : [-3, 7];
          arr = fenced(Int32Array, n, a.name, () => lo + Math.floor(rnd() * Math.max(hi - lo, 1)));
          if (i === target && c.kind === 'badIndex') {
            arr[Math.floor(rnd() * n)] = c.high ? hi : lo - 1;
            mustThrow = true;
          }
        } else if (a.k === 'u8') {
          arr = fenced(Uint8Array, n, a.name, () => Math.floor(rnd() * 256));
        } else if (a.k === 'typed') {
          const T = TYPED[Math.floor(rnd() * TYPED.length)];
          arr = new T(n);
          for (let j = 0; j < n; j++) arr[j] = Math.floor(rnd() * 200) - (T === Uint8Array || T === Uint16Array || T === Uint32Array ? 0 : 100);
        } else {
          const fill = a.fill ?? ((_j: number, _s: S, r: () => number) => 4 * r() - 2);
          arr = a.k === 'f64' ? fenced(Float64Array, n, a.name, (j) => fill(j, s, rnd)) : fenced(Float32Array, n, a.name, (j) => fill(j, s, rnd));
        }
        before[a.name] = Array.from(arr);
        after[a.name] = arr;
        if (i === target && c.kind === 'detached') {
          native.detach(arr);
          mustThrow = true;
        }
        if (i === target && c.kind === 'type') {
          args.push(wrongBuffer(a.k, n, c.which, 'opt' in a && a.opt === true));
          mustThrow = true;
        } else args.push(arr);
        return;
      }
      case 'size': {
        let v: unknown = s[a.name];
        if (i === target && c.kind === 'badSize') {
          v = BAD_SIZES[c.which];
          mustThrow = true;
        }
        if (i === target && c.kind === 'hugeSize') v = HUGE_SIZES[c.which];
        args.push(v);
        return;
      }
      case 'num': {
        const v = a.gen(rnd);
        ctx.n[a.name] = v;
        args.push(i === target ? BAD_NUMS[(c as { which: number }).which] : v);
        return;
      }
      case 'bool':
        ctx.b[a.name] = flags[i % flags.length];
        args.push(ctx.b[a.name]);
        return;
      case 'null':
        args.push(null);
        return;
      case 'op': {
        ctx.op = Math.floor(rnd() * (a.max + 1));
        if (c.kind === 'badOp') {
          args.push([a.max + 1, -1, 1.5, NaN, '0'][c.which]);
          mustThrow = true;
        } else args.push(ctx.op);
        return;
      }
    }
  });
  if (c.kind === 'badOp' && !hasOp) mustThrow = false;
  const call = c.kind === 'truncate' ? args.slice(0, c.len % (args.length + 1)) : args;
  const r: Outcome<unknown> = outcome(() => raw[spec.fn.split(' ')[0]](...call));
  checkFences(label);
  if (!r.ok && !/nativegrad/.test(r.error.message)) expect.fail(`${label}: an Error without the library's name: ${r.error.message}`);
  expect(r.rssGrowth, `${label}: RSS grew by ${(r.rssGrowth / 2 ** 20).toFixed(0)} MB`).to.be.below(MAX_RSS_GROWTH);
  if (mustThrow) {
    if (r.ok) expect.fail(`${label}: returned instead of throwing`);
    return;
  }
  if (c.kind !== 'none') return; // hugeSize / badNum / truncate / a corruption that hit nothing: either outcome
  const want = spec.expect ? spec.expect(ctx) : 'ok';
  if (want === 'ok' && !r.ok) expect.fail(`${label}: a well-formed call threw: ${r.error.message}`);
  if (want === 'throws' && r.ok) expect.fail(`${label}: returned instead of throwing`);
  if (r.ok && spec.check) {
    try {
      spec.check(ctx, before, after, r.value);
    } catch (e) {
      throw new Error(`${label}: ${(e as Error).message}`);
    }
  }
}

describe(`fuzz: the raw native functions (${SPECS.length} signatures × ${RUNS} cases, plus broadcasting and optimizer lists)`, function () {
  this.timeout(60000);
  let rngState: Uint32Array;
  before(() => {
    rngState = raw.rngGetState();
  });
  after(() => {
    raw.rngSetState(rngState);
    setFencing(true);
  });

  it('every function the addon exports is covered by this suite', () => {
    const covered = new Set([
      ...SPECS.map((s) => s.fn.split(' ')[0]),
      ...['binaryForward', 'binaryBackward', 'sgdStep', 'rmspropStep', 'adamStep', 'rpropStep', 'emaUpdate', 'sequentialXentStep'],
      ...['setNumThreads', 'getNumThreads', 'blasConfig', 'rngGetState', 'rngSetState', 'detach', 'benchSgemm', 'optimizerStepsFuse', 'addressMod'],
    ]);
    const exported = Object.keys(raw).filter((k) => typeof raw[k] === 'function');
    expect(
      exported.filter((k) => !covered.has(k)),
      'native functions without a fuzz spec: add one to test/fuzz/native.test.ts',
    ).to.deep.equal([]);
  });

  SPECS.forEach((spec, si) => {
    it(`${spec.fn}: exact, short, detached, mistyped and absent buffers; bad, huge and missing sizes`, function () {
      if (typeof raw[spec.fn.split(' ')[0]] !== 'function') {
        console.log(`      ${spec.fn} is not in this build of the addon`);
        this.skip();
      }
      const sizeArb = fc.record(
        Object.fromEntries(Object.entries(spec.sizes).map(([k, max]) => [k, fc.integer({ min: 0, max })])) as Record<string, fc.Arbitrary<number>>,
      );
      fc.assert(
        fc.property(
          sizeArb,
          fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
          corruption,
          fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          (s, flags, c, seed) => runCase(spec, s, flags, c, seed),
        ),
        { seed: 9000 + si, numRuns: RUNS },
      );
    });
  });

  it('degenerate sizes: one size 0 and another up to 2^52 (empty buffers suffice) return at once or throw, for every signature', () => {
    let calls = 0;
    for (const spec of SPECS) {
      if (typeof raw[spec.fn.split(' ')[0]] !== 'function') continue;
      const names = Object.keys(spec.sizes);
      for (const zero of names)
        for (const big of names)
          for (const huge of big === zero ? [] : HUGE_SIZES) {
            const s: S = Object.fromEntries(names.map((k) => [k, k === zero ? 0 : k === big ? huge : 1]));
            let tooBig = false;
            const args = spec.args.map((a) => {
              if (a.k === 'size') return s[a.name];
              if (a.k === 'num') return a.name === 'p' || a.name === 'smoothing' ? 0.5 : 1;
              if (a.k === 'bool') return true;
              if (a.k === 'null') return null;
              if (a.k === 'op') return 0;
              const need = a.need(s);
              // (with a defining buffer, the others are measured against its actual length)
              if (need > 1e6 && !spec.args.some((x) => 'def' in x && x.def)) tooBig = true;
              const n = Math.min(need, 16);
              return a.k === 'i32' ? new Int32Array(n) : a.k === 'f64' ? new Float64Array(n) : a.k === 'u8' ? new Uint8Array(n) : new Float32Array(n);
            });
            const label = `${spec.fn} ${JSON.stringify(s)}`;
            const r = outcome(() => raw[spec.fn.split(' ')[0]](...args));
            calls++;
            if (!r.ok) expect(r.error.message, label).to.include('nativegrad');
            if (tooBig) expect(r.ok, `${label}: a buffer shorter than the sizes need must throw`).to.equal(false);
            expect(r.rssGrowth, `${label}: RSS grew by ${(r.rssGrowth / 2 ** 20).toFixed(0)} MB`).to.be.below(MAX_RSS_GROWTH);
          }
    }
    expect(calls).to.be.above(200);
  });

  it(`binaryForward/binaryBackward: random broadcast shapes and strides (in and past the operands), plain and scalar operands (${RUNS * 5} cases)`, () => {
    const F32 = (v: number[]): Float32Array => Float32Array.from(v);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: raw.binaryOps.length - 1 }),
        fc.array(fc.record({ d: fc.integer({ min: 0, max: 4 }), sa: fc.integer({ min: 0, max: 12 }), sb: fc.integer({ min: 0, max: 12 }) }), {
          minLength: 0,
          maxLength: 4,
        }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (op, dims, na, nb, nout, backward, seed) => {
          const rnd = lcg(seed);
          setFencing(seed % 2 === 0);
          const a = fenced(Float32Array, na, 'a', () => 2 * rnd() - 1);
          const b = fenced(Float32Array, nb, 'b', () => 0.5 + rnd());
          const f = reference(BINARY, raw.binaryOps, op);
          const label = `op ${raw.binaryOps[op]} dims ${JSON.stringify(dims)} na ${na} nb ${nb} nout ${nout}`;
          if (dims.length === 0) {
            // no broadcast description: a and b have n elements or one
            const out = fenced(Float32Array, nout, 'out');
            const valid = (na === nout || na === 1) && (nb === nout || nb === 1) && !(nout > 0 && (na === 0 || nb === 0));
            const r = outcome(() => raw.binaryForward(op, out, a, b));
            checkFences(label);
            if (!valid) {
              expect(r.ok, `${label}: must throw`).to.equal(false);
              return;
            }
            expect(r.ok, `${label}: ${r.ok ? '' : r.error.message}`).to.equal(true);
            for (let i = 0; i < nout; i++)
              expect(near(out[i], Math.fround(f(a[na === 1 ? 0 : i], b[nb === 1 ? 0 : i])), 1e-6, 0), `${label} [${i}]`).to.equal(true);
            return;
          }
          const shape = dims.map((d) => d.d);
          const n = shape.reduce((p, d) => p * d, 1);
          const maxA = n > 0 ? dims.reduce((p, d) => p + (d.d - 1) * d.sa, 0) : -1;
          const maxB = n > 0 ? dims.reduce((p, d) => p + (d.d - 1) * d.sb, 0) : -1;
          const inside = maxA < na && maxB < nb;
          const args = [F32([]), a, b, Int32Array.from(shape), Int32Array.from(dims.map((d) => d.sa)), Int32Array.from(dims.map((d) => d.sb))];
          if (!backward) {
            const out = fenced(Float32Array, nout, 'out');
            args[0] = out;
            const r = outcome(() => raw.binaryForward(op, ...args));
            checkFences(label);
            if (!inside || nout < n) {
              expect(r.ok, `${label}: must throw`).to.equal(false);
              return;
            }
            expect(r.ok, `${label}: ${r.ok ? '' : r.error.message}`).to.equal(true);
            for (let flat = 0; flat < n; flat++) {
              let ia = 0;
              let ib = 0;
              let rem = flat;
              for (let k = dims.length - 1; k >= 0; k--) {
                const idx = rem % shape[k];
                rem = Math.floor(rem / shape[k]);
                ia += idx * dims[k].sa;
                ib += idx * dims[k].sb;
              }
              expect(near(out[flat], Math.fround(f(a[ia], b[ib])), 1e-6, 0), `${label} [${flat}]`).to.equal(true);
            }
          } else {
            const g = fenced(Float32Array, nout, 'dout', () => rnd());
            const da = fenced(Float32Array, na, 'da');
            const db = fenced(Float32Array, nb, 'db');
            const r = outcome(() => raw.binaryBackward(op, da, db, g, ...args.slice(1)));
            checkFences(label);
            if (!inside || nout < n) {
              expect(r.ok, `${label}: must throw`).to.equal(false);
              return;
            }
            expect(r.ok, `${label}: ${r.ok ? '' : r.error.message}`).to.equal(true);
          }
        },
      ),
      { seed: 9100, numRuns: RUNS * 5 },
    );
  });

  it(`optimizer steps (sgdStep, rmspropStep, adamStep, rpropStep, emaUpdate): lists of mismatched counts, lengths and types (${RUNS * 5} cases)`, () => {
    type Rule = { fn: string; lists: number; optional: number[]; tail: (rnd: () => number, P: number) => unknown[] };
    const RULES: Rule[] = [
      { fn: 'sgdStep', lists: 3, optional: [2], tail: (r, P) => [Int32Array.from({ length: P }, () => (r() < 0.5 ? 1 : 0)), 0.1, 0.9, 0, 0.01, false] },
      { fn: 'rmspropStep', lists: 5, optional: [3, 4], tail: () => [0.01, 0.99, 1e-8, 0, 0.5] },
      {
        fn: 'adamStep',
        lists: 5,
        optional: [4],
        tail: (r, P) => [Float64Array.from({ length: P }, () => 1 + Math.floor(r() * 5)), 1e-3, 0.9, 0.999, 1e-8, 0, false],
      },
      { fn: 'rpropStep', lists: 4, optional: [], tail: () => [0.5, 1.2, 1e-6, 50] },
      { fn: 'emaUpdate', lists: 2, optional: [], tail: () => [0.9] },
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: RULES.length - 1 }),
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 0, maxLength: 4 }),
        fc.constantFrom('none', 'none', 'count', 'length', 'type', 'notArray', 'absentOptional', 'fresh'),
        fc.nat(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (ri, lens, how, at, seed) => {
          const rule = RULES[ri];
          const rnd = lcg(seed);
          setFencing(seed % 2 === 0);
          const P = lens.length;
          const lists: unknown[] = [];
          let mustThrow = false;
          for (let l = 0; l < rule.lists; l++) {
            const list: unknown[] = lens.map((n, k) =>
              fenced(Float32Array, n, `list ${l}[${k}]`, () => (l === 0 ? 2 * rnd() - 1 : l === 2 && rule.fn !== 'sgdStep' ? rnd() : 2 * rnd() - 1)),
            );
            lists.push(list);
          }
          const li = 1 + (at % (rule.lists - 1)); // never the first list (it defines the others)
          if (how === 'count') {
            (lists[li] as unknown[]).push(new Float32Array(1));
            mustThrow = true;
          } else if (how === 'length' && P > 0) {
            const k = at % P;
            (lists[li] as unknown[])[k] = fenced(Float32Array, lens[k] + (lens[k] > 0 && at % 2 ? -1 : 1), 'wrong length');
            mustThrow = true;
          } else if (how === 'type' && P > 0) {
            (lists[li] as unknown[])[at % P] = [new Float64Array(lens[at % P]), new Int32Array(lens[at % P]), 'x', null][at % 4];
            mustThrow = true;
          } else if (how === 'notArray') {
            lists[li] = rule.optional.includes(li) ? 'x' : [null, 'x', new Float32Array(2), 3][at % 4];
            mustThrow = true;
          } else if (how === 'absentOptional' && rule.optional.length) {
            lists[rule.optional[at % rule.optional.length]] = null;
          }
          const tail = rule.tail(rnd, P);
          if (how === 'fresh' && rule.fn === 'sgdStep') {
            tail[0] = new Int32Array(Math.max(0, P - 1));
            mustThrow = P > 0;
          }
          if (how === 'fresh' && rule.fn === 'adamStep' && P > 0) {
            (tail[0] as Float64Array)[at % P] = 0; // a step count below 1
            mustThrow = true;
          }
          const p0 = lens.map((_, k) => Float32Array.from((lists[0] as Float32Array[])[k]));
          const r = outcome(() => raw[rule.fn](...lists, ...tail));
          const label = `${rule.fn} lens ${JSON.stringify(lens)} ${how}`;
          checkFences(label);
          if (!r.ok && !/nativegrad/.test(r.error.message)) expect.fail(`${label}: an Error without the library's name: ${r.error.message}`);
          if (mustThrow) {
            expect(r.ok, `${label}: must throw`).to.equal(false);
            return;
          }
          expect(r.ok, `${label}: ${r.ok ? '' : r.error.message}`).to.equal(true);
          if (rule.fn === 'emaUpdate') {
            // averages ← 0.9·averages + 0.1·params
            lens.forEach((n, k) =>
              expectNear(
                `ema ${k}`,
                (lists[0] as Float32Array[])[k],
                Array.from(p0[k], (v, j) => 0.9 * v + 0.1 * (lists[1] as Float32Array[])[k][j]),
                1e-6,
                1e-7,
              ),
            );
          }
        },
      ),
      { seed: 9200, numRuns: RUNS * 5 },
    );
  });

  it(`sequentialXentStep: random chains with missing, short, mistyped, detached and extra buffers, bad sizes, class indices, weights and ignored indices (${RUNS * 5} cases)`, () => {
    const HOW = [
      'none',
      'none',
      'none',
      'count',
      'short',
      'type',
      'nullRequired',
      'nullOptional',
      'detached',
      'class',
      'first',
      'N0',
      'dims',
      'smoothing',
      'weight',
      'ignore',
    ] as const;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(...HOW),
        fc.nat(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (dimList, N, how, at, seed) => {
          const rnd = lcg(seed);
          setFencing(seed % 2 === 0);
          const L = dimList.length - 1;
          const K = dimList[L];
          const dims = Int32Array.from(dimList);
          const relu = Int32Array.from({ length: L }, () => (rnd() < 0.5 ? 1 : 0));
          const f = (n: number, what: string, lo = -1, hi = 1): Float32Array => fenced(Float32Array, n, what, () => lo + (hi - lo) * rnd());
          const buffers: unknown[] = [f(N * dims[0], 'x'), f(N * K, 'probs'), f(N, 'lse'), f(N, 'rowLoss')];
          for (let l = 0; l < L; l++) {
            const I = dims[l],
              O = dims[l + 1];
            buffers.push(
              f(O * I, `w${l}`),
              rnd() < 0.8 ? f(O, `b${l}`) : null,
              rnd() < 0.8 ? f(O * I, `dw${l}`, 0, 0) : null,
              rnd() < 0.8 ? f(O, `db${l}`, 0, 0) : null,
              f(N * O, `y${l}`),
              f(N * O, `dy${l}`),
            );
          }
          const classes = fenced(Int32Array, N, 'classes', () => Math.floor(rnd() * K));
          let first = Math.floor(rnd() * L);
          let n = N;
          let smoothing = rnd() < 0.5 ? 0 : rnd();
          let dimsArg: unknown = dims;
          // class weights and an ignored index (one of the classes, or PyTorch's default -100)
          let weight: unknown = rnd() < 0.5 ? f(K, 'weight', 0, 2) : null;
          let ignore: unknown = rnd() < 0.5 ? -100 : classes[0];
          let mustThrow = true;
          const required = (k: number): boolean => k < 4 || (k - 4) % 6 === 0 || (k - 4) % 6 >= 4;
          const k = at % buffers.length;
          if (how === 'none') mustThrow = false;
          else if (how === 'count') buffers.splice(at % 2 ? buffers.length : buffers.length - 1, at % 2 ? 0 : 1, ...(at % 2 ? [f(1, 'extra')] : []));
          else if (how === 'short') {
            const b = buffers[k] as Float32Array | null;
            if (b === null || b.length === 0) mustThrow = false;
            else buffers[k] = f(b.length - 1, 'short');
          } else if (how === 'type') buffers[k] = [new Float64Array(4), new Int32Array(4), 'x', {}][at % 4];
          else if (how === 'nullRequired') buffers[required(k) ? k : 0] = at % 2 ? null : undefined;
          else if (how === 'nullOptional') {
            buffers[required(k) ? 5 : k] = null;
            mustThrow = false;
          } else if (how === 'detached') native.detach(buffers[required(k) ? k : 0] as Float32Array);
          else if (how === 'class') classes[at % N] = at % 2 ? K : -1;
          else if (how === 'first') first = L + (at % 3);
          else if (how === 'N0') n = 0;
          else if (how === 'dims') dimsArg = at % 2 ? Int32Array.from([...dims.slice(0, L), 0]) : Float32Array.from(dims);
          else if (how === 'smoothing') smoothing = at % 2 ? -0.5 : NaN;
          else if (how === 'weight') weight = [f(K - 1, 'weight'), new Float64Array(K), [1, 2]][at % 3];
          else if (how === 'ignore') ignore = [0.5, NaN, 2 ** 40, '0'][at % 4];
          const before = mustThrow ? [] : buffers.map((b) => (b instanceof Float32Array ? Float32Array.from(b) : b));
          const r = outcome(() => raw.sequentialXentStep(buffers, relu, dimsArg, first, classes, n, smoothing, 1 / N, weight, ignore));
          const label = `sequentialXentStep dims ${JSON.stringify(dimList)} N ${N} ${how}@${at}`;
          checkFences(label);
          if (!r.ok && !/nativegrad/.test(r.error.message)) expect.fail(`${label}: an Error without the library's name: ${r.error.message}`);
          if (mustThrow) {
            expect(r.ok, `${label}: must throw`).to.equal(false);
            return;
          }
          if (!r.ok) expect.fail(`${label}: ${r.error.message}`);
          // reference: the forward in double, then Σ_n cross-entropy with smoothing
          let a = Array.from(before[0] as Float32Array);
          for (let l = 0; l < L; l++) {
            const I = dims[l],
              O = dims[l + 1];
            const w = before[4 + 6 * l] as Float32Array;
            const b = before[5 + 6 * l] as Float32Array | null;
            const out: number[] = [];
            for (let i = 0; i < N; i++)
              for (let o = 0; o < O; o++) {
                let v = b ? b[o] : 0;
                for (let j = 0; j < I; j++) v += a[i * I + j] * w[o * I + j];
                out.push(relu[l] && !(v > 0) ? 0 : v);
              }
            a = out;
          }
          let total = 0;
          let mag = 0;
          for (let i = 0; i < N; i++) {
            const row = a.slice(i * K, (i + 1) * K);
            const m = Math.max(...row);
            const lse = m + Math.log(row.reduce((p, v) => p + Math.exp(v - m), 0));
            const eps = Math.fround(smoothing);
            if (classes[i] === ignore) continue;
            for (let c = 0; c < K; c++) {
              const t = ((1 - eps) * (c === classes[i] ? 1 : 0) + eps / K) * (weight ? (weight as Float32Array)[c] : 1);
              total += t * (lse - row[c]);
              mag += Math.abs(t * (lse - row[c]));
            }
          }
          expect(near(r.value as number, total, 1e-5, 1e-5 * (1 + mag)), `${label}: total ${r.value} vs ${total}`).to.equal(true);
        },
      ),
      { seed: 9300, numRuns: RUNS * 5 },
    );
  });

  it('an array whose element getter detaches a buffer already read cannot make a kernel write freed memory', () => {
    const p0 = new Float32Array(1 << 16).fill(1);
    const g0 = new Float32Array(1 << 16).fill(1);
    const p1 = new Float32Array(4);
    const g1 = new Float32Array(4);
    const params = [p0, p1];
    const grads: Float32Array[] = [g0];
    Object.defineProperty(grads, 1, {
      enumerable: true,
      get() {
        native.detach(p0); // frees p0's memory while the call holds its pointer
        return g1;
      },
    });
    const r = outcome(() => raw.sgdStep(params, grads, null, null, 0.1, 0, 0, 0, false));
    expect(r.ok, 'the call notices the detached parameter').to.equal(false);
    if (!r.ok) expect(r.error.message).to.include('nativegrad');
  });

  it('library-wide functions reject bad arguments: setNumThreads, rngSetState, detach, benchSgemm', () => {
    for (const v of [0, -1, 1.5, NaN, '2', undefined]) expect(outcome(() => raw.setNumThreads(v)).ok, `setNumThreads(${String(v)})`).to.equal(false);
    for (const v of [new Uint32Array(7), new Uint32Array(9), new Int32Array(8), [1, 2, 3, 4, 5, 6, 7, 8], null])
      expect(outcome(() => raw.rngSetState(v)).ok, `rngSetState(${String(v)})`).to.equal(false);
    for (const v of [1, 'x', {}, null, undefined]) expect(outcome(() => raw.detach(v)).ok, `detach(${String(v)})`).to.equal(false);
    const a = new Float32Array(8);
    expect(raw.detach(a.subarray(2, 4))).to.equal(true); // detaches the whole buffer
    expect(a.length).to.equal(0);
    expect(raw.detach(a)).to.equal(true); // twice is fine
    expect(
      outcome(() => raw.benchSgemm(new Float32Array(4), new Float32Array(4), new Float32Array(4), 0, 2, 2, 1, 0.001)).ok,
      'benchSgemm with M = 0',
    ).to.equal(false);
    expect(
      outcome(() => raw.benchSgemm(new Float32Array(3), new Float32Array(4), new Float32Array(4), 2, 2, 2, 1, 0.001)).ok,
      'benchSgemm with a short out',
    ).to.equal(false);
    expect(typeof raw.getNumThreads()).to.equal('number');
    expect(raw.blasConfig()).to.be.a('string');
    expect(raw.optimizerStepsFuse(1, 'x', null)).to.be.a('boolean'); // ignores arguments
    for (const [v, align] of [
      [1, 64],
      ['x', 64],
      [null, 64],
      [{}, 64],
      [new Float32Array(4), 0],
      [new Float32Array(4), 3],
      [new Float32Array(4), 8192],
      [new Float32Array(4), -64],
      [new Float32Array(4), 'x'],
    ])
      expect(outcome(() => raw.addressMod(v, align)).ok, `addressMod(${String(v)}, ${String(align)})`).to.equal(false);
    const ab = new ArrayBuffer(256);
    const m = raw.addressMod(ab, 64);
    expect(m % 8).to.equal(0); // malloc gives at least 8-byte alignment
    expect(raw.addressMod(new Float32Array(ab, 8, 4), 64)).to.equal((m + 8) % 64);
    expect(raw.addressMod(ab, 1)).to.equal(0);
  });
});

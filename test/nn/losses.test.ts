/**
 * CrossEntropyLoss and MSELoss: PyTorch fixtures (losses.json: extreme logits, probability
 * targets, sum reduction, softmax/log-softmax), a float64 reference written here for the rest
 * (label smoothing, 'none', ±1e4 logits), and the boundary errors.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { FixtureTensor, expectClose, fixture, lcg, randomArray } from '../helpers';

const losses = fixture('losses.json');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const byName = (name: string): any => losses.cases.find((c: { name: string }) => c.name === name);
const t = (f: FixtureTensor, requiresGrad = false): ng.Tensor => ng.tensor(Float32Array.from(f.data), f.shape, { requiresGrad });

/** Float64 cross-entropy per row with targets t (rows of K), and its gradient w.r.t. the logits. */
function reference(x: ArrayLike<number>, N: number, K: number, target: (n: number, k: number) => number): { loss: number[]; grad: number[] } {
  const loss: number[] = [];
  const grad: number[] = [];
  for (let n = 0; n < N; n++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, x[n * K + k]);
    let z = 0;
    for (let k = 0; k < K; k++) z += Math.exp(x[n * K + k] - m);
    const lse = m + Math.log(z);
    let l = 0;
    let S = 0;
    for (let k = 0; k < K; k++) {
      l += target(n, k) * (lse - x[n * K + k]);
      S += target(n, k);
    }
    loss.push(l);
    for (let k = 0; k < K; k++) grad.push(Math.exp(x[n * K + k] - lse) * S - target(n, k));
  }
  return { loss, grad };
}

describe('nn: CrossEntropyLoss', () => {
  it('matches PyTorch at extreme logits (±1000) with class indices: loss, gradient, softmax, log-softmax', () => {
    const c = byName('cross_entropy/classes/extreme');
    const x = t(c.logits, true);
    const loss = new ng.nn.CrossEntropyLoss().forward(x, c.classes);
    expectClose([loss.item()], [c.loss], { rtol: 1e-5, what: 'loss' });
    loss.backward();
    expectClose(x.grad!.data, c.grad.data, { rtol: 1e-5, atol: 1e-7, what: 'grad' });
    expectClose(ng.softmax(x).data, c.softmax.data, { rtol: 1e-5, atol: 1e-30, what: 'softmax' });
    expectClose(new ng.nn.Softmax().forward(x).data, c.softmax.data, { rtol: 1e-5, atol: 1e-30, what: 'nn.Softmax' });
    expectClose(ng.logSoftmax(x).data, c.log_softmax.data, { rtol: 1e-5, atol: 1e-5, what: 'logSoftmax' });
  });

  it('matches PyTorch with probability targets (mean over the batch)', () => {
    const c = byName('cross_entropy/probabilities');
    const x = t(c.logits, true);
    const loss = new ng.nn.CrossEntropyLoss().forward(x, t(c.probabilities));
    expectClose([loss.item()], [c.loss], { rtol: 1e-5, what: 'loss' });
    loss.backward();
    expectClose(x.grad!.data, c.grad.data, { rtol: 1e-4, atol: 1e-7, what: 'grad' });
  });

  it("matches PyTorch with reduction 'sum'", () => {
    const c = byName('cross_entropy/classes/sum');
    const x = t(c.logits, true);
    const loss = new ng.nn.CrossEntropyLoss({ reduction: 'sum' }).forward(x, Int32Array.from(c.classes));
    expectClose([loss.item()], [c.loss], { rtol: 1e-5, what: 'loss' });
    loss.backward();
    expectClose(x.grad!.data, c.grad.data, { rtol: 1e-4, atol: 1e-7, what: 'grad' });
  });

  it('stays finite at logits of ±1e4 and agrees with a float64 reference', () => {
    const N = 4;
    const K = 5;
    const data = Float32Array.from([1e4, -1e4, 0, 5, -5, -1e4, -1e4, -1e4, -1e4, -1e4, 1e4, 1e4, -1e4, 3, 2, 0, 0, 0, 0, 1e4]);
    const y = [1, 2, 0, 3];
    const x = ng.tensor(data, [N, K], { requiresGrad: true });
    const loss = new ng.nn.CrossEntropyLoss().forward(x, y);
    loss.backward();
    expect(Number.isFinite(loss.item())).to.equal(true);
    for (const g of x.grad!.data) expect(Number.isFinite(g)).to.equal(true);
    const ref = reference(data, N, K, (n, k) => (k === y[n] ? 1 : 0));
    expectClose([loss.item()], [ref.loss.reduce((a, b) => a + b) / N], { rtol: 1e-6, what: 'loss' });
    expectClose(
      x.grad!.data,
      ref.grad.map((g) => g / N),
      { rtol: 1e-6, atol: 1e-7, what: 'grad' },
    );
    // the largest loss (2e4 for the wrong class at +1e4) survives in float32
    expect(new ng.nn.CrossEntropyLoss({ reduction: 'none' }).forward(x, y).data[0]).to.be.closeTo(2e4, 1);
  });

  it("reduction 'none' gives each row's loss; 'mean' is their mean, 'sum' their sum", () => {
    const rnd = lcg(11);
    const N = 7;
    const K = 6;
    const data = randomArray(N * K, rnd, -4, 4);
    const y = Array.from({ length: N }, (_, i) => (i * 5) % K);
    const ref = reference(data, N, K, (n, k) => (k === y[n] ? 1 : 0));
    const x = ng.tensor(data, [N, K]);
    const none = new ng.nn.CrossEntropyLoss({ reduction: 'none' }).forward(x, y);
    expect(none.shape).to.deep.equal([N]);
    expectClose(none.data, ref.loss, { rtol: 1e-5, what: 'none' });
    const sum = ref.loss.reduce((a, b) => a + b);
    expectClose([new ng.nn.CrossEntropyLoss({ reduction: 'sum' }).forward(x, y).item()], [sum], { rtol: 1e-5 });
    expectClose([new ng.nn.CrossEntropyLoss().forward(x, y).item()], [sum / N], { rtol: 1e-5 });
    // 'none' back-propagates a per-row gradient
    const xg = ng.tensor(data, [N, K], { requiresGrad: true });
    const w = Float32Array.from({ length: N }, (_, i) => i - 3);
    new ng.nn.CrossEntropyLoss({ reduction: 'none' }).forward(xg, y).backward(ng.tensor(w));
    expectClose(
      xg.grad!.data,
      ref.grad.map((g, i) => g * w[Math.floor(i / K)]),
      { rtol: 1e-5, atol: 1e-6, what: 'none grad' },
    );
  });

  it('label smoothing follows t = (1 − ε)·onehot + ε/K, for class indices and probability targets', () => {
    const rnd = lcg(5);
    const N = 5;
    const K = 4;
    const eps = 0.2;
    const data = randomArray(N * K, rnd, -3, 3);
    const y = [0, 3, 1, 1, 2];
    const ref = reference(data, N, K, (n, k) => (1 - eps) * (k === y[n] ? 1 : 0) + eps / K);
    const x = ng.tensor(data, [N, K], { requiresGrad: true });
    const loss = new ng.nn.CrossEntropyLoss({ labelSmoothing: eps }).forward(x, y);
    expectClose([loss.item()], [ref.loss.reduce((a, b) => a + b) / N], { rtol: 1e-5 });
    loss.backward();
    expectClose(
      x.grad!.data,
      ref.grad.map((g) => g / N),
      { rtol: 1e-5, atol: 1e-7 },
    );

    const p = randomArray(N * K, rnd, 0, 1);
    const refP = reference(data, N, K, (n, k) => (1 - eps) * p[n * K + k] + eps / K);
    const lp = new ng.nn.CrossEntropyLoss({ labelSmoothing: eps, reduction: 'sum' }).forward(ng.tensor(data, [N, K]), ng.tensor(p, [N, K]));
    expectClose([lp.item()], [refP.loss.reduce((a, b) => a + b)], { rtol: 1e-5 });
  });

  it('agrees with float64 for every row length (the exponentials run 16 at a time over the whole batch: every tail length) and propagates NaN', () => {
    const rnd2 = lcg(9);
    for (const K of [1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 130, 1000]) {
      const N = 3;
      const data = randomArray(N * K, rnd2, -30, 30);
      const y = [0, K - 1, Math.floor(K / 2)];
      const ref = reference(data, N, K, (n, k) => (k === y[n] ? 1 : 0));
      const x = ng.tensor(data, [N, K], { requiresGrad: true });
      const loss = new ng.nn.CrossEntropyLoss({ reduction: 'sum' }).forward(x, y);
      expectClose([loss.item()], [ref.loss.reduce((a, b) => a + b)], { rtol: 1e-5, atol: 1e-6, what: `loss K=${K}` });
      loss.backward();
      expectClose(x.grad!.data, ref.grad, { rtol: 1e-5, atol: 1e-7, what: `grad K=${K}` });
    }
    const bad = ng.tensor([
      [0, NaN, 1],
      [0, 1, 2],
    ]);
    const none = new ng.nn.CrossEntropyLoss({ reduction: 'none' }).forward(bad, [0, 0]);
    expect(Number.isNaN(none.data[0])).to.equal(true);
    expect(Number.isFinite(none.data[1])).to.equal(true);
    const ninf = new ng.nn.CrossEntropyLoss({ reduction: 'none' }).forward(ng.tensor([[0, -Infinity, 1]]), [0]);
    expectClose(ninf.data, [Math.log(1 + Math.E)], { rtol: 1e-6 });
    // a row of −∞ only is 0/0 (NaN), as in PyTorch; the next row is unaffected
    const allInf = new ng.nn.CrossEntropyLoss({ reduction: 'none' }).forward(
      ng.tensor([
        [-Infinity, -Infinity],
        [1, 1],
      ]),
      [0, 1],
    );
    expect(Number.isNaN(allInf.data[0])).to.equal(true);
    expectClose([allInf.data[1]], [Math.log(2)], { rtol: 1e-6 });
  });

  it('accepts class indices as Int32Array, number[] or a Tensor [N]', () => {
    const x = ng.tensor([
      [1, 2, 3],
      [3, 1, 0],
    ]);
    const a = new ng.nn.CrossEntropyLoss().forward(x, Int32Array.from([2, 0])).item();
    expect(new ng.nn.CrossEntropyLoss().forward(x, [2, 0]).item()).to.equal(a);
    expect(new ng.nn.CrossEntropyLoss().forward(x, ng.tensor([2, 0])).item()).to.equal(a);
    expect(ng.nn.functional.crossEntropy(x, [2, 0]).item()).to.equal(a);
  });

  it('backward uses the class indices as they were at the forward, even with several graphs alive (their copies are recycled tape buffers)', () => {
    const N = 100; // ≥ 64: the copy of the indices comes from the tape's buffer pool
    const K = 7;
    const rnd = lcg(31);
    const grad = (y: Int32Array, edit: boolean): number[] => {
      const x = ng.tensor(randomArray(N * K, lcg(5), -2, 2), [N, K], { requiresGrad: true });
      const loss = ng.nn.functional.crossEntropy(x, y);
      if (edit) y.fill(0); // after the forward: must not reach the backward
      loss.backward();
      return Array.from(x.grad!.data);
    };
    const ya = Int32Array.from({ length: N }, () => Math.floor(rnd() * K));
    const yb = Int32Array.from({ length: N }, () => Math.floor(rnd() * K));
    const expectA = grad(ya.slice(), false);
    const expectB = grad(yb.slice(), false);
    expect(grad(ya.slice(), true)).to.deep.equal(expectA);
    // two graphs alive at once, backward in the other order: each keeps its own indices
    const xa = ng.tensor(randomArray(N * K, lcg(5), -2, 2), [N, K], { requiresGrad: true });
    const xb = ng.tensor(randomArray(N * K, lcg(5), -2, 2), [N, K], { requiresGrad: true });
    const la = ng.nn.functional.crossEntropy(xa, ya.slice());
    const lb = ng.nn.functional.crossEntropy(xb, yb.slice());
    lb.backward();
    la.backward();
    expect(Array.from(xa.grad!.data)).to.deep.equal(expectA);
    expect(Array.from(xb.grad!.data)).to.deep.equal(expectB);
    expect(expectA).to.not.deep.equal(expectB);
  });

  it('throws on a class index out of range, a batch-size mismatch and malformed targets', () => {
    const ce = new ng.nn.CrossEntropyLoss();
    const x = ng.zeros([3, 4]);
    expect(() => ce.forward(x, [0, 4, 1])).to.throw(/target\[1\] = 4 is out of range.*\[3, 4\].*4 classes/);
    expect(() => ce.forward(x, Int32Array.from([0, -1, 1]))).to.throw(/target\[1\] = -1 is out of range/);
    expect(() => ce.forward(x, [0, 1.5, 1])).to.throw(/target\[1\].*integer/);
    expect(() => ce.forward(x, [0, 1])).to.throw(/batch size mismatch.*\[3, 4\] has 3 rows.*2/);
    expect(() => ce.forward(x, ng.zeros([3, 5]))).to.throw(/\[3, 5\].*\[3, 4\]/);
    expect(() => ce.forward(ng.zeros([4]), [0])).to.throw(/2-D Tensor of logits/);
    expect(() => ce.forward(x, 'abc' as unknown as number[])).to.throw(/class indices/);
    expect(() => new ng.nn.CrossEntropyLoss({ reduction: 'avg' as 'mean' })).to.throw(/reduction.*'mean', 'sum' or 'none'/);
    expect(() => new ng.nn.CrossEntropyLoss({ labelSmoothing: 1.5 })).to.throw(/labelSmoothing/);
  });
});

describe('nn: MSELoss', () => {
  const rnd = lcg(3);
  const a = randomArray(12, rnd);
  const b = randomArray(12, rnd);
  const sq = Array.from(a, (v, i) => (v - b[i]) ** 2);
  const sum = sq.reduce((p, q) => p + q);

  it("'mean' averages over every element (as PyTorch), 'sum' sums, 'none' keeps the shape", () => {
    const x = ng.tensor(a, [3, 4]);
    const y = ng.tensor(b, [3, 4]);
    expectClose([new ng.nn.MSELoss().forward(x, y).item()], [sum / 12], { rtol: 1e-6 });
    expectClose([new ng.nn.MSELoss({ reduction: 'sum' }).forward(x, y).item()], [sum], { rtol: 1e-6 });
    const none = new ng.nn.MSELoss({ reduction: 'none' }).forward(x, y);
    expect(none.shape).to.deep.equal([3, 4]);
    expectClose(none.data, sq, { rtol: 1e-6 });
  });

  it('gradients reach both input and target: ±2(a − b)/n', () => {
    const x = ng.tensor(a, [3, 4], { requiresGrad: true });
    const y = ng.tensor(b, [3, 4], { requiresGrad: true });
    new ng.nn.MSELoss().forward(x, y).backward();
    expectClose(
      x.grad!.data,
      Array.from(a, (v, i) => (2 * (v - b[i])) / 12),
      { rtol: 1e-6 },
    );
    expectClose(
      y.grad!.data,
      Array.from(a, (v, i) => (-2 * (v - b[i])) / 12),
      { rtol: 1e-6 },
    );
  });

  it('throws on a shape mismatch, naming both shapes', () => {
    expect(() => new ng.nn.MSELoss().forward(ng.zeros([3, 4]), ng.zeros([4, 3]))).to.throw(/\[3, 4\].*\[4, 3\]/);
    expect(() => new ng.nn.MSELoss({ reduction: 'x' as 'sum' })).to.throw(/reduction/);
  });
});

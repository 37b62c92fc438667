/**
 * Module mechanics (names, buffers, train/eval, stateDict/loadStateDict, zeroGrad, bound forward),
 * and each layer's own behaviour and boundary checks.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { expectClose, lcg, randomArray } from '../helpers';

const rnd = lcg(77);
const mlp = (): ng.nn.Sequential => new ng.nn.Sequential(new ng.nn.Linear(6, 8), new ng.nn.BatchNorm1d(8), new ng.nn.ReLU(), new ng.nn.Linear(8, 4));

class Block extends ng.nn.Module {
  readonly fc: ng.nn.Linear;
  readonly scale: ng.Tensor;
  constructor() {
    super();
    this.fc = this.registerModule('fc', new ng.nn.Linear(3, 2));
    this.scale = this.registerParameter('scale', ng.ones([2]))!;
    this.registerBuffer('steps', ng.zeros([1]));
  }
  forward(x: ng.Tensor): ng.Tensor {
    return this.fc.forward(x).mul(this.scale);
  }
}

describe('nn: Module', () => {
  it("names parameters and buffers with PyTorch's dotted keys, buffers kept apart", () => {
    const net = mlp();
    expect(net.namedParameters().map(([n]) => n)).to.deep.equal(['0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias']);
    expect(net.namedBuffers().map(([n]) => n)).to.deep.equal(['1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(net.parameters().every((p) => p.requiresGrad)).to.equal(true);
    expect(net.buffers().some((b) => b.requiresGrad)).to.equal(false);
    expect(Object.keys(net.stateDict())).to.deep.equal([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
      '3.weight',
      '3.bias',
    ]);
    const nested = new ng.nn.Sequential(new Block(), new ng.nn.Tanh());
    expect(nested.namedParameters().map(([n]) => n)).to.deep.equal(['0.scale', '0.fc.weight', '0.fc.bias']);
    expect(Object.keys(nested.stateDict())).to.deep.equal(['0.scale', '0.steps', '0.fc.weight', '0.fc.bias']);
    expect(nested.namedModules().map(([n]) => n)).to.deep.equal(['', '0', '0.fc', '1']);
  });

  it('lists a shared parameter once', () => {
    const lin = new ng.nn.Linear(3, 3);
    const net = new ng.nn.Sequential(lin, new ng.nn.Tanh(), lin);
    expect(net.namedParameters().map(([n]) => n)).to.deep.equal(['0.weight', '0.bias']);
  });

  it('train() and eval() set training recursively', () => {
    const net = new ng.nn.Sequential(new Block(), mlp(), new ng.nn.Dropout());
    expect(net.modules().every((m) => m.training)).to.equal(true);
    expect(net.eval()).to.equal(net);
    expect(net.modules().every((m) => !m.training)).to.equal(true);
    net.train();
    expect(net.modules().every((m) => m.training)).to.equal(true);
    net.train(false);
    expect(net.modules().every((m) => !m.training)).to.equal(true);
  });

  it('the same seed builds the same network, run after run; another seed another one', () => {
    const build = (seed: number): Float32Array[] => {
      ng.manualSeed(seed);
      return mlp()
        .parameters()
        .map((p) => new Float32Array(p.data));
    };
    const a = build(123);
    const b = build(123);
    const c = build(124);
    a.forEach((p, i) => expect(Array.from(p)).to.deep.equal(Array.from(b[i])));
    expect(Array.from(a[0])).to.not.deep.equal(Array.from(c[0]));
  });

  it('stateDict copies; loadStateDict round-trips into the existing tensors', () => {
    ng.manualSeed(1);
    const a = mlp();
    const x = ng.tensor(randomArray(30, rnd), [5, 6]);
    a.forward(x); // moves the running statistics
    const copy = a.stateDict();
    expect(copy['0.weight']).to.not.equal(a.namedParameters()[0][1]);
    copy['0.weight'].data[0] += 1; // a copy: the module is untouched
    expect(a.stateDict()['0.weight'].data[0]).to.not.equal(copy['0.weight'].data[0]);
    const sd = a.stateDict();

    ng.manualSeed(2);
    const b = mlp();
    const before = b.parameters();
    b.loadStateDict(sd);
    b.parameters().forEach((p, i) => expect(p).to.equal(before[i])); // same tensors (optimizers keep working)
    for (const [k, v] of Object.entries(b.stateDict())) expect(Array.from(v.data), k).to.deep.equal(Array.from(sd[k].data));
    a.eval();
    b.eval();
    expect(Array.from(b.forward(x).data)).to.deep.equal(Array.from(a.forward(x).data));
  });

  it('loadStateDict throws on missing keys, unknown keys and wrong shapes, naming them', () => {
    const net = mlp();
    const good = net.stateDict();
    const without = { ...good };
    delete without['0.bias'];
    delete without['1.running_var'];
    expect(() => net.loadStateDict(without)).to.throw(/missing keys: 0\.bias, 1\.running_var/);
    expect(() => net.loadStateDict({ ...good, '4.weight': ng.zeros([2]) })).to.throw(/unexpected keys: 4\.weight/);
    expect(() => net.loadStateDict({ ...good, '3.weight': ng.zeros([4, 7]) })).to.throw(
      /'3\.weight' has shape \[4, 7\] in the state dict but \[4, 8\] in the module/,
    );
    expect(() => net.loadStateDict({ ...good, '3.bias': [1, 2, 3, 4] as unknown as ng.Tensor })).to.throw(/'3\.bias' is not a Tensor/);
    expect(() => net.loadStateDict(null as unknown as Record<string, ng.Tensor>)).to.throw(/stateDict/);
    // nothing was copied by the failed loads
    expect(Array.from(net.stateDict()['3.weight'].data)).to.deep.equal(Array.from(good['3.weight'].data));
    // num_batches_tracked is optional, as in PyTorch
    const noCount = { ...good };
    delete noCount['1.num_batches_tracked'];
    expect(() => net.loadStateDict(noCount)).to.not.throw();
    // strict: false reports instead of throwing, but wrong shapes still throw
    const r = net.loadStateDict({ ...without, extra: ng.zeros([1]) }, { strict: false });
    expect(r).to.deep.equal({ missingKeys: ['0.bias', '1.running_var'], unexpectedKeys: ['extra'] });
    expect(() => net.loadStateDict({ '0.weight': ng.zeros([1]) }, { strict: false })).to.throw(/'0\.weight' has shape/);
  });

  it('forward is bound: it can be passed around as a function', () => {
    const net = mlp().eval();
    const f = net.forward;
    const x = ng.tensor(randomArray(12, rnd), [2, 6]);
    expect(Array.from(f(x).data)).to.deep.equal(Array.from(net.forward(x).data));
    expect([x].map(net.forward)[0].shape).to.deep.equal([2, 4]);
    expect(Object.keys(net)).to.not.include('forward');
  });

  it('zeroGrad zeroes the gradients (or drops them with setToNone)', () => {
    const net = mlp();
    const loss = new ng.nn.CrossEntropyLoss().forward(net.forward(ng.tensor(randomArray(30, rnd), [5, 6])), [0, 1, 2, 3, 0]);
    loss.backward();
    const g = net.parameters()[0].grad!;
    expect(g.data.some((v) => v !== 0)).to.equal(true);
    net.zeroGrad();
    expect(net.parameters()[0].grad).to.equal(g);
    expect(net.parameters().every((p) => p.grad!.data.every((v) => v === 0))).to.equal(true);
    net.zeroGrad({ setToNone: true });
    expect(net.parameters().every((p) => p.grad === null)).to.equal(true);
  });

  it('prints a PyTorch-style description', () => {
    const s = mlp().toString();
    expect(s).to.contain('Sequential(');
    expect(s).to.contain('(0): Linear(in_features=6, out_features=8, bias=true)');
    expect(s).to.contain('(1): BatchNorm1d(8, eps=0.00001, momentum=0.1');
    expect(s).to.contain('(2): ReLU()');
  });
});

describe('nn: Linear', () => {
  it('computes x·Wᵀ + b over the last dimension, for 1-D, 2-D and 3-D inputs', () => {
    const lin = new ng.nn.Linear(3, 2);
    lin.weight.data.set([1, 2, 3, -1, 0, 1]);
    lin.bias!.data.set([0.5, -0.5]);
    expect(
      lin
        .forward(
          ng.tensor([
            [1, 1, 1],
            [0, 1, 2],
          ]),
        )
        .toArray(),
    ).to.deep.equal([
      [6.5, -0.5],
      [8.5, 1.5],
    ]);
    expect(lin.forward(ng.tensor([1, 1, 1])).toArray()).to.deep.equal([6.5, -0.5]);
    const y3 = lin.forward(ng.tensor([[[1, 1, 1]], [[0, 1, 2]]]));
    expect(y3.shape).to.deep.equal([2, 1, 2]);
    expect(Array.from(y3.data)).to.deep.equal([6.5, -0.5, 8.5, 1.5]);
    expect(new ng.nn.Linear(3, 2, { bias: false }).namedParameters().map(([n]) => n)).to.deep.equal(['weight']);
  });

  it('throws when fed the wrong width, naming both shapes', () => {
    const lin = new ng.nn.Linear(6, 8);
    expect(() => lin.forward(ng.zeros([5, 7]))).to.throw(/Linear\(6, 8\)\.forward: input of shape \[5, 7\] does not fit weight of shape \[8, 6\]/);
    expect(() => lin.forward(ng.zeros([]))).to.throw(/input of shape \[\]/);
    expect(() => lin.forward('x' as unknown as ng.Tensor)).to.throw(/argument 'input' must be a Tensor/);
    expect(() => new ng.nn.Linear(-1, 2)).to.throw(/inFeatures/);
    expect(() => new ng.nn.Linear(2, 2.5)).to.throw(/outFeatures/);
    expect(() => new ng.nn.Linear(2, 2, { init: 'glorot' as 'xavierUniform' })).to.throw(/init.*'xavierUniform'/);
  });

  it("initialises the weight with Xavier uniform by default and the bias with PyTorch's U(−1/√in, 1/√in)", () => {
    ng.manualSeed(3);
    const lin = new ng.nn.Linear(100, 50);
    const a = Math.sqrt(6 / 150);
    const w = lin.weight.data;
    expect(w.every((v) => v >= -a && v < a)).to.equal(true);
    expect(Math.max(...w)).to.be.greaterThan(0.95 * a);
    const b = lin.bias!.data;
    expect(b.every((v) => v >= -0.1 && v < 0.1)).to.equal(true);
    expect(Math.max(...b.map(Math.abs))).to.be.greaterThan(0.08);
    const torch = new ng.nn.Linear(100, 50, { init: 'pytorch' });
    expect(torch.weight.data.every((v) => v >= -0.1 && v < 0.1)).to.equal(true);
    expect(Math.max(...torch.weight.data)).to.be.greaterThan(0.095);
    const custom = new ng.nn.Linear(2, 2, { init: (t) => ng.nn.init.constant(t, 0.25) });
    expect(Array.from(custom.weight.data)).to.deep.equal([0.25, 0.25, 0.25, 0.25]);
  });
});

describe('nn: BatchNorm1d', () => {
  /** float64 per-channel mean, biased and unbiased variance of [N, C, L] data */
  function stats(x: Float32Array, N: number, C: number, L: number): { mean: number[]; biased: number[]; unbiased: number[] } {
    const M = N * L;
    const mean = new Array(C).fill(0);
    const ss = new Array(C).fill(0);
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let l = 0; l < L; l++) mean[c] += x[(n * C + c) * L + l] / M;
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let l = 0; l < L; l++) ss[c] += (x[(n * C + c) * L + l] - mean[c]) ** 2;
    return { mean, biased: ss.map((s) => s / M), unbiased: ss.map((s) => s / (M - 1)) };
  }

  it('normalises with biased batch statistics; running_var gets the unbiased variance ([N, C, L] input)', () => {
    const [N, C, L] = [3, 2, 4];
    const x = randomArray(N * C * L, rnd, -3, 5);
    const bn = new ng.nn.BatchNorm1d(C, { momentum: 0.3 });
    const y = bn.forward(ng.tensor(x, [N, C, L]));
    const s = stats(x, N, C, L);
    const expected = Array.from(x, (v, i) => {
      const c = Math.floor(i / L) % C;
      return (v - s.mean[c]) / Math.sqrt(s.biased[c] + 1e-5);
    });
    expectClose(y.data, expected, { rtol: 1e-5, atol: 1e-5 });
    expectClose(
      bn.runningMean!.data,
      s.mean.map((m) => 0.3 * m),
      { rtol: 1e-5 },
    );
    expectClose(
      bn.runningVar!.data,
      s.unbiased.map((v) => 0.7 + 0.3 * v),
      { rtol: 1e-5 },
    );
    expect(bn.numBatchesTracked!.item()).to.equal(1);
  });

  it('with momentum null keeps a cumulative average, as PyTorch', () => {
    const bn = new ng.nn.BatchNorm1d(3, { momentum: null });
    const x1 = randomArray(12, rnd);
    const x2 = randomArray(12, rnd);
    bn.forward(ng.tensor(x1, [4, 3]));
    bn.forward(ng.tensor(x2, [4, 3]));
    const m1 = stats(x1, 4, 3, 1).mean;
    const m2 = stats(x2, 4, 3, 1).mean;
    expectClose(
      bn.runningMean!.data,
      m1.map((m, i) => (m + m2[i]) / 2),
      { rtol: 1e-5 },
    );
    expect(bn.numBatchesTracked!.item()).to.equal(2);
  });

  it('uses the running statistics in eval mode and leaves them alone', () => {
    const bn = new ng.nn.BatchNorm1d(2).eval();
    bn.runningMean!.data.set([1, -1]);
    bn.runningVar!.data.set([4, 0.25]);
    bn.weight!.data.set([2, 1]);
    bn.bias!.data.set([0, 1]);
    const y = bn.forward(ng.tensor([[3, 0]]));
    expectClose(y.data, [(2 * 2) / Math.sqrt(4 + 1e-5), 1 + 1 / Math.sqrt(0.25 + 1e-5)], { rtol: 1e-6 });
    expect(Array.from(bn.runningMean!.data)).to.deep.equal([1, -1]);
    expect(bn.numBatchesTracked!.item()).to.equal(0);
  });

  it('throws on one value per channel in training (as PyTorch) and on the wrong number of features', () => {
    const bn = new ng.nn.BatchNorm1d(4);
    expect(() => bn.forward(ng.zeros([1, 4]))).to.throw(/Expected more than 1 value per channel when training, got input of shape \[1, 4\]/);
    expect(() => bn.forward(ng.zeros([1, 4, 1]))).to.throw(/Expected more than 1 value per channel when training/);
    expect(bn.numBatchesTracked!.item()).to.equal(0);
    expect(() => bn.forward(ng.zeros([5, 3]))).to.throw(/\[N, 4\].*\[5, 3\]/);
    expect(() => bn.forward(ng.zeros([5]))).to.throw(/\[5\]/);
    expect(bn.eval().forward(ng.zeros([1, 4])).shape).to.deep.equal([1, 4]);
    expect(() => new ng.nn.BatchNorm1d(0)).to.throw(/numFeatures/);
    expect(() => new ng.nn.BatchNorm1d(3, { momentum: 2 })).to.throw(/momentum/);
  });
});

describe('nn: Dropout', () => {
  it('zeroes a fraction p and scales survivors by 1/(1 − p) in training; identity in eval', () => {
    ng.manualSeed(10);
    const d = new ng.nn.Dropout(0.25);
    const x = ng.ones([100000]);
    const y = d.forward(x).data;
    const zeros = y.filter((v) => v === 0).length;
    expect(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6)).to.equal(true);
    expect(zeros / y.length).to.be.closeTo(0.25, 0.01);
    d.eval();
    expect(d.forward(x)).to.equal(x);
    expect(() => new ng.nn.Dropout(1.5)).to.throw(/between 0 and 1, but got 1\.5/);
  });

  it('follows ng.manualSeed', () => {
    const d = new ng.nn.Dropout(0.5);
    const x = ng.ones([64]);
    ng.manualSeed(4);
    const a = Array.from(d.forward(x).data);
    ng.manualSeed(4);
    expect(Array.from(d.forward(x).data)).to.deep.equal(a);
    expect(Array.from(d.forward(x).data)).to.not.deep.equal(a);
  });
});

describe('nn: Sequential', () => {
  it('applies its modules in order; rejects non-modules', () => {
    const s = new ng.nn.Sequential(new ng.nn.Linear(2, 2, { bias: false, init: (t) => t.data.set([1, 0, 0, -1]) }), new ng.nn.ReLU());
    expect(s.forward(ng.tensor([[3, 4]])).toArray()).to.deep.equal([[3, 0]]);
    expect(s.length).to.equal(2);
    expect(s.at(-1)).to.be.instanceOf(ng.nn.ReLU);
    expect([...s].length).to.equal(2);
    expect(() => new ng.nn.Sequential(new ng.nn.ReLU(), {} as ng.nn.Module)).to.throw(/modules\[1\].*Module/);
  });
});

/**
 * Every options object of the public API refuses a key it does not know, with the optimizers'
 * message: the function, the bad key, the known names, and the name probably meant (PyTorch's
 * snake_case spelling → our camelCase one, or a near typo). Known keys, even set to undefined,
 * still work.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ng from '../lib';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const any = (v: unknown): any => v;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The message of an unknown option `key` of `fn`; `hint` is the name suggested, if any. */
function unknownOption(fn: string, key: string, hint?: { pytorch: string } | { typo: string }): RegExp {
  const tail =
    hint === undefined ? '' : 'pytorch' in hint ? `.*\\(PyTorch's '${escape(key)}' is '${hint.pytorch}' here\\)` : `.*\\(did you mean '${hint.typo}'\\?\\)`;
  return new RegExp(`^${escape(fn)}: argument '${escape(key)}' must be a known option \\(one of [^)]*\\), got .*${tail}$`);
}

/** Runs `call` and returns the message of the TypeError it throws (or rejects with). */
async function messageOf(call: () => unknown): Promise<string> {
  let caught: unknown;
  try {
    await call();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'did not throw').to.be.instanceOf(TypeError);
  return (caught as Error).message;
}

type Case = [what: string, call: () => unknown, fn: string, key: string, hint?: { pytorch: string } | { typo: string }];

const model = (): ng.nn.Sequential => new ng.nn.Sequential(new ng.nn.Linear(2, 2));
const dataset = (n: number): ng.data.TensorDataset => new ng.data.TensorDataset(ng.zeros([n, 2]), new Int32Array(n));
const sgd = (): ng.optim.SGD => new ng.optim.SGD(model().parameters(), { lr: 0.1 });
const spd = (): ng.Tensor =>
  ng.tensor([
    [2, 0],
    [0, 1],
  ]);
const history = any({ epochs: [{ epoch: 1, loss: 1, lr: 0.1, seconds: 0 }] });

const cases: Case[] = [
  // the issue's examples
  [
    'DataLoader batch_size',
    () => new ng.data.DataLoader(dataset(4), any({ batch_size: 32 })),
    'new ng.data.DataLoader',
    'batch_size',
    { pytorch: 'batchSize' },
  ],
  ['BatchNorm1d momentumm', () => new ng.nn.BatchNorm1d(4, any({ momentumm: 0.2 })), 'new ng.nn.BatchNorm1d', 'momentumm', { typo: 'momentum' }],
  ['Linear initt', () => new ng.nn.Linear(2, 3, any({ initt: 'pytorch' })), 'new ng.nn.Linear', 'initt', { typo: 'init' }],
  ['earlyStopping patiance', () => ng.earlyStopping(any({ patiance: 3 })), 'ng.earlyStopping', 'patiance', { typo: 'patience' }],
  ['randn requires_grad', () => ng.randn([2], any({ requires_grad: true })), 'ng.randn', 'requires_grad', { pytorch: 'requiresGrad' }],
  // creation
  ['tensor requires_grad', () => ng.tensor([1, 2], undefined, any({ requires_grad: true })), 'ng.tensor', 'requires_grad', { pytorch: 'requiresGrad' }],
  ['zeros requires_grad', () => ng.zeros([2], any({ requires_grad: true })), 'ng.zeros', 'requires_grad', { pytorch: 'requiresGrad' }],
  ['ones requires_grad', () => ng.ones([2], any({ requires_grad: true })), 'ng.ones', 'requires_grad', { pytorch: 'requiresGrad' }],
  ['full requires_grad', () => ng.full([2], 3, any({ requires_grad: true })), 'ng.full', 'requires_grad', { pytorch: 'requiresGrad' }],
  ['rand requires_grad', () => ng.rand([2], any({ requires_grad: true })), 'ng.rand', 'requires_grad', { pytorch: 'requiresGrad' }],
  ['arange(n, opts) requires_grad', () => ng.arange(3, any({ requires_grad: true })), 'ng.arange', 'requires_grad', { pytorch: 'requiresGrad' }],
  ['arange(a, b, s, opts) requires_grad', () => ng.arange(0, 3, 1, any({ requires_grad: true })), 'ng.arange', 'requires_grad', { pytorch: 'requiresGrad' }],
  ['randn device', () => ng.randn([2], any({ device: 'cpu' })), 'ng.randn', 'device'],
  // data
  [
    'DataLoader drop_last',
    () => new ng.data.DataLoader(dataset(4), any({ batchSize: 2, drop_last: true })),
    'new ng.data.DataLoader',
    'drop_last',
    { pytorch: 'dropLast' },
  ],
  [
    'ByteDataset scal',
    () => new ng.data.ByteDataset(new Uint8Array(4), [2, 2], [0, 1], any({ scal: 1 })),
    'new ng.data.ByteDataset',
    'scal',
    { typo: 'scale' },
  ],
  [
    'loadFashionMnist fromat',
    () => ng.data.loadFashionMnist('/nonexistent', any({ fromat: 'bytes' })),
    'ng.data.loadFashionMnist',
    'fromat',
    { typo: 'format' },
  ],
  ['PCAWhitening epss', () => new ng.data.PCAWhitening(any({ epss: 1e-3 })), 'new ng.data.PCAWhitening', 'epss', { typo: 'eps' }],
  ['ZCAWhitening epsilon', () => new ng.data.ZCAWhitening(any({ epsilon: 1e-3 })), 'new ng.data.ZCAWhitening', 'epsilon'],
  // nn
  ['Linear use_bias', () => new ng.nn.Linear(2, 3, any({ use_bias: false })), 'new ng.nn.Linear', 'use_bias'],
  [
    'BatchNorm1d track_running_stats',
    () => new ng.nn.BatchNorm1d(4, any({ track_running_stats: false })),
    'new ng.nn.BatchNorm1d',
    'track_running_stats',
    { pytorch: 'trackRunningStats' },
  ],
  ['Module.zeroGrad set_to_none', () => model().zeroGrad(any({ set_to_none: true })), 'Sequential.zeroGrad', 'set_to_none', { pytorch: 'setToNone' }],
  [
    'Module.loadStateDict strct',
    () => {
      const m = model();
      m.loadStateDict(m.stateDict(), any({ strct: false }));
    },
    'Sequential.loadStateDict',
    'strct',
    { typo: 'strict' },
  ],
  [
    'init.kaimingUniform non_linearity',
    () => ng.nn.init.kaimingUniform(ng.zeros([2, 2]), any({ non_linearity: 'relu' })),
    'ng.nn.init.kaimingUniform',
    'non_linearity',
    { typo: 'nonlinearity' },
  ],
  ['init.kaimingNormal mod', () => ng.nn.init.kaimingNormal(ng.zeros([2, 2]), any({ mod: 'fan_out' })), 'ng.nn.init.kaimingNormal', 'mod', { typo: 'mode' }],
  ['functional.mseLoss reduce', () => ng.nn.functional.mseLoss(ng.zeros([2]), ng.zeros([2]), any({ reduce: 'sum' })), 'ng.nn.functional.mseLoss', 'reduce'],
  [
    'functional.batchNorm1d trainng',
    () => ng.nn.functional.batchNorm1d(ng.zeros([2, 2]), null, null, null, null, any({ trainng: true })),
    'ng.nn.functional.batchNorm1d',
    'trainng',
    { typo: 'training' },
  ],
  // autograd
  [
    'backward retain_graph',
    () =>
      ng
        .ones([1], { requiresGrad: true })
        .sum()
        .backward(undefined, any({ retain_graph: true })),
    'Tensor.backward',
    'retain_graph',
    { pytorch: 'retainGraph' },
  ],
  [
    'gradcheck a_tol',
    () => ng.gradcheck((x) => x.sum(), [ng.ones([2], { requiresGrad: true })], any({ a_tol: 1e-3 })),
    'ng.gradcheck',
    'a_tol',
    { typo: 'atol' },
  ],
  // optim
  ['Optimizer.zeroGrad set_to_none', () => sgd().zeroGrad(any({ set_to_none: true })), 'ng.optim.SGD.zeroGrad', 'set_to_none', { pytorch: 'setToNone' }],
  ['StepLR step_size', () => new ng.optim.StepLR(sgd(), any({ step_size: 10 })), 'ng.optim.StepLR', 'step_size', { pytorch: 'stepSize' }],
  ['ExponentialLR gama', () => new ng.optim.ExponentialLR(sgd(), any({ gama: 0.9 })), 'ng.optim.ExponentialLR', 'gama', { typo: 'gamma' }],
  [
    'CosineAnnealingLR eta_min',
    () => new ng.optim.CosineAnnealingLR(sgd(), any({ tMax: 10, eta_min: 0.01 })),
    'ng.optim.CosineAnnealingLR',
    'eta_min',
    { pytorch: 'etaMin' },
  ],
  ['EMA decey', () => new ng.optim.EMA(model(), any({ decey: 0.9 })), 'ng.optim.EMA', 'decey', { typo: 'decay' }],
  ['Newton dampin', () => new ng.optim.Newton([ng.zeros([1])], () => ng.zeros([]), any({ dampin: 1 })), 'ng.optim.Newton', 'dampin', { typo: 'damping' }],
  // analysis and linalg
  [
    'hessian stepp',
    () => ng.analysis.hessian(() => ng.zeros([]), [ng.zeros([1], { requiresGrad: true })], any({ stepp: 1e-3 })),
    'ng.analysis.hessian',
    'stepp',
    { typo: 'step' },
  ],
  [
    'curvature iteration',
    () => ng.analysis.curvature(() => ng.zeros([]), [ng.zeros([1], { requiresGrad: true })], any({ iteration: 5 })),
    'ng.analysis.curvature',
    'iteration',
    { typo: 'iterations' },
  ],
  [
    'classifyCriticalPoint tolerance',
    () => ng.analysis.classifyCriticalPoint(spd(), any({ tolerance: 1e-3 })),
    'ng.analysis.classifyCriticalPoint',
    'tolerance',
  ],
  ['linalg.eigh precission', () => ng.linalg.eigh(spd(), any({ precission: 'double' })), 'ng.linalg.eigh', 'precission', { typo: 'precision' }],
  [
    'linalg.solveSymmetric methd',
    () => ng.linalg.solveSymmetric(spd(), ng.ones([2]), any({ methd: 'cholesky' })),
    'ng.linalg.solveSymmetric',
    'methd',
    { typo: 'method' },
  ],
  [
    'contourPlot sizee',
    () => ng.analysis.contourPlot(ng.analysis.quadratic(spd(), ng.ones([2])), [], any({ sizee: 100 })),
    'ng.analysis.contourPlot',
    'sizee',
    { typo: 'size' },
  ],
  [
    'convergencePlot flor',
    () => ng.analysis.convergencePlot(ng.analysis.quadratic(spd(), ng.ones([2])), [], [], any({ flor: 1e-9 })),
    'ng.analysis.convergencePlot',
    'flor',
    { typo: 'floor' },
  ],
  // train
  ['historyChart titl', () => ng.historyChart(history, any({ titl: 'x' })), 'ng.historyChart', 'titl', { typo: 'title' }],
  [
    'writeHistoryChart hight',
    () => ng.writeHistoryChart(path.join(os.tmpdir(), 'ng-never-written.svg'), history, any({ hight: 100 })),
    'ng.writeHistoryChart',
    'hight',
    { typo: 'height' },
  ],
  [
    'compileStep fused',
    () => ng.train.compileStep(model(), new ng.nn.CrossEntropyLoss(), any({ fused: false })),
    'ng.train.compileStep',
    'fused',
    { typo: 'fuse' },
  ],
];

describe('options objects refuse unknown keys', () => {
  for (const [what, call, fn, key, hint] of cases)
    it(`${what}: names ${fn}, '${key}'${hint ? ' and the name meant' : ''}`, async () => {
      expect(await messageOf(call)).to.match(unknownOption(fn, key, hint));
    });

  it('lists the known names in the message', async () => {
    const msg = await messageOf(() => new ng.data.DataLoader(dataset(4), any({ batch_size: 32 })));
    expect(msg).to.include('(one of batchSize, shuffle, balanced, dropLast, seed)');
    expect(msg).to.include('got 32');
  });

  it('writeHistoryChart refuses before writing anything', async () => {
    const file = path.join(os.tmpdir(), 'ng-never-written.svg');
    fs.rmSync(file, { force: true });
    await messageOf(() => ng.writeHistoryChart(file, history, any({ hight: 100 })));
    expect(fs.existsSync(file)).to.equal(false);
  });
});

describe('creation options: dtype and requiresGrad', () => {
  it("refuses any dtype but 'float32', naming the argument, without drawing from the generator", () => {
    ng.manualSeed(7);
    const before = ng.getRngState();
    for (const [name, call] of [
      ['ng.randn', () => ng.randn([2], any({ dtype: 'float64' }))],
      ['ng.rand', () => ng.rand([2], any({ dtype: 'int32' }))],
      ['ng.zeros', () => ng.zeros([2], any({ dtype: 'float16' }))],
      ['ng.tensor', () => ng.tensor([1], undefined, any({ dtype: 'float64' }))],
      ['ng.arange', () => ng.arange(3, any({ dtype: 'int64' }))],
    ] as const) {
      expect(call, name).to.throw(
        TypeError,
        new RegExp(`^${escape(name)}: argument 'dtype' must be 'float32' \\(nativegrad tensors are float32 only\\), got the string`),
      );
    }
    expect(Array.from(ng.getRngState())).to.deep.equal(Array.from(before));
  });

  it("accepts dtype 'float32' and requiresGrad", () => {
    const x = ng.randn([3], { requiresGrad: true, dtype: 'float32' });
    expect(x.requiresGrad).to.equal(true);
    expect(ng.zeros([2], { dtype: 'float32' }).requiresGrad).to.equal(false);
    expect(ng.full([2], 5, { requiresGrad: true }).requiresGrad).to.equal(true);
  });

  it('arange takes options after n or after start, end (and step)', () => {
    const a = ng.arange(3, { requiresGrad: true });
    expect(a.toArray()).to.deep.equal([0, 1, 2]);
    expect(a.requiresGrad).to.equal(true);
    const b = ng.arange(1, 3, { requiresGrad: true });
    expect(b.toArray()).to.deep.equal([1, 2]);
    expect(b.requiresGrad).to.equal(true);
    const c = ng.arange(0, 1, 0.5, { requiresGrad: true });
    expect(c.toArray()).to.deep.equal([0, 0.5]);
    expect(c.requiresGrad).to.equal(true);
    expect(ng.arange(2).requiresGrad).to.equal(false);
  });

  it('refuses a non-boolean requiresGrad', () => {
    expect(() => ng.ones([2], any({ requiresGrad: 1 }))).to.throw(TypeError, /^ng\.ones: argument 'requiresGrad' must be a boolean, got 1$/);
  });

  it("ng.tensor takes its options in the shape's place, as torch.tensor(data, requires_grad=True)", () => {
    const t = ng.tensor([[1, 2]], { requiresGrad: true });
    expect(t.requiresGrad).to.equal(true);
    expect(t.shape).to.deep.equal([1, 2]);
    expect(() => ng.tensor([1, 2], any({ requires_grad: true }))).to.throw(
      /ng\.tensor: argument 'requires_grad' .*\(PyTorch's 'requires_grad' is 'requiresGrad' here\)/,
    );
    expect(() => ng.tensor([1, 2], any({ requiresGrad: true }), { requiresGrad: true })).to.throw(
      TypeError,
      /ng\.tensor: argument 'shape' must be an array of non-negative integers when options are given third/,
    );
  });
});

describe('known options still work', () => {
  it('DataLoader with batchSize 32 yields batches of 32', () => {
    const sizes = Array.from(new ng.data.DataLoader(dataset(100), { batchSize: 32 }), (b) => b.x.shape[0]);
    expect(sizes).to.deep.equal([32, 32, 32, 4]);
  });

  it('a known key set to undefined takes the default', () => {
    expect(new ng.data.DataLoader(dataset(3), { batchSize: undefined, shuffle: undefined }).batchSize).to.equal(1);
    expect(ng.zeros([2], { requiresGrad: undefined, dtype: undefined }).requiresGrad).to.equal(false);
    expect(new ng.nn.BatchNorm1d(4, { momentum: undefined }).momentum).to.equal(0.1);
    expect(new ng.nn.Linear(2, 3, { init: undefined, bias: undefined }).bias).to.not.equal(null);
    expect(ng.earlyStopping({ patience: undefined })).to.have.property('bestEpoch');
    expect(new ng.optim.EMA(model(), { decay: undefined }).decay).to.equal(0.999);
    expect(new ng.optim.StepLR(sgd(), { stepSize: 2, gamma: undefined }).gamma).to.equal(0.1);
    expect(new ng.data.PCAWhitening({ eps: undefined }).eps).to.equal(1e-5);
    expect(ng.linalg.eigh(spd(), { precision: undefined }).values.toArray()).to.deep.equal([1, 2]);
    model().zeroGrad({ setToNone: undefined });
    sgd().zeroGrad({ setToNone: undefined });
  });

  it('the camelCase options the messages suggest are accepted', () => {
    expect(new ng.nn.BatchNorm1d(4, { momentum: 0.2, trackRunningStats: false }).momentum).to.equal(0.2);
    expect(new ng.nn.Linear(2, 3, { init: 'pytorch', bias: false }).bias).to.equal(null);
    const m = model();
    m.loadStateDict(m.stateDict(), { strict: false });
    const x = ng.ones([1], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad?.toArray()).to.deep.equal([4]);
    expect(ng.train.compileStep(model(), new ng.nn.CrossEntropyLoss(), { fuse: false }).fused).to.equal(false);
  });

  it('refuses a non-boolean flag where it used to take any truthy value', () => {
    expect(() => new ng.nn.Linear(2, 3, any({ bias: 0 }))).to.throw(TypeError, /new ng\.nn\.Linear: argument 'bias' must be a boolean, got 0/);
    expect(() => model().zeroGrad(any({ setToNone: 1 }))).to.throw(TypeError, /Sequential\.zeroGrad: argument 'setToNone' must be a boolean/);
    expect(() =>
      ng
        .ones([1], { requiresGrad: true })
        .sum()
        .backward(undefined, any({ retainGraph: 'yes' })),
    ).to.throw(TypeError, /Tensor\.backward: argument 'retainGraph' must be a boolean/);
  });

  it("Linear refuses Object.prototype's names as an init", () => {
    expect(() => new ng.nn.Linear(2, 3, any({ init: 'toString' }))).to.throw(TypeError, /new ng\.nn\.Linear: argument 'init' must be one of 'xavierUniform'/);
  });
});

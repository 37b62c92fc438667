import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ng from '../../lib';
import { lcg } from '../helpers';

/** A seeded 3-class problem: points around three centres in 4-D, standardised-ish. */
function blobs(n: number, seed: number): { x: ng.Tensor; y: Int32Array } {
  const rnd = lcg(seed);
  const centres = [
    [2, 0, 0, 1],
    [0, 2, 1, 0],
    [-1, -1, 2, 2],
  ];
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = centres[c][j] + (rnd() - 0.5) * 2;
  }
  return { x: new ng.Tensor(x, [n, 4]), y };
}

/** Batches of rows; reshuffled each epoch from the library RNG when `shuffle`. */
function batches(data: { x: ng.Tensor; y: Int32Array }, batchSize: number, shuffle: boolean): ng.train.BatchSource {
  const n = data.y.length;
  const d = data.x.shape[1];
  return {
    length: Math.ceil(n / batchSize),
    *[Symbol.iterator]() {
      const order = shuffle ? ng.randperm(n) : Int32Array.from({ length: n }, (_, i) => i);
      for (let s = 0; s < n; s += batchSize) {
        const idx = order.subarray(s, Math.min(n, s + batchSize));
        const xb = new Float32Array(idx.length * d);
        const yb = new Int32Array(idx.length);
        idx.forEach((r, k) => {
          xb.set(data.x.data.subarray(r * d, r * d + d), k * d);
          yb[k] = data.y[r];
        });
        yield { x: new ng.Tensor(xb, [idx.length, d]), y: yb };
      }
    },
  };
}

function setup(seed = 1, lr = 0.05, batchNorm = true) {
  ng.manualSeed(seed);
  const model = batchNorm
    ? new ng.nn.Sequential(new ng.nn.Linear(4, 16), new ng.nn.BatchNorm1d(16), new ng.nn.ReLU(), new ng.nn.Linear(16, 3))
    : new ng.nn.Sequential(new ng.nn.Linear(4, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 3));
  const optimizer = new ng.optim.Adam(model.parameters(), { lr });
  return { model, optimizer };
}

describe('Trainer', () => {
  const train = blobs(240, 7);
  const val = blobs(90, 8);

  it('fits: the loss falls, accuracy rises, and the history has every field', async () => {
    const { model, optimizer } = setup();
    const scheduler = new ng.optim.StepLR(optimizer, { stepSize: 1, gamma: 0.5 });
    const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer, scheduler });
    const h = await trainer.fit(batches(train, 32, true), { epochs: 4, validation: batches(val, 64, false), progress: false });
    expect(h.epochs).to.have.length(4);
    const [first, last] = [h.epochs[0], h.epochs[3]];
    expect(last.loss).to.be.lessThan(first.loss);
    expect(last.valAccuracy).to.be.greaterThan(0.9);
    for (const e of h.epochs) {
      expect(e).to.include.keys('epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'lr', 'seconds');
      expect(e.seconds).to.be.greaterThan(0);
    }
    // StepLR(stepSize 1, gamma 0.5) stepped after each epoch: epoch k + 1 trained with 0.05·0.5^k
    h.epochs.forEach((e, k) => expect(e.lr).to.be.closeTo(0.05 * 0.5 ** k, 1e-12));
    expect(optimizer.lr).to.be.closeTo(0.05 * 0.5 ** 4, 1e-12);
    const ev = await trainer.evaluate(batches(val, 64, false));
    expect(ev.loss).to.be.closeTo(last.valLoss!, 1e-6);
    expect(model.training, 'fit leaves the model in train mode after validation').to.equal(true);
  });

  it('steps the scheduler per batch on request', async () => {
    const { model, optimizer } = setup();
    const scheduler = new ng.optim.ExponentialLR(optimizer, { gamma: 0.9 });
    const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer, scheduler, schedulerInterval: 'batch' });
    const h = await trainer.fit(batches(train, 60, false), { epochs: 1, progress: false });
    expect(optimizer.lr).to.be.closeTo(0.05 * 0.9 ** 4, 1e-12); // 240/60 = 4 batches
    expect(h.epochs[0].lr, 'the rate of the epoch (its first batch)').to.equal(0.05);
  });

  it('stops on a non-finite loss with an Error naming the epoch and batch', async () => {
    const { model, optimizer } = setup();
    const bad = blobs(96, 3);
    bad.x.data[2 * 32 * 4 + 5] = NaN; // a NaN in the third batch
    const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer });
    let err: Error | null = null;
    try {
      await trainer.fit(batches(bad, 32, false), { epochs: 2, progress: false });
    } catch (e) {
      err = e as Error;
    }
    expect(err, 'fit must reject').to.be.instanceOf(Error);
    expect(err!.message).to.match(/epoch 1, batch 3/);
    // the batch held the NaN: the message says so instead of blaming the learning rate
    expect(err!.message).to.match(/its input x \(shape \[32, 4\]\) holds NaN at flat index 5/);
    expect(err!.message).to.not.match(/learning rate/);
  });

  it('stops on a non-finite loss on the fused path too, before the optimizer moves the weights', async () => {
    const { model, optimizer } = setup(1, 0.05, false);
    const bad = blobs(96, 3);
    bad.x.data[2 * 32 * 4 + 5] = NaN;
    const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer });
    expect(trainer.step.fused).to.equal(true);
    let before: Float32Array[] = [];
    const err = await trainer
      .fit(batches(bad, 32, false), {
        epochs: 1,
        progress: false,
        callbacks: { onBatchEnd: (log) => void (log.batch === 2 && (before = model.parameters().map((p) => Float32Array.from(p.data)))) },
      })
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(err?.message).to.match(/epoch 1, batch 3/);
    model.parameters().forEach((p, i) => expect(Array.from(p.data)).to.deep.equal(Array.from(before[i])));
    for (const p of model.parameters()) expect(p.grad === null || p.grad.data.every((g) => g === 0), 'no NaN gradients left behind').to.equal(true);
  });

  it('runs a Linear/ReLU model fused by default, with the results of { fused: false } bit for bit', async () => {
    // (small shapes: every sgemm runs on 1 thread, so two copies of the model round alike)
    const runs: { h: ng.train.History; params: number[][] }[] = [];
    for (const fused of [true, false]) {
      const { model, optimizer } = setup(5, 0.05, false);
      const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer, fused });
      expect(trainer.step.fused).to.equal(fused);
      const h = await trainer.fit(batches(train, 32, false), { epochs: 3, validation: batches(val, 64, false), progress: false });
      expect(trainer.step.lastRunFused).to.equal(fused);
      runs.push({ h, params: model.parameters().map((p) => Array.from(p.data)) });
    }
    const strip = (h: ng.train.History): unknown => h.epochs.map(({ seconds: _s, ...rest }) => rest);
    expect(strip(runs[0].h)).to.deep.equal(strip(runs[1].h));
    expect(runs[0].params).to.deep.equal(runs[1].params);
    // a BatchNorm1d model runs through the tape, and says why
    const bn = setup(5);
    const t = new ng.Trainer({ model: bn.model, loss: new ng.nn.CrossEntropyLoss(), optimizer: bn.optimizer });
    expect(t.step.fused).to.equal(false);
    expect(t.step.reason).to.match(/BatchNorm1d/);
  });

  it('honours an AbortSignal', async () => {
    const { model, optimizer } = setup();
    const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer });
    const ac = new AbortController();
    const p = trainer.fit(batches(train, 8, true), {
      epochs: 50,
      progress: false,
      signal: ac.signal,
      callbacks: { onEpochEnd: (log) => void (log.epoch === 2 && ac.abort()) },
      yieldEveryMs: 0,
    });
    let err: Error | null = null;
    await p.catch((e: Error) => (err = e));
    expect(err).to.not.equal(null);
    expect(err!.name).to.equal('AbortError');
    expect(trainer.history.epochs.length).to.equal(2);
  });

  it('stops early when validation does not improve, and can restore the best weights', async () => {
    const { model } = setup(2, 0.5, false);
    const es = ng.earlyStopping({ patience: 1, restoreBest: true });
    const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer: new ng.optim.SGD(model.parameters(), { lr: 0 }) });
    const h = await trainer.fit(batches(train, 32, true), { epochs: 20, validation: batches(val, 90, false), progress: false, callbacks: es });
    // lr 0: weights never change, so validation loss never improves after epoch 1; patience 1
    // stops at the first epoch without improvement, as Keras (wait >= patience)
    expect(h.stopReason).to.equal('earlyStopping');
    expect(h.epochs.length).to.equal(2);
    expect(es.bestEpoch).to.equal(1);
  });

  it('validates with the EMA weights when an EMA is given', async () => {
    const { model, optimizer } = setup(3);
    const initialVal = await new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer }).evaluate(batches(val, 90, false));
    // decay 1: the average never moves from the initial weights, so validation sees the untrained model
    const ema = new ng.optim.EMA(model, { decay: 1 });
    const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer, ema });
    const before = model.parameters().map((p) => Float32Array.from(p.data));
    const h = await trainer.fit(batches(train, 32, true), { epochs: 1, validation: batches(val, 90, false), progress: false });
    const after = model.parameters().map((p) => Float32Array.from(p.data));
    expect(
      after.some((a, i) => a.some((v, j) => v !== before[i][j])),
      'training changed the live weights',
    ).to.equal(true);
    const live = await trainer.evaluate(batches(val, 90, false));
    expect(h.epochs[0].valLoss, 'EMA validation differs from live-weight validation').to.not.be.closeTo(live.loss, 1e-4);
    expect(Number.isFinite(initialVal.loss)).to.equal(true);
    // the live weights are back after validating with the average
    model.parameters().forEach((p, i) => expect(Array.from(p.data)).to.deep.equal(Array.from(after[i])));
  });

  it('yields to the event loop between batches: timers and immediates run while fit trains', async () => {
    // counted, not timed: with yieldEveryMs 0, fit must let the event loop run after every batch
    const { model, optimizer } = setup(4, 0.01);
    const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer });
    let immediateRan = true;
    let batchesWithoutYield = 0;
    let timerFired = 0;
    const timer = setInterval(() => timerFired++, 0);
    const onBatchEnd = (): void => {
      if (!immediateRan) batchesWithoutYield++;
      immediateRan = false;
      setImmediate(() => (immediateRan = true));
    };
    try {
      await trainer.fit(batches(train, 16, true), { epochs: 2, progress: false, yieldEveryMs: 0, callbacks: { onBatchEnd } });
    } finally {
      clearInterval(timer);
    }
    expect(batchesWithoutYield, 'batches after which the event loop did not run').to.equal(0);
    expect(timerFired, 'an interval fired during fit').to.be.greaterThan(0);
  });

  it('predict runs in eval mode without recording', () => {
    const { model, optimizer } = setup(5);
    const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer });
    const out = trainer.predict(val.x);
    expect(out.shape).to.deep.equal([90, 3]);
    expect(out.requiresGrad).to.equal(false);
    expect(model.training).to.equal(true);
    model.eval();
    const direct = ng.noGrad(() => model.forward(val.x));
    expect(Array.from(out.data)).to.deep.equal(Array.from(direct.data));
  });

  it('resumes from a checkpoint and reproduces the uninterrupted run exactly', async function () {
    this.timeout(30000);
    const threads = ng.getNumThreads();
    ng.setNumThreads(1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-ckpt-'));
    try {
      const run = async (epochs: number, opts: Partial<ng.train.FitOptions>, seed = 11) => {
        const { model, optimizer } = setup(seed, 0.02);
        const scheduler = new ng.optim.StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
        const ema = new ng.optim.EMA(model, { decay: 0.9 });
        const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer, scheduler, ema });
        return trainer.fit(batches(train, 32, true), { epochs, validation: batches(val, 90, false), progress: false, ...opts });
      };
      const full = await run(4, {});
      const ckpt = path.join(dir, 'run.safetensors');
      await run(2, { checkpoint: { path: ckpt } });
      // a different seed for the fresh objects: everything must come from the checkpoint
      const resumed = await run(4, { resumeFrom: ckpt }, 999);
      expect(resumed.epochs.map((e) => e.loss)).to.deep.equal(full.epochs.map((e) => e.loss));
      expect(resumed.epochs.map((e) => e.valLoss)).to.deep.equal(full.epochs.map((e) => e.valLoss));
      expect(resumed.epochs.map((e) => e.lr)).to.deep.equal(full.epochs.map((e) => e.lr));
    } finally {
      ng.setNumThreads(threads);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options with named errors', async () => {
    const { model, optimizer } = setup();
    expect(() => new ng.Trainer({ model, loss: {} as never, optimizer })).to.throw(/loss/);
    expect(() => new ng.Trainer({ model: {} as never, loss: new ng.nn.MSELoss(), optimizer })).to.throw(/model/);
    const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer });
    let err: Error | null = null;
    await trainer.fit(batches(train, 32, false), { epochs: -1 }).catch((e: Error) => (err = e));
    expect(err!.message).to.match(/epochs/);
    err = null;
    await trainer.fit(42 as never, { epochs: 1 }).catch((e: Error) => (err = e));
    expect(err!.message).to.match(/loader/);
    expect(() => new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer, fused: 'yes' as never })).to.throw(/fused.*boolean/);
  });
});

describe('historyChart', () => {
  it('renders loss and accuracy panels as SVG', async () => {
    const svg = await ng.historyChart({
      epochs: [
        { epoch: 1, loss: 1.2, accuracy: 0.5, valLoss: 1.3, valAccuracy: 0.45, lr: 0.1, seconds: 1 },
        { epoch: 2, loss: 0.8, accuracy: 0.7, valLoss: 0.9, valAccuracy: 0.66, lr: 0.1, seconds: 1 },
      ],
    });
    expect(svg.startsWith('<svg')).to.equal(true);
    expect(svg).to.include('accuracy');
    expect(svg).to.include('validation');
    expect((svg.match(/<path/g) ?? []).length).to.be.greaterThan(4);
  });
});

describe('Trainer with ng.data.DataLoader', () => {
  it('resumes a shuffled DataLoader run exactly (1 BLAS thread)', async function () {
    this.timeout(30000);
    const threads = ng.getNumThreads();
    ng.setNumThreads(1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-ckpt-dl-'));
    const data = blobs(200, 21);
    try {
      const run = async (epochs: number, opts: Partial<ng.train.FitOptions>, seed = 5) => {
        ng.manualSeed(seed);
        const model = new ng.nn.Sequential(new ng.nn.Linear(4, 8), new ng.nn.Dropout(0.2), new ng.nn.ReLU(), new ng.nn.Linear(8, 3));
        const optimizer = new ng.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
        const loader = new ng.data.DataLoader(new ng.data.TensorDataset(data.x, data.y), { batchSize: 16, shuffle: true });
        const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer });
        return trainer.fit(loader, { epochs, progress: false, ...opts });
      };
      const full = await run(5, {});
      const ckpt = path.join(dir, 'c.safetensors');
      await run(3, { checkpoint: { path: ckpt, every: 3 } });
      const resumed = await run(5, { resumeFrom: ckpt }, 77);
      expect(resumed.epochs.map((e) => e.loss)).to.deep.equal(full.epochs.map((e) => e.loss));
    } finally {
      ng.setNumThreads(threads);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

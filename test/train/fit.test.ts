/**
 * Trainer.fit's edges that a new user met: early stopping (patience counted as Keras, restoring the
 * best weights into the model), validation given as data, the learning rate an epoch is logged with,
 * a non-finite loss from the data or from the optimisation, and misspelt options.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg } from '../helpers';

function data(n: number, seed: number): { x: ng.Tensor; y: Int32Array } {
  const rnd = lcg(seed);
  const x = new Float32Array(n * 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 3; j++) x[i * 3 + j] = (y[i] ? 1 : -1) * (j + 1) * 0.5 + (rnd() - 0.5);
  }
  return { x: new ng.Tensor(x, [n, 3]), y };
}

function setup(lr = 0.1): { model: ng.nn.Sequential; trainer: ng.Trainer } {
  ng.manualSeed(5);
  const model = new ng.nn.Sequential(new ng.nn.Linear(3, 4), new ng.nn.ReLU(), new ng.nn.Linear(4, 2));
  const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer: new ng.optim.SGD(model.parameters(), { lr }) });
  return { model, trainer };
}

const snapshot = (m: ng.nn.Module): number[][] => m.parameters().map((p) => Array.from(p.data));

describe('Trainer.fit: early stopping, validation data, logs and errors', () => {
  it('earlyStopping({ restoreBest }) puts the best epoch’s weights back into the model', () => {
    const { model, trainer } = setup();
    const es = ng.earlyStopping({ patience: 2, restoreBest: true, monitor: 'loss' });
    es.onTrainBegin!(trainer);
    const log = (epoch: number, loss: number): ng.train.EpochLog => ({ epoch, loss, lr: 0.1, seconds: 0 });
    expect(es.onEpochEnd!(log(1, 1.0), trainer)).to.equal(true);
    const best = snapshot(model);
    // the weights move on, and the loss gets worse for two epochs
    for (const p of model.parameters()) p.data.fill(7);
    expect(es.onEpochEnd!(log(2, 1.5), trainer)).to.equal(true);
    for (const p of model.parameters()) p.data.fill(9);
    expect(es.onEpochEnd!(log(3, 1.2), trainer)).to.equal(false);
    expect(es.bestEpoch).to.equal(1);
    es.onTrainEnd!(trainer.history, trainer);
    expect(snapshot(model)).to.deep.equal(best);
  });

  it('earlyStopping counts patience as Keras: patience 1 stops at the first epoch without improvement', async () => {
    for (const [patience, epochs] of [
      [0, 2],
      [1, 2],
      [3, 4],
    ]) {
      const { trainer } = setup(0); // lr 0: the loss is the same every epoch, so only epoch 1 improves
      const d = data(40, 1);
      const es = ng.earlyStopping({ patience, monitor: 'loss' });
      const h = await trainer.fit(new ng.data.DataLoader(d, { batchSize: 20 }), { epochs: 10, progress: false, callbacks: es });
      expect(h.epochs.length, `patience ${patience}`).to.equal(epochs);
      expect(h.stopReason).to.equal('earlyStopping');
    }
  });

  it('restores the best weights at the end of a real fit', async () => {
    const { model, trainer } = setup(0.2);
    const d = data(60, 2);
    let atBest: number[][] = [];
    let bestLoss = Infinity;
    // a callback after early stopping that records the weights of the best epoch, then spoils them
    const spoil: ng.train.Callback = {
      onEpochEnd: (log) => {
        if (log.loss < bestLoss) [bestLoss, atBest] = [log.loss, snapshot(model)];
        if (log.epoch >= 2) for (const p of model.parameters()) p.data.fill(log.epoch);
      },
    };
    const es = ng.earlyStopping({ patience: 2, restoreBest: true, monitor: 'loss' });
    const h = await trainer.fit(new ng.data.DataLoader(d, { batchSize: 30 }), { epochs: 20, progress: false, callbacks: [es, spoil] });
    expect(h.stopReason).to.equal('earlyStopping');
    expect(atBest.length).to.be.greaterThan(0);
    expect(snapshot(model)).to.deep.equal(atBest);
  });

  it('takes validation as { x, y } or a Dataset, batched like the training loader, with the same figures as a DataLoader', async () => {
    const train = data(64, 3);
    const val = data(30, 4);
    const runs: number[][] = [];
    for (const validation of [new ng.data.DataLoader(val, { batchSize: 16 }), val, new ng.data.TensorDataset(val.x, val.y)] as ng.train.ValidationData[]) {
      const { trainer } = setup();
      const h = await trainer.fit(new ng.data.DataLoader(train, { batchSize: 16 }), { epochs: 2, progress: false, validation });
      runs.push(h.epochs.flatMap((e) => [e.valLoss!, e.valAccuracy!]));
    }
    expect(runs[1]).to.deep.equal(runs[0]);
    expect(runs[2]).to.deep.equal(runs[0]);
  });

  it("names fit's 'validation' when it is not data", async () => {
    const { trainer } = setup();
    const loader = new ng.data.DataLoader(data(8, 5), { batchSize: 4 });
    for (const bad of [42, { x: [1, 2], y: [0, 1] }, null])
      await trainer.fit(loader, { epochs: 1, progress: false, validation: bad as never }).then(
        () => expect.fail('fit must reject'),
        (e: Error) => expect(e.message).to.match(/^Trainer\.fit: argument 'validation' must be an ng\.data\.DataLoader .*a Dataset, or \{ x: Tensor, y \}/),
      );
  });

  it('blames the learning rate only when the batch is finite', async () => {
    const { trainer } = setup();
    const d = data(8, 6);
    d.x.data.fill(3e38); // finite, but the logits overflow to ±Inf
    const err = await trainer.fit(new ng.data.DataLoader(d, { batchSize: 8 }), { epochs: 1, progress: false }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/epoch 1, batch 1\. The batch is finite, so the learning rate \(0\.1\) is probably too large/);
  });

  it('refuses misspelt options of Trainer, fit, checkpoint and earlyStopping, suggesting the name meant', async () => {
    const { model, trainer } = setup();
    const base = { model, loss: new ng.nn.CrossEntropyLoss(), optimizer: new ng.optim.SGD(model.parameters(), { lr: 0.1 }) };
    expect(() => new ng.Trainer({ ...base, scheduler_interval: 'batch' } as never)).to.throw(
      TypeError,
      /new ng\.Trainer: argument 'scheduler_interval' must be a known option \(one of .*schedulerInterval.*\).*PyTorch's 'scheduler_interval' is 'schedulerInterval' here/,
    );
    const loader = new ng.data.DataLoader(data(8, 7), { batchSize: 4 });
    for (const [opts, re] of [
      [{ epochs: 1, epoch: 2 }, /Trainer\.fit: argument 'epoch' must be a known option .*did you mean 'epochs'\?/],
      [
        { epochs: 1, checkpoint: { path: 'x', evry: 2 } },
        /Trainer\.fit: argument 'checkpoint\.evry' must be a known option \(one of path, every\).*did you mean 'every'\?/,
      ],
    ] as [object, RegExp][])
      await trainer.fit(loader, opts as never).then(
        () => expect.fail('fit must reject'),
        (e: Error) => expect(e.message).to.match(re),
      );
    expect(() => ng.earlyStopping({ patiance: 3 } as never)).to.throw(TypeError, /ng\.earlyStopping: argument 'patiance' .*did you mean 'patience'\?/);
    expect(() => ng.earlyStopping({ restore_best: true } as never)).to.throw(TypeError, /'restore_best' is 'restoreBest' here/);
  });
});

/**
 * Acceptance: a 64-128-10 network with BatchNorm and ReLU, trained with ng.optim.Adam on the UCI
 * digits (data/digits.csv.gz), reaches at least 95% accuracy on a held-out fifth within 30 epochs.
 *
 *   split    the rows are permuted with the test-local generator lcg(2024) (test/helpers.ts,
 *            independent of the library's RNG); the first 360 rows of the permutation (a fifth)
 *            are held out, the other 1437 train. Pixels are scaled to [0, 1] (÷ 16).
 *   seed     ng.manualSeed(0) before building the network (the initialisation); the per-epoch
 *            shuffles continue the same lcg(2024) stream.
 *   training Linear(64, 128) → BatchNorm1d(128) → ReLU → Linear(128, 10), CrossEntropyLoss,
 *            Adam (lr 1e-3, PyTorch's defaults), batches of 32, 30 epochs.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg } from '../helpers';
import { readDigits } from './digits';

describe('nn: digits acceptance (64-128-10, BatchNorm, ReLU, Adam)', () => {
  it('reaches >= 95% held-out accuracy within 30 epochs', function () {
    this.timeout(60000);
    const { pixels, labels, rows } = readDigits();
    expect(rows).to.equal(1797);

    // split: a permutation from lcg(2024), first 360 held out
    const rnd = lcg(2024);
    const shuffled = (n: number): number[] => {
      const p = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [p[i], p[j]] = [p[j], p[i]];
      }
      return p;
    };
    const perm = shuffled(rows);
    const nTest = 360;
    const gather = (idx: ArrayLike<number>): { x: ng.Tensor; y: Int32Array } => {
      const x = new Float32Array(idx.length * 64);
      const y = new Int32Array(idx.length);
      for (let i = 0; i < idx.length; i++) {
        const r = idx[i];
        for (let k = 0; k < 64; k++) x[i * 64 + k] = pixels[r * 64 + k] / 16;
        y[i] = labels[r];
      }
      return { x: ng.tensor(x, [idx.length, 64]), y };
    };
    const test = gather(perm.slice(0, nTest));
    const trainIdx = perm.slice(nTest);
    const train = gather(trainIdx);
    const nTrain = trainIdx.length;

    ng.manualSeed(0);
    const net = new ng.nn.Sequential(new ng.nn.Linear(64, 128), new ng.nn.BatchNorm1d(128), new ng.nn.ReLU(), new ng.nn.Linear(128, 10));
    const lossFn = new ng.nn.CrossEntropyLoss();
    const opt = new ng.optim.Adam(net.parameters(), { lr: 1e-3 });

    const accuracy = (): number => {
      net.eval();
      const logits = ng.noGrad(() => net.forward(test.x));
      net.train();
      let correct = 0;
      const d = logits.data;
      for (let i = 0; i < nTest; i++) {
        let best = 0;
        for (let c = 1; c < 10; c++) if (d[i * 10 + c] > d[i * 10 + best]) best = c;
        if (best === test.y[i]) correct++;
      }
      logits.dispose();
      return correct / nTest;
    };

    const batch = 32;
    const history: number[] = [];
    for (let epoch = 1; epoch <= 30; epoch++) {
      const order = shuffled(nTrain); // the same generator, continued
      for (let s = 0; s + 1 < nTrain; s += batch) {
        const idx = order.slice(s, Math.min(s + batch, nTrain));
        const xb = new Float32Array(idx.length * 64);
        const yb = new Int32Array(idx.length);
        idx.forEach((r, i) => {
          xb.set(train.x.data.subarray(r * 64, r * 64 + 64), i * 64);
          yb[i] = train.y[r];
        });
        opt.zeroGrad();
        const loss = lossFn.forward(net.forward(ng.tensor(xb, [idx.length, 64])), yb);
        loss.backward();
        opt.step();
        loss.dispose();
      }
      history.push(accuracy());
    }
    const first = history.findIndex((a) => a >= 0.95) + 1;

    console.log(`      held-out accuracy: ${history.map((a) => (100 * a).toFixed(1)).join(' ')} (>= 95% from epoch ${first})`);
    expect(first, 'an epoch reaching 95%').to.be.greaterThan(0);
    expect(history[29], 'accuracy after 30 epochs').to.be.at.least(0.95);
  });
});

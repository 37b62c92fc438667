/** Worker body for workers.test: trains a small MLP from a seed and posts its losses and weights. */
import { parentPort, workerData } from 'worker_threads';
import * as ng from '../../lib';

const { seed, steps } = workerData as { seed: number; steps: number };
ng.manualSeed(seed);
const model = new ng.nn.Sequential(new ng.nn.Linear(32, 64), new ng.nn.BatchNorm1d(64), new ng.nn.ReLU(), new ng.nn.Dropout(0.1), new ng.nn.Linear(64, 5));
const optimizer = new ng.optim.Adam(model.parameters(), { lr: 1e-2 });
const lossFn = new ng.nn.CrossEntropyLoss();
const x = ng.randn([256, 32]);
const y = ng.randperm(256).map((v) => v % 5);
const losses: number[] = [];
for (let s = 0; s < steps; s++) {
  optimizer.zeroGrad();
  const loss = lossFn.forward(model.forward(x), y);
  losses.push(loss.item());
  loss.backward();
  optimizer.step();
}
const weights = model.parameters().map((p) => Array.from(p.data));
parentPort!.postMessage({ losses, weights, threads: ng.getNumThreads() });

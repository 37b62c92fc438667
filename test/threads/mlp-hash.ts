/**
 * Trains a 784-256-128-10 ReLU MLP with Adam on random data and reports a hash of its weights.
 * Runs as a worker (workerData, posts the result) or as a child process (argv: seed steps
 * threads, prints the result as JSON). Used by determinism.test.
 */
import { createHash } from 'crypto';
import { isMainThread, parentPort, workerData } from 'worker_threads';
import * as ng from '../../lib';

export interface MlpHashResult {
  hash: string;
  lastLoss: number;
  pool: number;
}

function run(seed: number, steps: number, threads: number): MlpHashResult {
  ng.setNumThreads(threads);
  ng.manualSeed(seed);
  const model = new ng.nn.Sequential(new ng.nn.Linear(784, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 128), new ng.nn.ReLU(), new ng.nn.Linear(128, 10));
  const optimizer = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
  const lossFn = new ng.nn.CrossEntropyLoss();
  const B = 128;
  const batches = Array.from({ length: 4 }, () => ({ x: ng.randn([B, 784]), y: ng.randperm(B).map((v) => v % 10) }));
  let lastLoss = NaN;
  for (let s = 0; s < steps; s++) {
    const { x, y } = batches[s % batches.length];
    optimizer.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    optimizer.step();
    lastLoss = loss.item();
    loss.dispose();
  }
  const h = createHash('sha256');
  for (const p of model.parameters()) h.update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  return { hash: h.digest('hex'), lastLoss, pool: ng.getNumThreads() };
}

if (!isMainThread) {
  const { seed, steps, threads } = workerData as { seed: number; steps: number; threads: number };
  parentPort!.postMessage(run(seed, steps, threads));
} else if (require.main === module) {
  const [seed, steps, threads] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(run(seed, steps, threads)));
}

import { expect } from 'chai';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { spawnSync } from 'child_process';
import * as ng from '../../lib';

interface Result {
  losses: number[];
  weights: number[][];
  threads: number;
}

function train(seed: number, steps = 40): Promise<Result> {
  return new Promise((resolve, reject) => {
    const w = new Worker(path.join(__dirname, 'train-worker.js'), { workerData: { seed, steps } });
    w.once('message', (m: Result) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
}

describe('worker_threads', () => {
  it('two workers training at once give the same results as each alone', async function () {
    this.timeout(60000);
    const aloneA = await train(1);
    const aloneB = await train(2);
    const [a, b] = await Promise.all([train(1), train(2)]);
    expect(a.losses).to.deep.equal(aloneA.losses);
    expect(b.losses).to.deep.equal(aloneB.losses);
    expect(a.weights).to.deep.equal(aloneA.weights);
    expect(b.weights).to.deep.equal(aloneB.weights);
    expect(a.losses[a.losses.length - 1]).to.be.lessThan(a.losses[0]);
    expect(a.losses).to.not.deep.equal(b.losses); // different seeds really are different runs
  });

  it('each thread has its own random generator: seeding a worker does not move the main thread', async () => {
    ng.manualSeed(123);
    const expected = ng.rand([4]).toArray();
    ng.manualSeed(123);
    await train(99, 2);
    expect(ng.rand([4]).toArray()).to.deep.equal(expected);
  });

  it('runs OpenBLAS single-threaded while several instances train, and restores the count after', () => {
    // in a fresh process: this suite's other tests call setNumThreads, which turns the policy off
    const script = `
      const ng = require(${JSON.stringify(path.resolve(__dirname, '../../lib'))});
      const { Worker } = require('worker_threads');
      const before = ng.getNumThreads();
      const w = new Worker(${JSON.stringify(path.join(__dirname, 'train-worker.js'))}, { workerData: { seed: 3, steps: 1 } });
      w.once('message', (m) => {
        w.once('exit', () => console.log(JSON.stringify({ before, worker: m.threads, after: ng.getNumThreads() })));
      });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '2' } });
    expect(r.status, r.stderr).to.equal(0);
    const o = JSON.parse(r.stdout);
    expect(o).to.deep.equal({ before: 2, worker: 1, after: 2 });
  });
});

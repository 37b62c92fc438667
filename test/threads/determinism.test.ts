/**
 * The BLAS thread policy (native/kernels/blas_threads.h) makes training at several threads
 * reproducible: each sgemm's thread count depends on its shape and the pool only, never on timing
 * or on what else runs. OpenBLAS's 1-thread and multi-thread sgemm round differently in the last
 * bits, so any choice that follows the machine's load changes the weights.
 */
import { expect } from 'chai';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as ng from '../../lib';
import type { MlpHashResult } from './mlp-hash';

const SCRIPT = path.join(__dirname, 'mlp-hash.js');
const STEPS = 400;

/** One training run in a fresh process (nothing of this suite's state carries over). */
function trainInChild(seed: number, threads: number, steps = STEPS): MlpHashResult {
  const r = spawnSync(process.execPath, [SCRIPT, String(seed), String(steps), String(threads)], { encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return JSON.parse(r.stdout) as MlpHashResult;
}

function trainInWorker(seed: number, threads: number, steps = STEPS): Promise<MlpHashResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SCRIPT, { workerData: { seed, steps, threads } });
    w.once('message', (m: MlpHashResult) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
}

describe('BLAS thread policy: deterministic results at several threads', function () {
  this.timeout(600000);
  let load: ChildProcess[] = [];

  /**
   * One process per core that alternates random busy spells and pauses of a few milliseconds, so
   * that the training's BLAS threads sometimes have the cores and sometimes compete for them.
   */
  function startLoad(): void {
    const spin = `const s = new Int32Array(new SharedArrayBuffer(4));
      for (;;) { const t = Date.now() + 1 + Math.random() * 20; while (Date.now() < t); Atomics.wait(s, 0, 0, Math.random() * 20); }`;
    load = os.cpus().map(() => spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }));
  }
  function loadRunning(): boolean {
    return load.length > 0 && load.every((p) => p.exitCode === null && p.signalCode === null);
  }
  afterEach(() => {
    for (const p of load) p.kill('SIGKILL');
    load = [];
  });

  it('the same 2-thread training run gives the same weights three times while the machine is loaded', () => {
    startLoad();
    const runs = [1, 2, 3].map(() => trainInChild(1, 2));
    expect(loadRunning(), 'the load processes ran throughout').to.equal(true);
    const a = runs[0];
    expect(a.pool).to.equal(2);
    expect(runs.map((r) => r.hash)).to.deep.equal([a.hash, a.hash, a.hash]);
    expect(Number.isFinite(a.lastLoss), `last loss ${a.lastLoss}`).to.equal(true);
    // the run really used the pool: OpenBLAS's 2-thread sums differ from its 1-thread ones, so
    // the same run on 1 thread gives other weights
    expect(trainInChild(1, 1).hash).to.not.equal(a.hash);
  });

  it('two workers sharing a 2-thread pool and training at once give the weights of each alone', async () => {
    // each worker calls ng.setNumThreads(2), so both run sgemms on the shared pool, small shapes
    // on 1 thread and large ones on 2, at the same time
    const aloneA = await trainInWorker(1, 2, 150);
    const aloneB = await trainInWorker(2, 2, 150);
    startLoad();
    const [a, b] = await Promise.all([trainInWorker(1, 2, 150), trainInWorker(2, 2, 150)]);
    expect(loadRunning(), 'the load processes ran throughout').to.equal(true);
    expect(a.pool).to.equal(2);
    expect(a.hash).to.equal(aloneA.hash);
    expect(b.hash).to.equal(aloneB.hash);
    expect(a.hash).to.not.equal(b.hash); // different seeds really are different runs
  });

  it('blasConfig reports the pool, where it comes from, the cores, the core kernel and the rule', () => {
    const script = `
      const ng = require(${JSON.stringify(path.resolve(__dirname, '../../lib'))});
      const before = ng.blasConfig();
      ng.setNumThreads(3);
      console.log(JSON.stringify({ before, after: ng.blasConfig(), pool: ng.getNumThreads() }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '2' } });
    expect(r.status, r.stderr).to.equal(0);
    const o = JSON.parse(r.stdout) as { before: string; after: string; pool: number };
    expect(o.before).to.match(/^OpenBLAS \d+\.\d+\.\d+ /);
    expect(o.before).to.include(`; ${os.cpus().length} cores;`);
    expect(o.before).to.match(/; core \w+;/);
    expect(o.before).to.include('; pool 2 threads (default: OPENBLAS_NUM_THREADS or the cores);');
    expect(o.before).to.match(/; sgemm threads: .*MFLOP/);
    expect(o.after).to.include('; pool 3 threads (set by ng.setNumThreads);');
    expect(o.pool).to.equal(3);
  });

  it('ng.matmul follows the same rule as Linear: a small product runs on 1 thread at any pool', () => {
    // 32 x 128 x 256 (2.1 MFLOP): on 1 thread by the rule, so its bits do not depend on the pool;
    // 128 x 784 x 256 (51 MFLOP) runs on the pool, whose sums differ from 1 thread's
    const prev = ng.getNumThreads();
    try {
      ng.manualSeed(5);
      const cases = [
        [32, 128, 256],
        [128, 784, 256],
      ].map(([m, k, n]) => ({ a: ng.randn([m, k]), b: ng.randn([k, n]) }));
      const at = (threads: number): Float32Array[] => {
        ng.setNumThreads(threads);
        return cases.map(({ a, b }) => ng.matmul(a, b).data.slice());
      };
      const one = at(1);
      const two = at(2);
      expect(Buffer.from(two[0].buffer).equals(Buffer.from(one[0].buffer)), 'small product at pool 2 vs 1').to.equal(true);
      expect(Buffer.from(two[1].buffer).equals(Buffer.from(one[1].buffer)), 'large product at pool 2 vs 1').to.equal(false);
    } finally {
      ng.setNumThreads(prev);
    }
  });
});

/**
 * Soak test: trains the Fashion-MNIST MLP 784-256-128-10 (ReLU, Adam 1e-3, batch 128, shuffled
 * DataLoader, CrossEntropyLoss) for many steps the way user code would — no dispose(), no forced
 * GC — and samples the process's memory as it goes, to show that steady-state training does not
 * grow. Every `--checkpoint-every` steps it also round-trips the model through ng.save / ng.load.
 *
 *   node dist/scripts/soak.js [--steps 20000] [--every 500] [--warmup 2000] [--limit 20]
 *                             [--data DIR | --random] [--checkpoint-every 1000] [--json]
 *
 * Data: the real Fashion-MNIST training set from DIR (default /usr/share/datasets/fashion-mnist);
 * when it is missing (or with --random), random inputs and labels of the same shape (60,000 × 784),
 * which the output says. The table has one row per sample: step, RSS, V8 heap used, external
 * memory (ArrayBuffers and native allocations V8 knows about), the loss and the speed. The verdict
 * compares RSS after warm-up with its later maximum: growth above `--limit` MB exits with code 1.
 * `--json` prints one JSON object (the samples and the summary) instead, for the leak test.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ng from '../lib';

const MB = 2 ** 20;

export interface Sample {
  step: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  loss: number;
  seconds: number;
}

export interface SoakResult {
  steps: number;
  data: 'fashion-mnist' | 'random';
  warmup: number;
  samples: Sample[];
  /** RSS at the first sample at or after the warm-up */
  rssBaseline: number;
  /** the largest RSS after the warm-up minus the baseline */
  rssGrowth: number;
  /** the last RSS minus the baseline */
  rssFinalGrowth: number;
  /** least-squares slope of RSS after the warm-up, bytes per 1,000 steps */
  rssSlopePer1000: number;
  heapGrowth: number;
  externalGrowth: number;
  limit: number;
  firstLoss: number;
  lastLoss: number;
  seconds: number;
  ok: boolean;
}

interface Options {
  steps: number;
  every: number;
  warmup: number;
  limitMB: number;
  data: string;
  random: boolean;
  checkpointEvery: number;
  json: boolean;
}

function parse(argv: string[]): Options {
  const num = (name: string, def: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return def;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`soak: --${name} needs a non-negative number, got ${argv[i + 1]}`);
    return v;
  };
  const str = (name: string, def: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? def : argv[i + 1];
  };
  const steps = num('steps', 20000);
  return {
    steps,
    every: num('every', Math.max(1, Math.round(steps / 40))),
    warmup: num('warmup', Math.round(steps / 10)),
    limitMB: num('limit', 20),
    data: str('data', ng.data.FASHION_MNIST_DIR),
    random: argv.includes('--random'),
    checkpointEvery: num('checkpoint-every', 1000),
    json: argv.includes('--json'),
  };
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((p, v) => p + v, 0) / n;
  const my = ys.reduce((p, v) => p + v, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

function trainingData(o: Options, log: (s: string) => void): { x: ng.Tensor; y: Int32Array; kind: 'fashion-mnist' | 'random' } {
  if (!o.random) {
    try {
      const fm = ng.data.loadFashionMnist(o.data);
      fm.test.x.dispose();
      return { x: fm.train.x, y: fm.train.y, kind: 'fashion-mnist' };
    } catch (e) {
      log(`soak: Fashion-MNIST not available (${(e as Error).message.split(':').slice(0, 2).join(':')}); using RANDOM data of the same shape`);
    }
  }
  ng.manualSeed(1);
  const x = ng.rand([60000, 784]);
  const y = new Int32Array(60000);
  const labels = ng.rand([60000]).data;
  for (let i = 0; i < y.length; i++) y[i] = Math.min(9, Math.floor(labels[i] * 10));
  return { x, y, kind: 'random' };
}

export function soak(o: Options, log: (s: string) => void = () => undefined): SoakResult {
  const { x, y, kind } = trainingData(o, log);
  ng.manualSeed(42);
  const model = new ng.nn.Sequential(new ng.nn.Linear(784, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 128), new ng.nn.ReLU(), new ng.nn.Linear(128, 10));
  const lossFn = new ng.nn.CrossEntropyLoss();
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
  const loader = new ng.data.DataLoader(new ng.data.TensorDataset(x, y), { batchSize: 128, shuffle: true, dropLast: true });
  const ckpt = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ng-soak-')), 'model.safetensors');

  const samples: Sample[] = [];
  const t0 = performance.now();
  let step = 0;
  let firstLoss = NaN;
  let lastLoss = NaN;
  const sample = (loss: number): void => {
    const m = process.memoryUsage();
    const s: Sample = {
      step,
      rss: m.rss,
      heapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      loss,
      seconds: (performance.now() - t0) / 1000,
    };
    samples.push(s);
    const prev = samples.length > 1 ? samples[samples.length - 2] : null;
    const rate = prev ? (s.step - prev.step) / Math.max(1e-9, s.seconds - prev.seconds) : 0;
    log(
      `${String(s.step).padStart(7)} ${(s.rss / MB).toFixed(1).padStart(8)} ${(s.heapUsed / MB).toFixed(1).padStart(8)} ` +
        `${(s.external / MB).toFixed(1).padStart(9)} ${(s.arrayBuffers / MB).toFixed(1).padStart(8)} ${loss.toFixed(4).padStart(8)} ${rate ? rate.toFixed(0).padStart(8) : '       -'}`,
    );
  };
  log(
    `soak: ${o.steps} steps of the ${kind === 'random' ? 'RANDOM-data' : 'Fashion-MNIST'} MLP 784-256-128-10 (Adam 1e-3, batch 128), memory every ${o.every} steps; warm-up ${o.warmup} steps`,
  );
  log(`   step  RSS(MB) heap(MB) extern(MB)  AB(MB)     loss  steps/s`);
  sample(NaN);
  outer: for (;;) {
    for (const batch of loader) {
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(batch.x), batch.y);
      loss.backward();
      opt.step();
      step++;
      if (step === 1) firstLoss = loss.item();
      if (o.checkpointEvery > 0 && step % o.checkpointEvery === 0) {
        ng.save(ckpt, model);
        model.loadStateDict(ng.load(ckpt));
      }
      if (step % o.every === 0 || step === o.steps) {
        lastLoss = loss.item();
        sample(lastLoss);
      }
      if (step >= o.steps) break outer;
    }
  }
  fs.rmSync(path.dirname(ckpt), { recursive: true, force: true });

  const after = samples.filter((s) => s.step >= o.warmup);
  const base = after[0] ?? samples[samples.length - 1];
  const last = samples[samples.length - 1];
  const rssGrowth = Math.max(...after.map((s) => s.rss)) - base.rss;
  const limit = o.limitMB * MB;
  return {
    steps: step,
    data: kind,
    warmup: base.step,
    samples,
    rssBaseline: base.rss,
    rssGrowth,
    rssFinalGrowth: last.rss - base.rss,
    rssSlopePer1000:
      1000 *
      slope(
        after.map((s) => s.step),
        after.map((s) => s.rss),
      ),
    heapGrowth: Math.max(...after.map((s) => s.heapUsed)) - base.heapUsed,
    externalGrowth: Math.max(...after.map((s) => s.external)) - base.external,
    limit,
    firstLoss,
    lastLoss,
    seconds: (performance.now() - t0) / 1000,
    ok: rssGrowth < limit && lastLoss < firstLoss,
  };
}

function main(): void {
  const o = parse(process.argv.slice(2));
  const log = o.json ? (s: string) => process.stderr.write(`${s}\n`) : (s: string) => console.log(s);
  const r = soak(o, o.json ? (s) => (s.startsWith('soak: Fashion') ? log(s) : undefined) : log);
  if (o.json) console.log(JSON.stringify(r));
  else {
    const f = (b: number): string => `${(b / MB).toFixed(1)} MB`;
    console.log(
      `\n${r.steps} steps in ${r.seconds.toFixed(0)} s (${(r.steps / r.seconds).toFixed(0)} steps/s), ${r.data} data; loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}\n` +
        `after the warm-up (step ${r.warmup}, RSS ${f(r.rssBaseline)}): RSS max growth ${f(r.rssGrowth)}, final ${f(r.rssFinalGrowth)}, ` +
        `trend ${(r.rssSlopePer1000 / MB).toFixed(3)} MB per 1,000 steps; V8 heap max growth ${f(r.heapGrowth)}; external max growth ${f(r.externalGrowth)}\n` +
        `verdict: ${r.ok ? 'PASS' : 'FAIL'} (RSS growth limit ${f(r.limit)})`,
    );
  }
  if (!r.ok) process.exitCode = 1;
}

if (require.main === module) main();

/**
 * Memory acceptance checks, measured on the real process (no --expose-gc, no forced collections):
 *
 *   node dist/scripts/memory-check.js train [--steps 10000] [--batch 128 --in 784 --hidden 256 --out 10]
 *     a 2-layer network built from the core ops (matmul, add, relu, sub, mul, mean) trained with SGD;
 *     passes when RSS stays within 50 MB of its value after the first 100 steps.
 *   node dist/scripts/memory-check.js alloc [--tensors 100000]
 *     creates 1 MiB tensors without dispose(); passes when RSS stays under 2 GiB.
 *   node dist/scripts/memory-check.js            both, with the full sizes
 *
 * `--json` prints one JSON object per check (for the test in test/memory/), otherwise a summary.
 * The exit code is 1 when a check fails.
 */
import * as ng from '../lib';
import { native } from '../lib/native';

const MB = 2 ** 20;

export interface TrainResult {
  check: 'train';
  steps: number;
  config: { batch: number; inputs: number; hidden: number; outputs: number };
  /** RSS after the first 100 steps */
  rssAfter100: number;
  /** the largest RSS seen after step 100 (sampled every 10 steps) */
  rssPeak: number;
  rssFinal: number;
  /** rssPeak − rssAfter100 */
  growth: number;
  limit: number;
  firstLoss: number;
  lastLoss: number;
  seconds: number;
  ok: boolean;
}

export interface AllocResult {
  check: 'alloc';
  tensors: number;
  bytesEach: number;
  rssPeak: number;
  rssFinal: number;
  limit: number;
  seconds: number;
  ok: boolean;
}

/**
 * y = relu(x·W1 + b1)·W2 + b2, loss = mean((y − t)²), plain SGD on the leaves (axpy in place),
 * gradients zeroed explicitly each step. Every intermediate is left to the garbage collector,
 * as a user's training loop would.
 */
export function trainCheck(steps: number, batch: number, inputs: number, hidden: number, outputs: number): TrainResult {
  ng.manualSeed(7);
  const W1 = ng.randn([inputs, hidden]);
  native.axpy(W1.data, W1.data, Math.sqrt(1 / inputs) - 1); // scale to N(0, 1/inputs) in place
  const W2 = ng.randn([hidden, outputs]);
  native.axpy(W2.data, W2.data, Math.sqrt(1 / hidden) - 1);
  const b1 = ng.zeros([hidden]);
  const b2 = ng.zeros([outputs]);
  const params = [W1, b1, W2, b2];
  for (const p of params) p.requiresGrad = true;
  const x = ng.randn([batch, inputs]);
  const target = ng.randn([batch, outputs]);
  const lr = 0.05;

  const t0 = process.hrtime.bigint();
  let rssAfter100 = 0;
  let rssPeak = 0;
  let firstLoss = NaN;
  let lastLoss = NaN;
  for (let step = 0; step < steps; step++) {
    const h = ng.relu(ng.add(ng.matmul(x, W1), b1));
    const y = ng.add(ng.matmul(h, W2), b2);
    const d = ng.sub(y, target);
    const loss = ng.mean(ng.mul(d, d));
    loss.backward();
    for (const p of params) {
      native.axpy(p.data, p.grad!.data, -lr);
      p.grad!.data.fill(0);
    }
    if (step === 0) firstLoss = loss.item();
    lastLoss = loss.item();
    if (step === 99) rssAfter100 = process.memoryUsage.rss();
    else if (step > 99 && step % 10 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }
  const rssFinal = process.memoryUsage.rss();
  rssPeak = Math.max(rssPeak, rssFinal);
  const growth = rssPeak - rssAfter100;
  const limit = 50 * MB;
  return {
    check: 'train',
    steps,
    config: { batch, inputs, hidden, outputs },
    rssAfter100,
    rssPeak,
    rssFinal,
    growth,
    limit,
    firstLoss,
    lastLoss,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    ok: growth <= limit && lastLoss < firstLoss,
  };
}

/** `count` tensors of 1 MiB, each written to (so its pages are real) and dropped without dispose(). */
export function allocCheck(count: number): AllocResult {
  const t0 = process.hrtime.bigint();
  const n = MB / 4;
  let rssPeak = 0;
  for (let i = 0; i < count; i++) {
    const t = ng.zeros([n]);
    t.data.fill(i & 0xff); // touch every page
    if (i % 100 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }
  const rssFinal = process.memoryUsage.rss();
  rssPeak = Math.max(rssPeak, rssFinal);
  const limit = 2 * 1024 * MB;
  return {
    check: 'alloc',
    tensors: count,
    bytesEach: MB,
    rssPeak,
    rssFinal,
    limit,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    ok: rssPeak < limit,
  };
}

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (name: string, def: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return def;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`memory-check: --${name} needs a positive integer, got ${argv[i + 1]}`);
    return v;
  };
  const json = argv.includes('--json');
  const which = argv.find((a) => a === 'train' || a === 'alloc') ?? 'all';
  const results: (TrainResult | AllocResult)[] = [];
  if (which !== 'alloc') results.push(trainCheck(opt('steps', 10000), opt('batch', 128), opt('in', 784), opt('hidden', 256), opt('out', 10)));
  if (which !== 'train') results.push(allocCheck(opt('tensors', 100000)));
  for (const r of results) {
    if (json) console.log(JSON.stringify(r));
    else if (r.check === 'train')
      console.log(
        `train: ${r.steps} steps of ${r.config.batch}x${r.config.inputs}-${r.config.hidden}-${r.config.outputs} in ${r.seconds.toFixed(1)} s; ` +
          `RSS after 100 steps ${(r.rssAfter100 / MB).toFixed(1)} MB, peak ${(r.rssPeak / MB).toFixed(1)} MB, final ${(r.rssFinal / MB).toFixed(1)} MB; ` +
          `growth ${(r.growth / MB).toFixed(1)} MB (limit 50); loss ${r.firstLoss.toFixed(4)} → ${r.lastLoss.toFixed(4)}: ${r.ok ? 'PASS' : 'FAIL'}`,
      );
    else
      console.log(
        `alloc: ${r.tensors} tensors of 1 MiB without dispose() in ${r.seconds.toFixed(1)} s; ` +
          `peak RSS ${(r.rssPeak / MB).toFixed(1)} MB, final ${(r.rssFinal / MB).toFixed(1)} MB (limit 2048): ${r.ok ? 'PASS' : 'FAIL'}`,
      );
  }
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

if (require.main === module) main();

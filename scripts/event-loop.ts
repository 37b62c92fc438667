/**
 * Event-loop responsiveness while training (issue 4): fits the Fashion-MNIST MLP 784-256-128-10
 * (Adam 1e-3, batch 128) for one epoch while a 10 ms interval timer runs, and reports the event
 * loop's delay (perf_hooks.monitorEventLoopDelay) and the timer's gaps.
 *   node dist/scripts/event-loop.js [--epochs 1] [--data <dir>]
 */
import { monitorEventLoopDelay, performance } from 'perf_hooks';
import * as ng from '../lib';

async function main(): Promise<void> {
  const arg = (name: string, dflt: string): string => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : dflt;
  };
  const epochs = Number(arg('--epochs', '1'));
  const fm = ng.data.loadFashionMnist(arg('--data', ng.data.FASHION_MNIST_DIR));
  ng.manualSeed(0);
  const model = new ng.nn.Sequential(new ng.nn.Linear(784, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 128), new ng.nn.ReLU(), new ng.nn.Linear(128, 10));
  const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer: new ng.optim.Adam(model.parameters(), { lr: 1e-3 }) });
  const loader = new ng.data.DataLoader(new ng.data.TensorDataset(fm.train.x, fm.train.y), { batchSize: 128, shuffle: true });
  const h = monitorEventLoopDelay({ resolution: 1 });
  const gaps: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 10);
  h.enable();
  const t0 = performance.now();
  await trainer.fit(loader, { epochs, progress: false });
  const seconds = (performance.now() - t0) / 1000;
  h.disable();
  clearInterval(timer);
  gaps.sort((a, b) => a - b);
  const ms = (ns: number): string => (ns / 1e6).toFixed(2);
  console.log(`fit: ${epochs} epoch(s) of Fashion-MNIST in ${seconds.toFixed(1)} s (${ng.getNumThreads()} BLAS threads)`);
  console.log(`event-loop delay: p50 ${ms(h.percentile(50))} ms, p99 ${ms(h.percentile(99))} ms, max ${ms(h.max)} ms`);
  console.log(`10 ms timer: ${gaps.length} ticks, gap p99 ${gaps[Math.floor(gaps.length * 0.99)].toFixed(1)} ms`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});

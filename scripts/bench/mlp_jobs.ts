/**
 * Whole-run jobs of the MLP benchmark, each run in its own process by suite-mlp.ts (the PyTorch
 * peer runs the same jobs through torch_mlp.py):
 *
 *   node dist/scripts/bench/mlp_jobs.js epoch [--threads N] [--data bytes|float32]
 *       peak-RSS job: load Fashion-MNIST, train 1 epoch of 784-256-128-10 (ReLU), Adam 1e-3,
 *       batch 128, shuffled; prints {"maxRssKiB", "seconds", "loss"}. The images stay bytes
 *       (ng.data.loadFashionMnist(dir, { format: 'bytes' }), a ByteDataset: each batch converted to
 *       x / 255 in float32 by the loader, the same values as the float32 tensor); --data float32
 *       holds the whole training set as a float32 tensor instead (the library's default format).
 *   node dist/scripts/bench/mlp_jobs.js accuracy [--bn 0|1] [--seed S] [--epochs 5] [--threads N]
 *                                               [--weights FILE --order FILE]
 *       the recipe: the same MLP (optionally Linear-BatchNorm1d-ReLU), Adam 1e-3, batch 128,
 *       shuffled, 5 epochs; prints {"accuracy", "seconds"} on the 10,000 test images.
 *       With --weights (float32 initial parameters in parameters() order) and --order (int32, one
 *       permutation of the training set per epoch), both sides start from the same weights and see
 *       the same batches: the comparison then measures only the arithmetic.
 *
 * Both are the loop a user writes (zeroGrad, forward, loss, backward, step) over ng.data.DataLoader,
 * with the library's defaults (Linear's default initialisation is Xavier-uniform, PyTorch's is
 * kaiming_uniform(a=√5)).
 */
import * as fs from 'fs';
import * as ng from '../../lib';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}

function mlp(bn: boolean): ng.nn.Sequential {
  const layers: ng.nn.Module[] = [];
  let width = 784;
  for (const h of [256, 128]) {
    layers.push(new ng.nn.Linear(width, h));
    if (bn) layers.push(new ng.nn.BatchNorm1d(h));
    layers.push(new ng.nn.ReLU());
    width = h;
  }
  layers.push(new ng.nn.Linear(width, 10));
  return new ng.nn.Sequential(...layers);
}

/** Batches in a given order: `order` holds one permutation of the N samples per epoch. */
function* ordered(x: ng.Tensor, y: Int32Array, order: Int32Array, epoch: number, B: number): Generator<{ x: ng.Tensor; y: Int32Array }> {
  const N = y.length;
  const R = x.size / N;
  const perm = order.subarray(epoch * N, (epoch + 1) * N);
  for (let i = 0; i < N; i += B) {
    const idx = perm.subarray(i, Math.min(i + B, N));
    const xb = new Float32Array(idx.length * R);
    const yb = new Int32Array(idx.length);
    idx.forEach((j, r) => {
      xb.set(x.data.subarray(j * R, (j + 1) * R), r * R);
      yb[r] = y[j];
    });
    yield { x: new ng.Tensor(xb, [idx.length, R]), y: yb };
  }
}

/** The user's loop over a shuffled DataLoader (seeded), or over batches in a given order. */
/**
 * Peak RSS of this process's own address space: VmHWM from /proc/self/status. (ru_maxrss is not
 * usable here: Linux carries it across fork + exec, so a job spawned by a large parent would
 * report the parent's size.)
 */
function peakRssKiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS;
}

function trainEpochs(model: ng.nn.Module, data: ng.data.Dataset & { x?: ng.Tensor }, epochs: number, seed: number, order?: Int32Array): number {
  const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-3 });
  const lossFn = new ng.nn.CrossEntropyLoss();
  const loader = new ng.data.DataLoader(data, { batchSize: 128, shuffle: true, seed });
  const y = data.y as Int32Array;
  let last = NaN;
  for (let e = 0; e < epochs; e++) {
    model.train();
    for (const b of order && data.x ? ordered(data.x, y, order, e, 128) : loader) {
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(b.x), b.y);
      loss.backward();
      opt.step();
      last = loss.item();
    }
  }
  return last;
}

function main(): void {
  const mode = process.argv[2];
  ng.setNumThreads(Number(arg('--threads', '1')));
  if (mode === 'epoch') {
    const t0 = performance.now();
    ng.manualSeed(0);
    const format = arg('--data', 'bytes');
    if (format !== 'bytes' && format !== 'float32') throw new Error(`--data must be bytes or float32, got ${format}`);
    const train =
      format === 'bytes'
        ? ng.data.loadFashionMnist(undefined, { format: 'bytes' }).train
        : ((t) => new ng.data.TensorDataset(t.x, t.y))(ng.data.loadFashionMnist().train);
    const model = mlp(false);
    const loss = trainEpochs(model, train, 1, 0);
    console.log(JSON.stringify({ maxRssKiB: peakRssKiB(), seconds: (performance.now() - t0) / 1000, loss }));
  } else if (mode === 'accuracy') {
    const seed = Number(arg('--seed', '0'));
    const bn = arg('--bn', '0') === '1';
    ng.manualSeed(seed);
    const data = ng.data.loadFashionMnist();
    const model = mlp(bn);
    const weights = arg('--weights', '');
    const orderFile = arg('--order', '');
    if (weights) {
      const buf = fs.readFileSync(weights);
      const flat = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      let off = 0;
      for (const p of model.parameters()) {
        p.data.set(flat.subarray(off, off + p.size));
        off += p.size;
      }
      if (off !== flat.length) throw new Error(`${weights} has ${flat.length} values, the model ${off}`);
    }
    let order: Int32Array | undefined;
    if (orderFile) {
      const buf = fs.readFileSync(orderFile);
      order = new Int32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    }
    const t0 = performance.now();
    trainEpochs(model, new ng.data.TensorDataset(data.train.x, data.train.y), Number(arg('--epochs', '5')), seed, order);
    model.eval();
    const logits = ng.noGrad(() => model.forward(data.test.x));
    const accuracy = ng.accuracy(logits, data.test.y);
    console.log(JSON.stringify({ accuracy, seconds: (performance.now() - t0) / 1000 }));
  } else {
    console.error('usage: mlp_jobs.js epoch|accuracy [--threads N] [--bn 0|1] [--seed S] [--epochs E]');
    process.exit(2);
  }
}

main();

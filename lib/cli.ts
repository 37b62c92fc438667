#!/usr/bin/env node
/**
 * The nativegrad command line.
 *
 *   nativegrad train [options]      train an MLP (digits by default, Fashion-MNIST with --data)
 *   nativegrad help
 *
 * `npm run demo` runs `nativegrad train` with its defaults.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as ng from './index';

const HELP = `nativegrad — deep-learning training for Node.js

Usage:
  nativegrad train [options]
  nativegrad help

train options:
  --data <name|dir>     'digits' (default, ships with the package), 'fashion-mnist'
                        (${'/usr/share/datasets/fashion-mnist'}, Debian's dataset-fashion-mnist),
                        or a directory holding the four Fashion-MNIST IDX files
  --epochs <n>          epochs (default 30 on digits, 5 on Fashion-MNIST)
  --val-split <f>       fraction of the training data held out for validation after each epoch
                        (default 0.1; 0 = none); the test split is evaluated once, at the end
  --batch-size <n>      batch size (default 64 on digits, 128 on Fashion-MNIST)
  --lr <x>              learning rate (default 1e-3)
  --optimizer <name>    adam (default), adamw, sgd (momentum 0.9), rmsprop, rprop
  --hidden <a,b,…>      hidden layer sizes (default 128,64 on digits, 256,128 on Fashion-MNIST)
  --no-batchnorm        no BatchNorm1d after the hidden layers
  --step-size <n>       StepLR: decay the learning rate every n epochs (default 10 on digits,
                        0 = no schedule on Fashion-MNIST)
  --gamma <x>           StepLR factor (default 0.5)
  --seed <n>            random seed (default 0)
  --threads <n>         OpenBLAS threads (default: as configured, usually the core count)
  --out <dir>           output folder for the model, checkpoint and charts (default nativegrad-out)
  --no-progress         no progress output

Results go to stdout; the progress bar and per-epoch lines go to stderr
(so 'nativegrad train > results.txt' keeps only the results).
`;

interface Split {
  x: ng.Tensor;
  y: Int32Array;
}

function fail(msg: string): never {
  console.error(`nativegrad: ${msg}\nRun 'nativegrad help' for the options.`);
  process.exit(2);
}

function num(name: string, v: string | undefined, dflt: number, opts: { integer?: boolean; min?: number; above?: number; below?: number } = {}): number {
  if (v === undefined) return dflt;
  const x = v.trim() === '' ? NaN : Number(v);
  const bounds = [
    opts.min !== undefined ? `>= ${opts.min}` : '',
    opts.above !== undefined ? `> ${opts.above}` : '',
    opts.below !== undefined ? `< ${opts.below}` : '',
  ].filter(Boolean);
  if (
    !Number.isFinite(x) ||
    (opts.integer && !Number.isInteger(x)) ||
    (opts.min !== undefined && x < opts.min) ||
    (opts.above !== undefined && x <= opts.above) ||
    (opts.below !== undefined && x >= opts.below)
  )
    fail(`--${name} must be ${opts.integer ? 'an integer' : 'a number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}, got '${v}'`);
  return x;
}

/** "1 epoch", "2 epochs". */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * `--flag -1` as `--flag=-1` for the options that take a value: util.parseArgs reads a value that
 * starts with '-' as another option ("argument is ambiguous"), so a negative number would never
 * reach our own check and its message.
 */
function joinNegativeValues(argv: string[], valued: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (valued.has(a) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** The samples of `ds` at `indices`, as a Dataset (for the validation split of any data set). */
function subset(ds: ng.data.Dataset, indices: Int32Array): ng.data.Dataset {
  const base = ds.y;
  const y = base instanceof Int32Array ? Int32Array.from(indices, (i) => base[i]) : ng.noGrad(() => ng.tensor(Array.from(indices, (i) => base.data[i])));
  return {
    length: indices.length,
    y,
    getBatch: (idx: Int32Array) => ds.getBatch(Int32Array.from(idx, (i) => indices[i])),
  };
}

/** Rows of x and y at the given indices (setup code, not a training hot path). */
function take(x: ng.Tensor, y: Int32Array, idx: Int32Array): Split {
  const d = x.shape[1];
  const out = new Float32Array(idx.length * d);
  const src = x.data;
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    out.set(src.subarray(idx[i] * d, idx[i] * d + d), i * d);
    labels[i] = y[idx[i]];
  }
  return { x: new ng.Tensor(out, [idx.length, d]), y: labels };
}

interface Data {
  train: ng.data.Dataset;
  /** held out from the training data (--val-split), or null */
  val: ng.data.Dataset | null;
  test: ng.data.Dataset;
  /** input features per sample */
  inputs: number;
  description: string;
  digits: boolean;
}

function loadData(name: string, valSplit: number): Data {
  if (name === 'digits') {
    const { x, y } = ng.data.loadDigits();
    // a fifth for the test, then valSplit of the rest for validation, chosen by a seeded permutation
    const perm = ng.randperm(y.length);
    const nTest = Math.round(y.length / 5);
    const nVal = Math.round((y.length - nTest) * valSplit);
    const test = take(x, y, perm.subarray(0, nTest));
    const val = nVal > 0 ? take(x, y, perm.subarray(nTest, nTest + nVal)) : null;
    const train = take(x, y, perm.subarray(nTest + nVal));
    // the scaler sees the training samples only
    const scaler = new ng.data.StandardScaler().fit(train.x);
    return {
      train: new ng.data.TensorDataset(scaler.transform(train.x), train.y),
      val: val ? new ng.data.TensorDataset(scaler.transform(val.x), val.y) : null,
      test: new ng.data.TensorDataset(scaler.transform(test.x), test.y),
      inputs: train.x.shape[1],
      description: `UCI digits (8x8): ${train.y.length} training, ${val ? `${val.y.length} validation, ` : ''}${test.y.length} test samples, standardised`,
      digits: true,
    };
  }
  const dir = name === 'fashion-mnist' ? '/usr/share/datasets/fashion-mnist' : name;
  if (!fs.existsSync(dir)) fail(`no data set '${name}': not 'digits', not 'fashion-mnist', and no such directory`);
  // the pixels stay bytes (47 MB instead of 188 MB of float32); each batch is converted to x / 255
  const fm = ng.data.loadFashionMnist(dir, { format: 'bytes' });
  const perm = ng.randperm(fm.train.length);
  const nVal = Math.round(fm.train.length * valSplit);
  const train = nVal > 0 ? subset(fm.train, perm.slice(nVal)) : fm.train;
  const val = nVal > 0 ? subset(fm.train, perm.slice(0, nVal)) : null;
  return {
    train,
    val,
    test: fm.test,
    inputs: fm.train.sampleShape[0],
    description: `Fashion-MNIST (${dir}): ${train.length} training, ${val ? `${val.length} validation, ` : ''}${fm.test.length} test images, pixels in [0, 1]`,
    digits: false,
  };
}

function makeOptimizer(name: string, params: ng.Tensor[], lr: number): ng.optim.Optimizer {
  switch (name) {
    case 'adam':
      return new ng.optim.Adam(params, { lr });
    case 'adamw':
      return new ng.optim.AdamW(params, { lr });
    case 'sgd':
      return new ng.optim.SGD(params, { lr, momentum: 0.9 });
    case 'rmsprop':
      return new ng.optim.RMSprop(params, { lr });
    case 'rprop':
      return new ng.optim.Rprop(params, { lr });
    default:
      return fail(`unknown --optimizer '${name}' (adam, adamw, sgd, rmsprop, rprop)`);
  }
}

async function train(argv: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = {
      data: { type: 'string' },
      epochs: { type: 'string' },
      'val-split': { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      hidden: { type: 'string' },
      'no-batchnorm': { type: 'boolean' },
      'step-size': { type: 'string' },
      gamma: { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      out: { type: 'string' },
      'no-progress': { type: 'boolean' },
    } as const;
    const valued = new Set(
      Object.entries(options)
        .filter(([, o]) => o.type === 'string')
        .map(([k]) => `--${k}`),
    );
    ({ values } = parseArgs({ args: joinNegativeValues(argv, valued), options, strict: true }));
  } catch (e) {
    fail((e as Error).message);
  }
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const seed = num('seed', str('seed'), 0, { integer: true, min: 0 });
  if (str('threads') !== undefined) ng.setNumThreads(num('threads', str('threads'), 1, { integer: true, min: 1 }));
  ng.manualSeed(seed);

  const t0 = Date.now();
  const valSplit = num('val-split', str('val-split'), 0.1, { min: 0, below: 1 });
  const data = loadData(str('data') ?? 'digits', valSplit);
  const digits = data.digits;
  const epochs = num('epochs', str('epochs'), digits ? 30 : 5, { integer: true, min: 1 });
  const batchSize = num('batch-size', str('batch-size'), digits ? 64 : 128, { integer: true, min: 1 });
  const lr = num('lr', str('lr'), 1e-3, { above: 0 });
  const hidden = (str('hidden') ?? (digits ? '128,64' : '256,128')).split(',').map((s) => num('hidden', s.trim(), 0, { integer: true, min: 1 }));
  const batchNorm = !values['no-batchnorm'];
  const stepSize = num('step-size', str('step-size'), digits ? 10 : 0, { integer: true, min: 0 });
  const gamma = num('gamma', str('gamma'), 0.5, { above: 0 });
  const outDir = path.resolve(str('out') ?? 'nativegrad-out');
  const classes = 10;
  const inputs = data.inputs;

  const layers: ng.nn.Module[] = [];
  let width = inputs;
  for (const h of hidden) {
    layers.push(new ng.nn.Linear(width, h));
    if (batchNorm) layers.push(new ng.nn.BatchNorm1d(h));
    layers.push(new ng.nn.ReLU());
    width = h;
  }
  layers.push(new ng.nn.Linear(width, classes));
  const model = new ng.nn.Sequential(...layers);
  const optimizer = makeOptimizer(str('optimizer') ?? 'adam', model.parameters(), lr);
  const scheduler = stepSize > 0 ? new ng.optim.StepLR(optimizer, { stepSize, gamma }) : undefined;
  const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer, scheduler });

  const trainLoader = new ng.data.DataLoader(data.train, { batchSize, shuffle: true });
  const testLoader = new ng.data.DataLoader(data.test, { batchSize: 1024 });
  const valLoader = data.val ? new ng.data.DataLoader(data.val, { batchSize: 1024 }) : undefined;

  const arch = [inputs, ...hidden, classes].join('-');
  console.log(`nativegrad: ${data.description}`);
  console.log(
    `model ${arch} MLP${batchNorm ? ' with BatchNorm1d' : ''}, ReLU; ${str('optimizer') ?? 'adam'} lr ${lr}` +
      `${scheduler ? `, StepLR(step ${stepSize}, gamma ${gamma})` : ''}; batch ${batchSize}; ${plural(epochs, 'epoch')}; seed ${seed}; ${plural(ng.getNumThreads(), 'BLAS thread')}` +
      `; ${trainer.step.fused ? 'forward and backward in one native call' : 'autograd tape'}`,
  );
  fs.mkdirSync(outDir, { recursive: true });
  const checkpoint = path.join(outDir, 'checkpoint.safetensors');
  const history = await trainer.fit(trainLoader, {
    epochs,
    validation: valLoader,
    progress: !values['no-progress'],
    checkpoint: { path: checkpoint, every: 1 },
  });
  const test = await trainer.evaluate(testLoader);
  const modelFile = path.join(outDir, 'model.safetensors');
  ng.save(modelFile, model, { architecture: arch, batchnorm: String(batchNorm), dataset: str('data') ?? 'digits' });
  const chart = path.join(outDir, 'history.svg');
  await ng.writeHistoryChart(chart, history, { title: `nativegrad ${arch} on ${digits ? 'digits' : 'Fashion-MNIST'}` });
  fs.writeFileSync(path.join(outDir, 'history.json'), JSON.stringify(history, null, 2));
  console.log(`test accuracy: ${(100 * (test.accuracy ?? NaN)).toFixed(2)}%  (test loss ${test.loss.toFixed(4)}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(`wrote ${path.relative(process.cwd(), modelFile)}, ${path.relative(process.cwd(), checkpoint)}, ${path.relative(process.cwd(), chart)}`);
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  switch (cmd) {
    case 'train':
      return train(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return;
    default:
      fail(`unknown command '${cmd}'`);
  }
}

main().catch((e: Error) => {
  console.error(`nativegrad: ${e.message}`);
  process.exit(1);
});

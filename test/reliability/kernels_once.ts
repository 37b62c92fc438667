/**
 * Every native function once, on small valid inputs, plus a few refused calls and one training
 * step through the public API: the workload for a memory checker (not a test file itself).
 *
 *   valgrind --leak-check=full --error-exitcode=99 node dist/test/reliability/kernels_once.js
 *
 * Node itself keeps allocations alive at exit and V8's JIT confuses valgrind a little, so what
 * matters in the report are errors and "definitely lost" blocks with a nativegrad frame
 * (docs/reliability.md has the last run's figures). Prints "kernels_once: ok" at the end.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as ng from '../../lib';
import { native } from '../../lib/native';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const raw = native as any;
const F = (n: number, v = 0.5): Float32Array => new Float32Array(n).map((_, i) => v + 0.01 * i);
const I = (a: number[]): Int32Array => Int32Array.from(a);
const refuse = (call: () => unknown): void => {
  try {
    call();
  } catch {
    return;
  }
  throw new Error('a bad call was accepted');
};

function kernels(): void {
  raw.axpy(F(6), F(6), 0.5);
  raw.rngUniform(F(8), 0, 1);
  raw.rngNormal(F(8), 0, 1);
  raw.rngPermutation(new Int32Array(8));
  raw.rngDropoutMask(F(8), 0.5);
  raw.rngSetState(raw.rngGetState());
  raw.manualSeed(1, 2);
  raw.getNumThreads();
  raw.blasConfig();
  for (let op = 0; op < raw.binaryOps.length; op++) {
    raw.binaryForward(op, F(6), F(6), F(6, 1));
    raw.binaryForward(op, F(6), F(6), F(3, 1), I([2, 3]), I([3, 1]), I([0, 1]));
    raw.binaryBackward(op, F(6), F(6), F(6), F(6), F(6, 1));
    raw.binaryBackward(op, F(6), F(3), F(6), F(6), F(3, 1), I([2, 3]), I([3, 1]), I([0, 1]));
  }
  for (let op = 0; op < raw.unaryOps.length; op++) {
    raw.unaryForward(op, F(5), F(5), 2);
    raw.unaryBackward(op, F(5), F(5), F(5), F(5), 2);
  }
  raw.sgemm(F(6), F(6), F(9), 2, 3, 3, false, false, 1, 0);
  raw.sgemm(F(6), F(6), F(9), 2, 3, 3, true, true, 0.5, 1);
  raw.matmulBackward(F(6), F(9), F(6), F(6), F(9), 2, 3, 3);
  raw.transposeForward(F(6), F(6), 2, 3);
  raw.transposeBackward(F(6), F(6), 2, 3);
  raw.sumForward(F(8), F(24), 2, 3, 4, 1);
  raw.sumBackward(F(24), F(8), 2, 3, 4, 1);
  raw.softmaxForward(F(24), F(24), 2, 3, 4, false);
  raw.softmaxForward(F(24), F(24), 2, 3, 4, true);
  raw.softmaxBackward(F(24), F(24), F(24), 2, 3, 4, false);
  raw.softmaxBackward(F(24), F(24), F(24), 2, 3, 4, true);
  raw.linearForward(F(8), F(12), F(12), F(4), 2, 3, 4);
  raw.linearBackward(F(6), F(12), F(4), F(8), F(6), F(12), 2, 3, 4);
  raw.softmaxXentForward(F(2), F(8), F(2), F(8), I([1, 3]), null, 2, 4, 0.1);
  raw.softmaxXentBackward(F(8), null, F(1), 0, 0.5, F(8), F(2), F(8), I([1, 3]), null, 2, 4, 0.1);
  raw.softmaxXentForward(F(2), F(8), F(2), F(8), null, F(8, 0.1), 2, 4, 0);
  raw.softmaxXentBackward(F(8), F(8), F(2), 1, 1, F(8), F(2), F(8), null, F(8, 0.1), 2, 4, 0);
  // class weights and an ignored row (PyTorch's weight= and ignore_index=)
  raw.softmaxXentForward(F(2), F(8), F(2), F(8), I([1, -100]), null, 2, 4, 0.1, F(4), -100);
  raw.softmaxXentBackward(F(8), null, F(2), 1, 0.5, F(8), F(2), F(8), I([1, -100]), null, 2, 4, 0.1, F(4), -100);
  raw.batchNorm1dForward(F(24), F(3), F(3), F(3), F(3), F(24), F(3), F(3), 2, 3, 4, 1e-5, 0.1, true);
  raw.batchNorm1dForward(F(24), F(3), F(3), F(3), F(3), F(24), null, null, 2, 3, 4, 1e-5, 0.1, false);
  raw.batchNorm1dBackward(F(24), F(3), F(3), F(24), F(24), F(3), F(3), F(3), 2, 3, 4, true);
  raw.dropoutForward(F(8), F(8), F(8), 0.5);
  raw.dropoutBackward(F(8), F(8), F(8));
  raw.mseForward(F(8), F(8), F(8, 1));
  raw.mseBackward(F(8), F(8), F(1), 0, 0.125, F(8), F(8, 1));
  raw.gatherBatch(F(8), F(20), I([4, 0]), 5, 4, new Int32Array(2), I([0, 1, 2, 3, 4]), 1);
  raw.gatherBatch(F(8), F(20), I([4, 0]), 5, 4, F(6), F(15), 3);
  for (const src of [
    new Uint8Array(5),
    new Int8Array(5),
    new Int16Array(5),
    new Uint16Array(5),
    new Int32Array(5),
    new Uint32Array(5),
    F(5),
    new Float64Array(5),
  ])
    raw.castToF32(F(5), src, 1 / 255);
  raw.argmaxRows(new Int32Array(2), F(8), 2, 4);
  raw.countCorrect(F(8), I([1, 2]), 2, 4);
  for (const T of [Float32Array, Float64Array]) {
    const a = T.from([4, 1, 0, 1, 3, 1, 0, 1, 2]);
    raw.linalgEigh(new T(3), new T(9), a, 3);
    raw.linalgSolveSym(new T(6), a, new T(6).fill(1), 3, 2);
    raw.linalgCholeskySolve(new T(6), a, new T(6).fill(1), 3, 2);
  }
  const lists = (k: number, n: number): Float32Array[][] => Array.from({ length: k }, () => [F(n), F(2 * n)]);
  const [p, g, b] = lists(3, 4);
  raw.sgdStep(p, g, b, I([1, 0]), 0.1, 0.9, 0, 0.01, true);
  const [p2, g2, s2, a2, b2] = lists(5, 4);
  raw.rmspropStep(p2, g2, s2, a2, b2, 0.01, 0.99, 1e-8, 0, 0.5);
  const [p3, g3, m3, v3, x3] = lists(5, 4);
  raw.adamStep(p3, g3, m3, v3, x3, Float64Array.of(1, 2), 1e-3, 0.9, 0.999, 1e-8, 0.01, true);
  const [p4, g4, q4, z4] = lists(4, 4);
  raw.rpropStep(
    p4,
    g4,
    q4,
    z4.map((t) => t.fill(0.01)),
    0.5,
    1.2,
    1e-6,
    50,
  );
  const [e5, p5] = lists(2, 4);
  raw.emaUpdate(e5, p5, 0.9);
  const d = F(16);
  raw.detach(d);
  raw.benchSgemm(F(4), F(4), F(4), 2, 2, 2, 1, 0.0005);
  // refused calls go through the error paths (exceptions thrown from C++)
  refuse(() => raw.sgemm(F(3), F(6), F(6), 2, 3, 2, false, false, 1, 0));
  refuse(() => raw.binaryForward(raw.binaryOps.length, F(4), F(4), F(4)));
  refuse(() => raw.softmaxXentForward(F(2), F(8), F(2), F(8), I([1, 7]), null, 2, 4, 0));
  refuse(() => raw.gatherBatch(F(8), F(20), I([9, 0]), 5, 4, null, null, 0));
  refuse(() => raw.adamStep([F(2)], [F(3)], [F(2)], [F(2)], null, Float64Array.of(1), 1e-3, 0.9, 0.999, 1e-8, 0, false));
  refuse(() => raw.rngSetState(new Uint32Array(3)));
  refuse(() => raw.sumForward(F(0), F(0), 1, 1, 1, 1));
}

async function publicApi(): Promise<void> {
  ng.manualSeed(0);
  const model = new ng.nn.Sequential(new ng.nn.Linear(8, 16), new ng.nn.BatchNorm1d(16), new ng.nn.ReLU(), new ng.nn.Dropout(0.2), new ng.nn.Linear(16, 3));
  const x = ng.randn([64, 8]);
  const y = Int32Array.from({ length: 64 }, (_, i) => i % 3);
  const loader = new ng.data.DataLoader(new ng.data.TensorDataset(x, y), { batchSize: 16, shuffle: true });
  const trainer = new ng.Trainer({ model, loss: new ng.nn.CrossEntropyLoss(), optimizer: new ng.optim.AdamW(model.parameters()) });
  await trainer.fit(loader, { epochs: 2, progress: false });
  // the fused step with class weights and an ignored index
  const mlp = new ng.nn.Sequential(new ng.nn.Linear(8, 16), new ng.nn.ReLU(), new ng.nn.Linear(16, 3));
  const weighted = new ng.nn.CrossEntropyLoss({ weight: ng.tensor([1, 2, 0.5]), ignoreIndex: 1 });
  ng.train.compileStep(mlp, weighted).run(x, y);
  const bytes = ng.io.serialize(model, { note: 'valgrind' });
  model.loadStateDict(ng.io.deserialize(bytes).tensors);
  const a = ng.randn([5, 5], { requiresGrad: true });
  ng.sum(
    ng.softmax(
      ng
        .matmul(a, ng.transpose(a))
        .mul(0.5)
        .add(ng.ones([5])),
      0,
    ),
  ).backward();
  ng.mean(ng.logSoftmax(a.tanh().sigmoid().exp().log().sqrt().pow(2).abs().neg().relu(), 1)).backward();
  ng.linalg.eigh(
    ng.tensor([
      [2, 1],
      [1, 2],
    ]),
  );
}

/** A worker thread loads the addon (a second instance: its own state, cleanup hook) and exits. */
function workerLifecycle(): Promise<void> {
  const lib = path.resolve(__dirname, '..', '..', 'lib');
  return new Promise((resolve, reject) => {
    const w = new Worker(`const ng = require(${JSON.stringify(lib)}); ng.manualSeed(1); ng.matmul(ng.randn([32, 32]), ng.randn([32, 32])).sum().item();`, {
      eval: true,
    });
    w.once('error', reject);
    w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
  });
}

void (async () => {
  for (let round = 0; round < 2; round++) {
    kernels();
    await publicApi();
    await workerLifecycle();
  }
  console.log('kernels_once: ok');
})();

/**
 * MLP training suite (issue 6): nativegrad against PyTorch 1.13 (and TensorFlow.js wasm) on the
 * same CPU, the same OpenBLAS thread count, the same data and the same number of steps.
 *
 * Cases
 *   - MLP 784-256-128-10 (ReLU; and Linear-BatchNorm1d-ReLU), cross-entropy, Adam 1e-3 and SGD
 *     (lr 0.01, momentum 0.9), batch 32 / 128 / 512, on the first 8,192 Fashion-MNIST training
 *     images held in memory as pre-sliced batches (cycled; data loading is not timed): samples/s
 *     at 1 and 2 threads. The step is the user's loop: zeroGrad, forward, loss, backward, step; for
 *     the Adam ReLU model also the step Trainer.fit runs: zeroGrad, ng.train.compileStep's run()
 *     (forward, loss and backward in one native call), step — validated to give the loop's losses
 *     bit for bit, and timed in the same rounds.
 *   - the lecture's tiny model: 2 weights (Linear(2, 1) without bias), batch 2 (x1 = (2, 2),
 *     y1 = 2; x2 = (2, 0), y2 = 0), MSE, SGD lr 0.05: steps/s — pure per-step overhead.
 *   - the roofline: the step's 8 GEMMs (3 forward, 3 weight gradients, 2 input gradients) timed as
 *     raw cblas_sgemm calls in a C++ loop (native/bindings/bench.cc) on the same shapes, threads
 *     and run, in the same rounds as our samples (right before each); batch / Σ t_sgemm is the most
 *     samples/s any library on OpenBLAS could reach.
 *   - TensorFlow.js (tfjs-core + wasm backend, scripts/bench/tfjs_mlp.ts) on the ReLU MLP with Adam.
 *   - peak RSS of the whole 1-epoch Fashion-MNIST job (load, 1 epoch, batch 128, Adam), each side in
 *     a process of its own (scripts/bench/mlp_jobs.ts, torch_mlp.py epoch); ours keeps the images as
 *     bytes (ng.data.ByteDataset), PyTorch's as a float32 tensor, plus like-for-like rows.
 *     NG_BENCH_MLP_ONLY=rss runs only this case.
 *   - accuracy: the recipe (5 epochs, Adam 1e-3, batch 128, with and without BatchNorm1d) on the
 *     test set, each library with its defaults, mean over seeds.
 *
 * Validation before timing: both sides start from the same weights (ours, written to a temporary
 * file that the peer loads) and train on the same batches; their first losses must agree within
 * 1e-3 (relative) and decrease. The tiny model's losses must agree within 1e-5.
 *
 * Timing: each case alternates rounds between the two sides (same steps per sample), with a pause
 * between them so that neither side's idle BLAS threads spin on the other's time; median over all
 * samples, spread = (p75 − p25)/median. PyTorch runs in a child process (`/usr/bin/python3`,
 * override with NG_BENCH_PYTHON) with OMP_WAIT_POLICY=passive, its best setting here; its default
 * setting is measured too for the batch-128 Adam case. Without `import torch` the peer columns are
 * skipped with a note.
 */
import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as ng from '../../lib';
import { native } from '../../lib/native';
import { BenchContext, Timing, summarize } from './harness';
import { loadTfjs, tfjsMlp } from './tfjs_mlp';
import { compiledStep, stepBreakdown } from './step_breakdown';

const bk = native;

const SIZES = [784, 256, 128, 10];
const POOL = 8192;
const SGD_LR = 0.01;
const ADAM_LR = 1e-3;
const TINY_LR = 0.05;
const VALIDATE_STEPS = 8;
/** speed targets of issue 6 (ours / PyTorch), for the Adam ReLU MLP */
const TARGETS: Record<number, number> = { 32: 2, 128: 1.25, 512: 1.1 };

const ROOT = path.join(__dirname, '..', '..', '..');
const PY_SCRIPT = path.join(ROOT, 'scripts', 'bench', 'torch_mlp.py');
const JOBS = path.join(__dirname, 'mlp_jobs.js');
const PYTHON = process.env.NG_BENCH_PYTHON ?? '/usr/bin/python3';
/** the peer's environment for the one-thread whole-run jobs */
const PEER_ENV_1: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'passive', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- the PyTorch peer process

/* eslint-disable @typescript-eslint/no-explicit-any */
class Peer {
  private buf = '';
  private waiting: ((line: string) => void)[] = [];
  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        this.waiting.shift()?.(line);
      }
    });
    proc.stderr.on('data', (d) => process.stderr.write(`torch_mlp.py: ${d}`));
  }

  /**
   * A peer whose OpenMP pool and OpenBLAS pool both have `threads` threads (PyTorch's
   * torch.set_num_threads does not reach OpenBLAS, whose pool is sized when it loads).
   */
  static async start(waitPolicy: string | null, threads: number): Promise<Peer> {
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
    if (waitPolicy) env.OMP_WAIT_POLICY = waitPolicy;
    else delete env.OMP_WAIT_POLICY;
    const p = new Peer(spawn(PYTHON, [PY_SCRIPT, 'serve', '--threads', String(threads)], { env }));
    const hello = await p.request({ op: 'hello' });
    if (hello.threads !== threads) throw new Error(`torch_mlp.py runs ${hello.threads} threads, expected ${threads}`);
    p.version = hello.torch;
    return p;
  }
  version = '';

  request(cmd: Record<string, unknown>): Promise<any> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`torch_mlp.py exited (${code}) during ${cmd.op}`));
      this.proc.once('exit', onExit);
      this.waiting.push((line) => {
        this.proc.off('exit', onExit);
        const ans = JSON.parse(line);
        if (ans.error) reject(new Error(`torch_mlp.py ${cmd.op}: ${ans.error}`));
        else resolve(ans);
      });
      this.proc.stdin.write(JSON.stringify(cmd) + '\n');
    });
  }

  async close(): Promise<void> {
    await this.request({ op: 'bye' }).catch(() => undefined);
    this.proc.stdin.end();
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Why the PyTorch peer cannot run, or null when it can. */
function torchMissing(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe', timeout: 60000 });
    return null;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    const last = (err.stderr?.toString() ?? err.message).trim().split('\n').pop();
    return `PyTorch peer skipped: \`${PYTHON} -c "import torch"\` failed (${last})`;
  }
}

// ---------------------------------------------------------------- our side

interface Batch {
  x: ng.Tensor;
  y: Int32Array;
}

interface OurCase {
  /** one step, returning the loss value */
  step(): number;
  run(steps: number): void;
  params: ng.Tensor[];
}

function mlp(bn: boolean): ng.nn.Sequential {
  const layers: ng.nn.Module[] = [];
  for (let l = 0; l + 1 < SIZES.length; l++) {
    layers.push(new ng.nn.Linear(SIZES[l], SIZES[l + 1]));
    if (l + 2 < SIZES.length) {
      if (bn) layers.push(new ng.nn.BatchNorm1d(SIZES[l + 1]));
      layers.push(new ng.nn.ReLU());
    }
  }
  return new ng.nn.Sequential(...layers);
}

/** The loop a user writes (zeroGrad, forward, loss, backward, step) over the given batches, in turn. */
function ourCase(
  model: ng.nn.Module,
  optimizer: ng.optim.Optimizer,
  lossFn: ng.nn.Module & { forward(out: ng.Tensor, target: ng.Tensor | Int32Array): ng.Tensor },
  batches: { x: ng.Tensor; y: ng.Tensor | Int32Array }[],
): OurCase {
  let i = 0;
  const once = (): ng.Tensor => {
    const b = batches[i];
    i = (i + 1) % batches.length;
    optimizer.zeroGrad();
    const loss = lossFn.forward(model.forward(b.x), b.y);
    loss.backward();
    optimizer.step();
    return loss;
  };
  return {
    step: () => once().item(),
    run: (steps) => {
      for (let s = 0; s < steps; s++) once();
    },
    params: model.parameters(),
  };
}

function ourMlp(bn: boolean, opt: 'adam' | 'sgd', batches: Batch[], seed: number): OurCase {
  ng.manualSeed(seed);
  const model = mlp(bn);
  const params = model.parameters();
  const optimizer = opt === 'adam' ? new ng.optim.Adam(params, { lr: ADAM_LR }) : new ng.optim.SGD(params, { lr: SGD_LR, momentum: 0.9 });
  return ourCase(model, optimizer, new ng.nn.CrossEntropyLoss(), batches);
}

/** The step Trainer.fit runs (step_breakdown.ts's compiledStep: it throws if a run falls back to the tape). */
function ourCompiled(batches: Batch[], seed: number): OurCase {
  ng.manualSeed(seed);
  const model = mlp(false);
  const step = compiledStep(model, batches, ADAM_LR);
  return {
    step: () => step(true),
    run: (steps) => {
      for (let s = 0; s < steps; s++) step(false);
    },
    params: model.parameters(),
  };
}

function ourTiny(): OurCase {
  const model = new ng.nn.Linear(2, 1, { bias: false, init: (w) => w.data.fill(0) });
  const optimizer = new ng.optim.SGD(model.parameters(), { lr: TINY_LR });
  const x = ng.tensor([[2, 2], [2, 0]]);
  const y = ng.tensor([[2], [0]]);
  return ourCase(model, optimizer, new ng.nn.MSELoss(), [{ x, y }]);
}

/** Per-step seconds of `reps` samples of `steps` steps each. */
function sampleOurs(c: OurCase, steps: number, reps: number, warmup: number): number[] {
  c.run(warmup);
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    c.run(steps);
    out.push((performance.now() - t0) / 1000 / steps);
  }
  return out;
}

function writeParams(file: string, params: ng.Tensor[]): void {
  const total = params.reduce((s, p) => s + p.size, 0);
  const flat = new Float32Array(total);
  let off = 0;
  for (const p of params) {
    flat.set(p.data, off);
    off += p.size;
  }
  fs.writeFileSync(file, Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength));
}

function checkLosses(what: string, ours: number[], theirs: number[], rtol: number, mustDecrease: boolean): void {
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i] - theirs[i]);
    if (!(d <= rtol * Math.abs(theirs[i]) + 1e-6))
      throw new Error(`suite-mlp: ${what}: losses differ at step ${i}: nativegrad ${ours[i]}, peer ${theirs[i]} (all: ${ours.join(', ')} vs ${theirs.join(', ')})`);
  }
  if (mustDecrease && !(ours[ours.length - 1] < ours[0])) throw new Error(`suite-mlp: ${what}: the loss did not decrease: ${ours.join(', ')}`);
}

const pct = (t: Timing): string => `${(t.spread * 100).toFixed(0)}%`;
const rate = (units: number, t: Timing): number => units / t.median;
/** 12345.6 → '12.3k' (the harness would print 1.23e+4) */
const kilo = (x: number): string => (x >= 1e4 ? `${(x / 1000).toFixed(1)}k` : x >= 1000 ? `${(x / 1000).toFixed(2)}k` : x.toFixed(0));

// ---------------------------------------------------------------- roofline

/** The (M, K, N) of every sgemm of one training step at batch B (dx of the first layer is not needed). */
function stepGemms(B: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let l = 0; l + 1 < SIZES.length; l++) {
    const I = SIZES[l];
    const O = SIZES[l + 1];
    out.push([B, I, O]); // forward  x [B, I] · Wᵀ
    out.push([O, B, I]); // dW = gᵀ · x
    if (l > 0) out.push([B, O, I]); // dx = g · W
  }
  return out;
}

/** Seconds of the step's GEMMs as raw sgemm calls: Σ over shapes of the median per call. */
function rooflineSeconds(B: number, reps: number): { seconds: number; flops: number } {
  let seconds = 0;
  let flops = 0;
  ng.manualSeed(3);
  for (const [M, K, N] of stepGemms(B)) {
    const a = ng.randn([M, K]).data;
    const b = ng.randn([K, N]).data;
    const c = new Float32Array(M * N);
    const t = summarize(Array.from(bk.benchSgemm(c, a, b, M, K, N, reps, 0.02)));
    // spot check one entry against a double dot product
    let ref = 0;
    for (let q = 0; q < K; q++) ref += a[q] * b[q * N];
    if (Math.abs(c[0] - ref) > 1e-4 * (Math.abs(ref) + K)) throw new Error(`suite-mlp: raw sgemm ${M}x${K}x${N} is wrong`);
    seconds += t.median;
    flops += 2 * M * K * N;
  }
  return { seconds, flops };
}

// ---------------------------------------------------------------- the suite

interface Row {
  cells: (string | number)[];
}

export async function run(ctx: BenchContext): Promise<void> {
  const quick = ctx.quick;
  const threadList = [1, 2].filter((t) => t <= os.cpus().length);
  const missing = torchMissing();
  if (missing) ctx.note(missing);

  if (process.env.NG_BENCH_MLP_ONLY === 'rss') {
    // only the peak-RSS jobs (a few seconds instead of the whole suite)
    rssCase(ctx, !missing);
    return;
  }
  process.stderr.write('suite-mlp: loading Fashion-MNIST …\n');
  const fm = ng.data.loadFashionMnist();
  const poolX = fm.train.x.data.subarray(0, POOL * 784);
  const poolY = fm.train.y.subarray(0, POOL);
  const batchesOf = (B: number): Batch[] => {
    const out: Batch[] = [];
    for (let i = 0; i + B <= POOL; i += B) out.push({ x: new ng.Tensor(poolX.slice(i * 784, (i + B) * 784), [B, 784]), y: poolY.slice(i, i + B) });
    return out;
  };

  const peers: Peer[] = [];
  const startPeer = async (policy: string | null, threads: number): Promise<Peer> => {
    const p = await Peer.start(policy, threads);
    peers.push(p);
    return p;
  };
  const closePeers = async (): Promise<void> => {
    for (const p of peers.splice(0)) await p.close();
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-bench-mlp-'));

  try {
    const batchSizes = [32, 128, 512];
    const models: [string, boolean, 'adam' | 'sgd'][] = quick
      ? [['ReLU', false, 'adam']]
      : [
          ['ReLU', false, 'adam'],
          ['BatchNorm1d + ReLU', true, 'adam'],
          ['ReLU', false, 'sgd'],
          ['BatchNorm1d + ReLU', true, 'sgd'],
        ];
    const rounds = quick ? 2 : 3;
    /** the Adam ReLU cases (the targets, the roofline and the Trainer's step) take more rounds */
    const targetRounds = quick ? 2 : 5;
    const repsPerRound = quick ? 2 : 3;
    const samplesPerSample = quick ? 2048 : 8192;
    const rows: Row[] = [];
    const roofRows: Row[] = [];
    let breakdown: ReturnType<typeof stepBreakdown> | null = null;
    const defaultRows: Row[] = [];
    const misses: string[] = [];
    const ourAdam: Record<string, number> = {};

    for (const threads of threadList) {
      ng.setNumThreads(threads);
      let peer: Peer | null = null;
      let peerDefault: Peer | null = null;
      if (!missing) {
        peer = await startPeer('passive', threads);
        peerDefault = await startPeer(null, threads);
        for (const p of [peer, peerDefault]) await p.request({ op: 'data', count: POOL });
        if (threads === threadList[0])
          ctx.note(`peer: PyTorch ${peer.version} (${PYTHON}) with OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = torch.set_num_threads = our thread count, OMP_WAIT_POLICY=passive unless said otherwise`);
      }
      for (const [label, bn, opt] of models) {
        for (const B of batchSizes) {
          const batches = batchesOf(B);
          const key = `${label}/${opt}/${B}/${threads}`;
          process.stderr.write(`suite-mlp: ${key}\n`);
          const seed = 11;
          const ours = ourMlp(bn, opt, batches, seed);
          const wfile = path.join(tmp, 'weights.f32');
          writeParams(wfile, ours.params);
          const lr = opt === 'adam' ? ADAM_LR : SGD_LR;
          const useDefault = peerDefault && opt === 'adam' && !bn && B === 128;
          const sides = [peer, useDefault ? peerDefault : null].filter((p): p is Peer => p !== null);
          for (const p of sides) await p.request({ op: 'setup', key, kind: 'mlp', bn, opt, batch: B, lr, weights: wfile });
          // validate: same weights, same batches → same losses, decreasing
          const mine = Array.from({ length: VALIDATE_STEPS }, () => ours.step());
          for (const p of sides) {
            const theirs = (await p.request({ op: 'losses', key, steps: VALIDATE_STEPS })).losses as number[];
            checkLosses(`${key} vs PyTorch`, mine, theirs, 1e-3, true);
          }
          if (!peer && !(mine[mine.length - 1] < mine[0])) throw new Error(`suite-mlp: ${key}: the loss did not decrease`);
          // the Trainer's step (compileStep) for the Adam ReLU model: the loop's losses, bit for bit
          const withRoof = opt === 'adam' && !bn;
          const compiled = withRoof ? ourCompiled(batches, seed) : null;
          if (compiled) {
            const fused = Array.from({ length: VALIDATE_STEPS }, () => compiled.step());
            // bit for bit at any thread count: each sgemm's thread count is a rule of its shape
            // (native/kernels/blas_threads.h), the same for both copies of the model
            const same = (v: number, k: number): boolean => Object.is(v, mine[k]);
            if (!fused.every(same))
              throw new Error(`suite-mlp: ${key}: compileStep's losses ${fused.join(', ')} differ from the loop's ${mine.join(', ')}`);
          }

          const steps = Math.max(4, Math.ceil(samplesPerSample / B));
          const warm = Math.max(2, Math.ceil(steps / 4));
          const oursT: number[] = [];
          const compiledT: number[] = [];
          const theirsT: number[][] = sides.map(() => []);
          // the roofline is timed in the same rounds, right before our samples, so that a change
          // in the machine's speed during the run (it is shared) moves both alike
          const roofT: number[] = [];
          let roofFlops = 0;
          const caseRounds = withRoof ? targetRounds : rounds;
          for (let r = 0; r < caseRounds; r++) {
            if (withRoof) {
              const roof = rooflineSeconds(B, quick ? 3 : 5);
              roofT.push(roof.seconds);
              roofFlops = roof.flops;
            }
            // the loop and the Trainer's step take turns going first, so that neither always
            // follows the roofline's (or the peer's) cache and clock state
            const first = r % 2 === 1 && compiled !== null;
            if (first) compiledT.push(...sampleOurs(compiled, steps, repsPerRound, r === 0 ? warm : 1));
            oursT.push(...sampleOurs(ours, steps, repsPerRound, r === 0 ? warm : 1));
            if (compiled && !first) compiledT.push(...sampleOurs(compiled, steps, repsPerRound, r === 0 ? warm : 1));
            for (let s = 0; s < sides.length; s++) {
              await sleep(120);
              const ans = await sides[s].request({ op: 'time', key, steps, reps: repsPerRound, warmup: r === 0 ? warm : 1 });
              theirsT[s].push(...(ans.times as number[]));
            }
            await sleep(120);
          }
          for (const p of sides) await p.request({ op: 'drop', key });
          const tOurs = summarize(oursT);
          const ngRate = rate(B, tOurs);
          if (opt === 'adam' && !bn) ourAdam[`${B}/${threads}`] = ngRate;
          let cells: (string | number)[];
          if (peer) {
            const tTorch = summarize(theirsT[0]);
            const ratio = tTorch.median / tOurs.median;
            const target = opt === 'adam' && !bn ? TARGETS[B] : undefined;
            const verdict = target === undefined ? '—' : `≥ ${target} ${ratio >= target ? '✓' : '✗'}`;
            if (target !== undefined && ratio < target) misses.push(`${label} ${opt} batch ${B}, ${threads} thread(s): ${ratio.toFixed(2)} < ${target}`);
            cells = [label, opt === 'adam' ? 'Adam' : 'SGD m=0.9', String(B), String(threads), kilo(ngRate), pct(tOurs), kilo(rate(B, tTorch)), pct(tTorch), ratio.toFixed(2), verdict];
            if (useDefault) {
              const tDef = summarize(theirsT[1]);
              defaultRows.push({ cells: [String(B), String(threads), kilo(ngRate), kilo(rate(B, tTorch)), kilo(rate(B, tDef)), (tDef.median / tOurs.median).toFixed(2)] });
            }
          } else {
            cells = [label, opt === 'adam' ? 'Adam' : 'SGD m=0.9', String(B), String(threads), kilo(ngRate), pct(tOurs), '—', '—', '—', '—'];
          }
          rows.push({ cells });
          const tCompiled = compiled ? summarize(compiledT) : null;
          const compiledRate = tCompiled ? rate(B, tCompiled) : 0;
          if (tCompiled) {
            const label2 = `${label}, Trainer step`;
            if (peer) {
              const tTorch = summarize(theirsT[0]);
              const ratio = tTorch.median / tCompiled.median;
              rows.push({ cells: [label2, 'Adam', String(B), String(threads), kilo(compiledRate), pct(tCompiled), kilo(rate(B, tTorch)), pct(tTorch), ratio.toFixed(2), '—'] });
            } else {
              rows.push({ cells: [label2, 'Adam', String(B), String(threads), kilo(compiledRate), pct(tCompiled), '—', '—', '—', '—'] });
            }
          }

          if (withRoof) {
            const roof = { seconds: summarize(roofT).median, flops: roofFlops };
            const roofRate = B / roof.seconds;
            const eff = ngRate / roofRate;
            const effCompiled = compiledRate / roofRate;
            const target = B === 128 && threads === 1 ? 0.85 : undefined;
            if (target !== undefined && effCompiled < target) misses.push(`roofline batch 128, 1 thread: the Trainer's step at ${(effCompiled * 100).toFixed(1)}% < 85%`);
            roofRows.push({
              cells: [String(B), String(threads), (roof.flops / 1e6).toFixed(1), (roof.seconds * 1e3).toFixed(3), (roof.flops / roof.seconds / 1e9).toFixed(1), kilo(roofRate), kilo(ngRate),
                `${(eff * 100).toFixed(1)}%`, kilo(compiledRate), `${(effCompiled * 100).toFixed(1)}%`, target === undefined ? '—' : `≥ 85% ${effCompiled >= target ? '✓' : '✗'}`],
            });
            if (B === 128 && threads === 1) {
              process.stderr.write('suite-mlp: step breakdown, batch 128, 1 thread\n');
              breakdown = stepBreakdown(SIZES, () => (ng.manualSeed(seed), mlp(false)), batches, ADAM_LR, () => rooflineSeconds(B, 3).seconds, quick ? 3 : 9, steps);
            }
          }
        }
      }
      await closePeers();
    }
    ng.setNumThreads(ctx.threads);

    ctx.table({
      title: 'MLP 784-256-128-10 training step on Fashion-MNIST batches: nativegrad vs PyTorch (samples/s)',
      columns: ['model', 'optimizer', 'batch', 'threads', 'ng samples/s', 'ng spread', 'PyTorch samples/s', 'PyTorch spread', 'ratio ng/PyTorch', 'target'],
      rows: rows.map((r) => r.cells),
      notes: [
        `each side: ${rounds} alternating rounds (${targetRounds} for the Adam ReLU model) × ${repsPerRound} samples of ⌈${samplesPerSample}/batch⌉ steps; medians; spread = (p75 − p25)/median`,
        `validated first: identical initial weights and batches, the first ${VALIDATE_STEPS} losses agree within 1e-3 and decrease`,
        'Adam lr 1e-3; SGD lr 0.01, momentum 0.9; PyTorch with OMP_WAIT_POLICY=passive (its best setting here)',
        ...(misses.length ? [`missed targets: ${misses.join('; ')}`] : ['every speed target met']),
      ],
    });
    if (defaultRows.length)
      ctx.table({
        title: "PyTorch's default OpenMP wait policy (ReLU MLP, Adam, batch 128)",
        columns: ['batch', 'threads', 'ng samples/s', 'PyTorch passive', 'PyTorch default', 'ratio ng/PyTorch default'],
        rows: defaultRows.map((r) => r.cells),
        notes: ['the same run and alternation as the table above; OMP_WAIT_POLICY unset for the default column'],
      });
    ctx.table({
      title: 'Roofline: the step’s 8 GEMMs as raw cblas_sgemm calls (same shapes, threads and run)',
      columns: ['batch', 'threads', 'GEMM MFLOP/step', 'Σ sgemm ms', 'sgemm GFLOPS', 'roofline samples/s', 'user loop samples/s', 'loop / roofline', 'Trainer step samples/s', 'Trainer step / roofline', 'target (Trainer step)'],
      rows: roofRows.map((r) => r.cells),
      notes: [
        'user loop: zeroGrad, forward, loss, backward(), step; Trainer step: zeroGrad, ng.train.compileStep(model, loss).run(x, y), step (what Trainer.fit runs; the same results bit for bit)',
        'roofline samples/s = batch / Σ t_sgemm: every other part of the step (activations, loss, optimizer, JS) would have to cost nothing',
        'Σ t_sgemm: the median over the rounds of the table above, each timed right before that round’s nativegrad samples',
      ],
    });

    if (breakdown) {
      const roofS = breakdown.roofline.median;
      const rowsB = breakdown.rows;
      const gap = (k: number): string => {
        const next = k + 1 < rowsB.length ? rowsB[k + 1].seconds.median : roofS;
        return `${((rowsB[k].seconds.median - next) * 1e6).toFixed(0)}`;
      };
      const parts = ['JS: tensors, tape, checks (what compileStep skips)', 'the JS and N-API calls left', 'the Adam step', 'elementwise kernels and zero-fills', 'GEMMs in sequence vs alone and hot'];
      ctx.table({
        title: 'Where the batch-128 step goes (ReLU MLP, Adam, 1 thread): the step six ways, one process, alternating rounds',
        columns: ['form of the step', 'µs / step', 'spread', '% of roofline', 'µs more than the next row', 'which is'],
        rows: [
          ...rowsB.map((r, k) => [r.what, (r.seconds.median * 1e6).toFixed(0), pct(r.seconds), `${((roofS / r.seconds.median) * 100).toFixed(1)}%`, gap(k), parts[k]]),
          ['roofline: Σ of each GEMM alone, hot in cache', (roofS * 1e6).toFixed(0), pct(breakdown.roofline), '100%', '—', '—'],
        ],
        notes: [
          'each form: the same Fashion-MNIST batches and initial weights; validated first: the Trainer step gives the library’s losses bit for bit, the native-call step within 1e-5',
          'the native-call rows are what a C++ program with the same kernels would do; the library costs the first two differences (the user’s loop) or the second (the Trainer’s step)',
          'Adam is bound by its square root and division per element (the division by √(1 − β2ᵗ) runs exactly on the FMA units) and by moving 7 arrays of 235k floats through the caches; bit-identical results to PyTorch rule out approximate reciprocals',
        ],
      });
    }

    await tinyCase(ctx, missing ? null : await startPeer('passive', 1), quick);
    await closePeers();
    await tfjsCase(ctx, batchesOf, ourAdam, quick);
    rssCase(ctx, !missing);
    accuracyCase(ctx, !missing, quick, tmp);
  } finally {
    await closePeers();
    fs.rmSync(tmp, { recursive: true, force: true });
    ng.setNumThreads(ctx.threads);
  }
}

async function tinyCase(ctx: BenchContext, peer: Peer | null, quick: boolean): Promise<void> {
  process.stderr.write('suite-mlp: tiny model\n');
  ng.setNumThreads(1);
  const ours = ourTiny();
  const mine = Array.from({ length: 20 }, () => ours.step());
  // closed form of the first step from w = 0: L = ((0 − 2)² + 0²)/2 = 2
  if (mine[0] !== 2 || !(mine[19] < mine[0])) throw new Error(`suite-mlp: tiny model losses are wrong: ${mine.join(', ')}`);
  const steps = quick ? 2000 : 5000;
  const rounds = quick ? 2 : 3;
  const reps = 3;
  const oursT: number[] = [];
  const theirsT: number[] = [];
  if (peer) {
    await peer.request({ op: 'setup', key: 'tiny', kind: 'tiny', lr: TINY_LR });
    const theirs = (await peer.request({ op: 'losses', key: 'tiny', steps: 20 })).losses as number[];
    checkLosses('tiny model vs PyTorch', mine, theirs, 1e-5, true);
  }
  for (let r = 0; r < rounds; r++) {
    oursT.push(...sampleOurs(ours, steps, reps, r === 0 ? 500 : 10));
    if (peer) {
      await sleep(120);
      theirsT.push(...((await peer.request({ op: 'time', key: 'tiny', steps, reps, warmup: r === 0 ? 500 : 10 })).times as number[]));
      await sleep(120);
    }
  }
  const tOurs = summarize(oursT);
  const row: (string | number)[] = ['Linear(2, 1, bias=false), MSE, SGD lr 0.05, batch 2', kilo(1 / tOurs.median), pct(tOurs)];
  let note = 'PyTorch peer skipped';
  if (peer) {
    await peer.request({ op: 'drop', key: 'tiny' });
    const tT = summarize(theirsT);
    const ratio = tT.median / tOurs.median;
    row.push(kilo(1 / tT.median), pct(tT), ratio.toFixed(1), `≥ 10 ${ratio >= 10 ? '✓' : '✗'}`);
    note = `target ≥ 10x: ${ratio >= 10 ? 'met' : 'missed'} (${ratio.toFixed(1)}x)`;
  } else row.push('—', '—', '—', '—');
  ctx.table({
    title: "The lecture's tiny model: steps/s (pure per-step overhead), 1 thread",
    columns: ['model', 'ng steps/s', 'ng spread', 'PyTorch steps/s', 'PyTorch spread', 'ratio', 'target'],
    rows: [row],
    notes: [`validated: the first 20 losses agree with PyTorch within 1e-5; ${rounds} alternating rounds × ${reps} samples of ${steps} steps`, note],
  });
  ng.setNumThreads(ctx.threads);
}

async function tfjsCase(ctx: BenchContext, batchesOf: (B: number) => Batch[], ourAdam: Record<string, number>, quick: boolean): Promise<void> {
  process.stderr.write('suite-mlp: TensorFlow.js\n');
  const { tf, why } = await loadTfjs();
  if (!tf) {
    ctx.note(`TensorFlow.js peer skipped: ${why}`);
    return;
  }
  ng.setNumThreads(1);
  const rows: (string | number)[][] = [];
  for (const B of quick ? [128] : [32, 128, 512]) {
    const batches = batchesOf(B);
    const ours = ourMlp(false, 'adam', batches, 11);
    const init = ours.params.map((p) => new Float32Array(p.data));
    const theirs = tfjsMlp(tf, init, SIZES, batches.map((b) => ({ x: b.x.data, y: b.y })), B, ADAM_LR);
    try {
      const mine = Array.from({ length: VALIDATE_STEPS }, () => ours.step());
      const tl = Array.from({ length: VALIDATE_STEPS }, () => theirs.step());
      checkLosses(`TensorFlow.js batch ${B}`, mine, tl, 1e-3, true);
      const tfSteps = Math.max(2, Math.ceil((quick ? 256 : 1024) / B));
      const tfT: number[] = [];
      theirs.run(1);
      for (let r = 0; r < 3; r++) {
        const s0 = performance.now();
        theirs.run(tfSteps);
        tfT.push((performance.now() - s0) / 1000 / tfSteps);
      }
      const tTf = summarize(tfT);
      const ngRate = ourAdam[`${B}/1`] ?? rate(B, summarize(sampleOurs(ours, Math.ceil(4096 / B), 5, 5)));
      rows.push([String(B), kilo(ngRate), kilo(rate(B, tTf)), pct(tTf), (ngRate / rate(B, tTf)).toFixed(1)]);
    } finally {
      theirs.dispose();
    }
  }
  ctx.table({
    title: 'TensorFlow.js (tfjs-core 4 + wasm backend, SIMD, single-threaded in Node): ReLU MLP, Adam, samples/s',
    columns: ['batch', 'ng samples/s (1 thread, table above)', 'tfjs-wasm samples/s', 'tfjs spread', 'ratio ng/tfjs'],
    rows,
    notes: [`validated: same initial weights and batches, the first ${VALIDATE_STEPS} losses agree with ours within 1e-3; 3 samples`],
  });
  ng.setNumThreads(ctx.threads);
}

/** Runs a job in a child process and parses the JSON line it prints last. */
function job(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Record<string, number> {
  const out = execFileSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24, timeout: 30 * 60 * 1000 });
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line);
}

/**
 * Peak RSS of the whole 1-epoch job, each run in a fresh process. The target row is ours as shipped
 * (images kept as bytes, a ByteDataset converting each batch) against PyTorch's usual setup (the
 * whole set converted to a float32 tensor up front); two like-for-like rows follow: both storing
 * bytes (PyTorch converting each batch with .float().div_(255), as torchvision's uint8 storage and
 * ToTensor would), and both storing float32.
 */
function rssCase(ctx: BenchContext, torch: boolean): void {
  process.stderr.write('suite-mlp: peak RSS jobs\n');
  // the run with the median peak of REPS (other processes on the machine move single runs by ~10 MiB)
  const REPS = 3;
  const median = (run: () => Record<string, number>): Record<string, number> =>
    Array.from({ length: REPS }, run).sort((a, b) => a.maxRssKiB - b.maxRssKiB)[REPS >> 1];
  const ours = (data: string): Record<string, number> => median(() => job(process.execPath, [JOBS, 'epoch', '--threads', '1', '--data', data]));
  const theirs = (data: string): Record<string, number> | null =>
    torch ? median(() => job(PYTHON, [PY_SCRIPT, 'epoch', '--threads', '1', '--data', data], PEER_ENV_1)) : null;
  const mib = (r: Record<string, number>): string => (r.maxRssKiB / 1024).toFixed(0);
  const cases: [string, Record<string, number>, Record<string, number> | null, boolean][] = [];
  const ngBytes = ours('bytes');
  cases.push(['ng bytes (ByteDataset) vs PyTorch float32 tensor (its usual setup)', ngBytes, theirs('float32'), true]);
  cases.push(['ng bytes vs PyTorch uint8 tensor + per-batch .float().div_(255)', ngBytes, theirs('uint8'), false]);
  cases.push(['ng float32 tensor vs PyTorch float32 tensor', ours('float32'), cases[0][2], false]);
  let note = 'PyTorch peer skipped';
  const rows = cases.map(([name, mine, peer, target]) => {
    const row: string[] = [name, mib(mine), mine.seconds.toFixed(1), mine.loss.toFixed(3)];
    if (!peer) return [...row, '—', '—', '—', '—', '—'];
    const ratio = mine.maxRssKiB / peer.maxRssKiB;
    if (target) note = `target ≤ 0.5 (first row): ${ratio <= 0.5 ? 'met' : 'missed'} (${ratio.toFixed(2)})`;
    return [...row, mib(peer), peer.seconds.toFixed(1), peer.loss.toFixed(3), ratio.toFixed(2), target ? `≤ 0.5 ${ratio <= 0.5 ? '✓' : '✗'}` : '—'];
  });
  ctx.table({
    title: 'Peak RSS of the whole job: load Fashion-MNIST, 1 epoch, ReLU MLP, Adam, batch 128, shuffled, 1 thread',
    columns: ['data storage', 'ng MiB', 'ng s', 'ng last loss', 'PyTorch MiB', 'PyTorch s', 'PyTorch last loss', 'ratio ng/PyTorch', 'target'],
    rows,
    notes: [
      'each job in a fresh process (scripts/bench/mlp_jobs.ts epoch --data bytes|float32, torch_mlp.py epoch --data float32|uint8); peak RSS (VmHWM) of that process, the median of 3 runs',
      'bytes: 47 MB of training images instead of 188 MB; batches hold the same float32 values (x / 255) either way, so the losses match between storages',
      "torchvision's FashionMNIST keeps its images as uint8 too and converts per sample (ToTensor); the second row measures that setup for PyTorch",
      note,
    ],
  });
}

function accuracyCase(ctx: BenchContext, torch: boolean, quick: boolean, tmp: string): void {
  const seeds = quick ? [0] : [0, 1, 2];
  const epochs = quick ? 1 : 5;
  const N = 60000;
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const sd = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / Math.max(1, v.length - 1));
  const show = (v: number[]): string => `${mean(v).toFixed(2)} ± ${sd(v).toFixed(2)} (${v.map((x) => x.toFixed(2)).join(', ')})`;
  const rows: (string | number)[][] = [];
  const misses: string[] = [];
  for (const same of [true, false]) {
    for (const bn of [false, true]) {
      const mine: number[] = [];
      const theirs: number[] = [];
      for (const seed of seeds) {
        process.stderr.write(`suite-mlp: accuracy ${same ? 'same start' : 'defaults'} bn=${bn} seed ${seed}\n`);
        const a = ['--bn', bn ? '1' : '0', '--seed', String(seed), '--epochs', String(epochs), '--threads', '1'];
        if (same) {
          // the same initial weights (ours, drawn from seed) and the same batch order for both
          ng.manualSeed(seed);
          const wfile = path.join(tmp, `acc-weights-${seed}-${bn ? 1 : 0}.f32`);
          writeParams(wfile, mlp(bn).parameters());
          const order = new Int32Array(epochs * N);
          for (let e = 0; e < epochs; e++) order.set(ng.randperm(N), e * N);
          const ofile = path.join(tmp, `acc-order-${seed}.i32`);
          fs.writeFileSync(ofile, Buffer.from(order.buffer));
          a.push('--weights', wfile, '--order', ofile);
        }
        mine.push(job(process.execPath, [JOBS, 'accuracy', ...a]).accuracy * 100);
        if (torch) theirs.push(job(PYTHON, [PY_SCRIPT, 'accuracy', ...a], PEER_ENV_1).accuracy * 100);
      }
      const model = bn ? 'Linear-BatchNorm1d-ReLU' : 'Linear-ReLU';
      const start = same ? 'same weights and batch order' : "each library's defaults";
      if (torch) {
        const diff = mean(mine) - mean(theirs);
        const ok = Math.abs(diff) <= 0.5;
        rows.push([model, start, show(mine), show(theirs), diff.toFixed(2), same ? `within 0.5 ${ok ? '✓' : '✗'}` : '—']);
        if (same && !ok) misses.push(`${model}: ${diff.toFixed(2)} points`);
      } else rows.push([model, start, show(mine), '—', '—', '—']);
    }
  }
  ctx.table({
    title: `Accuracy: the Fashion-MNIST recipe (784-256-128-10, Adam 1e-3, batch 128, ${epochs} epochs), test set %`,
    columns: ['model', 'start', 'nativegrad', 'PyTorch', 'Δ points (mean)', 'target'],
    rows,
    notes: [
      `mean ± sd over seeds ${seeds.join(', ')}, 1 thread each. "same weights and batch order": both start from our initial weights for the seed and see the same shuffled batches, so only the arithmetic differs; ` +
        '"defaults": each library its own initialisation (ours Xavier-uniform, PyTorch kaiming_uniform(a=√5)) and its own DataLoader shuffling, where the seed-to-seed spread is as large as the target',
      ...(misses.length ? [`missed: ${misses.join('; ')}`] : []),
    ],
  });
}

/**
 * ng.nn fused kernels against the same maths composed from primitive ops, forward + backward:
 *   softmax + cross-entropy  [128, 256] logits, class targets, mean reduction
 *                            composed: −Σ(logSoftmax(x) ⊙ onehot) / N   (logSoftmax, mul, sum, neg, div)
 *   BatchNorm1d (training)   [128, 256], affine, upstream gradient fixed
 *                            composed: μ = mean₀ x, σ² = mean₀ (x − μ)², (x − μ)/√(σ² + eps)·γ + β
 *   Linear                   [128, 256] → 256
 *                            composed: x · transpose(W) + b (matmul, transpose, add)
 * Each pair is validated equal (outputs and every gradient) before timing; both sides run in
 * this process with the same thread count. Ratio = composed time / fused time (> 1: fused faster).
 */
import * as ng from '../../lib';
import { BenchContext, timeIt, fmt } from './harness';

const N = 128;
const K = 256;

function rand(shape: number[], seed: number, requiresGrad = false): ng.Tensor {
  ng.manualSeed(seed);
  const t = ng.randn(shape);
  t.requiresGrad = requiresGrad;
  return t;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d / (scale || 1);
}

interface Pair {
  name: string;
  shape: string;
  /** run forward + backward; with `keep`, return copies of [output, ...gradients] (for validation) */
  fused: (keep?: boolean) => Float32Array[];
  composed: (keep?: boolean) => Float32Array[];
}

/** Copies (when keep) and releases the output and the gradients, so that every call starts clean. */
function finish(keep: boolean | undefined, out: ng.Tensor, ...ts: ng.Tensor[]): Float32Array[] {
  const kept = keep ? [new Float32Array(out.data), ...ts.map((t) => new Float32Array(t.grad!.data))] : [];
  out.dispose();
  for (const t of ts) {
    t.grad!.dispose();
    t.grad = null;
  }
  return kept;
}

function pairs(): Pair[] {
  const list: Pair[] = [];

  {
    const x = rand([N, K], 1, true);
    const y = new Int32Array(N);
    for (let i = 0; i < N; i++) y[i] = (i * 37) % K;
    const onehot = ng.zeros([N, K]);
    for (let i = 0; i < N; i++) onehot.data[i * K + y[i]] = 1;
    const ce = new ng.nn.CrossEntropyLoss();
    list.push({
      name: 'softmax + cross-entropy',
      shape: `[${N}, ${K}]`,
      fused: (keep) => {
        const loss = ce.forward(x, y);
        loss.backward();
        return finish(keep, loss, x);
      },
      composed: (keep) => {
        const loss = ng.logSoftmax(x).mul(onehot).sum().neg().div(N);
        loss.backward();
        return finish(keep, loss, x);
      },
    });
  }

  {
    const x = rand([N, K], 2, true);
    const g = rand([N, K], 3);
    const bn = new ng.nn.BatchNorm1d(K);
    ng.manualSeed(4);
    ng.nn.init.normal(bn.weight!, 1, 0.2);
    ng.nn.init.normal(bn.bias!, 0, 0.2);
    const w = bn.weight!;
    const b = bn.bias!;
    list.push({
      name: 'BatchNorm1d (training)',
      shape: `[${N}, ${K}]`,
      fused: (keep) => {
        const out = bn.forward(x);
        out.backward(g);
        return finish(keep, out, x, w, b);
      },
      composed: (keep) => {
        const mu = x.mean(0);
        const xc = x.sub(mu);
        const rstdInv = xc.mul(xc).mean(0).add(bn.eps).sqrt();
        const out = xc.div(rstdInv).mul(w).add(b);
        out.backward(g);
        return finish(keep, out, x, w, b);
      },
    });
  }

  {
    const x = rand([N, K], 5, true);
    const g = rand([N, K], 6);
    ng.manualSeed(7);
    const lin = new ng.nn.Linear(K, K);
    list.push({
      name: 'Linear',
      shape: `[${N}, ${K}] → ${K}`,
      fused: (keep) => {
        const out = lin.forward(x);
        out.backward(g);
        return finish(keep, out, x, lin.weight, lin.bias!);
      },
      composed: (keep) => {
        const out = x.matmul(lin.weight.transpose()).add(lin.bias!);
        out.backward(g);
        return finish(keep, out, x, lin.weight, lin.bias!);
      },
    });
  }
  return list;
}

export function run(ctx: BenchContext): void {
  const rows: (string | number)[][] = [];
  const opts = { reps: ctx.quick ? 3 : 9, minSampleMs: ctx.quick ? 20 : 50 };
  for (const p of pairs()) {
    // validate: output and every gradient agree before anything is timed
    const a = p.fused(true);
    const b = p.composed(true);
    let worst = 0;
    a.forEach((v, i) => (worst = Math.max(worst, maxRelDiff(v, b[i]))));
    if (!(worst < 1e-4)) throw new Error(`suite-nn: ${p.name}: fused and composed results differ (max relative difference ${worst})`);
    const tf = timeIt(() => void p.fused(), opts);
    const tc = timeIt(() => void p.composed(), opts);
    rows.push([p.name, p.shape, fmt(tf.median * 1e6), fmt(tc.median * 1e6), `${fmt(tc.median / tf.median)}×`, `${fmt(100 * Math.max(tf.spread, tc.spread), 2)}%`, worst.toExponential(1)]);
  }
  ctx.table({
    title: `ng.nn fused kernels vs composed primitive ops (forward + backward, ${ctx.threads} thread${ctx.threads === 1 ? '' : 's'})`,
    columns: ['op', 'shape', 'fused µs', 'composed µs', 'composed / fused', 'spread', 'max rel. diff'],
    rows,
    notes: [
      'Times are per forward + backward, including the tape bookkeeping and the allocation of outputs and gradients; BatchNorm1d fused also updates the running statistics.',
      'Composed softmax-CE uses ng.logSoftmax (itself max-subtracted) times a one-hot matrix; composed BatchNorm uses mean, sub, mul, add, sqrt, div with row broadcasting.',
    ],
  });
}

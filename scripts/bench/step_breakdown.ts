/**
 * Where the time of one training step goes (suite-mlp, ReLU MLP 784-256-128-10, Adam, 1 thread):
 * the same step measured six ways in alternating rounds of one process, each slower than the next
 * by one part of the work:
 *
 *   library        the user's loop: zeroGrad, Sequential forward, CrossEntropyLoss, backward, step
 *   Trainer step   zeroGrad, ng.train.compileStep's run (forward, loss and backward in one native
 *                  call), step: what Trainer.fit runs          → library − this = tensors and tape
 *   native calls   the very kernels the library calls (fused Linear+ReLU, softmax-cross-entropy,
 *                  the Linear backwards, adamStep) straight from JS on preallocated buffers: no
 *                  Tensor objects, no tape, no argument checks        → library − this = JS and tape
 *   … without Adam the same minus the optimizer step                 → difference = Adam
 *   8 GEMMs        the step's sgemm calls alone, in the step's order and transpose flags, on the
 *                  step's buffers (the batch changes each step)      → difference = elementwise
 *                  kernels (bias, ReLU, its mask, bias sums, softmax) and the gradients' zero-fill
 *   roofline       Σ of each GEMM shape timed alone, hot in cache (the suite's roofline)
 *                                                                     → difference = cache misses
 *                                                                       of GEMMs run in sequence
 *
 * Validation before timing: the native-call sequence, started from the library model's initial
 * weights, must give the library's losses (within 1e-5) on the same batches, so both do the same
 * work; the Trainer step must give them bit for bit.
 */
import { performance } from 'perf_hooks';
import * as ng from '../../lib';
import { native } from '../../lib/native';
import { native as nnKernels, native as optimKernels } from '../../lib/native';
import { Timing, summarize } from './harness';


export interface BreakdownRow {
  what: string;
  seconds: Timing;
}

type Batch = { x: ng.Tensor; y: Int32Array };

/** A step function over `batches` in turn; returns the loss when asked. */
type Step = (wantLoss: boolean) => number;

function libraryStep(model: ng.nn.Sequential, batches: Batch[], lr: number): Step {
  const opt = new ng.optim.Adam(model.parameters(), { lr });
  const lossFn = new ng.nn.CrossEntropyLoss();
  let i = 0;
  return (wantLoss) => {
    const b = batches[i];
    i = (i + 1) % batches.length;
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(b.x), b.y);
    loss.backward();
    opt.step();
    return wantLoss ? loss.item() : 0;
  };
}

/** The step Trainer.fit runs: zeroGrad, compileStep's run (one native call), Adam; throws if a run falls back to the tape. */
export function compiledStep(model: ng.nn.Sequential, batches: Batch[], lr: number): Step {
  const opt = new ng.optim.Adam(model.parameters(), { lr });
  const step = ng.train.compileStep(model, new ng.nn.CrossEntropyLoss());
  let i = 0;
  return () => {
    const b = batches[i];
    i = (i + 1) % batches.length;
    opt.zeroGrad();
    const v = step.run(b.x, b.y);
    if (!step.lastRunFused) throw new Error(`bench: compileStep ran through the tape (${step.reason ?? 'a per-call fallback'}), not as one native call`);
    opt.step();
    return v;
  };
}

/** The library's kernels called directly; `parts` chooses what runs. */
function nativeStep(sizes: number[], init: Float32Array[], batches: Batch[], lr: number, parts: 'all' | 'noAdam' | 'gemm'): Step {
  const B = batches[0].y.length;
  const L = sizes.length - 1;
  const W: Float32Array[] = [];
  const bias: Float32Array[] = [];
  const gW: Float32Array[] = [];
  const gb: Float32Array[] = [];
  const act: Float32Array[] = [];
  const dact: Float32Array[] = [];
  // allocated as the library allocates (ng.zeros: on a 64-byte boundary from 16 KiB, a page from 64 KiB), so that the rows
  // differ by the work only
  const buf = (n: number): Float32Array => ng.zeros([n]).data;
  const copy = (a: Float32Array): Float32Array => {
    const out = buf(a.length);
    out.set(a);
    return out;
  };
  for (let l = 0; l < L; l++) {
    W.push(copy(init[2 * l]));
    bias.push(copy(init[2 * l + 1]));
    gW.push(buf(W[l].length));
    gb.push(buf(bias[l].length));
    act.push(buf(B * sizes[l + 1]));
    dact.push(buf(B * sizes[l + 1]));
  }
  const params = W.flatMap((w, l) => [w, bias[l]]);
  const grads = gW.flatMap((g, l) => [g, gb[l]]);
  const m = params.map((p) => buf(p.length));
  const v = params.map((p) => buf(p.length));
  const steps = new Float64Array(params.length);
  const K = sizes[L];
  const rowLoss = new Float32Array(B);
  const probs = new Float32Array(B * K);
  const lse = new Float32Array(B);
  const one = new Float32Array([1]);
  let i = 0;
  return (wantLoss) => {
    const b = batches[i];
    i = (i + 1) % batches.length;
    const x = b.x.data;
    const input = (l: number): Float32Array => (l === 0 ? x : act[l - 1]);
    if (parts === 'gemm') {
      for (let l = 0; l < L; l++) native.sgemm(act[l], input(l), W[l], B, sizes[l], sizes[l + 1], false, true, 1, 0);
      for (let l = L - 1; l >= 0; l--) {
        if (l > 0) native.sgemm(dact[l - 1], dact[l], W[l], B, sizes[l + 1], sizes[l], false, false, 1, 1);
        native.sgemm(gW[l], dact[l], input(l), sizes[l + 1], B, sizes[l], true, false, 1, 1);
      }
      return 0;
    }
    for (const g of grads) g.fill(0);
    for (let l = 0; l < L; l++) {
      if (l < L - 1) nnKernels.linearReluForward(act[l], input(l), W[l], bias[l], B, sizes[l], sizes[l + 1]);
      else nnKernels.linearForward(act[l], input(l), W[l], bias[l], B, sizes[l], sizes[l + 1]);
    }
    const total = nnKernels.softmaxXentForward(rowLoss, probs, lse, act[L - 1], b.y, null, B, K, 0);
    for (const d of dact) d.fill(0);
    nnKernels.softmaxXentBackward(dact[L - 1], null, one, 0, 1 / B, probs, lse, act[L - 1], b.y, null, B, K, 0);
    for (let l = L - 1; l >= 0; l--) {
      const dx = l > 0 ? dact[l - 1] : null;
      if (l === L - 1) nnKernels.linearBackward(dx, gW[l], gb[l], dact[l], input(l), W[l], B, sizes[l], sizes[l + 1]);
      else nnKernels.linearReluBackward(dx, gW[l], gb[l], dact[l], act[l], input(l), W[l], B, sizes[l], sizes[l + 1]);
    }
    if (parts === 'all') {
      for (let k = 0; k < steps.length; k++) steps[k] += 1;
      optimKernels.adamStep(params, grads, m, v, null, steps, lr, 0.9, 0.999, 1e-8, 0, false);
    }
    return wantLoss ? total / B : 0;
  };
}

/**
 * Times the six forms of the batch-B step on 1 thread; returns the rows (library first) and the
 * roofline seconds measured in the same rounds.
 */
export function stepBreakdown(
  sizes: number[],
  makeModel: () => ng.nn.Sequential,
  batches: Batch[],
  lr: number,
  roofline: () => number,
  rounds: number,
  steps: number,
): { rows: BreakdownRow[]; roofline: Timing } {
  const model = makeModel();
  const init = model.parameters().map((p) => Float32Array.from(p.data));
  const forms: [string, Step][] = [
    ['library (the user’s loop)', libraryStep(model, batches, lr)],
    ['the Trainer’s step (compileStep: forward, loss, backward in one native call)', compiledStep(makeModel(), batches, lr)],
    ['the same native calls from JS, preallocated, no tape', nativeStep(sizes, init, batches, lr, 'all')],
    ['… without the Adam step', nativeStep(sizes, init, batches, lr, 'noAdam')],
    ['the 8 GEMMs alone, in the step’s order', nativeStep(sizes, init, batches, lr, 'gemm')],
  ];
  // validate: library, Trainer step and native calls do the same work (same losses on the same batches)
  const a = Array.from({ length: 6 }, () => forms[0][1](true));
  const c = Array.from({ length: 6 }, () => forms[1][1](true));
  if (c.some((v, k) => !Object.is(v, a[k]))) throw new Error(`step breakdown: the Trainer step's losses ${c.join(', ')} differ from the library's ${a.join(', ')}`);
  const b = Array.from({ length: 6 }, () => forms[2][1](true));
  for (let k = 0; k < a.length; k++)
    if (!(Math.abs(a[k] - b[k]) <= 1e-5 * Math.abs(a[k]) + 1e-6))
      throw new Error(`step breakdown: the native-call step differs from the library's at step ${k}: ${b.join(', ')} vs ${a.join(', ')}`);
  for (const [, f] of forms) for (let s = 0; s < 2 * steps; s++) f(false);
  const times: number[][] = forms.map(() => []);
  const roof: number[] = [];
  for (let r = 0; r < rounds; r++) {
    roof.push(roofline());
    const order = r % 2 === 0 ? forms.map((_, k) => k) : forms.map((_, k) => forms.length - 1 - k);
    for (const k of order) {
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) forms[k][1](false);
      times[k].push((performance.now() - t0) / 1000 / steps);
    }
  }
  return { rows: forms.map(([what], k) => ({ what, seconds: summarize(times[k]) })), roofline: summarize(roof) };
}

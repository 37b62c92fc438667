/**
 * compileStep(model, loss): the forward pass, the loss and the backward pass of a training step as
 * one call, `step.run(x, y)`, which returns the loss value. Trainer.fit runs its batches through one.
 *
 *   optimizer.zeroGrad();
 *   const lossValue = step.run(x, y);   // = loss.forward(model.forward(x), y), then backward()
 *   optimizer.step();
 *
 * For a model the library can fuse, run() is one native call (kernels/sequential.cc): the same
 * kernels, in the same order and on the same kinds of buffers as the autograd tape, so parameters,
 * gradients and the loss are bit for bit those of the usual loop; what it skips is the JS between
 * the kernels (no tensors or tape nodes per step, activation buffers kept across steps), which
 * saves 2–3% of a batch-128 step of the 784-256-128-10 MLP, 5–6% at batch 32, more for small models.
 * Fused: an `ng.nn.Sequential` of `Linear` layers, each optionally followed by a `ReLU` (the
 * library's own classes with their own forward), under `ng.nn.CrossEntropyLoss` (reduction 'mean'
 * or 'sum', any label smoothing, class weights and ignoreIndex), inputs [N, in] that do not require
 * grad, class-index targets.
 * Anything else — another model or loss, a probability target, an input that requires grad, an
 * empty batch, gradients turned off with ng.noGrad, no parameter that requires grad, a weight
 * replaced by one of another shape or by a non-leaf, an input sharing bytes with the step's own
 * buffers (step.output passed back in), a bad argument — runs through the tape
 * exactly as the hand-written loop does (same results, same errors); `step.fused` and
 * `step.reason` say which way the model and loss go, `step.lastRunFused` which way the last run()
 * went.
 *
 * As with backward(), gradients accumulate into each parameter's `.grad` (call zeroGrad first).
 * `step.output` is the model's output of the last run(): valid until the next run(), which
 * overwrites it (fused) or disposes it (tape); clone() it to keep it.
 */
import { Tensor, allocate, allocateUninit } from '../tensor';
import { isGradEnabled } from '../autograd/node';
import { argError, checkOptions } from '../errors';
import { native } from '../native';
import { Module, hasOwnForward } from '../nn/module';
import { Sequential } from '../nn/sequential';
import { Linear } from '../nn/linear';
import { ReLU } from '../nn/activation';
import { CrossEntropyLoss } from '../nn/loss';
import { meanDenominator } from '../nn/functional/cross_entropy';
import type { TrainableModel, LossModule } from './trainer';

const k = native;

/** Options of compileStep. */
export interface CompileStepOptions {
  /** run fused when the model and loss allow it (default true); false always runs the tape */
  fuse?: boolean;
}

/** The model as the chain the fused kernel runs (chainOf returns why instead when it cannot be one). */
interface Chain {
  linears: Linear[];
  relu: Int32Array;
  dims: Int32Array;
}

/** Buffers of the fused step for one batch size: activations, their gradients, the loss's cache. */
interface Scratch {
  N: number;
  /** [x, probs, lse, rowLoss, then per layer: w, b, dw, db, y, dy] (parameters filled per run) */
  buffers: (Float32Array | null)[];
  classes: Int32Array;
  output: Tensor;
}

/** Exactly the library's own class, running its own forward (a subclass or a replaced forward may compute anything). */
function isPlain(m: unknown, cls: typeof Linear | typeof ReLU | typeof Sequential | typeof CrossEntropyLoss): boolean {
  return m instanceof cls && Object.getPrototypeOf(m) === cls.prototype && hasOwnForward(m);
}

function chainOf(model: TrainableModel, loss: LossModule): Chain | string {
  if (!isPlain(model, Sequential)) return 'the model is not an ng.nn.Sequential (with its own forward)';
  if (!isPlain(loss, CrossEntropyLoss)) return 'the loss is not an ng.nn.CrossEntropyLoss (with its own forward)';
  if ((loss as CrossEntropyLoss).reduction === 'none') return "the loss has reduction 'none' (not a scalar)";
  const modules = [...(model as Sequential)];
  const linears: Linear[] = [];
  const relu: number[] = [];
  const dims: number[] = [];
  for (let i = 0; i < modules.length; i++) {
    const m = modules[i];
    if (!isPlain(m, Linear)) return `module ${i} (${m.constructor.name}) is not an ng.nn.Linear (or a ReLU after one)`;
    const lin = m as Linear;
    if (lin.inFeatures === 0 || lin.outFeatures === 0) return `module ${i} has no features`;
    if (dims.length > 0 && dims[dims.length - 1] !== lin.inFeatures)
      return `module ${i} takes ${lin.inFeatures} features, module ${i - 1} gives ${dims[dims.length - 1]}`;
    if (dims.length === 0) dims.push(lin.inFeatures);
    dims.push(lin.outFeatures);
    linears.push(lin);
    const fuse = isPlain(modules[i + 1], ReLU);
    relu.push(fuse ? 1 : 0);
    if (fuse) i++;
  }
  if (linears.length === 0) return 'the Sequential is empty';
  return { linears, relu: Int32Array.from(relu), dims: Int32Array.from(dims) };
}

/** What a plan was made from: the Sequential's modules and the forward each ran (either may be replaced later). */
interface Snapshot {
  modules: Module[];
  forwards: unknown[];
  forward: unknown;
}

function snapshotOf(model: Sequential): Snapshot {
  const modules = [...model];
  return { modules, forwards: modules.map((m) => m.forward), forward: model.forward };
}

/** Whether the model still has the modules (and forwards) it had when the snapshot was taken. */
function unchanged(model: Sequential, s: Snapshot): boolean {
  if (model.forward !== s.forward || model.length !== s.modules.length) return false;
  let i = 0;
  for (const m of model) {
    if (m !== s.modules[i] || m.forward !== s.forwards[i]) return false;
    i++;
  }
  return true;
}

export class CompiledStep {
  readonly model: TrainableModel;
  readonly loss: LossModule;
  private readonly fuse: boolean;
  private chain: Chain | null = null;
  private why: string | null = null;
  /** the Sequential as planned (null for another model, or with fusing off) */
  private snapshot: Snapshot | null = null;
  private scratch: Scratch[] = [];
  private last: Tensor | null = null;
  private lastFused = false;
  /** the tape's output of the last run, disposed by the next */
  private tapeOut: Tensor | null = null;

  constructor(model: TrainableModel, loss: LossModule, opts?: CompileStepOptions) {
    const fn = 'ng.train.compileStep';
    if (!model || typeof model.forward !== 'function' || typeof model.parameters !== 'function')
      throw argError(fn, 'model', 'an ng.nn.Module (with forward and parameters)', model);
    if (!loss || typeof loss.forward !== 'function') throw argError(fn, 'loss', 'a loss module such as new ng.nn.CrossEntropyLoss()', loss);
    const o = checkOptions(fn, opts, ['fuse'], '{ fuse: false }', 'options');
    if (o.fuse !== undefined && typeof o.fuse !== 'boolean') throw argError(fn, 'fuse', 'a boolean', o.fuse);
    this.model = model;
    this.loss = loss;
    this.fuse = o.fuse ?? true;
    this.replan();
  }

  /** Whether run() takes the fused path for this model and loss (checked again at every run). */
  get fused(): boolean {
    this.current();
    return this.chain !== null;
  }
  /** Why the model and loss run through the tape (null when they run fused). */
  get reason(): string | null {
    this.current();
    return this.why;
  }
  /** The model's output of the last run() (null before the first): overwritten or disposed by the next run. */
  get output(): Tensor | null {
    return this.last;
  }
  /** Whether the last run() was one native call (false when it went through the tape, or before the first run). */
  get lastRunFused(): boolean {
    return this.lastFused;
  }

  /**
   * Forward, loss and backward for one batch; returns the loss value (a float32, as `loss.item()`).
   * Gradients accumulate into the parameters' `.grad`.
   */
  run(x: Tensor, y: Tensor | Int32Array | number[]): number {
    if (this.tapeOut !== null) {
      this.tapeOut.dispose();
      this.tapeOut = null;
    }
    this.last = null;
    const chain = this.current();
    if (chain !== null) {
      const v = this.runFused(chain, x, y);
      this.lastFused = v !== undefined;
      if (v !== undefined) return v;
    }
    this.lastFused = false;
    // the hand-written loop
    const out = this.model.forward(x);
    this.last = out;
    // freed at the next run, unless it is the input or shares its bytes (a model that hands its
    // input back, or a view of it): that belongs to the caller
    this.tapeOut = out !== x && !out.isDisposed && (x.isDisposed || out.data.buffer !== x.data.buffer) ? out : null;
    const loss = this.loss.forward(out, y);
    try {
      loss.backward();
      return loss.item();
    } finally {
      loss.dispose();
    }
  }

  /** The chain, made again when the model's modules changed since the last plan. */
  private current(): Chain | null {
    const snap = this.snapshot;
    if (snap !== null && !unchanged(this.model as Sequential, snap)) this.replan();
    return this.chain;
  }

  private replan(): void {
    this.chain = null;
    this.scratch = [];
    this.snapshot = null;
    if (!this.fuse) {
      this.why = 'fusing was turned off ({ fuse: false })';
      return;
    }
    if (this.model instanceof Sequential) this.snapshot = snapshotOf(this.model);
    const c = chainOf(this.model, this.loss);
    this.chain = typeof c === 'string' ? null : c;
    this.why = typeof c === 'string' ? c : null;
  }

  /** The fused step, or undefined when this call must go through the tape instead. */
  private runFused(chain: Chain, x: Tensor, y: Tensor | Int32Array | number[]): number | undefined {
    if (!(x instanceof Tensor) || x.isDisposed || x.requiresGrad || x.ndim !== 2 || x.shape[1] !== chain.dims[0] || !isGradEnabled()) return undefined;
    const N = x.shape[0];
    if (N === 0) return undefined;
    const L = chain.linears.length;
    const K = chain.dims[L];
    const lossMod = this.loss as CrossEntropyLoss;
    const reduction = lossMod.reduction;
    if (reduction !== 'mean' && reduction !== 'sum') return undefined;
    const weight = lossMod.weight;
    if (weight !== null && (weight.isDisposed || weight.ndim !== 1 || weight.shape[0] !== K)) return undefined;
    const ignore = lossMod.ignoreIndex;
    const s = this.scratchFor(chain, N);
    const ignoring = classesInto(s.classes, y, K, ignore);
    if (ignoring === null) return undefined; // the tape words the error
    // the lowest layer with a gradient to accumulate: below it the backward has nothing to do
    let first = -1;
    const buffers = s.buffers;
    for (let l = 0; l < L; l++) {
      const lin = chain.linears[l];
      const w = lin.weight;
      const b = lin.bias;
      // a weight swapped for one of another shape, or computed by recorded ops: the tape handles it
      if (!isLeafOfShape(w, chain.dims[l + 1], chain.dims[l]) || (b !== null && !isLeafOfShape(b, chain.dims[l + 1]))) return undefined;
      const at = 4 + 6 * l;
      buffers[at] = w.data;
      buffers[at + 1] = b === null ? null : b.data;
      buffers[at + 2] = w.requiresGrad ? gradOf(w) : null;
      buffers[at + 3] = b !== null && b.requiresGrad ? gradOf(b) : null;
      if (first < 0 && (w.requiresGrad || (b !== null && b.requiresGrad))) first = l;
    }
    if (first < 0) return undefined; // nothing requires grad: backward() says so
    // the kernel writes its scratch buffers and the gradients while it reads x: an input that shares
    // bytes with any of them (step.output passed back in, say) goes through the tape
    const xb = x.data.buffer;
    for (let i = 1; i < buffers.length; i++) {
      const bi = buffers[i];
      if (bi !== null && bi.buffer === xb && (i < 4 || (i - 4) % 6 >= 2)) return undefined;
    }
    buffers[0] = x.data;
    // as the tape: weights and ignored rows go to the kernel only when there are any
    const plain = weight === null && !ignoring;
    const D = plain ? N : meanDenominator(s.classes, N, weight === null ? null : weight.data, ignore);
    const scale = reduction === 'mean' ? 1 / D : 1;
    const total = plain
      ? k.sequentialXentStep(buffers, chain.relu, chain.dims, first, s.classes, N, lossMod.labelSmoothing, scale)
      : k.sequentialXentStep(buffers, chain.relu, chain.dims, first, s.classes, N, lossMod.labelSmoothing, scale, weight === null ? null : weight.data, ignore);
    buffers[0] = null; // hold no reference to the batch
    this.last = s.output;
    return Math.fround(reduction === 'mean' ? total / D : total);
  }

  /** The buffers for batch size N (the last two sizes are kept: a full batch and an epoch's last one). */
  private scratchFor(chain: Chain, N: number): Scratch {
    const list = this.scratch;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s.N === N && !s.output.isDisposed) {
        if (i > 0) {
          list.splice(i, 1);
          list.unshift(s);
        }
        return s;
      }
    }
    const fn = 'CompiledStep.run';
    const L = chain.linears.length;
    const K = chain.dims[L];
    const buffers: (Float32Array | null)[] = [null, allocateUninit(fn, N * K), allocateUninit(fn, N), allocateUninit(fn, N)];
    let output: Tensor | null = null;
    for (let l = 0; l < L; l++) {
      const yb = allocateUninit(fn, N * chain.dims[l + 1]);
      buffers.push(null, null, null, null, yb, allocateUninit(fn, N * chain.dims[l + 1]));
      if (l === L - 1) output = new Tensor(yb, [N, K]);
    }
    const s: Scratch = { N, buffers, classes: new Int32Array(N), output: output as Tensor };
    list.unshift(s);
    if (list.length > 2) list.pop();
    return s;
  }
}

/** A live leaf tensor of shape [d0] or [d0, d1]. */
function isLeafOfShape(t: Tensor, d0: number, d1?: number): boolean {
  if (t.isDisposed || !t.isLeaf) return false;
  const s = t.shape;
  return d1 === undefined ? s.length === 1 && s[0] === d0 : s.length === 2 && s[0] === d0 && s[1] === d1;
}

/** The parameter's gradient buffer, made (zeroed) when it has none, as backward() does. */
function gradOf(p: Tensor): Float32Array {
  if (!p.grad || p.grad.isDisposed) p.grad = new Tensor(allocate('backward', p.size), p.shape);
  return p.grad.data;
}

/**
 * Copies class indices into `out` (out.length of them, each an integer in [0, K) or equal to
 * `ignore`). Returns whether any row is ignored, or null when y is not such a list (probability
 * rows, a wrong count, a bad index): the tape then words the error.
 */
function classesInto(out: Int32Array, y: Tensor | Int32Array | number[], K: number, ignore: number): boolean | null {
  const N = out.length;
  let src: ArrayLike<number>;
  if (y instanceof Int32Array) src = y;
  else if (Array.isArray(y)) src = y;
  else if (y instanceof Tensor && !y.isDisposed && y.ndim === 1) src = y.data;
  else return null;
  if (src.length !== N) return null;
  let ignoring = false;
  for (let i = 0; i < N; i++) {
    const v = src[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) return null;
    if (v === ignore) ignoring = true;
    else if (v < 0 || v >= K) return null;
    out[i] = v;
  }
  return ignoring;
}

/**
 * The forward, loss and backward of a training step as one call (see CompiledStep): fused into one
 * native call for a Sequential of Linear/ReLU layers under CrossEntropyLoss, the autograd tape otherwise.
 */
export function compileStep(model: TrainableModel, loss: LossModule, opts?: CompileStepOptions): CompiledStep {
  return new CompiledStep(model, loss, opts);
}

/**
 * Trainer: the training loop people write by hand in PyTorch, done once and done right.
 *
 *   for each epoch:  model.train()
 *     for each batch: zeroGrad → forward, loss, backward → (stop on NaN/Inf) → step → ema.update()
 *                     [scheduler.step() when stepping per batch] → onBatchEnd → yield to the event loop
 *     scheduler.step() (per epoch, the default) → validate (with the EMA weights when an EMA is given)
 *     → history → onEpochEnd / early stopping → checkpoint
 *
 * The forward, loss and backward of a batch run through a CompiledStep (compiled_step.ts): one native
 * call for a Sequential of Linear/ReLU layers under CrossEntropyLoss, bit for bit the results of
 * the tape, which runs everything else ({ fused: false } always uses the tape).
 *
 * fit() yields to the event loop every few milliseconds, so timers and servers in the same
 * process keep running while it trains. Its progress bar and per-epoch lines go to stderr, so a
 * script's own results on stdout stay clean (`node train.js > results.txt`). Checkpoints hold the model, optimizer, scheduler, EMA,
 * loader and RNG state and the history: a run resumed from one reproduces the uninterrupted run.
 */
import { performance } from 'perf_hooks';
import { Tensor, checkTensor } from '../tensor';
import { noGrad } from '../autograd/node';
import { argError, checkNumber, checkOptions, shapeStr } from '../errors';
import { DataLoader } from '../data/loader';
import { getRngState, setRngState } from '../creation';
import { countCorrect } from './metrics';
import { createProgress } from './progress';
import { packState, unpackState } from './state';
import { save, loadWithMetadata, MAX_HEADER_ITEMS } from '../io/safetensors';
import { jsonSizeProblem } from '../io/json_keys';
import { CompiledStep } from './compiled_step';
import { Module } from '../nn/module';

/** What the Trainer needs of a model (any ng.nn.Module has it). */
export interface TrainableModel {
  forward(x: Tensor): Tensor;
  train(): unknown;
  eval(): unknown;
  training: boolean;
  parameters(): Tensor[];
  stateDict(): Record<string, Tensor>;
  loadStateDict(sd: Record<string, Tensor>): void;
}
/** A loss module: forward(output, target) → a scalar tensor. */
export interface LossModule {
  forward(output: Tensor, target: Tensor | Int32Array | number[]): Tensor;
  reduction?: string;
}
export interface OptimizerLike {
  step(): void;
  zeroGrad(): void;
  lr: number;
  stateDict(): unknown;
  loadStateDict(state: never): void;
}
export interface SchedulerLike {
  step(): void;
  stateDict?(): unknown;
  loadStateDict?(state: never): void;
}
export interface EmaLike {
  update(): void;
  copyTo(model: never): void;
  stateDict?(): unknown;
  loadStateDict?(state: never): void;
}
/** One batch: inputs and targets (class indices, or a tensor of targets). */
export interface Batch {
  x: Tensor;
  y: Tensor | Int32Array | number[];
}
/** Anything iterable over batches; DataLoader is one. */
export interface BatchSource {
  [Symbol.iterator](): Iterator<Batch>;
  length?: number;
  stateDict?(): unknown;
  loadStateDict?(state: never): void;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /**
   * the learning rate the epoch trained with: the optimizer's lr when its first batch ran (with a
   * per-epoch scheduler, the epoch's rate; the scheduler's step at the epoch's end shows in the
   * next epoch's log), as Keras and Lightning log it
   */
  lr: number;
  seconds: number;
}
export interface History {
  epochs: EpochLog[];
  /** why training ended early, if it did */
  stopReason?: 'earlyStopping' | 'callback';
}
export interface BatchLog {
  epoch: number;
  batch: number;
  loss: number;
  size: number;
}

/** Hooks called by fit(). onEpochEnd returning false stops training after that epoch. */
export interface Callback {
  onTrainBegin?(trainer: Trainer): void | Promise<void>;
  onBatchEnd?(log: BatchLog, trainer: Trainer): void | Promise<void>;
  onEpochEnd?(log: EpochLog, trainer: Trainer): void | boolean | Promise<void | boolean>;
  onTrainEnd?(history: History, trainer: Trainer): void | Promise<void>;
}

export interface TrainerOptions {
  model: TrainableModel;
  loss: LossModule;
  optimizer: OptimizerLike;
  scheduler?: SchedulerLike;
  /** step the scheduler after every batch instead of every epoch */
  schedulerInterval?: 'epoch' | 'batch';
  ema?: EmaLike;
  /** metrics to compute; default: ['accuracy'] for a cross-entropy loss, [] otherwise */
  metrics?: 'accuracy'[];
  /**
   * run forward, loss and backward as one native call when the model and loss allow it (default
   * true; same results bit for bit, see ng.train.compileStep); false always records the tape
   */
  fused?: boolean;
}

/** What fit's `validation` takes: batches (a DataLoader), a Dataset, or `{ x, y }`. */
export type ValidationData =
  | BatchSource
  | { x: Tensor; y: Tensor | Int32Array }
  | { length: number; y: Tensor | Int32Array; getBatch(indices: Int32Array): Batch };

export interface FitOptions {
  epochs: number;
  /**
   * evaluated after every epoch (valLoss, valAccuracy): a DataLoader or any iterable of batches, or
   * a Dataset or `{ x, y }`, which are batched in order with the training loader's batch size
   * (256 when it has none)
   */
  validation?: ValidationData;
  callbacks?: Callback | Callback[];
  /** progress on stderr: a bar on a TTY, a line per epoch otherwise; false silences it (default true) */
  progress?: boolean;
  signal?: AbortSignal;
  /** save a checkpoint every `every` epochs (default 1) to `path` (atomically) */
  checkpoint?: { path: string; every?: number };
  /** resume from a checkpoint written by fit (continues after its last epoch) */
  resumeFrom?: string;
  /** yield to the event loop when this many ms passed since the last yield (default 5) */
  yieldEveryMs?: number;
}

const TRAINER_OPTIONS = ['model', 'loss', 'optimizer', 'scheduler', 'schedulerInterval', 'ema', 'metrics', 'fused'];
const FIT_OPTIONS = ['epochs', 'validation', 'callbacks', 'progress', 'signal', 'checkpoint', 'resumeFrom', 'yieldEveryMs'];

/**
 * fit's `validation` as batches: an iterable as it is; a Dataset or `{ x, y }` through a DataLoader
 * in order, with the training loader's batch size.
 */
function validationBatches(fn: string, v: unknown, loader: BatchSource): BatchSource {
  if (v !== null && typeof v === 'object') {
    if (typeof (v as Partial<BatchSource>)[Symbol.iterator] === 'function') return v as BatchSource;
    const o = v as Record<string, unknown>;
    if (o.x instanceof Tensor || typeof o.getBatch === 'function') {
      const bs = (loader as Partial<DataLoader>).batchSize;
      return new DataLoader(v as ConstructorParameters<typeof DataLoader>[0], { batchSize: typeof bs === 'number' ? bs : 256 });
    }
  }
  throw argError(fn, 'validation', 'an ng.data.DataLoader (or any iterable of { x, y } batches), a Dataset, or { x: Tensor, y }', v);
}

/** Where a batch holds NaN or ±Inf (its input, or tensor targets), for the non-finite-loss error; '' when it is finite. */
function nonFiniteIn(batch: Batch): string {
  const scan = (name: string, t: Tensor): string => {
    const d = t.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return `its ${name} (shape ${shapeStr(t.shape)}) holds ${d[i]} at flat index ${i}`;
    return '';
  };
  return scan('input x', batch.x) || (batch.y instanceof Tensor ? scan('target y', batch.y) : '');
}

const CHECKPOINT_FORMAT = 'nativegrad-trainer-checkpoint';
/** The deepest nesting accepted in a checkpoint's JSON state (saveCheckpoint writes about 6). */
const MAX_STATE_DEPTH = 64;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Trainer {
  readonly model: TrainableModel;
  readonly loss: LossModule;
  readonly optimizer: OptimizerLike;
  readonly scheduler?: SchedulerLike;
  readonly schedulerInterval: 'epoch' | 'batch';
  readonly ema?: EmaLike;
  readonly metrics: 'accuracy'[];
  /** forward, loss and backward of a training batch (`trainer.step.fused` says whether it is one native call) */
  readonly step: CompiledStep;
  /** set to true (e.g. from a callback) to stop after the current batch */
  stopTraining = false;
  /** the history of the current or last fit */
  history: History = { epochs: [] };
  private epochsDone = 0;

  constructor(opts: TrainerOptions) {
    const fn = 'new ng.Trainer';
    if (!opts || typeof opts !== 'object') throw argError(fn, 'options', 'an object { model, loss, optimizer, … }', opts);
    checkOptions(fn, opts, TRAINER_OPTIONS, '{ model, loss, optimizer }', 'options');
    const { model, loss, optimizer } = opts;
    if (!model || typeof model.forward !== 'function' || typeof model.parameters !== 'function')
      throw argError(fn, 'model', 'an ng.nn.Module (with forward and parameters)', model);
    if (!loss || typeof loss.forward !== 'function') throw argError(fn, 'loss', 'a loss module such as new ng.nn.CrossEntropyLoss()', loss);
    if (!optimizer || typeof optimizer.step !== 'function' || typeof optimizer.zeroGrad !== 'function')
      throw argError(fn, 'optimizer', 'an ng.optim optimizer', optimizer);
    if (opts.scheduler && typeof opts.scheduler.step !== 'function') throw argError(fn, 'scheduler', 'an ng.optim scheduler', opts.scheduler);
    if (opts.ema && (typeof opts.ema.update !== 'function' || typeof opts.ema.copyTo !== 'function')) throw argError(fn, 'ema', 'an ng.optim.EMA', opts.ema);
    if (opts.schedulerInterval !== undefined && opts.schedulerInterval !== 'epoch' && opts.schedulerInterval !== 'batch')
      throw argError(fn, 'schedulerInterval', "'epoch' or 'batch'", opts.schedulerInterval);
    if (opts.metrics !== undefined && (!Array.isArray(opts.metrics) || opts.metrics.some((m) => m !== 'accuracy')))
      throw argError(fn, 'metrics', "an array of metric names (supported: 'accuracy')", opts.metrics);
    if (opts.fused !== undefined && typeof opts.fused !== 'boolean') throw argError(fn, 'fused', 'a boolean', opts.fused);
    this.model = model;
    this.loss = loss;
    this.optimizer = optimizer;
    this.scheduler = opts.scheduler;
    this.schedulerInterval = opts.schedulerInterval ?? 'epoch';
    this.ema = opts.ema;
    this.metrics = opts.metrics ?? (/CrossEntropy/.test(loss.constructor?.name ?? '') ? ['accuracy'] : []);
    // parameters and gradients in one buffer each: zeroGrad is one fill, each optimizer step one
    // native call (Module.flattenParameters); the values and the results are the same
    if (model instanceof Module && model.parameterArena === null) model.flattenParameters();
    this.step = new CompiledStep(model, loss, { fuse: opts.fused ?? true });
  }

  /** Trains for `epochs` epochs (counting those of a resumed checkpoint) and returns the history. */
  async fit(loader: BatchSource, opts: FitOptions): Promise<History> {
    const fn = 'Trainer.fit';
    if (!loader || typeof (loader as Partial<BatchSource>)[Symbol.iterator] !== 'function')
      throw argError(fn, 'loader', 'an iterable of { x, y } batches (an ng.data.DataLoader)', loader);
    if (!opts || typeof opts !== 'object') throw argError(fn, 'options', 'an object { epochs, … }', opts);
    checkOptions(fn, opts, FIT_OPTIONS, '{ epochs: 10 }', 'options');
    if (opts.checkpoint !== undefined) checkOptions(fn, opts.checkpoint, ['path', 'every'], "{ path: 'run.ckpt', every: 1 }", 'checkpoint', 'checkpoint.');
    const validation = opts.validation === undefined ? undefined : validationBatches(fn, opts.validation, loader);
    const epochs = checkNumber(fn, 'epochs', opts.epochs, { integer: true, min: 0 });
    const every = opts.checkpoint ? checkNumber(fn, 'checkpoint.every', opts.checkpoint.every ?? 1, { integer: true, min: 1 }) : 0;
    if (opts.checkpoint && typeof opts.checkpoint.path !== 'string') throw argError(fn, 'checkpoint.path', 'a file path', opts.checkpoint.path);
    if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw argError(fn, 'signal', 'an AbortSignal', opts.signal);
    const callbacks = opts.callbacks === undefined ? [] : Array.isArray(opts.callbacks) ? opts.callbacks : [opts.callbacks];
    const yieldMs = opts.yieldEveryMs ?? 5;

    this.stopTraining = false;
    this.history = { epochs: [] };
    this.epochsDone = 0;
    if (opts.resumeFrom) this.loadCheckpoint(opts.resumeFrom, loader);

    const progress = createProgress(opts.progress);
    const signal = opts.signal;
    let lastYield = performance.now();
    try {
      for (const cb of callbacks) await cb.onTrainBegin?.(this);
      for (let epoch = this.epochsDone + 1; epoch <= epochs && !this.stopTraining; epoch++) {
        signal?.throwIfAborted();
        const t0 = performance.now();
        this.model.train();
        const nBatches = typeof loader.length === 'number' ? loader.length : 0;
        progress.startEpoch(epoch, epochs, nBatches);
        let lossSum = 0;
        let seen = 0;
        let correct = 0;
        let b = 0;
        const lr = this.optimizer.lr;
        for (const batch of loader) {
          b++;
          const n = batch.x.shape[0];
          this.optimizer.zeroGrad();
          const lv = this.step.run(batch.x, batch.y);
          if (!Number.isFinite(lv)) {
            this.optimizer.zeroGrad(); // the backward ran: leave no NaN gradients behind (the weights did not move)
            const bad = nonFiniteIn(batch);
            const kept = opts.checkpoint ? ` The last checkpoint (${opts.checkpoint.path}) was left as it was.` : '';
            throw new Error(
              bad
                ? `Trainer.fit: the loss became ${lv} at epoch ${epoch}, batch ${b}, because the batch itself is not finite: ${bad}. Clean the data (drop or impute the NaN/Inf values) before training.${kept}`
                : `Trainer.fit: the loss became ${lv} at epoch ${epoch}, batch ${b}. The batch is finite, so the learning rate (${this.optimizer.lr}) is probably too large: ` +
                  `try a smaller one (e.g. 10x smaller) or standardise the inputs.${kept}`,
            );
          }
          this.optimizer.step();
          this.ema?.update();
          if (this.scheduler && this.schedulerInterval === 'batch') this.scheduler.step();
          lossSum += lv * n;
          seen += n;
          if (this.metrics.includes('accuracy')) {
            const out = this.step.output as Tensor;
            correct += noGrad(() => countCorrect(out, batch.y));
          }
          const now = performance.now();
          progress.batch(b, lossSum / seen, (seen / (now - t0)) * 1000);
          for (const cb of callbacks) await cb.onBatchEnd?.({ epoch, batch: b, loss: lv, size: n }, this);
          if (now - lastYield >= yieldMs) {
            await yieldToEventLoop();
            lastYield = performance.now();
            signal?.throwIfAborted();
          }
          if (this.stopTraining) break;
        }
        if (this.scheduler && this.schedulerInterval === 'epoch') this.scheduler.step();
        const log: EpochLog = { epoch, loss: seen ? lossSum / seen : NaN, lr, seconds: 0 };
        if (this.metrics.includes('accuracy')) log.accuracy = seen ? correct / seen : NaN;
        if (validation) {
          const v = await this.evaluateWithEma(validation);
          log.valLoss = v.loss;
          if (v.accuracy !== undefined) log.valAccuracy = v.accuracy;
        }
        log.seconds = (performance.now() - t0) / 1000;
        this.history.epochs.push(log);
        this.epochsDone = epoch;
        progress.endEpoch(log);
        for (const cb of callbacks) {
          if ((await cb.onEpochEnd?.(log, this)) === false) {
            this.stopTraining = true;
            this.history.stopReason ??= 'callback';
          }
        }
        if (opts.checkpoint && (epoch % every === 0 || epoch === epochs || this.stopTraining)) this.saveCheckpoint(opts.checkpoint.path, loader);
      }
      for (const cb of callbacks) await cb.onTrainEnd?.(this.history, this);
    } finally {
      progress.stop();
    }
    return this.history;
  }

  /** Mean loss (and accuracy) over a loader, in eval mode and without recording. */
  async evaluate(loader: BatchSource): Promise<{ loss: number; accuracy?: number }> {
    if (!loader || typeof (loader as Partial<BatchSource>)[Symbol.iterator] !== 'function')
      throw argError('Trainer.evaluate', 'loader', 'an iterable of { x, y } batches', loader);
    const wasTraining = this.model.training;
    this.model.eval();
    let lossSum = 0;
    let seen = 0;
    let correct = 0;
    let lastYield = performance.now();
    try {
      for (const batch of loader) {
        const n = batch.x.shape[0];
        noGrad(() => {
          const out = this.model.forward(batch.x);
          const loss = this.loss.forward(out, batch.y);
          // a 'sum' loss is already summed over the batch; 'mean' (the default) is per sample
          lossSum += this.loss.reduction === 'sum' ? loss.item() : loss.item() * n;
          if (this.metrics.includes('accuracy')) correct += countCorrect(out, batch.y);
          loss.dispose();
          out.dispose();
        });
        seen += n;
        if (performance.now() - lastYield >= 5) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
    } finally {
      if (wasTraining) this.model.train();
    }
    const res: { loss: number; accuracy?: number } = { loss: seen ? lossSum / seen : NaN };
    if (this.metrics.includes('accuracy')) res.accuracy = seen ? correct / seen : NaN;
    return res;
  }

  /** The model's output for `x` (one forward over all of it), in eval mode and without recording. */
  predict(x: Tensor): Tensor {
    checkTensor('Trainer.predict', 'x', x);
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      return noGrad(() => this.model.forward(x));
    } finally {
      if (wasTraining) this.model.train();
    }
  }

  /** evaluate(), with the EMA's weights swapped in when an EMA is given. */
  private async evaluateWithEma(loader: BatchSource): Promise<{ loss: number; accuracy?: number }> {
    if (!this.ema) return this.evaluate(loader);
    const params = this.model.parameters();
    const saved = params.map((p) => new Float32Array(p.data));
    this.ema.copyTo(this.model as never);
    try {
      return await this.evaluate(loader);
    } finally {
      params.forEach((p, i) => p.data.set(saved[i]));
    }
  }

  /** Writes everything needed to resume: model, optimizer, scheduler, EMA, loader and RNG state, history. */
  saveCheckpoint(path: string, loader?: BatchSource): void {
    const state = {
      model: this.model.stateDict(),
      optimizer: this.optimizer.stateDict(),
      scheduler: this.scheduler?.stateDict?.(),
      ema: this.ema?.stateDict?.(),
      loader: loader?.stateDict?.(),
      rng: getRngState(),
      epoch: this.epochsDone,
      history: this.history,
    };
    const packed = packState(state);
    save(path, packed.tensors, { format: CHECKPOINT_FORMAT, version: '1', state: packed.json });
  }

  /** Restores a checkpoint written by saveCheckpoint/fit; returns the epoch it was saved after. */
  loadCheckpoint(path: string, loader?: BatchSource): number {
    const { tensors, metadata } = loadWithMetadata(path);
    if (metadata?.format !== CHECKPOINT_FORMAT || typeof metadata.state !== 'string')
      throw new Error(`Trainer.loadCheckpoint: ${path} is a safetensors file but not a Trainer checkpoint (no '${CHECKPOINT_FORMAT}' metadata)`);
    // the state is JSON inside a metadata string, which the header's own bounds do not see into
    if (jsonSizeProblem(metadata.state, MAX_STATE_DEPTH, MAX_HEADER_ITEMS))
      throw new Error(
        `Trainer.loadCheckpoint: ${path}: its 'state' metadata nests deeper than ${MAX_STATE_DEPTH} levels or holds more than ${MAX_HEADER_ITEMS} JSON items (MAX_HEADER_ITEMS): not a state written by saveCheckpoint`,
      );
    const s = unpackState(metadata.state, tensors) as {
      model: Record<string, Tensor>;
      optimizer: never;
      scheduler?: never;
      ema?: never;
      loader?: never;
      rng: Uint32Array;
      epoch: number;
      history: History;
    };
    this.model.loadStateDict(s.model);
    this.optimizer.loadStateDict(s.optimizer);
    if (s.scheduler !== undefined && s.scheduler !== null && this.scheduler?.loadStateDict) this.scheduler.loadStateDict(s.scheduler);
    if (s.ema !== undefined && s.ema !== null && this.ema?.loadStateDict) this.ema.loadStateDict(s.ema);
    if (s.loader !== undefined && s.loader !== null && loader?.loadStateDict) loader.loadStateDict(s.loader);
    setRngState(s.rng);
    this.epochsDone = s.epoch;
    this.history = s.history ?? { epochs: [] };
    return s.epoch;
  }
}

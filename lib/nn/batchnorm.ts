/**
 * BatchNorm1d(numFeatures, { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true })
 * over [N, C] or [N, C, L] inputs, as PyTorch's nn.BatchNorm1d.
 *
 *   parameters  weight γ [C] (ones), bias β [C] (zeros)                 — when affine
 *   buffers     running_mean [C] (zeros), running_var [C] (ones),
 *               num_batches_tracked [] (0; optional on load, as PyTorch) — when trackRunningStats
 *   training    normalise with the batch's biased statistics, y = (x − μ)/√(σ² + eps)·γ + β, and
 *               update running_mean ← (1 − m)·running_mean + m·μ,
 *                      running_var  ← (1 − m)·running_var  + m·σ²_unbiased   (σ²·M/(M − 1))
 *               with m = momentum, or 1/num_batches_tracked when momentum is null (a cumulative
 *               average, as PyTorch's momentum=None). One value per channel throws, as PyTorch.
 *   evaluation  normalise with running_mean and running_var (with trackRunningStats false: with
 *               the batch statistics, as PyTorch).
 * Forward and backward are one native call each (functional/batch_norm.ts, kernels/batchnorm.cc).
 * num_batches_tracked is a float32 0-d tensor (PyTorch's is int64).
 */
import { Tensor, allocate } from '../tensor';
import { argError, checkNumber, checkOptions, shapeError, shapeStr } from '../errors';
import { Module } from './module';
import { batchNorm1dAs } from './functional/batch_norm';

export interface BatchNorm1dOptions {
  eps?: number;
  /** Running-average factor; null for a cumulative average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

export class BatchNorm1d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  constructor(numFeatures: number, opts?: BatchNorm1dOptions) {
    super();
    const fn = 'new ng.nn.BatchNorm1d';
    this.numFeatures = checkNumber(fn, 'numFeatures', numFeatures, { integer: true, min: 1 });
    const o = checkOptions(fn, opts, ['eps', 'momentum', 'affine', 'trackRunningStats'], '{ eps: 1e-5, momentum: 0.1 }');
    this.eps = checkNumber(fn, 'eps', o.eps ?? 1e-5, { min: 0 });
    this.momentum = o.momentum === null ? null : checkNumber(fn, 'momentum', o.momentum ?? 0.1, { min: 0, max: 1 });
    for (const flag of ['affine', 'trackRunningStats'] as const)
      if (o[flag] !== undefined && typeof o[flag] !== 'boolean') throw argError(fn, flag, 'a boolean', o[flag]);
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    const C = this.numFeatures;
    const filled = (shape: number[], v: number): Tensor => {
      const d = allocate(fn, shape.length ? C : 1);
      if (v !== 0) d.fill(v);
      return new Tensor(d, shape);
    };
    this.weight = this.affine ? filled([C], 1) : null;
    this.bias = this.affine ? filled([C], 0) : null;
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
    this.runningMean = this.trackRunningStats ? filled([C], 0) : null;
    this.runningVar = this.trackRunningStats ? filled([C], 1) : null;
    this.numBatchesTracked = this.trackRunningStats ? filled([], 0) : null;
    this.registerBuffer('running_mean', this.runningMean);
    this.registerBuffer('running_var', this.runningVar);
    this.registerBuffer('num_batches_tracked', this.numBatchesTracked, { optional: true });
  }

  /** [N, C] or [N, C, L] → the same shape. */
  forward(x: Tensor): Tensor {
    const fn = `BatchNorm1d(${this.numFeatures}).forward`;
    if (x instanceof Tensor && !x.isDisposed && ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures))
      throw shapeError(fn, `expected an input of shape [N, ${this.numFeatures}] or [N, ${this.numFeatures}, L], got ${shapeStr(x.shape)}`);
    const update = this.training && this.trackRunningStats;
    const nbt = this.numBatchesTracked;
    const factor = update && this.momentum === null ? 1 / (nbt!.data[0] + 1) : (this.momentum ?? 0);
    const useRunning = this.trackRunningStats;
    const out = batchNorm1dAs(fn, x, useRunning ? this.runningMean : null, useRunning ? this.runningVar : null, this.weight, this.bias, {
      training: this.training,
      momentum: factor,
      eps: this.eps,
    });
    if (update) nbt!.data[0] += 1;
    return out;
  }

  /** Running statistics back to mean 0, variance 1, and num_batches_tracked to 0. */
  resetRunningStats(): void {
    this.runningMean?.data.fill(0);
    this.runningVar?.data.fill(1);
    this.numBatchesTracked?.data.fill(0);
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, track_running_stats=${this.trackRunningStats}`;
  }
}

/**
 * batchNorm1d(x, runningMean, runningVar, weight, bias, { training, momentum, eps }) — PyTorch's
 * F.batch_norm for x [N, C] or [N, C, L], statistics per channel c over the M = N·L values.
 * Kernel: native/kernels/batchnorm.cc (forward caches mean and rstd; closed-form backward).
 *
 *   batch statistics (training, or no running statistics given):
 *     μ = mean(x),  σ² = mean((x − μ)²)  (biased)            y = (x − μ)/√(σ² + eps)·γ + β
 *     when training with running statistics, in place:
 *       running_mean ← (1 − momentum)·running_mean + momentum·μ
 *       running_var  ← (1 − momentum)·running_var  + momentum·σ²·M/(M − 1)   (unbiased, as PyTorch)
 *   running statistics (evaluation): μ = running_mean, σ² = running_var
 *   backward (batch statistics), x̂ = (x − μ)·rstd:
 *     dx += γ·rstd·(g − mean(g) − x̂·mean(g·x̂)),  dγ += Σ g·x̂,  dβ += Σ g
 *   (running statistics: dx += γ·rstd·g; μ and σ² are constants)
 * Training on a single value per channel (M = 1) throws, as PyTorch does.
 */
import { Tensor, checkTensor, allocate } from '../../tensor';
import { record } from '../../autograd/node';
import { argError, checkNumber, checkOptions, rangeError, shapeError, shapeStr } from '../../errors';
import { output } from '../../ops/util';
import { native as k } from '../../native';

export interface BatchNormOptions {
  /** Normalise with batch statistics and update the running ones (default false). */
  training?: boolean;
  /** The running-average factor f of the update above (default 0.1). */
  momentum?: number;
  eps?: number;
}

const BATCH_NORM_OPTIONS = ['training', 'momentum', 'eps'] as const;

/**
 * @internal batchNorm1d with the caller's name in errors. Callers inside the library pass only
 * known options, so the unknown-key check is in the public batchNorm1d, not on this per-step path.
 */
export function batchNorm1dAs(
  fn: string,
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  opts: BatchNormOptions = {},
): Tensor {
  checkTensor(fn, 'input', x);
  const training = !!opts.training;
  const momentum = checkNumber(fn, 'momentum', opts.momentum ?? 0.1, { min: 0, max: 1 });
  const eps = checkNumber(fn, 'eps', opts.eps ?? 1e-5, { min: 0 });
  if (x.ndim !== 2 && x.ndim !== 3) throw shapeError(fn, `expected a 2-D [N, C] or 3-D [N, C, L] input, got shape ${shapeStr(x.shape)}`);
  const [N, C] = x.shape;
  const L = x.ndim === 3 ? x.shape[2] : 1;
  const per = (arg: string, t: Tensor | null): Tensor | null => {
    if (t === null || t === undefined) return null;
    checkTensor(fn, arg, t);
    if (t.ndim !== 1 || t.shape[0] !== C)
      throw shapeError(fn, `${arg} of shape ${shapeStr(t.shape)} does not fit the input of shape ${shapeStr(x.shape)}: expected [${C}]`);
    return t;
  };
  const rm = per('runningMean', runningMean);
  const rv = per('runningVar', runningVar);
  const w = per('weight', weight);
  const b = per('bias', bias);
  if ((rm === null) !== (rv === null)) throw rangeError(fn, 'give both runningMean and runningVar, or neither');
  if (training && N * L <= 1) throw rangeError(fn, `Expected more than 1 value per channel when training, got input of shape ${shapeStr(x.shape)}`);
  const batchStats = training || rm === null;
  if (batchStats && N * L === 0) throw rangeError(fn, `cannot take batch statistics of an empty input of shape ${shapeStr(x.shape)}`);

  const out = output(fn, x.shape);
  const mean = allocate(fn, C);
  const rstd = allocate(fn, C);
  // running statistics go to the kernel to be updated (training) or used (evaluation)
  const useRunning = rm !== null && (training || !batchStats);
  k.batchNorm1dForward(
    out.data,
    mean,
    rstd,
    useRunning ? rm!.data : null,
    useRunning ? rv!.data : null,
    x.data,
    w ? w.data : null,
    b ? b.data : null,
    N,
    C,
    L,
    eps,
    momentum,
    batchStats,
  );
  const inputs = [x];
  if (w) inputs.push(w);
  if (b) inputs.push(b);
  const wi = w ? 1 : -1;
  const bi = b ? (w ? 2 : 1) : -1;
  return record(out, 'batchNorm1d', inputs, (g, gradOf) => {
    k.batchNorm1dBackward(gradOf(0), wi > 0 ? gradOf(wi) : null, bi > 0 ? gradOf(bi) : null, g, x.data, mean, rstd, w ? w.data : null, N, C, L, batchStats);
  });
}

/** Batch normalisation over [N, C] or [N, C, L] (PyTorch's F.batch_norm). */
export function batchNorm1d(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  opts?: BatchNormOptions,
): Tensor {
  const fn = 'ng.nn.functional.batchNorm1d';
  const o = checkOptions(fn, opts, BATCH_NORM_OPTIONS, '{ training: true, momentum: 0.1, eps: 1e-5 }');
  if (o.training !== undefined && typeof o.training !== 'boolean') throw argError(fn, 'training', 'a boolean', o.training);
  return batchNorm1dAs(fn, x, runningMean, runningVar, weight, bias, o);
}

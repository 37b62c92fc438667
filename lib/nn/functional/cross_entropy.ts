/**
 * crossEntropy(logits, target, { reduction, labelSmoothing, weight, ignoreIndex }) — PyTorch 1.13's
 * F.cross_entropy for logits [N, K], fused with the softmax. Kernel: native/kernels/softmax_xent.cc.
 *
 *   target t: class indices y (Int32Array, number[] or a Tensor [N] of integral values)
 *             → t_n = (1 − ε)·onehot(y_n) + ε/K;  or probability rows (a Tensor [N, K])
 *             → t_n = (1 − ε)·target_n + ε/K.     ε = labelSmoothing (default 0)
 *   weight w [K] (default all 1): c_nk = w_k t_nk
 *   loss_n = −Σ_k c_nk · log softmax(x_n)_k = Σ_k c_nk (lse_n − x_nk),  lse_n = log Σ_k e^{x_nk}
 *   ignoreIndex (default −100, as PyTorch; class indices only): a row whose class equals it has
 *             loss 0, no gradient, and does not count in the mean.
 *   reduction 'mean' (default): Σ_n loss_n / D with D = Σ_n w_{y_n} over the rows not ignored
 *             (N without weights or ignored rows; an empty D gives NaN, as PyTorch); for
 *             probability targets D = N, as PyTorch (the batch size, not N·K);
 *             'sum': Σ_n loss_n; 'none': loss [N] (0 at ignored rows).
 *   backward  dlogits_n += g_n (p_n·Σ_k c_nk − c_n)      p = softmax(x), cached by the forward
 *             dtarget_n += −g_n (1 − ε) w ⊙ log p_n      (probability targets that require grad)
 *
 * Stable for any logits (±1e4 included): the log-sum-exp subtracts the row maximum and the loss
 * is formed as (max − x) + log Σ. One native call forward, one backward.
 * Not supported (unlike PyTorch): inputs of more than 2 dimensions ([N, K, d1, …]).
 */
import { Tensor, checkTensor } from '../../tensor';
import { record } from '../../autograd/node';
import { argError, checkNumber, checkOptions, rangeError, shapeError, shapeStr } from '../../errors';
import { giveBack, takeUninit } from '../../autograd/pool';
import { native as k } from '../../native';

export type Reduction = 'mean' | 'sum' | 'none';
/** Class indices, or a Tensor: [N] class indices or [N, K] probability rows. */
export type CrossEntropyTarget = Int32Array | number[] | Tensor;

export interface CrossEntropyOptions {
  reduction?: Reduction;
  labelSmoothing?: number;
  /** a rescaling weight per class, a Tensor [K] (PyTorch's weight) */
  weight?: Tensor | null;
  /** a class index whose rows are left out of the loss and its gradient (default −100, as PyTorch) */
  ignoreIndex?: number;
}

/** PyTorch's default ignore_index. */
export const DEFAULT_IGNORE_INDEX = -100;
/** @internal the option names of crossEntropy and CrossEntropyLoss */
export const CROSS_ENTROPY_OPTIONS = ['reduction', 'labelSmoothing', 'weight', 'ignoreIndex'];

/** @internal checks a class-weight option: null, or a 1-D Tensor (its length is checked against K at each call). */
export function checkClassWeight(fn: string, w: unknown): Tensor | null {
  if (w === undefined || w === null) return null;
  if (!(w instanceof Tensor) || w.ndim !== 1) throw argError(fn, 'weight', 'a 1-D Tensor with one weight per class', w);
  checkTensor(fn, 'weight', w);
  return w;
}

/** @internal checks ignoreIndex: a 32-bit integer */
export function checkIgnoreIndex(fn: string, v: unknown): number {
  return checkNumber(fn, 'ignoreIndex', v ?? DEFAULT_IGNORE_INDEX, { integer: true, min: -(2 ** 31), max: 2 ** 31 - 1 });
}

/**
 * @internal the denominator of a 'mean' over class indices: Σ_n w_{y_n} over the rows whose class
 * is not `ignore` (their count without weights), summed in double.
 */
export function meanDenominator(classes: Int32Array, N: number, weight: Float32Array | null, ignore: number): number {
  let d = 0;
  for (let n = 0; n < N; n++) {
    const y = classes[n];
    if (y !== ignore) d += weight === null ? 1 : weight[y];
  }
  return d;
}

/** @internal checks a reduction option */
export function checkReduction(fn: string, r: unknown): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw argError(fn, 'reduction', "'mean', 'sum' or 'none'", r);
  return r;
}

/**
 * Class indices copied (the backward must not see later edits) into an Int32Array over the bytes of
 * `store`, a scratch buffer of N elements from the tape's pool, each checked to lie in [0, K).
 */
function classIndices(
  fn: string,
  target: Int32Array | number[] | Tensor,
  N: number,
  K: number,
  logitsShape: readonly number[],
  store: Float32Array,
  ignore: number,
): Int32Array {
  const len = target instanceof Tensor ? target.shape[0] : target.length;
  if (len !== N) throw shapeError(fn, `batch size mismatch: input of shape ${shapeStr(logitsShape)} has ${N} rows but the target has ${len} class indices`);
  const out = new Int32Array(store.buffer, store.byteOffset, N);
  if (target instanceof Int32Array) {
    // integers already: copy at once, then only the range needs checking
    out.set(target);
    for (let i = 0; i < N; i++) {
      const v = out[i];
      if ((v < 0 || v >= K) && v !== ignore) throw outOfRange(fn, i, v, K, logitsShape);
    }
    return out;
  }
  const src: ArrayLike<number> = target instanceof Tensor ? target.data : target;
  for (let i = 0; i < N; i++) {
    const v = src[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw argError(fn, `target[${i}]`, 'an integer class index', v);
    if ((v < 0 || v >= K) && v !== ignore) throw outOfRange(fn, i, v, K, logitsShape);
    out[i] = v;
  }
  return out;
}

function outOfRange(fn: string, i: number, v: number, K: number, logitsShape: readonly number[]): Error {
  return rangeError(fn, `target[${i}] = ${v} is out of range: the input of shape ${shapeStr(logitsShape)} has ${K} classes (valid: 0 … ${K - 1})`);
}

/** Per-row losses that only the forward reads (reductions 'mean' and 'sum'): one buffer, reused. */
let rowScratch = new Float32Array(0);

/** @internal crossEntropy with the caller's name in errors. */
export function crossEntropyAs(fn: string, logits: Tensor, target: CrossEntropyTarget, opts: CrossEntropyOptions = {}): Tensor {
  checkTensor(fn, 'input', logits);
  checkOptions(fn, opts, CROSS_ENTROPY_OPTIONS, "{ reduction: 'mean', labelSmoothing: 0.1 }");
  const reduction = checkReduction(fn, opts.reduction ?? 'mean');
  const eps = checkNumber(fn, 'labelSmoothing', opts.labelSmoothing ?? 0, { min: 0, max: 1 });
  const weight = checkClassWeight(fn, opts.weight);
  const ignore = checkIgnoreIndex(fn, opts.ignoreIndex);
  if (logits.ndim !== 2) throw argError(fn, 'input', 'a 2-D Tensor of logits [N, K]', logits);
  const [N, K] = logits.shape;
  if (K === 0) throw shapeError(fn, `input of shape ${shapeStr(logits.shape)} has no classes`);
  if (weight !== null && weight.shape[0] !== K)
    throw shapeError(
      fn,
      `weight of shape ${shapeStr(weight.shape)} does not fit the input of shape ${shapeStr(logits.shape)}: it needs one weight per class, [${K}]`,
    );
  const wd = weight === null ? null : weight.data;

  let classes: Int32Array | null = null;
  let classStore: Float32Array | null = null; // the bytes of `classes`, pooled as tape scratch
  let probsTarget: Tensor | null = null;
  if (target instanceof Tensor) {
    checkTensor(fn, 'target', target);
    if (target.ndim === 2) {
      if (target.shape[0] !== N || target.shape[1] !== K)
        throw shapeError(fn, `target probabilities of shape ${shapeStr(target.shape)} do not match the input of shape ${shapeStr(logits.shape)}`);
      if (opts.ignoreIndex !== undefined && ignore >= 0)
        throw rangeError(
          fn,
          `ignoreIndex (${ignore}) applies to class-index targets, not to probabilities ${shapeStr(target.shape)} (PyTorch: "ignore_index is not supported for floating point target")`,
        );
      probsTarget = target;
    } else if (target.ndim === 1) {
      classStore = takeUninit(fn, N);
      classes = classIndices(fn, target, N, K, logits.shape, classStore, ignore);
    } else {
      throw shapeError(fn, `target of shape ${shapeStr(target.shape)} fits neither class indices [${N}] nor probabilities ${shapeStr(logits.shape)}`);
    }
  } else if (target instanceof Int32Array || Array.isArray(target)) {
    classStore = takeUninit(fn, N);
    classes = classIndices(fn, target, N, K, logits.shape, classStore, ignore);
  } else {
    throw argError(fn, 'target', 'class indices (Int32Array or number[]) or a Tensor of probabilities [N, K]', target);
  }

  // the kernel writes every element of these (the cache: recycled once backward() is done with it)
  const rowLoss = reduction === 'none' ? takeUninit(fn, N) : rowScratch.length >= N ? rowScratch : (rowScratch = new Float32Array(N)); // the kernel writes the first N
  const probs = takeUninit(fn, N * K);
  const lse = takeUninit(fn, N);
  // the plain case (no weight, no row ignored) passes neither to the kernels
  const ignoring = classes !== null && classes.includes(ignore);
  const plain = wd === null && !ignoring;
  const total = plain
    ? k.softmaxXentForward(rowLoss, probs, lse, logits.data, classes, probsTarget ? probsTarget.data : null, N, K, eps)
    : k.softmaxXentForward(rowLoss, probs, lse, logits.data, classes, probsTarget ? probsTarget.data : null, N, K, eps, wd, classes ? ignore : null);
  // mean over an empty batch (or with every row ignored) is NaN, as PyTorch
  const denominator = classes !== null && !plain ? meanDenominator(classes, N, wd, ignore) : N;
  let out: Tensor;
  if (reduction === 'none') {
    out = new Tensor(rowLoss, [N]);
  } else {
    const v = new Float32Array(1);
    v[0] = reduction === 'sum' ? total : total / denominator;
    out = new Tensor(v, []);
  }
  const stride = reduction === 'none' ? 1 : 0;
  const scale = reduction === 'mean' ? 1 / denominator : 1;
  const inputs = probsTarget ? [logits, probsTarget] : [logits];
  record(
    out,
    'crossEntropy',
    inputs,
    (g, gradOf) => {
      // the plain case passes no weight and no ignored index (null: absent), as the forward
      k.softmaxXentBackward(
        gradOf(0),
        probsTarget ? gradOf(1) : null,
        g,
        stride,
        scale,
        probs,
        lse,
        logits.data,
        classes,
        probsTarget ? probsTarget.data : null,
        N,
        K,
        eps,
        plain ? null : wd,
        plain || !classes ? null : ignore,
      );
    },
    classStore ? [probs, lse, classStore] : [probs, lse],
  );
  if (out._node === null) {
    giveBack(probs); // nothing will need the cache
    giveBack(lse);
    if (classStore) giveBack(classStore);
  }
  return out;
}

/** Cross-entropy between logits [N, K] and class indices or probability rows (PyTorch's F.cross_entropy). */
export function crossEntropy(logits: Tensor, target: CrossEntropyTarget, opts: CrossEntropyOptions = {}): Tensor {
  return crossEntropyAs('ng.nn.functional.crossEntropy', logits, target, opts);
}

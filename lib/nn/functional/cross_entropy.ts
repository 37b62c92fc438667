/**
 * crossEntropy(logits, target, { reduction, labelSmoothing }) — PyTorch's F.cross_entropy for
 * logits [N, K], fused with the softmax. Kernel: native/kernels/softmax_xent.cc.
 *
 *   target t: class indices y (Int32Array, number[] or a Tensor [N] of integral values)
 *             → t_n = (1 − ε)·onehot(y_n) + ε/K;  or probability rows (a Tensor [N, K])
 *             → t_n = (1 − ε)·target_n + ε/K.     ε = labelSmoothing (default 0)
 *   loss_n = −Σ_k t_nk · log softmax(x_n)_k = Σ_k t_nk (lse_n − x_nk),  lse_n = log Σ_k e^{x_nk}
 *   reduction 'mean' (default): (1/N) Σ_n loss_n — for probability targets too, as PyTorch
 *             (it divides by the batch size, not by N·K); 'sum': Σ_n loss_n; 'none': loss [N].
 *   backward  dlogits_n += g_n (p_n·Σ_k t_nk − t_n)      p = softmax(x), cached by the forward
 *             dtarget_n += −g_n (1 − ε) log p_n          (probability targets that require grad)
 *
 * Stable for any logits (±1e4 included): the log-sum-exp subtracts the row maximum and the loss
 * is formed as (max − x) + log Σ. One native call forward, one backward.
 * Not supported (unlike PyTorch): class weights, ignore_index, inputs of more than 2 dimensions.
 */
import { Tensor, checkTensor } from '../../tensor';
import { record } from '../../autograd/node';
import { argError, checkNumber, rangeError, shapeError, shapeStr } from '../../errors';
import { giveBack, takeUninit } from '../../autograd/pool';
import { k } from '../kernels';

export type Reduction = 'mean' | 'sum' | 'none';
/** Class indices, or a Tensor: [N] class indices or [N, K] probability rows. */
export type CrossEntropyTarget = Int32Array | number[] | Tensor;

export interface CrossEntropyOptions {
  reduction?: Reduction;
  labelSmoothing?: number;
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
function classIndices(fn: string, target: Int32Array | number[] | Tensor, N: number, K: number, logitsShape: readonly number[], store: Float32Array): Int32Array {
  const len = target instanceof Tensor ? target.shape[0] : target.length;
  if (len !== N)
    throw shapeError(
      fn,
      `batch size mismatch: input of shape ${shapeStr(logitsShape)} has ${N} rows but the target has ${len} class indices`,
    );
  const out = new Int32Array(store.buffer, store.byteOffset, N);
  if (target instanceof Int32Array) {
    // integers already: copy at once, then only the range needs checking
    out.set(target);
    for (let i = 0; i < N; i++) {
      const v = out[i];
      if (v < 0 || v >= K) throw outOfRange(fn, i, v, K, logitsShape);
    }
    return out;
  }
  const src: ArrayLike<number> = target instanceof Tensor ? target.data : target;
  for (let i = 0; i < N; i++) {
    const v = src[i];
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw argError(fn, `target[${i}]`, 'an integer class index', v);
    if (v < 0 || v >= K) throw outOfRange(fn, i, v, K, logitsShape);
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
  const reduction = checkReduction(fn, opts.reduction ?? 'mean');
  const eps = checkNumber(fn, 'labelSmoothing', opts.labelSmoothing ?? 0, { min: 0, max: 1 });
  if (logits.ndim !== 2) throw argError(fn, 'input', 'a 2-D Tensor of logits [N, K]', logits);
  const [N, K] = logits.shape;
  if (K === 0) throw shapeError(fn, `input of shape ${shapeStr(logits.shape)} has no classes`);

  let classes: Int32Array | null = null;
  let classStore: Float32Array | null = null; // the bytes of `classes`, pooled as tape scratch
  let probsTarget: Tensor | null = null;
  if (target instanceof Tensor) {
    checkTensor(fn, 'target', target);
    if (target.ndim === 2) {
      if (target.shape[0] !== N || target.shape[1] !== K)
        throw shapeError(fn, `target probabilities of shape ${shapeStr(target.shape)} do not match the input of shape ${shapeStr(logits.shape)}`);
      probsTarget = target;
    } else if (target.ndim === 1) {
      classStore = takeUninit(fn, N);
      classes = classIndices(fn, target, N, K, logits.shape, classStore);
    } else {
      throw shapeError(fn, `target of shape ${shapeStr(target.shape)} fits neither class indices [${N}] nor probabilities ${shapeStr(logits.shape)}`);
    }
  } else if (target instanceof Int32Array || Array.isArray(target)) {
    classStore = takeUninit(fn, N);
    classes = classIndices(fn, target, N, K, logits.shape, classStore);
  } else {
    throw argError(fn, 'target', 'class indices (Int32Array or number[]) or a Tensor of probabilities [N, K]', target);
  }

  // the kernel writes every element of these (the cache: recycled once backward() is done with it)
  const rowLoss = reduction === 'none' ? takeUninit(fn, N) : rowScratch.length >= N ? rowScratch : (rowScratch = new Float32Array(N)); // the kernel writes the first N
  const probs = takeUninit(fn, N * K);
  const lse = takeUninit(fn, N);
  const total = k.softmaxXentForward(rowLoss, probs, lse, logits.data, classes, probsTarget ? probsTarget.data : null, N, K, eps);
  let out: Tensor;
  if (reduction === 'none') {
    out = new Tensor(rowLoss, [N]);
  } else {
    const v = new Float32Array(1);
    v[0] = reduction === 'sum' ? total : total / N; // mean over an empty batch is NaN, as PyTorch
    out = new Tensor(v, []);
  }
  const stride = reduction === 'none' ? 1 : 0;
  const scale = reduction === 'mean' ? 1 / N : 1;
  const inputs = probsTarget ? [logits, probsTarget] : [logits];
  record(
    out,
    'crossEntropy',
    inputs,
    (g, gradOf) => {
      k.softmaxXentBackward(gradOf(0), probsTarget ? gradOf(1) : null, g, stride, scale, probs, lse, logits.data, classes, probsTarget ? probsTarget.data : null, N, K, eps);
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

/** Classification metrics computed natively over whole batches. */
import { native } from '../native';
import { Tensor, checkTensor } from '../tensor';
import { argError, shapeError, shapeStr } from '../errors';

const k = native;

/** Index of the largest score in each row of a [N, K] tensor (first on ties). */
export function argmax(scores: Tensor): Int32Array {
  const t = checkTensor('ng.argmax', 'scores', scores);
  if (t.ndim !== 2) throw argError('ng.argmax', 'scores', 'a 2-D Tensor [N, K]', t);
  const out = new Int32Array(t.shape[0]);
  k.argmaxRows(out, t.data, t.shape[0], t.shape[1]);
  return out;
}

/** Class labels from a target: class indices as given, or the argmax of probability rows. */
export function labelsOf(fn: string, target: Tensor | Int32Array | number[], n: number): Int32Array {
  let labels: Int32Array;
  if (target instanceof Int32Array) labels = target;
  else if (Array.isArray(target)) labels = Int32Array.from(target);
  else if (target instanceof Tensor) labels = target.ndim === 2 ? argmax(target) : Int32Array.from(target.data);
  else throw argError(fn, 'target', 'class indices (Int32Array | number[]) or a Tensor', target);
  if (labels.length !== n) throw shapeError(fn, `scores have ${n} rows but the target has ${labels.length} labels`);
  return labels;
}

/** Number of rows whose argmax equals the label. */
export function countCorrect(scores: Tensor, target: Tensor | Int32Array | number[]): number {
  const t = checkTensor('ng.countCorrect', 'scores', scores);
  if (t.ndim !== 2) throw argError('ng.countCorrect', 'scores', `a 2-D Tensor [N, K]`, t);
  const labels = labelsOf('ng.countCorrect', target, t.shape[0]);
  return k.countCorrect(t.data, labels, t.shape[0], t.shape[1]);
}

/** Fraction of rows whose argmax equals the label. */
export function accuracy(scores: Tensor, target: Tensor | Int32Array | number[]): number {
  const n = checkTensor('ng.accuracy', 'scores', scores).shape[0];
  if (n === 0) throw shapeError('ng.accuracy', `scores of shape ${shapeStr(scores.shape)} have no rows`);
  return countCorrect(scores, target) / n;
}

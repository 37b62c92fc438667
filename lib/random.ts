/** Random draws that are not tensors. */
import { native } from './native';
import { checkNumber } from './errors';

/** A uniformly random permutation of 0 … n−1, following ng.manualSeed (PyTorch's randperm). */
export function randperm(n: number): Int32Array {
  checkNumber('ng.randperm', 'n', n, { integer: true, min: 0, max: 2 ** 31 - 1 });
  const out = new Int32Array(n);
  native.rngPermutation(out);
  return out;
}

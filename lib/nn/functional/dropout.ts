/**
 * dropout(x, p = 0.5, training = true) — inverted dropout, PyTorch's F.dropout.
 * Kernel: native/kernels/dropout.cc; the mask comes from the library's generator (ng.manualSeed).
 *
 *   training  mask_i = 1/(1 − p) with probability 1 − p, else 0;   out = x ⊙ mask;   dx += g ⊙ mask
 *             (p = 1 gives zeros, as PyTorch)
 *   otherwise the input itself is returned (identity), as PyTorch does.
 */
import { Tensor, checkTensor } from '../../tensor';
import { record } from '../../autograd/node';
import { giveBack, takeUninit } from '../../autograd/pool';
import { checkNumber } from '../../errors';
import { output } from '../../ops/util';
import { native as k } from '../../native';

/** @internal dropout with the caller's name in errors. */
export function dropoutAs(fn: string, x: Tensor, p: number, training: boolean): Tensor {
  checkTensor(fn, 'input', x);
  checkNumber(fn, 'p', p, { min: 0, max: 1 });
  if (!training || p === 0) return x;
  const out = output(fn, x.shape);
  const mask = takeUninit(fn, x.size); // every element is written (0 or 1/(1 − p)); recycled after backward()
  k.dropoutForward(out.data, mask, x.data, p);
  record(out, 'dropout', [x], (g, gradOf) => k.dropoutBackward(gradOf(0)!, g, mask), [mask]);
  if (out._node === null) giveBack(mask);
  return out;
}

/** Inverted dropout (PyTorch's F.dropout). */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  return dropoutAs('ng.nn.functional.dropout', x, p, training);
}

/**
 * mseLoss(input, target, { reduction }) — PyTorch's F.mse_loss for two tensors of the same shape.
 * Kernel: native/kernels/mse.cc.
 *
 *   e_i = (input_i − target_i)²
 *   'mean' (default): (1/n) Σ_i e_i over every element (n = input.size, not the batch size, as
 *   PyTorch); 'sum': Σ_i e_i; 'none': e with the input's shape.
 *   backward  dinput += 2 g (input − target),  dtarget −= 2 g (input − target)   (g scaled by 1/n for 'mean')
 * Unlike PyTorch, shapes must match exactly (PyTorch broadcasts with a warning).
 */
import { Tensor, checkTensor, allocate } from '../../tensor';
import { record } from '../../autograd/node';
import { checkOptions, shapeError, shapeStr } from '../../errors';
import { sameShape } from '../../shape';
import { native as k } from '../../native';
import { Reduction, checkReduction } from './cross_entropy';

export interface MSEOptions {
  reduction?: Reduction;
}

/**
 * @internal mseLoss with the caller's name in errors. Callers inside the library pass only known
 * options, so the unknown-key check is in the public mseLoss, not on this per-step path.
 */
export function mseLossAs(fn: string, input: Tensor, target: Tensor, opts: MSEOptions = {}): Tensor {
  checkTensor(fn, 'input', input);
  checkTensor(fn, 'target', target);
  const reduction = checkReduction(fn, opts.reduction ?? 'mean');
  if (!sameShape(input.shape, target.shape))
    throw shapeError(fn, `input of shape ${shapeStr(input.shape)} and target of shape ${shapeStr(target.shape)} must have the same shape`);
  const n = input.size;
  let out: Tensor;
  if (reduction === 'none') {
    out = new Tensor(allocate(fn, n), input.shape);
    k.mseForward(out.data, input.data, target.data);
  } else {
    const total = k.mseForward(null, input.data, target.data);
    const v = new Float32Array(1);
    v[0] = reduction === 'sum' ? total : total / n; // mean of nothing is NaN, as PyTorch
    out = new Tensor(v, []);
  }
  const stride = reduction === 'none' ? 1 : 0;
  const scale = reduction === 'mean' ? 1 / n : 1;
  return record(out, 'mseLoss', [input, target], (g, gradOf) => {
    k.mseBackward(gradOf(0), gradOf(1), g, stride, scale, input.data, target.data);
  });
}

/** Mean squared error (PyTorch's F.mse_loss). */
export function mseLoss(input: Tensor, target: Tensor, opts?: MSEOptions): Tensor {
  const fn = 'ng.nn.functional.mseLoss';
  return mseLossAs(fn, input, target, checkOptions(fn, opts, ['reduction'], "{ reduction: 'sum' }"));
}

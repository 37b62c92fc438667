/**
 * Rprop (resilient back-propagation) — PyTorch's `torch.optim.Rprop` rule (kernel:
 * native/kernels/optim.cc, `rprop_step`). Only the sign of the gradient is used; every weight has
 * its own step size Δ, which starts at `lr`:
 *
 *   s = sign(g · g_prev),  f = η₊ if s > 0,  η₋ if s < 0,  1 if s = 0
 *   Δ ← clamp(f·Δ, Δmin, Δmax)
 *   where s < 0 (the sign flipped: the last step jumped over a minimum) g ← 0 for this step:
 *     the weight does not move, and g_prev = 0 makes the next step count as s = 0
 *   θ ← θ − sign(g)·Δ,   g_prev ← g
 *
 * This is Rprop without weight backtracking (Riedmiller & Braun's "Rprop−"), as in PyTorch.
 * As in PyTorch, `lr` only sets the initial step size of a parameter's state: changing `lr` later
 * (by hand or with a scheduler) does not affect parameters that already took a step.
 */
import { rangeError } from '../errors';
import { native as kernels } from '../native';
import { ArgName, Optimizer, ParamGroup, ParamState, Params, checkHyper, checkLr, given, checkPair } from './optimizer';

export interface RpropOptions {
  /** Initial step size Δ of every weight (default 0.01). */
  lr: number;
  /** `[η₋, η₊]`: step-size factors after a sign flip and after a sign agreement, 0 < η₋ < 1 < η₊ (default [0.5, 1.2]). */
  etas: [number, number];
  /** `[Δmin, Δmax]`: bounds of the step size, 0 <= Δmin <= Δmax (default [1e-6, 50]). */
  stepSizes: [number, number];
}

const NAMES = ['lr', 'etas', 'stepSizes'] as const;

export class Rprop extends Optimizer<RpropOptions> {
  constructor(params: Params<RpropOptions>, opts: Partial<RpropOptions> = {}) {
    super('ng.optim.Rprop', params, { lr: 0.01, etas: [0.5, 1.2], stepSizes: [1e-6, 50], ...given('ng.optim.Rprop', opts, '{ lr: 0.01 }') });
  }

  protected optionNames(): readonly string[] {
    return NAMES;
  }
  protected bufferNames(): readonly string[] {
    return ['prev', 'stepSize'];
  }

  protected checkOptions(o: Partial<RpropOptions>, name: ArgName): RpropOptions {
    const fn = this.fn;
    const lr = checkLr(fn, name('lr'), o.lr);
    const etas = checkPair(fn, name('etas'), o.etas, '[0.5, 1.2]');
    for (const i of [0, 1]) etas[i] = checkHyper(fn, `${name('etas')}[${i}]`, 'eta value', etas[i], '> 0', (x) => x > 0);
    if (!(etas[0] < 1 && 1 < etas[1]))
      throw rangeError(fn, `Invalid eta values: ${etas[0]}, ${etas[1]} (${name('etas')} must satisfy 0 < etas[0] < 1 < etas[1])`);
    const stepSizes = checkPair(fn, name('stepSizes'), o.stepSizes, '[1e-6, 50]');
    for (const i of [0, 1]) stepSizes[i] = checkHyper(fn, `${name('stepSizes')}[${i}]`, 'step size bound', stepSizes[i], '>= 0', (x) => x >= 0);
    if (!(stepSizes[0] <= stepSizes[1]))
      throw rangeError(fn, `Invalid step size bounds: ${stepSizes[0]}, ${stepSizes[1]} (${name('stepSizes')} must satisfy stepSizes[0] <= stepSizes[1])`);
    return { lr, etas, stepSizes };
  }

  protected updateGroup(group: ParamGroup<RpropOptions>, params: Float32Array[], grads: Float32Array[], states: ParamState[]): void {
    const prev: Float32Array[] = [];
    const sizes: Float32Array[] = [];
    for (let k = 0; k < params.length; k++) {
      const size = params[k].length;
      prev.push(this.buffer(states[k], 'prev', size).buf);
      sizes.push(this.buffer(states[k], 'stepSize', size, group.lr).buf);
    }
    const [etaMinus, etaPlus] = group.etas;
    const [stepMin, stepMax] = group.stepSizes;
    kernels.rpropStep(params, grads, prev, sizes, etaMinus, etaPlus, stepMin, stepMax);
  }
}

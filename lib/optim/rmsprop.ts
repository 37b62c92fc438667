/**
 * RMSprop — PyTorch's `torch.optim.RMSprop` rule (kernel: native/kernels/optim.cc, `rmsprop_step`):
 *
 *   d = g + λθ                                            (weightDecay λ)
 *   v ← αv + (1 − α)d²                                    (smoothing α, v starts at 0)
 *   centered:  ḡ ← αḡ + (1 − α)d,   s = √(v − ḡ²) + ε     otherwise  s = √v + ε
 *   μ > 0:     b ← μb + d/s,   θ ← θ − ηb                 otherwise  θ ← θ − η·d/s
 *
 * ε is added outside the square root, as PyTorch (and Hinton's slides) do; the lecture's form
 * divides by √(v + ε), which differs only while v is comparable to ε (the first steps, or
 * parameters whose gradients are ~0). Centered RMSprop normalises by an estimate of the gradient's
 * variance instead of its second moment.
 */
import { native as kernels } from '../native';
import { ArgName, Optimizer, ParamGroup, ParamState, Params, checkBool, checkHyper, given, checkLr } from './optimizer';

export interface RMSpropOptions {
  /** Learning rate η (default 0.01). */
  lr: number;
  /** Smoothing constant α of the squared-gradient average (default 0.99). */
  alpha: number;
  /** ε added to the root's value for stability (default 1e-8). */
  eps: number;
  /** L2 penalty λ >= 0 added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor μ >= 0 (default 0). */
  momentum: number;
  /** Normalise by the gradient's estimated variance (default false). */
  centered: boolean;
}

const NAMES = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'] as const;

export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, opts: Partial<RMSpropOptions> = {}) {
    super('ng.optim.RMSprop', params, {
      lr: 0.01,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      ...given('ng.optim.RMSprop', opts, '{ lr: 0.01 }'),
    });
  }

  protected optionNames(): readonly string[] {
    return NAMES;
  }
  protected bufferNames(): readonly string[] {
    return ['squareAvg', 'gradAvg', 'momentumBuffer'];
  }

  protected checkOptions(o: Partial<RMSpropOptions>, name: ArgName): RMSpropOptions {
    const fn = this.fn;
    return {
      lr: checkLr(fn, name('lr'), o.lr),
      alpha: checkHyper(fn, name('alpha'), 'alpha value', o.alpha, '>= 0', (x) => x >= 0),
      eps: checkHyper(fn, name('eps'), 'epsilon value', o.eps, '>= 0', (x) => x >= 0),
      weightDecay: checkHyper(fn, name('weightDecay'), 'weight_decay value', o.weightDecay, '>= 0', (x) => x >= 0),
      momentum: checkHyper(fn, name('momentum'), 'momentum value', o.momentum, '>= 0', (x) => x >= 0),
      centered: checkBool(fn, name('centered'), o.centered),
    };
  }

  protected updateGroup(group: ParamGroup<RMSpropOptions>, params: Float32Array[], grads: Float32Array[], states: ParamState[]): void {
    const n = params.length;
    const sq: Float32Array[] = [];
    const gavg: Float32Array[] | null = group.centered ? [] : null;
    const bufs: Float32Array[] | null = group.momentum > 0 ? [] : null;
    for (let k = 0; k < n; k++) {
      const size = params[k].length;
      sq.push(this.buffer(states[k], 'squareAvg', size).buf);
      if (gavg) gavg.push(this.buffer(states[k], 'gradAvg', size).buf);
      if (bufs) bufs.push(this.buffer(states[k], 'momentumBuffer', size).buf);
    }
    kernels.rmspropStep(params, grads, sq, gavg, bufs, group.lr, group.alpha, group.eps, group.weightDecay, group.momentum);
  }
}

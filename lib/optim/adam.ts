/**
 * Adam and AdamW — PyTorch's `torch.optim.Adam` / `torch.optim.AdamW` rules (kernel:
 * native/kernels/optim.cc, `adam_step`). With t the parameter's step count (from 1):
 *
 *   AdamW:  θ ← (1 − ηλ)θ                         decoupled weight decay, before the update
 *   Adam:   d = g + λθ                             L2 weight decay folded into the gradient
 *   m ← β1·m + (1 − β1)·d                          first moment
 *   v ← β2·v + (1 − β2)·d²                         second moment
 *   amsgrad: v̂ ← max(v̂, v), used in place of v     (the running maximum, as PyTorch keeps it)
 *   θ ← θ − η/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
 *
 * The last line is the paper's θ ← θ − η·m̂/(√v̂ + ε) with m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ),
 * arranged as PyTorch arranges it (ε added after the bias correction of √v).
 * With Adam's L2 decay the penalty passes through the adaptive scaling (so heavily-updated weights
 * are decayed less); AdamW decays every weight by the same factor 1 − ηλ (Loshchilov & Hutter).
 */
import { native as kernels } from '../native';
import { ArgName, Optimizer, ParamGroup, ParamState, Params, checkBool, checkHyper, checkLr, checkPair, given } from './optimizer';

export interface AdamOptions {
  /** Learning rate η (default 1e-3). */
  lr: number;
  /** Decay rates [β1, β2] of the moment averages, each in [0, 1) (default [0.9, 0.999]). */
  betas: [number, number];
  /** ε added to the denominator (default 1e-8). */
  eps: number;
  /** Weight decay λ >= 0 (Adam: L2 in the gradient, default 0; AdamW: decoupled, default 0.01). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad; default false). */
  amsgrad: boolean;
}

const NAMES = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'] as const;

abstract class AdamFamily extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;
  /** Each tensor's step count for the native call (its first entries), reused across steps. */
  private steps = new Float64Array(16);

  protected optionNames(): readonly string[] {
    return NAMES;
  }
  protected bufferNames(): readonly string[] {
    return ['expAvg', 'expAvgSq', 'maxExpAvgSq'];
  }

  protected checkOptions(o: Partial<AdamOptions>, name: ArgName): AdamOptions {
    const fn = this.fn;
    const lr = checkLr(fn, name('lr'), o.lr);
    const eps = checkHyper(fn, name('eps'), 'epsilon value', o.eps, '>= 0', (x) => x >= 0);
    const betas = checkPair(fn, name('betas'), o.betas, '[0.9, 0.999]');
    for (const i of [0, 1]) betas[i] = checkHyper(fn, `${name('betas')}[${i}]`, `beta parameter at index ${i}`, betas[i], 'in [0, 1)', (x) => x >= 0 && x < 1);
    const weightDecay = checkHyper(fn, name('weightDecay'), 'weight_decay value', o.weightDecay, '>= 0', (x) => x >= 0);
    const amsgrad = checkBool(fn, name('amsgrad'), o.amsgrad);
    return { lr, betas, eps, weightDecay, amsgrad };
  }

  protected updateGroup(group: ParamGroup<AdamOptions>, params: Float32Array[], grads: Float32Array[], states: ParamState[]): void {
    const n = params.length;
    const m: Float32Array[] = [];
    const v: Float32Array[] = [];
    const vmax: Float32Array[] | null = group.amsgrad ? [] : null;
    // one steps array per optimizer, reused: a fresh small typed array costs a move off V8's heap
    // when the native call reads it
    if (this.steps.length < n) this.steps = new Float64Array(n);
    const steps = this.steps;
    for (let k = 0; k < n; k++) {
      const st = states[k];
      const size = params[k].length;
      m.push(this.buffer(st, 'expAvg', size).buf);
      v.push(this.buffer(st, 'expAvgSq', size).buf);
      if (vmax) vmax.push(this.buffer(st, 'maxExpAvgSq', size).buf);
      steps[k] = st.step;
    }
    const [b1, b2] = group.betas;
    kernels.adamStep(params, grads, m, v, vmax, steps, group.lr, b1, b2, group.eps, group.weightDecay, this.decoupled);
  }
}

/** Adam with L2 weight decay added to the gradient (PyTorch's `Adam`). */
export class Adam extends AdamFamily {
  protected readonly decoupled = false;
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super('ng.optim.Adam', params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      ...given('ng.optim.Adam', opts, '{ lr: 1e-3 }'),
    });
  }
}

/** Adam with decoupled weight decay θ ← (1 − ηλ)θ (PyTorch's `AdamW`; weightDecay defaults to 0.01). */
export class AdamW extends AdamFamily {
  protected readonly decoupled = true;
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super('ng.optim.AdamW', params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0.01,
      amsgrad: false,
      ...given('ng.optim.AdamW', opts, '{ lr: 1e-3 }'),
    });
  }
}

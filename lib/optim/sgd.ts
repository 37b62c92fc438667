/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay —
 * PyTorch's `torch.optim.SGD` rule (kernel: native/kernels/optim.cc, `sgd_step`):
 *
 *   d = g + λθ                                   (weightDecay λ)
 *   b ← d  at the first step,  b ← μb + (1 − τ)d  after   (momentum μ, dampening τ; skipped when μ = 0)
 *   d ← d + μb  (nesterov)   or   d ← b  (μ > 0)
 *   θ ← θ − ηd
 *
 * The lecture writes momentum as m ← αm − ηg, θ ← θ + m. With m = −ηb that is PyTorch's
 * b ← μb + g, θ ← θ − ηb (α = μ, τ = 0) exactly while η is constant; when a schedule changes η,
 * PyTorch's form applies the new η to the whole accumulated velocity, the lecture's only to new
 * gradients. PyTorch's first step also sets b = d without dampening; we do the same.
 */
import { argError, rangeError } from '../errors';
import { native as kernels } from '../native';
import { ArgName, Optimizer, ParamGroup, ParamState, Params, checkBool, checkHyper, given, checkLr } from './optimizer';

export interface SGDOptions {
  /** Learning rate η (required, as in PyTorch). */
  lr: number;
  /** Momentum factor μ >= 0 (default 0: plain SGD). */
  momentum: number;
  /** Dampening τ of the gradient in the momentum buffer (default 0). */
  dampening: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening 0. */
  nesterov: boolean;
  /** L2 penalty λ >= 0 added to the gradient (default 0). */
  weightDecay: number;
}

const NAMES = ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay'] as const;

export class SGD extends Optimizer<SGDOptions> {
  /** Which momentum buffers are new this step (first entries), reused across steps. */
  private fresh = new Int32Array(16);

  constructor(params: Params<SGDOptions>, opts: Partial<SGDOptions> = {}) {
    super('ng.optim.SGD', params, { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...given('ng.optim.SGD', opts, '{ lr: 0.1 }') });
  }

  protected optionNames(): readonly string[] {
    return NAMES;
  }
  protected bufferNames(): readonly string[] {
    return ['momentumBuffer'];
  }

  protected checkOptions(o: Partial<SGDOptions>, name: ArgName): SGDOptions {
    const fn = this.fn;
    if (o.lr === undefined) throw argError(fn, name('lr'), 'given: SGD has no default learning rate (as in PyTorch), e.g. { lr: 0.01 }', undefined);
    const lr = checkLr(fn, name('lr'), o.lr);
    const momentum = checkHyper(fn, name('momentum'), 'momentum value', o.momentum, '>= 0', (x) => x >= 0);
    const dampening = checkHyper(fn, name('dampening'), 'dampening value', o.dampening, '', () => true);
    const nesterov = checkBool(fn, name('nesterov'), o.nesterov);
    const weightDecay = checkHyper(fn, name('weightDecay'), 'weight_decay value', o.weightDecay, '>= 0', (x) => x >= 0);
    if (nesterov && (momentum <= 0 || dampening !== 0))
      throw rangeError(fn, `Nesterov momentum requires a momentum and zero dampening (got momentum ${momentum}, dampening ${dampening})`);
    return { lr, momentum, dampening, nesterov, weightDecay };
  }

  protected updateGroup(group: ParamGroup<SGDOptions>, params: Float32Array[], grads: Float32Array[], states: ParamState[]): void {
    let bufs: Float32Array[] | null = null;
    let fresh: Int32Array | null = null;
    if (group.momentum !== 0) {
      bufs = [];
      // reused across steps (a fresh small typed array costs a move off V8's heap in the native call)
      if (this.fresh.length < params.length) this.fresh = new Int32Array(params.length);
      fresh = this.fresh;
      for (let k = 0; k < params.length; k++) {
        const { buf, created } = this.buffer(states[k], 'momentumBuffer', params[k].length);
        bufs.push(buf);
        fresh[k] = created ? 1 : 0;
      }
    }
    kernels.sgdStep(params, grads, bufs, fresh, group.lr, group.momentum, group.dampening, group.weightDecay, group.nesterov);
  }
}

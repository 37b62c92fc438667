/**
 * Newton's method for small models:
 *
 *   θ ← θ − lr · (H + damping·I)⁻¹ ∇L(θ)
 *
 * with H the full Hessian of the loss (ng.analysis.hessian: central differences of the tape's
 * gradients) and the linear system solved by LAPACK's ssysv (LDLᵀ, so an indefinite H is solved
 * too — then the step heads for the nearest critical point, which may be a saddle; damping > 0
 * shifts the spectrum towards a descent direction, Levenberg–Marquardt style). On a quadratic,
 * one step with lr = 1 and no damping lands on the minimum. Each step costs 2P + 1 backward passes
 * and an O(P³) solve: for networks with more than a few thousand parameters use a first-order
 * optimizer (ng.analysis.curvature tells you a good learning rate for one).
 * Not in PyTorch's torch.optim (it has L-BFGS, a quasi-Newton method).
 */
import { native } from '../native';
import { Tensor, checkTensor } from '../tensor';
import { argError, checkOptions } from '../errors';
import { checkHyper } from './optimizer';
import { hessian, flatGradient } from '../analysis/hessian';
import { solveSymmetric } from '../linalg';

export interface NewtonOptions {
  /** added to the Hessian's diagonal before solving (default 0) */
  damping?: number;
  /** step scale (default 1, the full Newton step) */
  lr?: number;
}

export class Newton {
  readonly params: Tensor[];
  readonly lossFn: () => Tensor;
  damping: number;
  private _lr: number;

  constructor(params: Iterable<Tensor>, lossFn: () => Tensor, opts?: NewtonOptions) {
    const fn = 'ng.optim.Newton';
    if (params === null || typeof (params as Partial<Iterable<Tensor>>)?.[Symbol.iterator] !== 'function')
      throw argError(fn, 'params', 'an iterable of Tensors', params);
    this.params = Array.from(params);
    if (this.params.length === 0) throw argError(fn, 'params', 'a non-empty list of Tensors', this.params);
    this.params.forEach((p, i) => checkTensor(fn, `params[${i}]`, p));
    if (typeof lossFn !== 'function') throw argError(fn, 'lossFn', 'a function () => scalar Tensor that recomputes the loss', lossFn);
    const o = checkOptions(fn, opts, ['damping', 'lr'], '{ damping: 0 }');
    this.lossFn = lossFn;
    this.damping = checkHyper(fn, 'damping', 'damping', o.damping ?? 0, '>= 0', (x) => x >= 0);
    this._lr = checkHyper(fn, 'lr', 'learning rate', o.lr ?? 1, '> 0', (x) => x > 0);
  }

  get lr(): number {
    return this._lr;
  }
  set lr(v: number) {
    this._lr = checkHyper('ng.optim.Newton.lr', 'lr', 'learning rate', v, '> 0', (x) => x > 0);
  }

  /** One Newton step; returns the loss after it. */
  step(): number {
    const P = this.params.reduce((s, p) => s + p.size, 0);
    const H = hessian(this.lossFn, this.params);
    if (this.damping > 0) for (let i = 0; i < P; i++) H.data[i * P + i] += this.damping;
    const g = flatGradient(this.lossFn, this.params, 'ng.optim.Newton.step');
    const d = solveSymmetric(H, new Tensor(g, [P])).data;
    let o = 0;
    for (const p of this.params) {
      native.axpy(p.data, d.subarray(o, o + p.size), -this._lr);
      o += p.size;
    }
    const loss = this.lossFn();
    const value = loss.item();
    loss.dispose();
    return value;
  }

  /** Newton recomputes gradients itself; this clears any the parameters hold. */
  zeroGrad(): void {
    for (const p of this.params) if (p.grad) p.grad.data.fill(0);
  }

  stateDict(): { damping: number; lr: number } {
    return { damping: this.damping, lr: this._lr };
  }
  loadStateDict(s: { damping: number; lr: number }): void {
    if (!s || typeof s !== 'object') throw argError('Newton.loadStateDict', 'state', 'an object from stateDict()', s);
    this.damping = checkHyper('Newton.loadStateDict', 'damping', 'damping', s.damping, '>= 0', (x) => x >= 0);
    this.lr = s.lr;
  }
}

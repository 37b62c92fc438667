/**
 * Losses as modules: forward(input, target) → a 0-d tensor (or per-sample values with
 * reduction 'none'). The maths and its PyTorch correspondence are in functional/cross_entropy.ts
 * and functional/mse.ts.
 */
import { Tensor } from '../tensor';
import { argError, checkNumber } from '../errors';
import { Module } from './module';
import { CrossEntropyTarget, Reduction, checkReduction, crossEntropyAs } from './functional/cross_entropy';
import { mseLossAs } from './functional/mse';

function options<T>(fn: string, opts: T): T {
  if (opts === null || typeof opts !== 'object') throw argError(fn, 'opts', "an object like { reduction: 'mean' }", opts);
  return opts;
}

/**
 * CrossEntropyLoss({ reduction = 'mean', labelSmoothing = 0 }): softmax + negative log-likelihood
 * of logits [N, K] against class indices (Int32Array, number[] or a Tensor [N]) or probability
 * rows (a Tensor [N, K]). Stable at any logit magnitude. A class index outside [0, K) or a batch
 * size that differs from the input's throws.
 */
export class CrossEntropyLoss extends Module {
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  constructor(opts: { reduction?: Reduction; labelSmoothing?: number } = {}) {
    super();
    const fn = 'new ng.nn.CrossEntropyLoss';
    options(fn, opts);
    this.reduction = checkReduction(fn, opts.reduction ?? 'mean');
    this.labelSmoothing = checkNumber(fn, 'labelSmoothing', opts.labelSmoothing ?? 0, { min: 0, max: 1 });
  }
  forward(input: Tensor, target: CrossEntropyTarget): Tensor {
    return crossEntropyAs('CrossEntropyLoss.forward', input, target, { reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
  protected override extraRepr(): string {
    return `reduction='${this.reduction}'${this.labelSmoothing ? `, label_smoothing=${this.labelSmoothing}` : ''}`;
  }
}

/**
 * MSELoss({ reduction = 'mean' }): (input − target)², averaged over every element for 'mean'
 * (as PyTorch), summed for 'sum', element-wise for 'none'. Shapes must match.
 */
export class MSELoss extends Module {
  readonly reduction: Reduction;
  constructor(opts: { reduction?: Reduction } = {}) {
    super();
    const fn = 'new ng.nn.MSELoss';
    options(fn, opts);
    this.reduction = checkReduction(fn, opts.reduction ?? 'mean');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLossAs('MSELoss.forward', input, target, { reduction: this.reduction });
  }
  protected override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

/**
 * Losses as modules: forward(input, target) → a 0-d tensor (or per-sample values with
 * reduction 'none'). The maths and its PyTorch correspondence are in functional/cross_entropy.ts
 * and functional/mse.ts.
 */
import { Tensor } from '../tensor';
import { checkNumber, checkOptions } from '../errors';
import { Module } from './module';
import {
  CROSS_ENTROPY_OPTIONS,
  CrossEntropyTarget,
  DEFAULT_IGNORE_INDEX,
  Reduction,
  checkClassWeight,
  checkIgnoreIndex,
  checkReduction,
  crossEntropyAs,
} from './functional/cross_entropy';
import { mseLossAs } from './functional/mse';

export interface CrossEntropyLossOptions {
  reduction?: Reduction;
  labelSmoothing?: number;
  /** a rescaling weight per class, a Tensor [K]; saved in stateDict() as 'weight', as PyTorch */
  weight?: Tensor | null;
  /** the class index whose rows are left out (default −100, as PyTorch) */
  ignoreIndex?: number;
}

/**
 * CrossEntropyLoss({ reduction = 'mean', labelSmoothing = 0, weight, ignoreIndex = −100 }): softmax +
 * negative log-likelihood of logits [N, K] against class indices (Int32Array, number[] or a Tensor
 * [N]) or probability rows (a Tensor [N, K]), PyTorch 1.13's semantics: with `weight`, a 'mean' is
 * Σ w_y·loss / Σ w_y; rows whose class is `ignoreIndex` drop out of the sum and the count (so labels
 * prepared for PyTorch, with −100 for "no label", work as they are). Stable at any logit magnitude.
 * A class index outside [0, K) (other than ignoreIndex), a weight that is not [K] or a batch size
 * that differs from the input's throws.
 */
export class CrossEntropyLoss extends Module {
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  readonly ignoreIndex: number;
  /** the class weights [K], or null */
  readonly weight: Tensor | null;
  private readonly opts: { reduction: Reduction; labelSmoothing: number; weight: Tensor | null; ignoreIndex: number };
  constructor(opts: CrossEntropyLossOptions = {}) {
    super();
    const fn = 'new ng.nn.CrossEntropyLoss';
    checkOptions(fn, opts, CROSS_ENTROPY_OPTIONS, "{ reduction: 'mean', labelSmoothing: 0.1 }");
    this.reduction = checkReduction(fn, opts.reduction ?? 'mean');
    this.labelSmoothing = checkNumber(fn, 'labelSmoothing', opts.labelSmoothing ?? 0, { min: 0, max: 1 });
    this.weight = checkClassWeight(fn, opts.weight);
    this.ignoreIndex = checkIgnoreIndex(fn, opts.ignoreIndex);
    if (this.weight !== null) this.registerBuffer('weight', this.weight);
    this.opts = { reduction: this.reduction, labelSmoothing: this.labelSmoothing, weight: this.weight, ignoreIndex: this.ignoreIndex };
  }
  forward(input: Tensor, target: CrossEntropyTarget): Tensor {
    return crossEntropyAs('CrossEntropyLoss.forward', input, target, this.opts);
  }
  protected override extraRepr(): string {
    const parts = [`reduction='${this.reduction}'`];
    if (this.labelSmoothing) parts.push(`label_smoothing=${this.labelSmoothing}`);
    if (this.ignoreIndex !== DEFAULT_IGNORE_INDEX) parts.push(`ignore_index=${this.ignoreIndex}`);
    if (this.weight) parts.push('weight=[…]');
    return parts.join(', ');
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
    checkOptions(fn, opts, ['reduction'], "{ reduction: 'mean' }");
    this.reduction = checkReduction(fn, opts.reduction ?? 'mean');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLossAs('MSELoss.forward', input, target, { reduction: this.reduction });
  }
  protected override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

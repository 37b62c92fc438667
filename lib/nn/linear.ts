/**
 * Linear(inFeatures, outFeatures, { bias = true, init = 'xavierUniform' }) — y = x·Wᵀ + b.
 * weight [out, in], bias [out], as PyTorch; the input is [..., in] (any leading dimensions).
 * Forward and backward are one fused native call each (see functional/linear.ts).
 *
 * Initialisation (drawn from ng.manualSeed's generator, weight first, then bias):
 *   weight  'xavierUniform' (default, as the lecture recommends): U(−a, a), a = √(6/(in + out)).
 *           PyTorch's own default is kaiming_uniform(a=√5) = U(−1/√in, 1/√in): pass init 'pytorch'.
 *           Also 'xavierNormal', 'kaimingUniform', 'kaimingNormal', 'lecunNormal' (ng.nn.init with
 *           its defaults), or a function that fills the weight tensor.
 *   bias    U(−1/√in, 1/√in), as PyTorch (0 when in = 0).
 */
import { Tensor, checkTensor } from '../tensor';
import { allocate } from '../tensor';
import { argError, checkNumber, checkOptions } from '../errors';
import { Module } from './module';
import { linearAs } from './functional/linear';
import * as init from './init';

export type LinearInit = 'xavierUniform' | 'xavierNormal' | 'kaimingUniform' | 'kaimingNormal' | 'lecunNormal' | 'pytorch' | ((weight: Tensor) => void);

export interface LinearOptions {
  bias?: boolean;
  init?: LinearInit;
}

const INITS: Record<string, (w: Tensor) => void> = {
  xavierUniform: (w) => init.xavierUniform(w),
  xavierNormal: (w) => init.xavierNormal(w),
  kaimingUniform: (w) => init.kaimingUniform(w),
  kaimingNormal: (w) => init.kaimingNormal(w),
  lecunNormal: (w) => init.lecunNormal(w),
  pytorch: (w) => init.kaimingUniform(w, { a: Math.sqrt(5) }),
};

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** [outFeatures, inFeatures] */
  readonly weight: Tensor;
  /** [outFeatures], or null with { bias: false } */
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, opts?: LinearOptions) {
    super();
    const fn = 'new ng.nn.Linear';
    this.inFeatures = checkNumber(fn, 'inFeatures', inFeatures, { integer: true, min: 0 });
    this.outFeatures = checkNumber(fn, 'outFeatures', outFeatures, { integer: true, min: 0 });
    const o = checkOptions(fn, opts, ['bias', 'init'], "{ bias: true, init: 'xavierUniform' }");
    if (o.bias !== undefined && typeof o.bias !== 'boolean') throw argError(fn, 'bias', 'a boolean', o.bias);
    const how = o.init ?? 'xavierUniform';
    const fill = typeof how === 'function' ? how : Object.hasOwn(INITS, how) ? INITS[how] : undefined; // not Object.prototype's names
    if (!fill)
      throw argError(
        fn,
        'init',
        `one of ${Object.keys(INITS)
          .map((s) => `'${s}'`)
          .join(', ')} or a function`,
        how,
      );
    this.weight = new Tensor(allocate(fn, outFeatures * inFeatures), [outFeatures, inFeatures]);
    fill(this.weight);
    this.registerParameter('weight', this.weight);
    if (o.bias ?? true) {
      this.bias = new Tensor(allocate(fn, outFeatures), [outFeatures]);
      const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
      init.uniform(this.bias, -bound, bound);
    } else {
      this.bias = null;
    }
    this.registerParameter('bias', this.bias);
  }

  /** [..., inFeatures] → [..., outFeatures]; a different last dimension throws, naming both shapes. */
  forward(x: Tensor): Tensor {
    const fn = `Linear(${this.inFeatures}, ${this.outFeatures}).forward`;
    checkTensor(fn, 'input', x);
    return linearAs(fn, x, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

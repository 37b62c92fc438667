/**
 * Sequential(...modules): applies its modules in order; they are registered as children '0', '1', …
 * so parameters and state dict keys are PyTorch's (`0.weight`, `1.running_mean`, …).
 */
import { Tensor } from '../tensor';
import { argError, rangeError } from '../errors';
import { Module } from './module';

export class Sequential extends Module {
  private readonly layers: Module[] = [];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw argError('new ng.nn.Sequential', `modules[${i}]`, 'an ng.nn.Module', m);
      this.append(m);
    });
  }

  /** Adds a module at the end (named by its index). Returns this. */
  append(m: Module): this {
    if (!(m instanceof Module)) throw argError('Sequential.append', 'module', 'an ng.nn.Module', m);
    this.registerModule(String(this.layers.length), m);
    this.layers.push(m);
    return this;
  }

  get length(): number {
    return this.layers.length;
  }
  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const j = i < 0 ? i + this.layers.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.layers.length)
      throw rangeError('Sequential.at', `index ${i} is out of range for ${this.layers.length} modules`);
    return this.layers[j];
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
}

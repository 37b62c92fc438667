/**
 * Dropout(p = 0.5): inverted dropout in training mode — each element is zeroed with probability p
 * and the survivors scaled by 1/(1 − p), so evaluation mode needs no rescaling and is the
 * identity. The mask is drawn natively from ng.manualSeed's generator (see functional/dropout.ts).
 */
import { Tensor } from '../tensor';
import { checkNumber, rangeError } from '../errors';
import { Module } from './module';
import { dropoutAs } from './functional/dropout';

export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (typeof p === 'number' && Number.isFinite(p) && (p < 0 || p > 1))
      throw rangeError('new ng.nn.Dropout', `dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = checkNumber('new ng.nn.Dropout', 'p', p, { min: 0, max: 1 });
  }
  forward(x: Tensor): Tensor {
    return dropoutAs('Dropout.forward', x, this.p, this.training);
  }
  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Learning-rate schedules, with PyTorch's `torch.optim.lr_scheduler` semantics:
 *
 * - constructing a scheduler records each group's `initialLr` (kept if an earlier scheduler set it),
 *   takes those as `baseLrs`, and performs the initial step: `lastEpoch` becomes 0 and the lr is
 *   left as it is;
 * - each `step()` adds 1 to `lastEpoch` and updates every group's `lr` with PyTorch's recursive
 *   ("chainable") form, which multiplies the current lr. Its values equal the closed forms given on
 *   each class as long as nothing else changes the lr; a change made by hand (or by another
 *   scheduler) carries on, as in PyTorch;
 * - call `step()` once per epoch, or once per update, after `optimizer.step()`;
 * - `stateDict()` / `loadStateDict()` carry `lastEpoch`, the base lrs and the options; the
 *   optimizer's own state dict carries the current lr.
 */
import { argError, checkNumber, checkOptions } from '../errors';

/** What a scheduler needs of an optimizer: its parameter groups, each with an `lr`. */
export interface SchedulableOptimizer {
  paramGroups: { lr: number; initialLr?: number }[];
}

/** A serialisable copy of a scheduler's state. */
export interface SchedulerStateDict {
  lastEpoch: number;
  stepCount: number;
  baseLrs: number[];
  lastLr: number[];
  [option: string]: number | number[];
}

export abstract class LRScheduler {
  readonly optimizer: SchedulableOptimizer;
  /** The number of `step()` calls since construction (0 right after it), PyTorch's `last_epoch`. */
  lastEpoch = -1;
  /** Each group's lr when the schedule started (`initialLr`). */
  baseLrs: number[];
  /** `step()` calls including the initial one (PyTorch's `_step_count`). */
  protected stepCount = 0;
  protected lastLr: number[] = [];
  protected readonly fn: string;

  protected constructor(fn: string, optimizer: SchedulableOptimizer) {
    this.fn = fn;
    const groups = (optimizer as { paramGroups?: unknown } | null)?.paramGroups;
    if (!Array.isArray(groups) || groups.length === 0 || !groups.every((g) => g !== null && typeof g === 'object' && typeof g.lr === 'number'))
      throw argError(fn, 'optimizer', 'an optimizer (ng.optim.SGD, Adam, …) with paramGroups', optimizer);
    this.optimizer = optimizer;
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
  }

  /** The lrs for `lastEpoch`, from the groups' current lrs (PyTorch's `get_lr`). */
  protected abstract getLr(): number[];
  /** The options to save, `{ name: value }`. */
  protected abstract options(): Record<string, number>;
  /** Validates and applies saved options. */
  protected abstract setOptions(o: Record<string, unknown>): void;

  /** Subclasses call this at the end of their constructor (PyTorch's `_initial_step`). */
  protected initialStep(): void {
    this.step();
  }

  /** Advances the schedule by one epoch (or update) and sets every group's lr. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
    this.lastLr = lrs.slice();
  }

  /** The lrs set by the last `step()`, one per parameter group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): SchedulerStateDict {
    return { ...this.options(), lastEpoch: this.lastEpoch, stepCount: this.stepCount, baseLrs: this.baseLrs.slice(), lastLr: this.lastLr.slice() };
  }

  /** Restores `stateDict()`'s output (validated; nothing changes when it throws). */
  loadStateDict(sd: SchedulerStateDict): void {
    const fn = `${this.fn}.loadStateDict`;
    if (sd === null || typeof sd !== 'object') throw argError(fn, 'stateDict', 'an object from stateDict()', sd);
    const n = this.optimizer.paramGroups.length;
    const lastEpoch = checkNumber(fn, 'lastEpoch', sd.lastEpoch, { integer: true, min: 0 });
    const stepCount = checkNumber(fn, 'stepCount', sd.stepCount, { integer: true, min: 1 });
    const lists = (name: 'baseLrs' | 'lastLr'): number[] => {
      const v = sd[name];
      if (!Array.isArray(v) || v.length !== n) throw argError(fn, name, `an array of ${n} numbers (one per parameter group)`, v);
      return v.map((x, i) => checkNumber(fn, `${name}[${i}]`, x, { min: 0 }));
    };
    const baseLrs = lists('baseLrs');
    const lastLr = lists('lastLr');
    this.setOptions(sd);
    this.lastEpoch = lastEpoch;
    this.stepCount = stepCount;
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
  }
}

const positiveInt = (fn: string, arg: string, v: unknown): number => checkNumber(fn, arg, v, { integer: true, min: 1 });
const positive = (fn: string, arg: string, v: unknown): number => checkNumber(fn, arg, v, { min: 0, minExclusive: true });

/**
 * Multiplies the lr by `gamma` every `stepSize` epochs:  η_t = η₀ · γ^⌊t / stepSize⌋.
 * (Recursive form, as PyTorch: η_t = γ·η_{t−1} when t > 0 and t mod stepSize = 0, else η_{t−1}.)
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: SchedulableOptimizer, opts: { stepSize: number; gamma?: number }) {
    const fn = 'ng.optim.StepLR';
    const o = checkOptions(fn, opts, ['stepSize', 'gamma'], '{ stepSize: 10, gamma: 0.1 }');
    const stepSize = positiveInt(fn, 'stepSize', o.stepSize);
    const gamma = positive(fn, 'gamma', o.gamma ?? 0.1);
    super(fn, optimizer);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
  protected options(): Record<string, number> {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }
  protected setOptions(o: Record<string, unknown>): void {
    const fn = `${this.fn}.loadStateDict`;
    const stepSize = positiveInt(fn, 'stepSize', o.stepSize);
    this.gamma = positive(fn, 'gamma', o.gamma);
    this.stepSize = stepSize;
  }
}

/** Multiplies the lr by `gamma` every epoch:  η_t = η₀ · γ^t. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: SchedulableOptimizer, opts: { gamma: number }) {
    const fn = 'ng.optim.ExponentialLR';
    const o = checkOptions(fn, opts, ['gamma'], '{ gamma: 0.95 }');
    if (o.gamma === undefined) throw argError(fn, 'gamma', 'given (ExponentialLR has no default gamma, as in PyTorch)', undefined);
    const gamma = positive(fn, 'gamma', o.gamma);
    super(fn, optimizer);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    const lrs = this.groupLrs();
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.gamma);
  }
  protected options(): Record<string, number> {
    return { gamma: this.gamma };
  }
  protected setOptions(o: Record<string, unknown>): void {
    this.gamma = positive(`${this.fn}.loadStateDict`, 'gamma', o.gamma);
  }
}

/**
 * Cosine annealing from the base lr η₀ down to `etaMin` over `tMax` epochs (SGDR without restarts):
 *
 *   η_t = η_min + (η₀ − η_min) · (1 + cos(π t / T_max)) / 2
 *
 * computed with PyTorch's recursive form
 *   η_t = η_min + (η_{t−1} − η_min) · (1 + cos(π t / T_max)) / (1 + cos(π (t − 1) / T_max)),
 * switching to an additive form where that ratio is 0/0. As in PyTorch, stepping past T_max
 * continues along the cosine, so the lr rises again towards η₀ (period 2·T_max).
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: SchedulableOptimizer, opts: { tMax: number; etaMin?: number }) {
    const fn = 'ng.optim.CosineAnnealingLR';
    const o = checkOptions(fn, opts, ['tMax', 'etaMin'], '{ tMax: 100, etaMin: 0 }');
    const tMax = positiveInt(fn, 'tMax', o.tMax);
    const etaMin = checkNumber(fn, 'etaMin', o.etaMin ?? 0, { min: 0 });
    super(fn, optimizer);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.initialStep();
  }
  protected getLr(): number[] {
    const t = this.lastEpoch;
    const T = this.tMax;
    const lrs = this.groupLrs();
    if (t === 0) return lrs;
    if (this.stepCount === 1 && t > 0) return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((t * Math.PI) / T))) / 2);
    if ((t - 1 - T) % (2 * T) === 0) return lrs.map((lr, i) => lr + ((this.baseLrs[i] - this.etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    return lrs.map((lr) => ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (lr - this.etaMin) + this.etaMin);
  }
  protected options(): Record<string, number> {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }
  protected setOptions(o: Record<string, unknown>): void {
    const fn = `${this.fn}.loadStateDict`;
    const tMax = positiveInt(fn, 'tMax', o.tMax);
    this.etaMin = checkNumber(fn, 'etaMin', o.etaMin, { min: 0 });
    this.tMax = tMax;
  }
}

/** Built-in callbacks for Trainer.fit. */
import type { Callback, EpochLog, Trainer } from './trainer';
import { Tensor } from '../tensor';
import { checkNumber, argError } from '../errors';

export interface EarlyStoppingOptions {
  /** epochs without improvement before stopping (default 5) */
  patience?: number;
  /** the smallest change that counts as an improvement (default 0) */
  minDelta?: number;
  /** put the best epoch's weights back at the end (default false) */
  restoreBest?: boolean;
  /** which quantity to watch; default 'valLoss' when validation runs, else 'loss' */
  monitor?: 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy';
}

/**
 * Stops training when the monitored quantity has not improved by more than `minDelta` for
 * `patience` epochs (losses must fall, accuracies rise), as Keras' EarlyStopping.
 */
export function earlyStopping(opts: EarlyStoppingOptions = {}): Callback & { bestEpoch: number; best: number } {
  const fn = 'ng.earlyStopping';
  const patience = checkNumber(fn, 'patience', opts.patience ?? 5, { integer: true, min: 0 });
  const minDelta = checkNumber(fn, 'minDelta', opts.minDelta ?? 0, { min: 0 });
  if (opts.monitor !== undefined && !['loss', 'valLoss', 'accuracy', 'valAccuracy'].includes(opts.monitor))
    throw argError(fn, 'monitor', "'loss', 'valLoss', 'accuracy' or 'valAccuracy'", opts.monitor);
  let wait = 0;
  let bestWeights: Map<string, Float32Array> | null = null;
  const cb = {
    best: NaN,
    bestEpoch: 0,
    onTrainBegin(): void {
      wait = 0;
      cb.best = NaN;
      cb.bestEpoch = 0;
      bestWeights = null;
    },
    onEpochEnd(log: EpochLog, trainer: Trainer): boolean {
      const key = opts.monitor ?? (log.valLoss !== undefined ? 'valLoss' : 'loss');
      const value = log[key];
      if (value === undefined) throw new Error(`${fn}: monitored quantity '${key}' is not in the epoch log (is validation or the accuracy metric on?)`);
      const higherIsBetter = key === 'accuracy' || key === 'valAccuracy';
      const improved = Number.isNaN(cb.best) || (higherIsBetter ? value > cb.best + minDelta : value < cb.best - minDelta);
      if (improved) {
        cb.best = value;
        cb.bestEpoch = log.epoch;
        wait = 0;
        if (opts.restoreBest) {
          bestWeights = new Map(Object.entries(trainer.model.stateDict()).map(([k, t]) => [k, new Float32Array((t as Tensor).data)]));
        }
        return true;
      }
      wait++;
      if (wait > patience) {
        trainer.history.stopReason = 'earlyStopping';
        return false;
      }
      return true;
    },
    onTrainEnd(_h: unknown, trainer: Trainer): void {
      if (opts.restoreBest && bestWeights) {
        const sd = trainer.model.stateDict();
        for (const [k, v] of bestWeights) sd[k]?.data.set(v);
      }
    },
  };
  return cb;
}

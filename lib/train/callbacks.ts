/** Built-in callbacks for Trainer.fit. */
import type { Callback, EpochLog, Trainer } from './trainer';
import type { Tensor } from '../tensor';
import { checkNumber, argError, checkOptions } from '../errors';

export interface EarlyStoppingOptions {
  /** epochs without improvement before stopping (default 5) */
  patience?: number;
  /** the smallest change that counts as an improvement (default 0) */
  minDelta?: number;
  /** put the best epoch's weights (parameters and buffers) back into the model when training ends (default false) */
  restoreBest?: boolean;
  /** which quantity to watch; default 'valLoss' when validation runs, else 'loss' */
  monitor?: 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy';
}

/**
 * Stops training when the monitored quantity has not improved by more than `minDelta` for
 * `patience` epochs in a row (losses must fall, accuracies rise), as Keras' EarlyStopping: with
 * patience 1, the first epoch that does not improve is the last. `restoreBest` keeps a copy of the
 * best epoch's state dict and loads it into the model when fit ends.
 */
export function earlyStopping(opts: EarlyStoppingOptions = {}): Callback & { bestEpoch: number; best: number } {
  const fn = 'ng.earlyStopping';
  opts = checkOptions(fn, opts, ['patience', 'minDelta', 'restoreBest', 'monitor'], "{ patience: 5, monitor: 'valLoss', restoreBest: true }");
  if (opts.restoreBest !== undefined && typeof opts.restoreBest !== 'boolean') throw argError(fn, 'restoreBest', 'a boolean', opts.restoreBest);
  const patience = checkNumber(fn, 'patience', opts.patience ?? 5, { integer: true, min: 0 });
  const minDelta = checkNumber(fn, 'minDelta', opts.minDelta ?? 0, { min: 0 });
  if (opts.monitor !== undefined && !['loss', 'valLoss', 'accuracy', 'valAccuracy'].includes(opts.monitor))
    throw argError(fn, 'monitor', "'loss', 'valLoss', 'accuracy' or 'valAccuracy'", opts.monitor);
  let wait = 0;
  let bestState: Record<string, Tensor> | null = null;
  const cb = {
    best: NaN,
    bestEpoch: 0,
    onTrainBegin(): void {
      wait = 0;
      cb.best = NaN;
      cb.bestEpoch = 0;
      bestState = null;
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
        // stateDict() returns copies: this snapshot does not move with the training
        if (opts.restoreBest) bestState = trainer.model.stateDict();
        return true;
      }
      wait++;
      if (wait >= patience) {
        trainer.history.stopReason = 'earlyStopping';
        return false;
      }
      return true;
    },
    onTrainEnd(_h: unknown, trainer: Trainer): void {
      if (opts.restoreBest && bestState) trainer.model.loadStateDict(bestState);
    },
  };
  return cb;
}

/**
 * Progress output for Trainer.fit. On a TTY: one cli-progress bar per epoch with the batch count,
 * the running loss, samples/s and the ETA. Elsewhere (CI, logs): one plain line per epoch.
 */
import { SingleBar } from 'cli-progress';
import type { EpochLog } from './trainer';

export interface ProgressReporter {
  startEpoch(epoch: number, epochs: number, batches: number): void;
  batch(done: number, runningLoss: number, samplesPerSec: number): void;
  endEpoch(log: EpochLog): void;
  stop(): void;
}

export function formatEpoch(log: EpochLog, epochs: number): string {
  const parts = [`epoch ${log.epoch}/${epochs}`, `loss ${log.loss.toFixed(4)}`];
  if (log.accuracy !== undefined) parts.push(`acc ${(100 * log.accuracy).toFixed(2)}%`);
  if (log.valLoss !== undefined) parts.push(`val_loss ${log.valLoss.toFixed(4)}`);
  if (log.valAccuracy !== undefined) parts.push(`val_acc ${(100 * log.valAccuracy).toFixed(2)}%`);
  parts.push(`lr ${log.lr.toPrecision(3)}`, `${log.seconds.toFixed(2)}s`);
  return parts.join('  ');
}

class TtyProgress implements ProgressReporter {
  private bar: SingleBar | null = null;
  private epochs = 0;
  constructor(private stream: NodeJS.WriteStream) {}
  startEpoch(epoch: number, epochs: number, batches: number): void {
    this.epochs = epochs;
    this.bar = new SingleBar({
      format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | loss {loss} | {rate} samples/s | ETA {eta_formatted}`,
      stream: this.stream,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 10,
    });
    this.bar.start(batches, 0, { loss: '-', rate: '-' });
  }
  batch(done: number, runningLoss: number, samplesPerSec: number): void {
    this.bar?.update(done, { loss: runningLoss.toFixed(4), rate: Math.round(samplesPerSec).toString() });
  }
  endEpoch(log: EpochLog): void {
    this.bar?.stop();
    this.bar = null;
    this.stream.write(formatEpoch(log, this.epochs) + '\n');
  }
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

class LineProgress implements ProgressReporter {
  private epochs = 0;
  constructor(private stream: NodeJS.WritableStream) {}
  startEpoch(_epoch: number, epochs: number): void {
    this.epochs = epochs;
  }
  batch(): void {}
  endEpoch(log: EpochLog): void {
    this.stream.write(formatEpoch(log, this.epochs) + '\n');
  }
  stop(): void {}
}

const silent: ProgressReporter = { startEpoch() {}, batch() {}, endEpoch() {}, stop() {} };

/** Picks the reporter: false → silent; a TTY → bars; otherwise → one line per epoch. */
export function createProgress(enabled: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (enabled === false) return silent;
  return stream.isTTY ? new TtyProgress(stream) : new LineProgress(stream);
}

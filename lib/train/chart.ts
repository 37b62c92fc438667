/** The training history as an SVG chart: loss and accuracy per epoch, train and validation. */
import { renderSvg, writeTextAtomic } from '../plot/vega';
import { argError } from '../errors';
import type { History } from './trainer';

/** Renders the history as SVG: a loss panel and, when accuracy was measured, an accuracy panel. */
export async function historyChart(history: History, opts: { title?: string; width?: number; height?: number } = {}): Promise<string> {
  if (!history || !Array.isArray(history.epochs)) throw argError('ng.historyChart', 'history', 'the History returned by Trainer.fit', history);
  const rows: { epoch: number; metric: string; split: string; value: number }[] = [];
  for (const e of history.epochs) {
    const push = (metric: string, split: string, v: number | undefined): void => {
      if (v !== undefined && Number.isFinite(v)) rows.push({ epoch: e.epoch, metric, split, value: v });
    };
    push('loss', 'train', e.loss);
    push('loss', 'validation', e.valLoss);
    push('accuracy', 'train', e.accuracy);
    push('accuracy', 'validation', e.valAccuracy);
  }
  const width = opts.width ?? 360;
  const height = opts.height ?? 240;
  const panel = (metric: string, title: string) => ({
    title,
    width,
    height,
    transform: [{ filter: `datum.metric === '${metric}'` }],
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title, scale: { zero: false } },
      color: { field: 'split', type: 'nominal', title: null },
    },
  });
  const panels = [panel('loss', 'loss')];
  if (rows.some((r) => r.metric === 'accuracy')) panels.push(panel('accuracy', 'accuracy'));
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title ?? 'Training history',
    data: { values: rows },
    hconcat: panels,
    config: { background: 'white' },
  });
}

/** Writes historyChart(history) to `file` (atomically). */
export async function writeHistoryChart(file: string, history: History, opts?: { title?: string }): Promise<void> {
  writeTextAtomic('ng.writeHistoryChart', file, await historyChart(history, opts));
}

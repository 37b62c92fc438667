/** The training history as an SVG chart: loss and accuracy per epoch, train and validation. */
import { renderSvg, writeTextAtomic } from '../plot/vega';
import { argError, checkOptions } from '../errors';
import type { History } from './trainer';

export interface HistoryChartOptions {
  /** the chart's title (default 'Training history') */
  title?: string;
  /** width of each panel in pixels (default 360) */
  width?: number;
  /** height of each panel in pixels (default 240) */
  height?: number;
}
const CHART_OPTIONS = ['title', 'width', 'height'] as const;
const CHART_EXAMPLE = "{ title: 'MLP', width: 360 }";

/** Renders the history as SVG: a loss panel and, when accuracy was measured, an accuracy panel. */
export async function historyChart(history: History, options?: HistoryChartOptions): Promise<string> {
  const opts = checkOptions('ng.historyChart', options, CHART_OPTIONS, CHART_EXAMPLE);
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

/** Writes historyChart(history, opts) to `file` (atomically); its options are checked under this function's name. */
export async function writeHistoryChart(file: string, history: History, opts?: HistoryChartOptions): Promise<void> {
  checkOptions('ng.writeHistoryChart', opts, CHART_OPTIONS, CHART_EXAMPLE);
  writeTextAtomic('ng.writeHistoryChart', file, await historyChart(history, opts));
}

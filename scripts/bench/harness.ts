/**
 * Benchmark harness: timing with warm-up and repetitions, medians and spreads, result tables.
 * A suite is a file `scripts/bench/suite-<name>.ts` exporting `run(ctx)`; `npm run bench`
 * (scripts/bench.ts) runs every suite in name order and writes bench/results.md.
 * Rules for suites: validate the result before timing; time nativegrad and its reference in the
 * same run; report medians and the ratio to the reference.
 */
import { performance } from 'perf_hooks';

export interface Timing {
  /** median seconds per call */
  median: number;
  /** (p75 − p25) / median, the relative spread of the repetitions */
  spread: number;
  reps: number;
}

/**
 * Times `fn`: warms up, then takes `reps` samples, each running fn enough times to last at least
 * `minSampleMs` (so that tiny calls are timed in batches), and returns per-call statistics.
 */
export function timeIt(fn: () => void, opts: { reps?: number; minSampleMs?: number; warmup?: number } = {}): Timing {
  return summarize(sampleTimes(fn, opts));
}

/** The per-call seconds of each sample, as timeIt measures them (for suites that pair rounds). */
export function sampleTimes(fn: () => void, opts: { reps?: number; minSampleMs?: number; warmup?: number } = {}): number[] {
  const reps = opts.reps ?? 9;
  const minMs = opts.minSampleMs ?? 50;
  for (let i = 0; i < (opts.warmup ?? 3); i++) fn();
  // calibrate the batch size
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= minMs / 4 || batch >= 1 << 24) {
      batch = Math.max(1, Math.ceil((batch * minMs) / Math.max(dt, 1e-3)));
      break;
    }
    batch *= 4;
  }
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push((performance.now() - t0) / 1000 / batch);
  }
  return samples;
}

/** Median and relative inter-quartile spread of per-call seconds. */
export function summarize(samples: number[]): Timing {
  const s = samples.slice().sort((a, b) => a - b);
  const q = (p: number): number => {
    const x = p * (s.length - 1);
    const lo = Math.floor(x);
    return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (x - lo);
  };
  const median = q(0.5);
  return { median, spread: median > 0 ? (q(0.75) - q(0.25)) / median : 0, reps: s.length };
}

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  notes?: string[];
}

export interface BenchContext {
  /** OpenBLAS thread count the suite should use for its main rows */
  threads: number;
  /** --quick: fewer repetitions and sizes (for smoke runs) */
  quick: boolean;
  /** add a result table */
  table(t: Table): void;
  /** a note printed under the results (skipped peers, machine facts) */
  note(s: string): void;
}

export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3)) return x.toExponential(2);
  return x.toPrecision(digits);
}

/** Renders a table as GitHub markdown. */
export function markdown(t: Table): string {
  const lines = [`### ${t.title}`, '', `| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => ' --- ').join('|')}|`];
  for (const r of t.rows) lines.push(`| ${r.map((c) => (typeof c === 'number' ? fmt(c) : c)).join(' | ')} |`);
  if (t.notes?.length) lines.push('', ...t.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

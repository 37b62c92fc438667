/**
 * The lecture's pictures for a 2-D quadratic: loss contours with optimisation trajectories, and
 * the distance to the minimum against the step on a log scale with the theoretical rate.
 * Contours are exact ellipses: ½(w − w*)ᵀA(w − w*) = ℓ is w* + Σ_k √(2ℓ/λ_k)·(cos φ, sin φ)_k v_k.
 */
import { renderSvg } from '../plot/vega';
import { argError, checkOptions } from '../errors';
import type { Quadratic } from './quadratic';

export interface Trajectory {
  /** legend label */
  label: string;
  /** the iterates, starting with w0 */
  points: number[][];
}

function check2d(q: Quadratic): void {
  if (q.wStar.length !== 2) throw argError('ng.analysis.plots', 'quadratic', 'a 2-D quadratic (A is 2×2)', `${q.wStar.length}-D`);
}

/** Loss contours of a 2-D quadratic with the given trajectories drawn over them, as SVG. */
export async function contourPlot(
  q: Quadratic,
  runs: Trajectory[],
  options?: { levels?: number[]; domain?: [[number, number], [number, number]]; title?: string; size?: number },
): Promise<string> {
  const opts = checkOptions('ng.analysis.contourPlot', options, ['levels', 'domain', 'title', 'size'], "{ title: 'GD', size: 460 }");
  check2d(q);
  const [l1, l2] = q.eigenvalues;
  const v = q.eigenvectors; // columns
  const w = q.wStar;
  const minLoss = q.loss(w);
  const domain = opts.domain ?? [
    [w[0] - 1.5, w[0] + 1.5],
    [w[1] - 1.5, w[1] + 1.5],
  ];
  const levels = opts.levels ?? [0.05, 0.2, 0.5, 1, 2, 4, 8];
  const contour: { level: string; i: number; x: number; y: number }[] = [];
  for (const lev of levels) {
    const r1 = Math.sqrt((2 * lev) / l1);
    const r2 = Math.sqrt((2 * lev) / l2);
    for (let i = 0; i <= 120; i++) {
      const phi = (2 * Math.PI * i) / 120;
      const a = r1 * Math.cos(phi);
      const b = r2 * Math.sin(phi);
      contour.push({ level: `L − L* = ${lev}`, i, x: w[0] + a * v[0][0] + b * v[0][1], y: w[1] + a * v[1][0] + b * v[1][1] });
    }
  }
  const inBox = (p: number[]): boolean =>
    p[0] >= domain[0][0] - 1e-9 && p[0] <= domain[0][1] + 1e-9 && p[1] >= domain[1][0] - 1e-9 && p[1] <= domain[1][1] + 1e-9;
  const traj: { run: string; t: number; x: number; y: number }[] = [];
  for (const r of runs) {
    for (let t = 0; t < r.points.length; t++) {
      const p = r.points[t];
      if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) break;
      traj.push({ run: r.label, t, x: p[0], y: p[1] });
      if (!inBox(p)) break; // a diverging run: draw until it leaves the picture
    }
  }
  const size = opts.size ?? 460;
  const x = { field: 'x', type: 'quantitative', title: 'w₁', scale: { domain: domain[0], nice: false } };
  const y = { field: 'y', type: 'quantitative', title: 'w₂', scale: { domain: domain[1], nice: false } };
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title ?? `L(w) = ½wᵀAw − bᵀw: λ = ${l1.toFixed(3)}, ${l2.toFixed(3)}, κ = ${q.conditionNumber.toFixed(2)}, L* = ${minLoss.toFixed(3)}`,
    width: size,
    height: size,
    layer: [
      {
        data: { values: contour },
        mark: { type: 'line', clip: true, strokeWidth: 0.8, color: '#bbbbbb' },
        encoding: { x, y, detail: { field: 'level' }, order: { field: 'i' } },
      },
      {
        data: { values: traj },
        mark: { type: 'line', clip: true, point: true, strokeWidth: 1.6 },
        encoding: { x, y, color: { field: 'run', type: 'nominal', title: null, sort: null }, order: { field: 't' } },
      },
      {
        data: { values: [{ x: w[0], y: w[1] }] },
        mark: { type: 'point', shape: 'cross', size: 160, color: 'black', strokeWidth: 2 },
        encoding: { x, y },
      },
    ],
    config: { background: 'white', legend: { orient: 'bottom', columns: 2, labelLimit: 360 } },
  });
}

/**
 * ‖w_t − w*‖ against t on a log scale for each run, with the theoretical bound
 * ‖w_0 − w*‖·ρᵗ drawn as a dashed line for each rate ρ given (e.g. the optimal rate (κ−1)/(κ+1)).
 */
export async function convergencePlot(
  q: Quadratic,
  runs: Trajectory[],
  rates: { label: string; rate: number; from: number[] }[] = [],
  options?: { title?: string; floor?: number; ceiling?: number },
): Promise<string> {
  const opts = checkOptions('ng.analysis.convergencePlot', options, ['title', 'floor', 'ceiling'], "{ title: 'GD', floor: 1e-12 }");
  const floor = opts.floor ?? 1e-12;
  const ceiling = opts.ceiling ?? 1e4;
  const dist = (p: number[]): number => Math.sqrt(p.reduce((s, v, i) => s + (v - q.wStar[i]) ** 2, 0));
  const rows: { run: string; t: number; error: number }[] = [];
  for (const r of runs)
    r.points.forEach((p, t) => {
      const e = dist(p);
      if (e > floor && e < ceiling) rows.push({ run: r.label, t, error: e });
    });
  const steps = Math.max(...runs.map((r) => r.points.length)) - 1;
  const theory: { run: string; t: number; error: number }[] = [];
  for (const r of rates) {
    const e0 = dist(r.from);
    for (let t = 0; t <= steps; t++) {
      const e = e0 * r.rate ** t;
      if (e > floor) theory.push({ run: r.label, t, error: e });
    }
  }
  const x = { field: 't', type: 'quantitative', title: 'step t' };
  const y = { field: 'error', type: 'quantitative', title: '‖w_t − w*‖', scale: { type: 'log' } };
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title ?? 'Distance to the minimum (log scale)',
    width: 460,
    height: 320,
    layer: [
      { data: { values: rows }, mark: { type: 'line', point: true }, encoding: { x, y, color: { field: 'run', type: 'nominal', title: null, sort: null } } },
      {
        data: { values: theory },
        mark: { type: 'line', strokeDash: [6, 4], color: 'black' },
        encoding: { x, y, detail: { field: 'run' } },
      },
    ],
    config: { background: 'white', legend: { orient: 'bottom', columns: 2, labelLimit: 360 } },
  });
}

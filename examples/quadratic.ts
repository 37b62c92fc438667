/**
 * The lecture, reproduced: gradient descent on the least-squares quadratic of the toy data set
 * x1 = (2, 2), y1 = 2;  x2 = (2, 0), y2 = 0.
 *
 *   npm run demo:quadratic [-- --out <dir>]
 *
 * Prints A, b, w*, the eigenvalues, κ, η*, the optimal rate and the edge of stability, and writes
 * quadratic-contours.svg (trajectories over the loss contours) and quadratic-convergence.svg
 * (‖w_t − w*‖ on a log scale, with the theoretical rate (κ−1)/(κ+1) as a dashed line).
 */
import * as path from 'path';
import * as ng from '../lib';
import { writeTextAtomic } from '../lib/plot/vega';

async function main(): Promise<void> {
  const outArg = process.argv.indexOf('--out');
  const outDir = path.resolve(outArg >= 0 ? process.argv[outArg + 1] : 'nativegrad-out');
  const X = ng.tensor([
    [2, 2],
    [2, 0],
  ]);
  const y = ng.tensor([2, 0]);
  const q = ng.analysis.leastSquares(X, y);
  const fmt = (v: number): string => (Math.abs(v) < 1e-9 ? '0' : +v.toPrecision(6) + '');
  console.log('L(w) = ½‖Xw − y‖² = ½wᵀAw − bᵀw + c  with X = [[2, 2], [2, 0]], y = [2, 0]');
  console.log(`A  = ${JSON.stringify(q.A.toArray())}`);
  console.log(`b  = ${JSON.stringify(Array.from(q.b.data))}`);
  console.log(`w* = [${q.wStar.map(fmt).join(', ')}]    (L(w*) = ${fmt(q.loss(q.wStar))})`);
  console.log(`eigenvalues λ = ${q.eigenvalues.map(fmt).join(', ')}`);
  console.log(`condition number κ = λmax/λmin = ${fmt(q.conditionNumber)}`);
  console.log(`optimal learning rate η* = 2/(λmin + λmax) = ${fmt(q.optimalLr)}`);
  console.log(`optimal rate (κ − 1)/(κ + 1) = ${fmt(q.optimalRate)}  (error shrinks by this factor per step)`);
  console.log(`largest stable learning rate 2/λmax = ${fmt(q.maxStableLr)}`);

  const w0 = [-1, -0.5];
  const steps = 25;
  const etaSmall = 0.05;
  const etaDiverge = q.maxStableLr * 1.04;
  const run = (label: string, pts: number[][]): ng.analysis.Trajectory => ({ label, points: [w0, ...pts] });
  const runs = [
    run(`GD η = ${etaSmall}`, q.gradientDescent(w0, etaSmall, steps)),
    run(`GD η* = ${fmt(q.optimalLr)}`, q.gradientDescent(w0, q.optimalLr, steps)),
    run(`GD η = ${fmt(etaDiverge)} > 2/λmax (diverges)`, q.gradientDescent(w0, etaDiverge, steps)),
    run(`momentum η = ${etaSmall}, α = 0.6`, q.momentum(w0, etaSmall, 0.6, steps)),
    run('Newton: one step, exact', [q.newtonStep(w0)]),
  ];
  const contours = await ng.analysis.contourPlot(q, runs, {
    domain: [
      [-1.6, 1.6],
      [-1.1, 2.1],
    ],
    levels: [0.1, 0.5, 1.5, 3, 6, 10, 16],
  });
  const convergence = await ng.analysis.convergencePlot(q, runs, [{ label: 'theory (κ−1)/(κ+1)', rate: q.optimalRate, from: w0 }]);
  const f1 = path.join(outDir, 'quadratic-contours.svg');
  const f2 = path.join(outDir, 'quadratic-convergence.svg');
  writeTextAtomic('examples/quadratic', f1, contours);
  writeTextAtomic('examples/quadratic', f2, convergence);
  const e = (p: number[]): number => Math.hypot(p[0] - q.wStar[0], p[1] - q.wStar[1]);
  const gd = runs[1].points;
  console.log(`measured contraction per step at η*: ${fmt(e(gd[steps]) ** (1 / steps) / e(gd[0]) ** (1 / steps))} (theory ${fmt(q.optimalRate)})`);
  console.log(`Newton from w0 = [${w0.join(', ')}] lands on [${runs[4].points[1].map(fmt).join(', ')}]`);
  console.log(`wrote ${path.relative(process.cwd(), f1)} and ${path.relative(process.cwd(), f2)}`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});

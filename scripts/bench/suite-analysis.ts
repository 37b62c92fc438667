/**
 * Curvature of a real network: ng.analysis.curvature (power iteration on finite-difference
 * Hessian-vector products) on the Fashion-MNIST MLP 784-256-128-10 with a batch of 1,000 images
 * (random pixels of that shape when the data set is not installed). Target (issue 5): under 10 s.
 * Validated first on a small network against the full Hessian's largest-magnitude eigenvalue.
 */
import * as fs from 'fs';
import { performance } from 'perf_hooks';
import * as ng from '../../lib';
import { BenchContext } from './harness';

function smallCheck(): { power: number; exact: number } {
  ng.manualSeed(3);
  const net = new ng.nn.Sequential(new ng.nn.Linear(4, 6), new ng.nn.Tanh(), new ng.nn.Linear(6, 2));
  const x = ng.randn([32, 4]);
  const y = ng.randn([32, 2]);
  const mse = new ng.nn.MSELoss();
  const loss = () => mse.forward(net.forward(x), y);
  const lam = Array.from(ng.analysis.eigh(ng.analysis.hessian(loss, net.parameters())).values.data);
  const exact = lam.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
  const power = ng.analysis.curvature(loss, net.parameters(), { iterations: 100 }).lambdaMax;
  return { power, exact };
}

export async function run(ctx: BenchContext): Promise<void> {
  const check = smallCheck();
  const rel = Math.abs(check.power - check.exact) / Math.abs(check.exact);
  if (rel > 0.05) throw new Error(`curvature disagrees with the full Hessian: ${check.power} vs ${check.exact}`);

  const dir = ng.data.FASHION_MNIST_DIR;
  let x: ng.Tensor;
  let y: Int32Array;
  let source: string;
  if (fs.existsSync(dir)) {
    const fm = ng.data.loadFashionMnist(dir);
    x = ng.tensor(fm.train.x.data.subarray(0, 1000 * 784), [1000, 784]);
    y = (fm.train.y as Int32Array).slice(0, 1000);
    source = 'Fashion-MNIST, first 1,000 training images';
  } else {
    ng.manualSeed(1);
    x = ng.rand([1000, 784]);
    y = ng.randperm(1000).map((v) => v % 10);
    source = 'random pixels (Fashion-MNIST not installed)';
  }
  ng.manualSeed(0);
  const net = new ng.nn.Sequential(new ng.nn.Linear(784, 256), new ng.nn.ReLU(), new ng.nn.Linear(256, 128), new ng.nn.ReLU(), new ng.nn.Linear(128, 10));
  const ce = new ng.nn.CrossEntropyLoss();
  const loss = () => ce.forward(net.forward(x), y);
  const rows: (string | number)[][] = [];
  for (const iterations of ctx.quick ? [5] : [10, 20]) {
    const t0 = performance.now();
    const c = ng.analysis.curvature(loss, net.parameters(), { iterations, tol: 0 });
    const s = (performance.now() - t0) / 1000;
    rows.push([`784-256-128-10, batch 1000, ${iterations} iterations`, c.lambdaMax, c.suggestedLr, s, s < 10 ? 'yes' : 'NO']);
  }
  ctx.table({
    title: `ng.analysis.curvature on the Fashion-MNIST MLP (${ng.getNumThreads()} threads)`,
    columns: ['case', 'λmax', 'suggested lr', 'seconds', '< 10 s'],
    rows,
    notes: [
      `data: ${source}; 235,146 parameters; each iteration is two backward passes`,
      `validated first: on a 4-6-2 tanh network power iteration gives λ = ${check.power.toPrecision(5)}, the full Hessian ${check.exact.toPrecision(5)} (${(100 * rel).toFixed(2)}% apart)`,
    ],
  });
}

/**
 * Finite-difference checks (ng.gradcheck, float32 central differences) of every layer and loss,
 * in training and in evaluation mode, with respect to the input and every parameter.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg, randomArray } from '../helpers';

const rnd = lcg(2024);
/** Random values kept at least `gap` away from 0 (so ReLU's kink stays outside ±eps). */
function data(n: number, lo = -2, hi = 2, gap = 0): Float32Array {
  const a = randomArray(n, rnd, lo, hi);
  for (let i = 0; i < n; i++) if (Math.abs(a[i]) < gap) a[i] = a[i] < 0 ? -gap - 0.1 : gap + 0.1;
  return a;
}
const input = (shape: number[], gap = 0): ng.Tensor => {
  const n = shape.reduce((p, q) => p * q, 1);
  return ng.tensor(data(n, -2, 2, gap), shape, { requiresGrad: true });
};

function check(fn: (...xs: ng.Tensor[]) => ng.Tensor, inputs: ng.Tensor[], what: string): void {
  const r = ng.gradcheck(fn, inputs);
  expect(r.ok, `${what}: max error ${r.maxError} at ${JSON.stringify(r.worst)}`).to.equal(true);
}

for (const mode of ['train', 'eval'] as const) {
  describe(`nn: gradcheck of every layer and loss (${mode} mode)`, () => {
    const set = <M extends ng.nn.Module>(m: M): M => (mode === 'train' ? m.train() : m.eval());

    it('Linear (2-D and 3-D input, with and without bias)', () => {
      ng.manualSeed(1);
      const lin = set(new ng.nn.Linear(5, 3));
      check((x) => lin.forward(x), [input([4, 5]), lin.weight, lin.bias!], 'Linear [4, 5]');
      check((x) => lin.forward(x), [input([2, 3, 5]), lin.weight, lin.bias!], 'Linear [2, 3, 5]');
      const nobias = set(new ng.nn.Linear(5, 3, { bias: false }));
      check((x) => nobias.forward(x), [input([4, 5]), nobias.weight], 'Linear without bias');
    });

    it('ReLU, Sigmoid, Tanh, Softmax', () => {
      check(set(new ng.nn.ReLU()).forward, [input([4, 6], 0.05)], 'ReLU');
      check(set(new ng.nn.Sigmoid()).forward, [input([4, 6])], 'Sigmoid');
      check(set(new ng.nn.Tanh()).forward, [input([4, 6])], 'Tanh');
      check(set(new ng.nn.Softmax()).forward, [input([4, 6])], 'Softmax(-1)');
      check(set(new ng.nn.Softmax(0)).forward, [input([4, 6])], 'Softmax(0)');
    });

    it('BatchNorm1d on [N, C] and [N, C, L], affine or not', () => {
      const bn = set(new ng.nn.BatchNorm1d(4));
      bn.weight!.data.set([1.5, -0.5, 0.8, 2]);
      bn.bias!.data.set([0.1, 0.2, -0.3, 0.4]);
      bn.runningMean!.data.set([0.2, -0.1, 0.3, 0]);
      bn.runningVar!.data.set([0.5, 1.5, 2, 0.9]);
      check((x) => bn.forward(x), [input([6, 4]), bn.weight!, bn.bias!], 'BatchNorm1d [6, 4]');
      check((x) => bn.forward(x), [input([3, 4, 5]), bn.weight!, bn.bias!], 'BatchNorm1d [3, 4, 5]');
      const plain = set(new ng.nn.BatchNorm1d(4, { affine: false }));
      check((x) => plain.forward(x), [input([6, 4])], 'BatchNorm1d without affine');
      const untracked = set(new ng.nn.BatchNorm1d(4, { trackRunningStats: false }));
      check((x) => untracked.forward(x), [input([6, 4]), untracked.weight!], 'BatchNorm1d without running statistics');
    });

    it('Dropout (mask fixed by seeding before each evaluation; p = 0; p = 1)', () => {
      const drop = set(new ng.nn.Dropout(0.4));
      check(
        (x) => {
          ng.manualSeed(99);
          return drop.forward(x);
        },
        [input([5, 6])],
        'Dropout(0.4)',
      );
      check(set(new ng.nn.Dropout(0)).forward, [input([5, 6])], 'Dropout(0)');
      check(set(new ng.nn.Dropout(1)).forward, [input([5, 6])], 'Dropout(1)');
    });

    it('CrossEntropyLoss: class indices (mean, sum, none, label smoothing) and probability targets (logits and target)', () => {
      const y = [2, 0, 4, 1];
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        const ce = set(new ng.nn.CrossEntropyLoss({ reduction }));
        check((x) => ce.forward(x, y), [input([4, 5])], `CrossEntropyLoss ${reduction}`);
      }
      const smooth = set(new ng.nn.CrossEntropyLoss({ labelSmoothing: 0.1 }));
      check((x) => smooth.forward(x, y), [input([4, 5])], 'CrossEntropyLoss labelSmoothing');
      const ce = set(new ng.nn.CrossEntropyLoss());
      const p = ng.tensor(randomArray(20, rnd, 0, 1), [4, 5], { requiresGrad: true });
      check((x, t) => ce.forward(x, t), [input([4, 5]), p], 'CrossEntropyLoss probabilities');
      const sp = set(new ng.nn.CrossEntropyLoss({ labelSmoothing: 0.2, reduction: 'none' }));
      check((x, t) => sp.forward(x, t), [input([4, 5]), p], 'CrossEntropyLoss probabilities + smoothing');
    });

    it('MSELoss (mean, sum, none) with respect to input and target', () => {
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        const mse = set(new ng.nn.MSELoss({ reduction }));
        check((a, b) => mse.forward(a, b), [input([3, 4]), input([3, 4])], `MSELoss ${reduction}`);
      }
    });

    it('a whole network: Linear-BatchNorm1d-Tanh-Dropout-Linear + cross-entropy, every parameter', () => {
      ng.manualSeed(7);
      const net = set(new ng.nn.Sequential(new ng.nn.Linear(5, 6), new ng.nn.BatchNorm1d(6), new ng.nn.Tanh(), new ng.nn.Dropout(0.3), new ng.nn.Linear(6, 3)));
      const ce = new ng.nn.CrossEntropyLoss();
      const y = [0, 2, 1, 1, 0, 2];
      check(
        (x) => {
          ng.manualSeed(5);
          return ce.forward(net.forward(x), y);
        },
        [input([6, 5]), ...net.parameters()],
        'network',
      );
    });
  });
}

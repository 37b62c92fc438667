/**
 * ng.train.compileStep: forward, loss and backward as one call. The fused path (one native call for
 * a Sequential of Linear/ReLU layers under CrossEntropyLoss) must give, bit for bit, the parameters,
 * gradients, losses and outputs of the hand-written tape loop, over many optimizer steps; its
 * gradients must also match finite differences. Everything it cannot fuse runs through the tape
 * with the tape's results and errors.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { FixtureTensor, expectClose, fixture, lcg } from '../helpers';

type Target = Int32Array | number[] | ng.Tensor;

function data(n: number, d: number, k: number, seed: number): { x: ng.Tensor; y: Int32Array } {
  const rnd = lcg(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = 2 * rnd() - 1;
  const y = Int32Array.from({ length: n }, () => Math.floor(rnd() * k));
  return { x: new ng.Tensor(x, [n, d]), y };
}

/** The bits of every parameter and gradient (NaN-safe, −0 distinct from +0). */
function bits(model: ng.nn.Module): string[] {
  return model.parameters().map((p) => {
    const g = p.grad ? Array.from(new Uint32Array(Float32Array.from(p.grad.data).buffer)).join(',') : 'none';
    return `${Array.from(new Uint32Array(Float32Array.from(p.data).buffer)).join(',')}|${g}`;
  });
}

interface Setup {
  build: () => ng.nn.Module;
  loss: () => ng.nn.Module & { forward(o: ng.Tensor, t: Target): ng.Tensor };
  opt: (p: ng.Tensor[]) => ng.optim.Optimizer;
}

/**
 * Trains two copies of a model (same seed) on the same batches, one with the hand-written tape loop
 * and one through compileStep; after every step the loss, the output, every parameter and every
 * gradient must be the same bits.
 */
function lockstep(s: Setup, batches: { x: ng.Tensor; y: Target }[], steps: number): { step: ng.train.CompiledStep; tape: ng.nn.Module } {
  ng.manualSeed(3);
  const tape = s.build();
  ng.manualSeed(3);
  const mine = s.build();
  const lossT = s.loss();
  const lossM = s.loss();
  const optT = s.opt(tape.parameters());
  const optM = s.opt(mine.parameters());
  const step = ng.train.compileStep(mine, lossM);
  for (let i = 0; i < steps; i++) {
    const b = batches[i % batches.length];
    optT.zeroGrad();
    const out = tape.forward(b.x);
    const l = lossT.forward(out, b.y);
    l.backward();
    const want = l.item();
    optM.zeroGrad();
    const got = step.run(b.x, b.y);
    expect(Object.is(got, want), `step ${i}: loss ${got} vs the tape's ${want}`).to.equal(true);
    expect(step.output!.shape).to.deep.equal(out.shape);
    expect(Array.from(step.output!.data), `step ${i}: output`).to.deep.equal(Array.from(out.data));
    expect(bits(mine), `step ${i}: parameters and gradients`).to.deep.equal(bits(tape));
    optT.step();
    optM.step();
  }
  expect(bits(mine), 'after the last optimizer step').to.deep.equal(bits(tape));
  return { step, tape };
}

const mlp =
  (...sizes: number[]): (() => ng.nn.Sequential) =>
  () => {
    const layers: ng.nn.Module[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      layers.push(new ng.nn.Linear(sizes[l], sizes[l + 1]));
      if (l + 2 < sizes.length) layers.push(new ng.nn.ReLU());
    }
    return new ng.nn.Sequential(...layers);
  };
const adam = (p: ng.Tensor[]): ng.optim.Optimizer => new ng.optim.Adam(p, { lr: 0.01 });

describe('train: compileStep (forward, loss and backward as one call)', () => {
  it('fuses a Sequential of Linear/ReLU layers under CrossEntropyLoss, bit for bit the tape loop over 30 Adam steps', () => {
    const batches = [0, 1, 2].map((i) => data(16, 12, 5, 40 + i));
    const { step } = lockstep({ build: mlp(12, 9, 7, 5), loss: () => new ng.nn.CrossEntropyLoss(), opt: adam }, batches, 30);
    expect(step.fused).to.equal(true);
    expect(step.reason).to.equal(null);
  });

  it('the same with the MLP of the benchmarks (784-256-128-10, batch 64) over 5 steps', () => {
    // on 1 thread: with more, each sgemm shape's first calls alternate between 1 thread and the pool
    // (to time both), and OpenBLAS's two sums differ in the last bits, so two copies of a model
    // trained by the tape alone can differ too
    const before = ng.getNumThreads();
    ng.setNumThreads(1);
    try {
      const batches = [0, 1].map((i) => data(64, 784, 10, 50 + i));
      lockstep({ build: mlp(784, 256, 128, 10), loss: () => new ng.nn.CrossEntropyLoss(), opt: adam }, batches, 5);
    } finally {
      ng.setNumThreads(before);
    }
  });

  it('bit for bit also with: no bias, Linear→Linear without ReLU, a last ReLU, label smoothing, reduction sum, SGD momentum, number[] and Tensor targets', () => {
    const build = (): ng.nn.Sequential =>
      new ng.nn.Sequential(new ng.nn.Linear(6, 5, { bias: false }), new ng.nn.ReLU(), new ng.nn.Linear(5, 4), new ng.nn.Linear(4, 3), new ng.nn.ReLU());
    const d = data(9, 6, 3, 7);
    const batches = [
      { x: d.x, y: d.y as Target },
      { x: d.x, y: Array.from(d.y) as Target },
      { x: d.x, y: new ng.Tensor(Float32Array.from(d.y), [9]) as Target },
    ];
    const { step } = lockstep(
      {
        build,
        loss: () => new ng.nn.CrossEntropyLoss({ labelSmoothing: 0.1, reduction: 'sum' }),
        opt: (p) => new ng.optim.SGD(p, { lr: 0.05, momentum: 0.9 }),
      },
      batches,
      12,
    );
    expect(step.fused).to.equal(true);
  });

  it('frozen layers: no gradient for parameters that do not require grad, the rest bit for bit', () => {
    const build = (): ng.nn.Sequential => {
      const m = mlp(8, 6, 5, 4)();
      const first = m.at(0) as ng.nn.Linear;
      first.weight.requiresGrad_(false);
      first.bias!.requiresGrad_(false);
      (m.at(2) as ng.nn.Linear).bias!.requiresGrad_(false);
      return m;
    };
    const batches = [data(10, 8, 4, 9)];
    const { step } = lockstep(
      {
        build,
        loss: () => new ng.nn.CrossEntropyLoss(),
        opt: (p) =>
          new ng.optim.SGD(
            p.filter((t) => t.requiresGrad),
            { lr: 0.1 },
          ),
      },
      batches,
      6,
    );
    const m = step.model as ng.nn.Sequential;
    expect((m.at(0) as ng.nn.Linear).weight.grad).to.equal(null);
    expect((m.at(2) as ng.nn.Linear).bias!.grad).to.equal(null);
    expect((m.at(4) as ng.nn.Linear).weight.grad).to.not.equal(null);
  });

  it('batch sizes that change between calls (a full batch and an epoch’s last one)', () => {
    const batches = [data(8, 5, 3, 1), data(3, 5, 3, 2), data(8, 5, 3, 3), data(1, 5, 3, 4), data(3, 5, 3, 5)];
    lockstep({ build: mlp(5, 4, 3), loss: () => new ng.nn.CrossEntropyLoss(), opt: adam }, batches, 15);
  });

  it('agrees with PyTorch 1.13 (sequential-step.json): loss, every gradient, and 3 Adam steps', () => {
    const doc = fixture('sequential-step.json');
    const tensorOf = (f: FixtureTensor): ng.Tensor => ng.tensor(Float32Array.from(f.data), f.shape);
    const builds = [
      mlp(6, 5, 4, 3),
      (): ng.nn.Sequential =>
        new ng.nn.Sequential(new ng.nn.Linear(6, 5, { bias: false }), new ng.nn.ReLU(), new ng.nn.Linear(5, 4), new ng.nn.Linear(4, 3), new ng.nn.ReLU()),
    ];
    const losses = [
      (): ng.nn.CrossEntropyLoss => new ng.nn.CrossEntropyLoss(),
      (): ng.nn.CrossEntropyLoss => new ng.nn.CrossEntropyLoss({ labelSmoothing: 0.1, reduction: 'sum' }),
    ];
    expect(doc.cases).to.have.length(2);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (doc.cases as any[]).forEach((c, i) => {
      const model = builds[i]();
      model.loadStateDict(Object.fromEntries(Object.entries(c.init).map(([k, v]) => [k, tensorOf(v as FixtureTensor)])));
      const step = ng.train.compileStep(model, losses[i]());
      expect(step.fused, c.name).to.equal(true);
      const x = tensorOf(c.x);
      const y = Int32Array.from(c.classes as number[]);
      expectClose([step.run(x, y)], [c.loss], { rtol: 1e-5, what: `${c.name}: loss` });
      const named = new Map(model.namedParameters());
      expect([...named.keys()]).to.deep.equal(Object.keys(c.grads));
      for (const [k, g] of Object.entries(c.grads))
        expectClose(named.get(k)!.grad!.data, (g as FixtureTensor).data, { rtol: 1e-4, atol: 1e-7, what: `${c.name}: grad ${k}` });
      const opt = new ng.optim.Adam(model.parameters(), { lr: 0.01 });
      const got: number[] = [];
      for (let s = 0; s < 3; s++) {
        opt.zeroGrad();
        got.push(step.run(x, y));
        opt.step();
      }
      expectClose(got, c.adam_losses, { rtol: 1e-5, what: `${c.name}: Adam losses` });
      for (const [k, p] of Object.entries(c.adam_params))
        expectClose(named.get(k)!.data, (p as FixtureTensor).data, { rtol: 1e-4, atol: 1e-6, what: `${c.name}: ${k} after 3 Adam steps` });
    });
  });

  it('gradients accumulate across runs without zeroGrad, as backward() does', () => {
    ng.manualSeed(1);
    const m = mlp(4, 3, 2)();
    const lossFn = new ng.nn.CrossEntropyLoss();
    const step = ng.train.compileStep(m, lossFn);
    const d = data(5, 4, 2, 11);
    step.run(d.x, d.y);
    const once = m.parameters().map((p) => Array.from(p.grad!.data));
    step.run(d.x, d.y);
    m.parameters().forEach((p, i) => expect(Array.from(p.grad!.data)).to.deep.equal(once[i].map((v) => Math.fround(v + v))));
  });

  it('gradients match central finite differences of the loss (float64 reference forward)', () => {
    ng.manualSeed(5);
    const m = mlp(5, 4, 3)();
    const lossFn = new ng.nn.CrossEntropyLoss({ labelSmoothing: 0.05 });
    const step = ng.train.compileStep(m, lossFn);
    const d = data(6, 5, 3, 21);
    step.run(d.x, d.y);
    const [w1, b1, w2, b2] = m.parameters();
    // the loss in double, parameters as they are (perturbed one at a time)
    const f = (): number => {
      const x = d.x.data;
      let total = 0;
      for (let n = 0; n < 6; n++) {
        const h: number[] = [];
        for (let o = 0; o < 4; o++) {
          let v = b1.data[o];
          for (let i = 0; i < 5; i++) v += x[n * 5 + i] * w1.data[o * 5 + i];
          h.push(Math.max(v, 0));
        }
        const z: number[] = [];
        for (let o = 0; o < 3; o++) {
          let v = b2.data[o];
          for (let i = 0; i < 4; i++) v += h[i] * w2.data[o * 4 + i];
          z.push(v);
        }
        const mx = Math.max(...z);
        const lse = mx + Math.log(z.reduce((s, v) => s + Math.exp(v - mx), 0));
        for (let k = 0; k < 3; k++) total += ((1 - 0.05) * (k === d.y[n] ? 1 : 0) + 0.05 / 3) * (lse - z[k]);
      }
      return total / 6;
    };
    for (const p of [w1, b1, w2, b2]) {
      for (let i = 0; i < p.size; i++) {
        const v = p.data[i];
        const h = 1e-3;
        p.data[i] = v + h;
        const up = f();
        p.data[i] = v - h;
        const down = f();
        p.data[i] = v;
        const fd = (up - down) / (2 * h);
        expect(Math.abs(p.grad!.data[i] - fd), `${p.shape} [${i}]: ${p.grad!.data[i]} vs ${fd}`).to.be.below(2e-4 + 1e-3 * Math.abs(fd));
      }
    }
  });

  it('runs through the tape, with its results, whatever it cannot fuse: BatchNorm1d, MSELoss, reduction none, { fuse: false }, a replaced forward', () => {
    const cases: [string, () => ng.train.CompiledStep, RegExp][] = [
      [
        'BatchNorm1d',
        () =>
          ng.train.compileStep(new ng.nn.Sequential(new ng.nn.Linear(4, 3), new ng.nn.BatchNorm1d(3), new ng.nn.Linear(3, 2)), new ng.nn.CrossEntropyLoss()),
        /module 1 \(BatchNorm1d\)/,
      ],
      ['MSELoss', () => ng.train.compileStep(mlp(4, 2)(), new ng.nn.MSELoss()), /not an ng\.nn\.CrossEntropyLoss/],
      ['Linear alone', () => ng.train.compileStep(new ng.nn.Linear(4, 2), new ng.nn.CrossEntropyLoss()), /not an ng\.nn\.Sequential/],
      ["reduction 'none'", () => ng.train.compileStep(mlp(4, 2)(), new ng.nn.CrossEntropyLoss({ reduction: 'none' })), /reduction 'none'/],
      ['fuse: false', () => ng.train.compileStep(mlp(4, 2)(), new ng.nn.CrossEntropyLoss(), { fuse: false }), /turned off/],
    ];
    for (const [what, make, why] of cases) {
      const step = make();
      expect(step.fused, what).to.equal(false);
      expect(step.reason, what).to.match(why);
    }
    // a tape-run step still trains, bit for bit as the loop
    const bn = (): ng.nn.Sequential => new ng.nn.Sequential(new ng.nn.Linear(4, 3), new ng.nn.BatchNorm1d(3), new ng.nn.ReLU(), new ng.nn.Linear(3, 2));
    const { step } = lockstep({ build: bn, loss: () => new ng.nn.CrossEntropyLoss(), opt: adam }, [data(6, 4, 2, 3)], 4);
    expect(step.fused).to.equal(false);
  });

  it('notices a model changed after compiling: an appended module, a forward replaced on an instance', () => {
    ng.manualSeed(2);
    const m = mlp(4, 3)();
    const step = ng.train.compileStep(m, new ng.nn.CrossEntropyLoss());
    const d = data(5, 4, 3, 1);
    step.run(d.x, d.y);
    expect(step.output!.shape).to.deep.equal([5, 3]);
    m.append(new ng.nn.ReLU()).append(new ng.nn.Linear(3, 2));
    const d2 = data(5, 4, 2, 2);
    step.run(d2.x, d2.y);
    expect(step.fused).to.equal(true);
    expect(step.output!.shape).to.deep.equal([5, 2]);
    const last = m.at(2) as ng.nn.Linear;
    last.forward = (x: ng.Tensor): ng.Tensor => ng.mul(ng.nn.functional.linear(x, last.weight, last.bias), 2);
    expect(step.fused).to.equal(false);
    expect(step.reason).to.match(/module 2/);
    // the replaced forward runs: the output is twice the plain Linear's
    const v = step.run(d2.x, d2.y);
    const plain = ng.noGrad(() =>
      ng.nn.functional.linear(ng.relu(ng.nn.functional.linear(d2.x, (m.at(0) as ng.nn.Linear).weight, (m.at(0) as ng.nn.Linear).bias)), last.weight, last.bias),
    );
    expect(Array.from(step.output!.data)).to.deep.equal(Array.from(plain.data, (t) => Math.fround(2 * t)));
    expect(Number.isFinite(v)).to.equal(true);
  });

  it('per call: an input that requires grad, a probability target or gradients turned off go through the tape', () => {
    ng.manualSeed(4);
    const m = mlp(3, 2)();
    const step = ng.train.compileStep(m, new ng.nn.CrossEntropyLoss());
    const x = ng.tensor(
      [
        [1, 2, 3],
        [0, -1, 1],
      ],
      undefined,
      { requiresGrad: true },
    );
    step.run(
      ng.tensor([
        [1, 2, 3],
        [0, -1, 1],
      ]),
      [0, 1],
    );
    expect(step.lastRunFused).to.equal(true);
    step.run(x, [0, 1]);
    expect(step.lastRunFused).to.equal(false);
    expect(x.grad, 'the input’s gradient, from the tape').to.not.equal(null);
    const probs = ng.tensor([
      [0.3, 0.7],
      [1, 0],
    ]);
    expect(
      Number.isFinite(
        step.run(
          ng.tensor([
            [1, 2, 3],
            [0, -1, 1],
          ]),
          probs,
        ),
      ),
    ).to.equal(true);
    expect(step.lastRunFused).to.equal(false);
    expect(() => ng.noGrad(() => step.run(ng.tensor([[1, 2, 3]]), [1]))).to.throw(/does not require grad/);
    expect(step.fused).to.equal(true); // the model itself still fuses
  });

  it('bad input gets the tape’s errors, shapes named', () => {
    ng.manualSeed(6);
    const m = mlp(3, 2)();
    const step = ng.train.compileStep(m, new ng.nn.CrossEntropyLoss());
    const loop = (x: ng.Tensor, y: Target): unknown => new ng.nn.CrossEntropyLoss().forward(m.forward(x), y).backward();
    const bad: [ng.Tensor, Target][] = [
      [ng.zeros([2, 4]), [0, 1]], // wrong feature count
      [ng.zeros([2, 3]), [0, 2]], // class out of range
      [ng.zeros([2, 3]), [0]], // too few targets
      [ng.zeros([2, 3]), [0, 0.5]], // not an integer
    ];
    for (const [x, y] of bad) {
      let want = '';
      try {
        loop(x, y);
      } catch (e) {
        want = (e as Error).message;
      }
      expect(want, 'the loop throws').to.not.equal('');
      expect(() => step.run(x, y)).to.throw(want);
    }
    expect(() => ng.train.compileStep(null as never, new ng.nn.CrossEntropyLoss())).to.throw(/compileStep.*model/);
    expect(() => ng.train.compileStep(m, new ng.nn.CrossEntropyLoss(), { fuse: 1 as never })).to.throw(/fuse.*boolean/);
  });

  it('a tape-run model that hands its input back: the next run does not dispose the caller’s input', () => {
    const ident = new ng.nn.Sequential(); // returns its input
    const step = ng.train.compileStep(ident, new ng.nn.CrossEntropyLoss());
    expect(step.fused).to.equal(false);
    expect(step.reason).to.match(/empty/);
    const x = ng.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      { requiresGrad: true },
    );
    step.run(x, [0, 1]);
    expect(step.output).to.equal(x);
    step.run(ng.tensor([[0, 1]], undefined, { requiresGrad: true }), [1]);
    expect(x.isDisposed, 'the first input survives the second run').to.equal(false);
    // an output of its own is freed at the next run
    const w = ng.tensor(
      [
        [1, -1],
        [0.5, 2],
      ],
      undefined,
      { requiresGrad: true },
    );
    const model = { forward: (t: ng.Tensor): ng.Tensor => t.matmul(w), parameters: () => [w] };
    const step2 = ng.train.compileStep(model as never, new ng.nn.CrossEntropyLoss());
    step2.run(ng.tensor([[1, 2]]), [0]);
    const out = step2.output!;
    step2.run(ng.tensor([[2, 1]]), [1]);
    expect(out.isDisposed).to.equal(true);
  });

  it('an input sharing bytes with what the kernel writes (step.output passed back in) goes through the tape, with the tape’s result', () => {
    ng.manualSeed(3);
    const m = mlp(3, 6, 3)();
    const step = ng.train.compileStep(m, new ng.nn.CrossEntropyLoss());
    const y = [0, 1, 2, 0];
    step.run(ng.randn([4, 3]), y);
    const o = step.output!;
    const copy = o.clone();
    const grads = (x: ng.Tensor): number[][] => {
      m.parameters().forEach((p) => (p.grad = null));
      step.run(x, y);
      return m.parameters().map((p) => Array.from(p.grad!.data));
    };
    const fromOutput = grads(o);
    expect(step.lastRunFused).to.equal(false);
    expect(fromOutput).to.deep.equal(grads(copy));
    expect(step.lastRunFused).to.equal(true);
  });

  it('a weight or bias replaced by one of another shape, or by a computed (non-leaf) tensor, goes through the tape', () => {
    ng.manualSeed(4);
    const m = mlp(3, 4, 2)();
    const step = ng.train.compileStep(m, new ng.nn.CrossEntropyLoss());
    const x = ng.randn([5, 3]);
    const y = [0, 1, 1, 0, 1];
    step.run(x, y);
    expect(step.lastRunFused).to.equal(true);
    const last = m.at(2) as ng.nn.Linear;
    const w = last.weight;
    const swap = (t: ng.Tensor): void => void Object.defineProperty(last, 'weight', { value: t, configurable: true, writable: true });
    swap(ng.randn([4, 2])); // transposed
    expect(() => step.run(x, y)).to.throw(/shape/);
    expect(step.lastRunFused).to.equal(false);
    swap(ng.mul(w, 1)); // computed from w: gradients must flow back to w through the tape
    w.requiresGrad_(true);
    w.grad = null;
    step.run(x, y);
    expect(step.lastRunFused).to.equal(false);
    expect(w.grad, 'the gradient reached the leaf behind the computed weight').to.not.equal(null);
  });

  it('a failed tape run leaves output null, not a disposed tensor', () => {
    ng.manualSeed(9);
    const m = new ng.nn.Sequential(new ng.nn.Linear(3, 2), new ng.nn.Dropout(0.1));
    const step = ng.train.compileStep(m, new ng.nn.CrossEntropyLoss());
    step.run(ng.randn([2, 3]), [0, 1]);
    expect(() => step.run(ng.randn([2, 3]), [0, 9])).to.throw(/out of range/);
    expect(step.output === null || !step.output.isDisposed).to.equal(true);
  });

  it('output: overwritten by the next fused run; a disposed output is replaced, not written into', () => {
    ng.manualSeed(8);
    const m = mlp(3, 2)();
    const step = ng.train.compileStep(m, new ng.nn.CrossEntropyLoss());
    expect(step.output).to.equal(null);
    step.run(ng.tensor([[1, 2, 3]]), [1]);
    const first = step.output!;
    const kept = first.clone();
    step.run(ng.tensor([[3, 2, 1]]), [0]);
    expect(step.output).to.equal(first); // same tensor, new values
    expect(Array.from(first.data)).to.not.deep.equal(Array.from(kept.data));
    first.dispose();
    step.run(ng.tensor([[3, 2, 1]]), [0]);
    expect(step.output).to.not.equal(first);
    expect(step.output!.isDisposed).to.equal(false);
  });
});

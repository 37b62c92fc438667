/** StepLR, ExponentialLR, CosineAnnealingLR: PyTorch's recursive updates against the closed forms. */
import { expect } from 'chai';
import * as ng from '../../lib';

function optimizer(lrs: number[]): ng.optim.SGD {
  return new ng.optim.SGD(
    lrs.map((lr) => ({ params: [ng.zeros([2])], lr })),
    { lr: lrs[0] },
  );
}

/** Steps the scheduler n times, returning the group lrs after each step (index 0 = after construction). */
function trace(opt: ng.optim.Optimizer, sched: ng.optim.LRScheduler, n: number): number[][] {
  const out = [opt.paramGroups.map((g) => g.lr)];
  const start = sched.lastEpoch;
  for (let t = 1; t <= n; t++) {
    sched.step();
    out.push(opt.paramGroups.map((g) => g.lr));
    expect(sched.getLastLr()).to.deep.equal(out[t]);
    expect(sched.lastEpoch).to.equal(start + t);
  }
  return out;
}

function expectRel(actual: number, expected: number, rtol: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: got ${actual}, expected ${expected}`).to.be.at.most(rtol * Math.abs(expected) + 1e-300);
}

describe('ng.optim learning-rate schedules', () => {
  it('construction records initialLr and leaves the lr as it is (lastEpoch 0)', () => {
    const opt = optimizer([0.1, 0.02]);
    const s = new ng.optim.StepLR(opt, { stepSize: 2 });
    expect(s.lastEpoch).to.equal(0);
    expect(s.getLastLr()).to.deep.equal([0.1, 0.02]);
    expect(s.baseLrs).to.deep.equal([0.1, 0.02]);
    expect(opt.paramGroups.map((g) => g.initialLr)).to.deep.equal([0.1, 0.02]);
  });

  it('StepLR: η_t = η₀·γ^⌊t/stepSize⌋ (default γ = 0.1), for every group', () => {
    const opt = optimizer([0.1, 0.02]);
    const lrs = trace(opt, new ng.optim.StepLR(opt, { stepSize: 3 }), 40);
    lrs.forEach((row, t) => row.forEach((lr, g) => expectRel(lr, [0.1, 0.02][g] * 0.1 ** Math.floor(t / 3), 1e-12, `t=${t} group ${g}`)));
    expect(lrs[2][0]).to.equal(0.1);
    expect(lrs[3][0]).to.be.closeTo(0.01, 1e-15);
  });

  it('ExponentialLR: η_t = η₀·γ^t', () => {
    const opt = optimizer([0.5]);
    const lrs = trace(opt, new ng.optim.ExponentialLR(opt, { gamma: 0.9 }), 50);
    lrs.forEach((row, t) => expectRel(row[0], 0.5 * 0.9 ** t, 1e-12, `t=${t}`));
  });

  it('CosineAnnealingLR: η_t = η_min + (η₀ − η_min)(1 + cos(πt/T))/2, continuing past T as PyTorch does', () => {
    const opt = optimizer([0.1, 0.03]);
    const T = 10;
    const etaMin = 0.001;
    const lrs = trace(opt, new ng.optim.CosineAnnealingLR(opt, { tMax: T, etaMin }), 3 * T);
    lrs.forEach((row, t) =>
      row.forEach((lr, g) => {
        const base = [0.1, 0.03][g];
        expectRel(lr, etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / T))) / 2, 1e-9, `t=${t} group ${g}`);
      }),
    );
    expectRel(lrs[T][0], etaMin, 1e-9, 'at T');
    expectRel(lrs[2 * T][0], 0.1, 1e-9, 'at 2T');
  });

  it('CosineAnnealingLR defaults etaMin to 0', () => {
    const opt = optimizer([0.2]);
    const lrs = trace(opt, new ng.optim.CosineAnnealingLR(opt, { tMax: 4 }), 4);
    expect(lrs[2][0]).to.be.closeTo(0.1, 1e-15);
    expect(lrs[4][0]).to.be.closeTo(0, 1e-15);
  });

  it('is chainable as in PyTorch: a change of lr by hand carries on', () => {
    const opt = optimizer([1]);
    const s = new ng.optim.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    s.step(); // t = 1: lr 1
    opt.lr = 0.3;
    s.step(); // t = 2: 0.3·0.5
    expect(opt.lr).to.be.closeTo(0.15, 1e-15);
    // a second scheduler on the same optimizer keeps the first's initialLr as its base
    const e = new ng.optim.ExponentialLR(opt, { gamma: 0.5 });
    expect(e.baseLrs).to.deep.equal([1]);
    e.step();
    expect(opt.lr).to.be.closeTo(0.075, 1e-15);
  });

  it('stateDict / loadStateDict resume the schedule', () => {
    for (const make of [
      (o: ng.optim.Optimizer) => new ng.optim.StepLR(o, { stepSize: 3, gamma: 0.5 }),
      (o: ng.optim.Optimizer) => new ng.optim.ExponentialLR(o, { gamma: 0.8 }),
      (o: ng.optim.Optimizer) => new ng.optim.CosineAnnealingLR(o, { tMax: 7, etaMin: 0.01 }),
    ]) {
      const optA = optimizer([0.1]);
      const a = make(optA);
      for (let t = 0; t < 5; t++) a.step();
      const sdOpt = optA.stateDict();
      const sd = a.stateDict();
      const continued = trace(optA, a, 10);
      const optB = optimizer([0.1]);
      const b = make(optB);
      optB.loadStateDict(sdOpt);
      b.loadStateDict(sd);
      expect(b.lastEpoch).to.equal(5);
      expect(b.getLastLr()).to.deep.equal(continued[0]);
      const resumed = trace(optB, b, 10);
      expect(resumed).to.deep.equal(continued);
    }
  });

  it('validates its options and the optimizer', () => {
    const opt = optimizer([0.1]);
    expect(() => new ng.optim.StepLR(opt, { stepSize: 0 })).to.throw(RangeError, /ng\.optim\.StepLR: argument 'stepSize' must be an integer >= 1, got 0/);
    expect(() => new ng.optim.StepLR(opt, { stepSize: 1.5 })).to.throw(TypeError, /'stepSize' must be an integer >= 1, got 1\.5/);
    expect(() => new ng.optim.StepLR(opt, {} as never)).to.throw(TypeError, /'stepSize' must be an integer >= 1, got undefined/);
    expect(() => new ng.optim.StepLR(opt, { stepSize: 2, gamma: -0.1 })).to.throw(RangeError, /'gamma' must be a finite number > 0, got -0\.1/);
    expect(() => new ng.optim.ExponentialLR(opt, {} as never)).to.throw(TypeError, /ng\.optim\.ExponentialLR: argument 'gamma' must be given/);
    expect(() => new ng.optim.CosineAnnealingLR(opt, { tMax: 0 })).to.throw(RangeError, /'tMax' must be an integer >= 1/);
    expect(() => new ng.optim.CosineAnnealingLR(opt, { tMax: 5, etaMin: -1 })).to.throw(RangeError, /'etaMin' must be a finite number >= 0/);
    expect(() => new ng.optim.StepLR({} as never, { stepSize: 1 })).to.throw(TypeError, /argument 'optimizer' must be an optimizer/);
    expect(() => new ng.optim.StepLR(opt, 3 as never)).to.throw(TypeError, /argument 'opts' must be an options object/);
    const s = new ng.optim.StepLR(opt, { stepSize: 2 });
    expect(() => s.loadStateDict({ ...s.stateDict(), baseLrs: [0.1, 0.2] })).to.throw(TypeError, /'baseLrs' must be an array of 1 numbers/);
    expect(() => s.loadStateDict({ ...s.stateDict(), stepSize: 0 })).to.throw(RangeError, /stepSize/);
    expect(s.stepSize).to.equal(2);
  });
});

/**
 * The Optimizer base and its subclasses: hyper-parameter validation (PyTorch's messages), defaults,
 * parameter groups, lazy per-parameter state, zeroGrad, the lr property, and stateDict round trips
 * that continue bit for bit.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg, randomArray } from '../helpers';

type Ctor = new (params: ng.Tensor[], opts?: Record<string, unknown>) => ng.optim.Optimizer;
const SGD = ng.optim.SGD as unknown as Ctor;
const RMSprop = ng.optim.RMSprop as unknown as Ctor;
const Adam = ng.optim.Adam as unknown as Ctor;
const AdamW = ng.optim.AdamW as unknown as Ctor;
const Rprop = ng.optim.Rprop as unknown as Ctor;

function param(shape: number[], seed: number): ng.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return ng.tensor(randomArray(n, lcg(seed)), shape, { requiresGrad: true });
}

/** A small regression problem: 16 samples, 5 inputs, 3 outputs, loss = mean((x Wᵀ + b − y)²). */
function problem(seed = 1): { W: ng.Tensor; b: ng.Tensor; lossAndGrad: () => number } {
  const rnd = lcg(seed);
  const W = ng.tensor(randomArray(15, rnd), [3, 5], { requiresGrad: true });
  const b = ng.tensor(randomArray(3, rnd), [3], { requiresGrad: true });
  const x = ng.tensor(randomArray(80, rnd, -2, 2), [16, 5]);
  const y = ng.tensor(randomArray(48, rnd, -1, 1), [16, 3]);
  return {
    W,
    b,
    lossAndGrad() {
      const loss = ng.mean(ng.pow(ng.sub(ng.add(ng.matmul(x, ng.transpose(W)), b), y), 2));
      loss.backward();
      return loss.item();
    },
  };
}

describe('ng.optim.Optimizer', () => {
  describe('hyper-parameter validation', () => {
    const w = (): ng.Tensor => param([2, 2], 3);
    const cases: [string, Ctor, Record<string, unknown>, RegExp, 'range' | 'type'][] = [
      ['SGD without lr', SGD, {}, /ng\.optim\.SGD: argument 'lr' must be given: SGD has no default learning rate/, 'type'],
      ['SGD lr -1', SGD, { lr: -1 }, /ng\.optim\.SGD: Invalid learning rate: -1 \(lr must be >= 0\)/, 'range'],
      ['SGD lr NaN', SGD, { lr: NaN }, /argument 'lr' must be a finite number >= 0, got NaN/, 'type'],
      ['SGD lr string', SGD, { lr: '0.1' }, /argument 'lr' must be a finite number >= 0, got the string "0.1"/, 'type'],
      ['SGD momentum', SGD, { lr: 0.1, momentum: -0.5 }, /Invalid momentum value: -0.5/, 'range'],
      ['SGD weightDecay', SGD, { lr: 0.1, weightDecay: -1e-4 }, /Invalid weight_decay value: -0.0001/, 'range'],
      ['SGD dampening type', SGD, { lr: 0.1, dampening: null }, /argument 'dampening' must be a finite number, got null/, 'type'],
      ['SGD nesterov type', SGD, { lr: 0.1, momentum: 0.9, nesterov: 1 }, /argument 'nesterov' must be a boolean, got 1/, 'type'],
      [
        'SGD nesterov without momentum',
        SGD,
        { lr: 0.1, nesterov: true },
        /Nesterov momentum requires a momentum and zero dampening \(got momentum 0, dampening 0\)/,
        'range',
      ],
      [
        'SGD nesterov with dampening',
        SGD,
        { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true },
        /Nesterov momentum requires a momentum and zero dampening/,
        'range',
      ],
      [
        'SGD snake_case option',
        SGD,
        { lr: 0.1, weight_decay: 0.1 },
        /argument 'weight_decay' must be a known option \(one of lr, momentum, dampening, nesterov, weightDecay\)/,
        'type',
      ],
      ['RMSprop lr', RMSprop, { lr: -0.01 }, /ng\.optim\.RMSprop: Invalid learning rate: -0.01/, 'range'],
      ['RMSprop alpha', RMSprop, { alpha: -0.9 }, /Invalid alpha value: -0.9/, 'range'],
      ['RMSprop eps', RMSprop, { eps: -1e-8 }, /Invalid epsilon value: -1e-8/, 'range'],
      ['RMSprop momentum', RMSprop, { momentum: -1 }, /Invalid momentum value: -1/, 'range'],
      ['RMSprop weightDecay', RMSprop, { weightDecay: -1 }, /Invalid weight_decay value: -1/, 'range'],
      ['RMSprop centered', RMSprop, { centered: 'yes' }, /argument 'centered' must be a boolean/, 'type'],
      ['Adam lr', Adam, { lr: -1 }, /ng\.optim\.Adam: Invalid learning rate: -1/, 'range'],
      ['Adam beta1 = 1', Adam, { betas: [1, 0.999] }, /Invalid beta parameter at index 0: 1 \(betas\[0\] must be in \[0, 1\)\)/, 'range'],
      ['Adam beta2 < 0', Adam, { betas: [0.9, -0.1] }, /Invalid beta parameter at index 1: -0.1/, 'range'],
      ['Adam betas not a pair', Adam, { betas: 0.9 }, /argument 'betas' must be a pair of numbers like \[0.9, 0.999\], got 0.9/, 'type'],
      ['Adam betas of strings', Adam, { betas: ['a', 0.9] }, /argument 'betas\[0\]' must be a finite number in \[0, 1\)/, 'type'],
      ['Adam eps', Adam, { eps: -1 }, /Invalid epsilon value: -1/, 'range'],
      ['Adam weightDecay', Adam, { weightDecay: -0.1 }, /Invalid weight_decay value: -0.1/, 'range'],
      ['Adam amsgrad', Adam, { amsgrad: 0 }, /argument 'amsgrad' must be a boolean/, 'type'],
      ['AdamW lr', AdamW, { lr: -3 }, /ng\.optim\.AdamW: Invalid learning rate: -3/, 'range'],
      ['AdamW weightDecay', AdamW, { weightDecay: -0.01 }, /ng\.optim\.AdamW: Invalid weight_decay value: -0.01/, 'range'],
      ['AdamW beta', AdamW, { betas: [0.9, 1] }, /Invalid beta parameter at index 1: 1/, 'range'],
      ['Rprop lr', Rprop, { lr: -0.01 }, /ng\.optim\.Rprop: Invalid learning rate: -0.01/, 'range'],
      ['Rprop etas order', Rprop, { etas: [1.2, 0.5] }, /Invalid eta values: 1.2, 0.5 \(etas must satisfy 0 < etas\[0\] < 1 < etas\[1\]\)/, 'range'],
      ['Rprop eta- = 0', Rprop, { etas: [0, 1.2] }, /Invalid eta value: 0 \(etas\[0\] must be > 0\)/, 'range'],
      ['Rprop eta+ <= 1', Rprop, { etas: [0.5, 1] }, /Invalid eta values: 0.5, 1/, 'range'],
      ['Rprop stepSizes order', Rprop, { stepSizes: [1, 0.1] }, /Invalid step size bounds: 1, 0.1/, 'range'],
      ['Rprop stepSizes negative', Rprop, { stepSizes: [-1, 1] }, /Invalid step size bound: -1/, 'range'],
      ['Rprop stepSizes type', Rprop, { stepSizes: 50 }, /argument 'stepSizes' must be a pair of numbers/, 'type'],
    ];
    for (const [what, C, opts, re, kind] of cases)
      it(`${what} throws a ${kind === 'range' ? 'RangeError' : 'TypeError'} naming it`, () => {
        expect(() => new C([w()], opts)).to.throw(kind === 'range' ? RangeError : TypeError, re);
      });

    it('accepts the boundary values PyTorch accepts', () => {
      expect(() => new SGD([w()], { lr: 0, momentum: 0, weightDecay: 0 })).not.to.throw();
      expect(() => new Adam([w()], { lr: 0, betas: [0, 0], eps: 0 })).not.to.throw();
      expect(() => new RMSprop([w()], { alpha: 0, eps: 0 })).not.to.throw();
      expect(() => new Rprop([w()], { etas: [0.01, 1.01], stepSizes: [0, 0] })).not.to.throw();
    });

    it('the lr setter validates', () => {
      const opt = new ng.optim.Adam([w()]);
      expect(() => (opt.lr = -1)).to.throw(RangeError, /ng\.optim\.Adam\.lr: Invalid learning rate: -1/);
      expect(() => (opt.lr = Infinity)).to.throw(TypeError, /'lr' must be a finite number/);
      expect(opt.lr).to.equal(1e-3);
    });

    it('rejects bad parameter lists', () => {
      expect(() => new ng.optim.Adam([])).to.throw(RangeError, /argument 'params' is empty/);
      expect(() => new ng.optim.Adam(null as never)).to.throw(TypeError, /argument 'params' must be an array of Tensors/);
      expect(() => new ng.optim.Adam([w(), 3] as never)).to.throw(TypeError, /argument 'params\[1\]' must be a Tensor/);
      const p = w();
      expect(() => new ng.optim.Adam([p, p])).to.throw(RangeError, /params\[1\]' \(shape \[2, 2\]\) appears more than once/);
      expect(() => new ng.optim.Adam([{ params: [p] }, { params: [p] }])).to.throw(RangeError, /params\[1\]\.params\[0\]' .* appears more than once/);
      const nonLeaf = ng.mul(p, 2);
      expect(() => new ng.optim.Adam([nonLeaf])).to.throw(RangeError, /not a leaf tensor/);
      const gone = w();
      gone.dispose();
      expect(() => new ng.optim.Adam([gone])).to.throw(RangeError, /disposed Tensor/);
      expect(() => new ng.optim.SGD([w()], 0.1 as never)).to.throw(TypeError, /argument 'opts' must be an options object/);
    });

    it('names the group of a bad group option', () => {
      expect(() => new ng.optim.SGD([{ params: [w()] }, { params: [w()], lr: -1 }], { lr: 0.1 })).to.throw(
        RangeError,
        /Invalid learning rate: -1 \(params\[1\]\.lr must be >= 0\)/,
      );
      expect(() => new ng.optim.SGD([{ params: [w()], lr: 0.1 }, { params: [w()] }])).to.throw(TypeError, /argument 'lr' must be given/);
      expect(() => new ng.optim.Adam([{ params: [w()], betas: [0.9, 2] }])).to.throw(RangeError, /params\[0\]\.betas\[1\]/);
      expect(() => new ng.optim.Adam([{ params: [w()], learningRate: 1 } as never])).to.throw(TypeError, /'params\[0\]\.learningRate' must be a known option/);
    });
  });

  describe("defaults (PyTorch's)", () => {
    const opts = (o: ng.optim.Optimizer): Record<string, unknown> => {
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      const { params, ...rest } = o.paramGroups[0] as unknown as Record<string, unknown>;
      return rest;
    };
    it('for every optimizer', () => {
      const p = param([3], 1);
      expect(opts(new ng.optim.SGD([p], { lr: 0.1 }))).to.deep.equal({ lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
      expect(opts(new ng.optim.RMSprop([p]))).to.deep.equal({ lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
      expect(opts(new ng.optim.Adam([p]))).to.deep.equal({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
      expect(opts(new ng.optim.AdamW([p]))).to.deep.equal({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: false });
      expect(opts(new ng.optim.Rprop([p]))).to.deep.equal({ lr: 0.01, etas: [0.5, 1.2], stepSizes: [1e-6, 50] });
    });
    it("copies pair options instead of aliasing the caller's array", () => {
      const betas: [number, number] = [0.8, 0.9];
      const opt = new ng.optim.Adam([param([3], 1)], { betas });
      betas[0] = 0.1;
      expect(opt.paramGroups[0].betas).to.deep.equal([0.8, 0.9]);
    });
  });

  describe('parameter groups', () => {
    it('each group uses its own options; the rest come from the defaults', () => {
      const a = param([4], 1);
      const b = param([4], 2);
      const a2 = ng.tensor(new Float32Array(a.data), [4], { requiresGrad: true });
      const b2 = ng.tensor(new Float32Array(b.data), [4], { requiresGrad: true });
      const grouped = new ng.optim.SGD([{ params: [a], lr: 0.5 }, { params: [b] }], { lr: 0.01, momentum: 0.9 });
      const onlyA = new ng.optim.SGD([a2], { lr: 0.5, momentum: 0.9 });
      const onlyB = new ng.optim.SGD([b2], { lr: 0.01, momentum: 0.9 });
      expect(grouped.paramGroups.map((g) => g.lr)).to.deep.equal([0.5, 0.01]);
      for (let t = 0; t < 4; t++) {
        const g = randomArray(4, lcg(10 + t));
        for (const p of [a, b, a2, b2]) p.grad = ng.tensor(g);
        grouped.step();
        onlyA.step();
        onlyB.step();
      }
      expect(Array.from(a.data)).to.deep.equal(Array.from(a2.data));
      expect(Array.from(b.data)).to.deep.equal(Array.from(b2.data));
      expect(grouped.lr).to.equal(0.5); // the first group's
      grouped.lr = 0.2;
      expect(grouped.paramGroups.map((g) => g.lr)).to.deep.equal([0.2, 0.2]);
    });

    it('addParamGroup adds tensors with their own options', () => {
      const opt = new ng.optim.Adam([param([2], 1)], { lr: 0.1 });
      const extra = param([3], 2);
      opt.addParamGroup({ params: [extra], lr: 0.01 });
      expect(opt.paramGroups).to.have.length(2);
      expect(opt.paramGroups[1].lr).to.equal(0.01);
      expect(opt.paramGroups[1].betas).to.deep.equal([0.9, 0.999]);
      expect(() => opt.addParamGroup({ params: [extra] })).to.throw(RangeError, /more than once/);
    });
  });

  describe('step', () => {
    it('creates state lazily, skips parameters without a gradient, counts steps per parameter', () => {
      const p = param([5], 1);
      const q = param([5], 2);
      const opt = new ng.optim.Adam([p, q], { lr: 0.1 });
      expect(opt.state.size).to.equal(0);
      const q0 = Array.from(q.data);
      p.grad = ng.tensor(randomArray(5, lcg(3)));
      opt.step();
      opt.step();
      expect(opt.state.size).to.equal(1);
      expect(opt.state.get(p)?.step).to.equal(2);
      expect(Object.keys(opt.state.get(p)?.buffers ?? {}).sort()).to.deep.equal(['expAvg', 'expAvgSq']);
      expect(Array.from(q.data)).to.deep.equal(q0); // untouched without a gradient
      // q's first step, two steps later, uses its own step count t = 1 (bias corrections 1 − β^1)
      const gq = randomArray(5, lcg(4));
      q.grad = ng.tensor(gq);
      const fresh = ng.tensor(new Float32Array(q0), [5], { requiresGrad: true });
      fresh.grad = ng.tensor(gq);
      opt.step();
      new ng.optim.Adam([fresh], { lr: 0.1 }).step();
      expect(opt.state.get(q)?.step).to.equal(1);
      expect(Array.from(q.data)).to.deep.equal(Array.from(fresh.data));
    });

    it('makes one Adam step of size ≈ lr in the direction of −sign(g) (bias-corrected first step)', () => {
      const p = ng.tensor([1, -2, 3], [3], { requiresGrad: true });
      p.grad = ng.tensor([0.5, -4, 1e-3]);
      new ng.optim.Adam([p], { lr: 0.1 }).step();
      // m̂ = g, v̂ = g²: θ − 0.1·g/(|g| + 1e-8)
      expect(p.data[0]).to.be.closeTo(0.9, 1e-6);
      expect(p.data[1]).to.be.closeTo(-1.9, 1e-6);
      expect(p.data[2]).to.be.closeTo(2.9, 1e-5);
    });

    it('Rprop: lr is only the initial step size; a sign flip shrinks the step and skips the move', () => {
      const p = ng.tensor([0], [1], { requiresGrad: true });
      const opt = new ng.optim.Rprop([p], { lr: 0.1, etas: [0.5, 1.2], stepSizes: [1e-6, 50] });
      const seq: number[] = [];
      for (const g of [1, 1, -1, -1, -1]) {
        p.grad = ng.tensor([g]);
        opt.step();
        seq.push(p.data[0]);
        if (seq.length === 2) opt.lr = 10; // no effect on an existing step size (PyTorch)
      }
      // steps: −0.1 (Δ=0.1), −0.12 (Δ=0.12), flip: Δ=0.06, no move, then g_prev = 0: +0.06, then +0.072
      const expected = [-0.1, -0.22, -0.22, -0.16, -0.088];
      seq.forEach((v, i) => expect(v).to.be.closeTo(expected[i], 1e-6));
      const st = opt.state.get(p)?.buffers.stepSize;
      expect(st?.[0]).to.be.closeTo(0.072, 1e-7);
    });

    it('SGD with momentum: the lecture form m ← αm − ηg, θ ← θ + m gives the same iterates for constant η', () => {
      const prob = problem(5);
      const opt = new ng.optim.SGD([prob.W, prob.b], { lr: 0.05, momentum: 0.8 });
      // the lecture's form, computed independently in double precision on the same gradients
      const theta = [Float64Array.from(prob.W.data), Float64Array.from(prob.b.data)];
      const m = [new Float64Array(15), new Float64Array(3)];
      for (let t = 0; t < 10; t++) {
        opt.zeroGrad();
        prob.lossAndGrad();
        const grads = [prob.W.grad!.data, prob.b.grad!.data];
        for (let k = 0; k < 2; k++)
          for (let i = 0; i < theta[k].length; i++) {
            m[k][i] = 0.8 * m[k][i] - 0.05 * grads[k][i];
            theta[k][i] += m[k][i];
          }
        opt.step();
        for (let i = 0; i < 15; i++) expect(prob.W.data[i]).to.be.closeTo(theta[0][i], 1e-5);
        for (let i = 0; i < 3; i++) expect(prob.b.data[i]).to.be.closeTo(theta[1][i], 1e-5);
      }
    });

    it('step(closure) evaluates the closure first and returns its value', () => {
      const prob = problem(2);
      const opt = new ng.optim.SGD([prob.W, prob.b], { lr: 0.1 });
      const losses: number[] = [];
      for (let t = 0; t < 5; t++)
        losses.push(
          opt.step(() => {
            opt.zeroGrad();
            return prob.lossAndGrad();
          }) as number,
        );
      for (let t = 1; t < 5; t++) expect(losses[t]).to.be.lessThan(losses[t - 1]);
      expect(() => opt.step(3 as never)).to.throw(TypeError, /'closure' must be a function/);
    });

    it('throws on a gradient of the wrong size and on a disposed parameter', () => {
      const p = param([2, 3], 1);
      const opt = new ng.optim.SGD([p], { lr: 0.1 });
      p.grad = ng.zeros([5]);
      expect(() => opt.step()).to.throw(RangeError, /parameter 0 of group 0 has shape \[2, 3\] but its gradient has shape \[5\]/);
      p.grad = ng.zeros([2, 3]);
      p.dispose();
      p.grad = ng.zeros([2, 3]);
      expect(() => opt.step()).to.throw(RangeError, /parameter 0 of group 0 \(shape \[2, 3\]\) was disposed/);
    });
  });

  describe('zeroGrad', () => {
    it('zeroes gradients in place by default, so backward accumulates from zero into the same buffer', () => {
      const prob = problem(3);
      const opt = new ng.optim.SGD([prob.W, prob.b], { lr: 0.1 });
      prob.lossAndGrad();
      const g1 = Array.from(prob.W.grad!.data);
      const buf = prob.W.grad!;
      prob.lossAndGrad(); // without zeroGrad: accumulated twice
      Array.from(prob.W.grad!.data).forEach((v, i) => expect(v).to.be.closeTo(2 * g1[i], 1e-5));
      opt.zeroGrad();
      expect(prob.W.grad).to.equal(buf);
      expect(Array.from(prob.W.grad!.data).every((v) => v === 0)).to.equal(true);
      expect(Array.from(prob.b.grad!.data).every((v) => v === 0)).to.equal(true);
      prob.lossAndGrad();
      expect(Array.from(prob.W.grad!.data)).to.deep.equal(g1);
    });
    it("{ setToNone: true } drops the gradients (PyTorch 2's default)", () => {
      const prob = problem(3);
      const opt = new ng.optim.SGD([prob.W, prob.b], { lr: 0.1 });
      prob.lossAndGrad();
      opt.zeroGrad({ setToNone: true });
      expect(prob.W.grad).to.equal(null);
      expect(prob.b.grad).to.equal(null);
      const before = Array.from(prob.W.data);
      opt.step(); // nothing to do
      expect(Array.from(prob.W.data)).to.deep.equal(before);
      expect(() => opt.zeroGrad({ setToNone: 1 } as never)).to.throw(TypeError, /'setToNone' must be a boolean/);
    });
  });

  describe('stateDict / loadStateDict', () => {
    const configs: [string, (p: ng.Tensor[]) => ng.optim.Optimizer][] = [
      ['SGD nesterov + weight decay', (p) => new ng.optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
      ['SGD dampening', (p) => new ng.optim.SGD(p, { lr: 0.05, momentum: 0.5, dampening: 0.3 })],
      ['RMSprop centered + momentum + weight decay', (p) => new ng.optim.RMSprop(p, { lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.01 })],
      ['Adam amsgrad + weight decay', (p) => new ng.optim.Adam(p, { lr: 0.05, amsgrad: true, weightDecay: 0.1 })],
      ['AdamW', (p) => new ng.optim.AdamW(p, { lr: 0.05 })],
      ['Rprop', (p) => new ng.optim.Rprop(p, { lr: 0.05 })],
    ];
    for (const [name, make] of configs)
      it(`${name}: a resumed run continues bit for bit (with StepLR)`, () => {
        const a = problem(7);
        const optA = make([a.W, a.b]);
        const schedA = new ng.optim.StepLR(optA, { stepSize: 3, gamma: 0.5 });
        const run = (prob: ReturnType<typeof problem>, opt: ng.optim.Optimizer, sched: ng.optim.StepLR, n: number): number[][] => {
          const out: number[][] = [];
          for (let t = 0; t < n; t++) {
            opt.zeroGrad();
            prob.lossAndGrad();
            opt.step();
            sched.step();
            out.push([...prob.W.data, ...prob.b.data, opt.lr]);
          }
          return out;
        };
        run(a, optA, schedA, 4);
        const saved = optA.stateDict();
        const savedSched = schedA.stateDict();
        const savedParams = [new Float32Array(a.W.data), new Float32Array(a.b.data)];
        const continued = run(a, optA, schedA, 6);

        // a fresh model with the checkpointed values, a fresh optimizer and scheduler, then load
        const b = problem(7);
        b.W.data.set(savedParams[0]);
        b.b.data.set(savedParams[1]);
        const optB = make([b.W, b.b]);
        const schedB = new ng.optim.StepLR(optB, { stepSize: 3, gamma: 0.5 });
        optB.loadStateDict(saved);
        schedB.loadStateDict(savedSched);
        const resumed = run(b, optB, schedB, 6);
        expect(resumed).to.deep.equal(continued); // exact equality, every float
        // and the resumed run did move
        expect(resumed[5][0]).not.to.equal(savedParams[0][0]);
      });

    it('stateDict copies: later steps do not change a saved state, loading does not alias it', () => {
      const prob = problem(1);
      const opt = new ng.optim.Adam([prob.W, prob.b], { lr: 0.1 });
      prob.lossAndGrad();
      opt.step();
      const sd = opt.stateDict();
      expect(Object.keys(sd.state)).to.deep.equal(['0', '1']);
      expect(sd.state[0].step).to.equal(1);
      const m = sd.state[0].expAvg as ng.Tensor;
      expect(m.shape).to.deep.equal([3, 5]);
      const copy = Array.from(m.data);
      opt.step();
      expect(Array.from(m.data)).to.deep.equal(copy);
      opt.loadStateDict(sd);
      m.data[0] += 1;
      expect(opt.state.get(prob.W)?.buffers.expAvg[0]).to.equal(copy[0]);
      expect(sd.paramGroups).to.deep.equal([{ lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, params: [0, 1] }]);
    });

    it('restores group options, including lr', () => {
      const p = param([3], 1);
      const opt = new ng.optim.SGD([p], { lr: 0.1, momentum: 0.9 });
      const sd = opt.stateDict();
      opt.lr = 0.001;
      opt.paramGroups[0].momentum = 0;
      opt.loadStateDict(sd);
      expect(opt.lr).to.equal(0.1);
      expect(opt.paramGroups[0].momentum).to.equal(0.9);
    });

    it('rejects a state dict that does not fit, changing nothing', () => {
      const prob = problem(1);
      const opt = new ng.optim.Adam([prob.W, prob.b], { lr: 0.1 });
      prob.lossAndGrad();
      opt.step();
      const good = opt.stateDict();
      const stepBefore = opt.state.get(prob.W)?.step;
      const fn = 'ng\\.optim\\.Adam\\.loadStateDict';
      const other = new ng.optim.Adam([param([3, 5], 1)]).stateDict();
      expect(() => opt.loadStateDict(other)).to.throw(RangeError, new RegExp(`${fn}: group 0 of the state dict has 1 parameters, this optimizer's has 2`));
      const twoGroups = { ...good, paramGroups: [good.paramGroups[0], good.paramGroups[0]] };
      expect(() => opt.loadStateDict(twoGroups)).to.throw(RangeError, /has 2 parameter groups, this optimizer has 1/);
      const wrongSize = { ...good, state: { ...good.state, 1: { step: 1, expAvg: ng.zeros([4]), expAvgSq: ng.zeros([3]) } } };
      expect(() => opt.loadStateDict(wrongSize)).to.throw(RangeError, /state\[1\]\.expAvg has 4 elements \(shape \[4\]\) but parameter 1 has shape \[3\]/);
      const unknown = { ...good, state: { 0: { step: 1, momentumBuffer: ng.zeros([3, 5]) } } };
      expect(() => opt.loadStateDict(unknown)).to.throw(
        TypeError,
        /state\[0\]\.momentumBuffer' must be a known buffer of ng\.optim\.Adam \(one of expAvg, expAvgSq, maxExpAvgSq\)/,
      );
      const badLr = { ...good, paramGroups: [{ ...good.paramGroups[0], lr: -1 }] };
      expect(() => opt.loadStateDict(badLr)).to.throw(RangeError, /Invalid learning rate: -1 \(paramGroups\[0\]\.lr must be >= 0\)/);
      const badStep = { ...good, state: { 0: { ...good.state[0], step: 1.5 } } };
      expect(() => opt.loadStateDict(badStep)).to.throw(TypeError, /state\[0\]\.step' must be an integer >= 0/);
      const badIndex = { ...good, state: { 7: good.state[0] } };
      expect(() => opt.loadStateDict(badIndex)).to.throw(RangeError, /state entry '7' does not name a parameter \(there are 2\)/);
      expect(() => opt.loadStateDict(null as never)).to.throw(TypeError, /must be an object \{ state, paramGroups \}/);
      expect(opt.state.get(prob.W)?.step).to.equal(stepBefore);
      expect(opt.lr).to.equal(0.1);
    });
  });
});

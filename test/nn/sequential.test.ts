/**
 * Sequential's fast paths (lib/nn/sequential.ts): Linear+ReLU fused into one op, and inner Linear
 * outputs reusing their buffer once nothing can read them. Each is checked against the same modules
 * run one by one (the unfused reference), including the cases where reuse would be wrong:
 * two forwards before one backward, retainGraph, a returned output kept by the caller, an
 * intermediate kept by a user's module, and user subclasses or replaced forwards (which must run
 * as written).
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { expectClose, lcg, randomArray } from '../helpers';

const rnd = lcg(2024);

function net(seed: number): ng.nn.Sequential {
  ng.manualSeed(seed);
  return new ng.nn.Sequential(new ng.nn.Linear(5, 7), new ng.nn.ReLU(), new ng.nn.Linear(7, 6), new ng.nn.ReLU(), new ng.nn.Linear(6, 3));
}

function input(rows: number, requiresGrad = false): ng.Tensor {
  return ng.tensor(
    Array.from({ length: rows }, () => Array.from(randomArray(5, rnd, -2, 2))),
    undefined,
    { requiresGrad },
  );
}

/** The modules one by one (never fused, never reusing). */
function unfused(m: ng.nn.Sequential, x: ng.Tensor): ng.Tensor {
  let h = x;
  for (const layer of m) h = layer.forward(h);
  return h;
}

const weights = ng.tensor([
  [1, -2, 0.5],
  [0.25, 1, -1],
  [2, 0, 1],
  [-1, 1, 1],
]);
/** A scalar that depends on every output element differently. */
function lossOf(out: ng.Tensor): ng.Tensor {
  return ng.sum(ng.mul(out, ng.reshape(weights, [4, 3])));
}

function grads(m: ng.nn.Module, x?: ng.Tensor): Float32Array[] {
  const gs = m.parameters().map((p) => new Float32Array(p.grad!.data));
  if (x) gs.push(new Float32Array(x.grad!.data));
  return gs;
}

function zero(m: ng.nn.Module, x?: ng.Tensor): void {
  for (const p of m.parameters()) p.grad = null;
  if (x) x.grad = null;
}

describe('nn: Sequential fast paths', () => {
  it('fuses Linear+ReLU with the same output and gradients as the modules one by one', () => {
    const a = net(1);
    const x = input(4, true);
    const yf = a.forward(x);
    lossOf(yf).backward();
    const gf = grads(a, x);
    zero(a, x);
    const yu = unfused(a, x);
    lossOf(yu).backward();
    const gu = grads(a, x);
    expectClose(yf.data, yu.data, { rtol: 1e-6, what: 'output' });
    gf.forEach((g, i) => expectClose(g, gu[i], { rtol: 1e-6, what: `gradient ${i}` }));
    // the ReLUs cut something: some pre-activations are negative
    const h = a.at(0).forward(x);
    expect(Array.from(h.data).some((v) => v < 0)).to.equal(true);
  });

  it('keeps NaN through the fused ReLU, as PyTorch', () => {
    const a = new ng.nn.Sequential(new ng.nn.Linear(2, 2), new ng.nn.ReLU());
    const y = ng.noGrad(() => a.forward(ng.tensor([[NaN, 1]])));
    expect(Number.isNaN(y.data[0]) && Number.isNaN(y.data[1])).to.equal(true);
  });

  it('gives correct gradients for two forwards before one backward (no reuse of a buffer still in a graph)', () => {
    const a = net(2);
    const b = net(2);
    const x1 = input(4);
    const x2 = input(4);
    // a warm-up step leaves freed buffers in the cache: the dangerous case
    lossOf(a.forward(x1)).backward();
    zero(a);
    ng.add(lossOf(a.forward(x1)), lossOf(a.forward(x2))).backward();
    ng.add(lossOf(unfused(b, x1)), lossOf(unfused(b, x2))).backward();
    const ga = grads(a);
    grads(b).forEach((g, i) => expectClose(ga[i], g, { rtol: 1e-6, what: `gradient ${i}` }));
  });

  it('does not reuse buffers of a graph kept with retainGraph', () => {
    const a = net(3);
    const b = net(3);
    const x1 = input(4);
    const x2 = input(4);
    lossOf(a.forward(x2)).backward(); // warm-up: freed buffers in the cache
    zero(a);
    const l1 = lossOf(a.forward(x1));
    l1.backward(undefined, { retainGraph: true });
    lossOf(a.forward(x2)).backward(); // must not overwrite l1's activations
    zero(a);
    l1.backward();
    lossOf(unfused(b, x1)).backward();
    const ga = grads(a);
    grads(b).forEach((g, i) => expectClose(ga[i], g, { rtol: 1e-6, what: `gradient ${i}` }));
  });

  it('never overwrites a returned output, and steady training matches the unfused run step for step', () => {
    const a = net(4);
    const b = net(4);
    const oa = new ng.optim.SGD(a.parameters(), { lr: 0.05, momentum: 0.9 });
    const ob = new ng.optim.SGD(b.parameters(), { lr: 0.05, momentum: 0.9 });
    const xs = [input(4), input(4), input(4)];
    const kept: [ng.Tensor, Float32Array][] = [];
    for (let s = 0; s < 6; s++) {
      const x = xs[s % 3];
      oa.zeroGrad();
      ob.zeroGrad();
      const ya = a.forward(x);
      const yb = unfused(b, x);
      kept.push([ya, new Float32Array(ya.data)]);
      lossOf(ya).backward();
      lossOf(yb).backward();
      oa.step();
      ob.step();
      expectClose(ya.data, yb.data, { rtol: 1e-6, what: `step ${s} output` });
    }
    for (const [t, copy] of kept) expect(Array.from(t.data)).to.deep.equal(Array.from(copy));
    const pa = a.parameters();
    b.parameters().forEach((p, i) => expectClose(pa[i].data, p.data, { rtol: 1e-5, what: `parameter ${i}` }));
  });

  it('is correct under noGrad, call after call, and with a changing batch size', () => {
    const a = net(5);
    for (const rows of [4, 4, 3, 4]) {
      const x = input(rows);
      const y = ng.noGrad(() => a.forward(x));
      const ref = ng.noGrad(() => unfused(a, x));
      expect(y.shape).to.deep.equal([rows, 3]);
      expectClose(y.data, ref.data, { rtol: 1e-6 });
    }
  });

  it('never reuses a buffer it returned: a last module handing its input back (Dropout in evaluation)', () => {
    ng.manualSeed(2);
    const m = new ng.nn.Sequential(new ng.nn.Linear(4, 3), new ng.nn.ReLU(), new ng.nn.Linear(3, 3), new ng.nn.Dropout(0.5));
    m.eval();
    const first = ng.noGrad(() => m.forward(ng.ones([2, 4])));
    const kept = Array.from(first.data);
    const second = ng.noGrad(() => m.forward(ng.zeros([2, 4])));
    expect(Array.from(first.data)).to.deep.equal(kept);
    expect(Array.from(second.data)).to.not.deep.equal(kept);
  });

  it("runs a user's ReLU subclass or a replaced forward as written (no fusion)", () => {
    class Doubled extends ng.nn.ReLU {
      override forward(x: ng.Tensor): ng.Tensor {
        return ng.mul(super.forward(x), 2);
      }
    }
    ng.manualSeed(6);
    const lin = new ng.nn.Linear(5, 3);
    const x = input(2);
    const plain = ng.noGrad(() => lin.forward(x));
    const sub = ng.noGrad(() => new ng.nn.Sequential(lin, new Doubled()).forward(x));
    expectClose(
      sub.data,
      Array.from(plain.data, (v) => 2 * Math.max(v, 0)),
      { rtol: 1e-6 },
    );
    const relu = new ng.nn.ReLU();
    relu.forward = (t: ng.Tensor) => t; // identity instead of max(x, 0)
    const replaced = ng.noGrad(() => new ng.nn.Sequential(lin, relu).forward(x));
    expectClose(replaced.data, plain.data, { rtol: 1e-6 });
    expect(Array.from(plain.data).some((v) => v < 0)).to.equal(true);
  });

  describe('an intermediate that a module between the layers keeps (the forward-hook pattern)', () => {
    class Keep extends ng.nn.Module {
      kept: ng.Tensor | null = null;
      forward(x: ng.Tensor): ng.Tensor {
        this.kept = x;
        return x;
      }
    }
    const build = (): { keep: Keep; model: ng.nn.Sequential } => {
      ng.manualSeed(11);
      const keep = new Keep();
      return { keep, model: new ng.nn.Sequential(new ng.nn.Linear(2, 2), keep, new ng.nn.Linear(2, 1)) };
    };

    it('is not overwritten by the next call with gradients off', () => {
      const { keep, model } = build();
      ng.noGrad(() => model.forward(ng.tensor([[1, 2]])));
      const a = keep.kept!;
      const before = Array.from(a.data);
      // its value is the first Linear's output for [1, 2]
      expectClose(before, ng.noGrad(() => model.at(0).forward(ng.tensor([[1, 2]]))).data, { rtol: 1e-6 });
      ng.noGrad(() => model.forward(ng.tensor([[100, 200]])));
      expect(keep.kept).to.not.equal(a);
      expect(Array.from(a.data)).to.deep.equal(before);
    });

    it('is not overwritten by the next call after backward()', () => {
      const { keep, model } = build();
      model
        .forward(ng.tensor([[1, 2]]))
        .sum()
        .backward();
      const a = keep.kept!;
      const before = Array.from(a.data);
      model
        .forward(ng.tensor([[100, 200]]))
        .sum()
        .backward();
      expect(Array.from(a.data)).to.deep.equal(before);
    });

    it('is not overwritten when the layers are fused (Linear, ReLU, user module, Linear)', () => {
      ng.manualSeed(12);
      const keep = new Keep();
      const model = new ng.nn.Sequential(new ng.nn.Linear(3, 4), new ng.nn.ReLU(), keep, new ng.nn.Linear(4, 2));
      model
        .forward(ng.ones([2, 3]))
        .sum()
        .backward();
      const a = keep.kept!;
      const before = Array.from(a.data);
      model
        .forward(ng.full([2, 3], -3))
        .sum()
        .backward();
      expect(Array.from(a.data)).to.deep.equal(before);
    });

    it('still reuses the buffers between library layers (a Linear/ReLU chain writes into the same memory)', () => {
      const m = net(13);
      const x = input(4);
      /** the buffer the last Linear read: the inner Linear/ReLU output */
      const innerBuffer = (y: ng.Tensor): ArrayBufferLike => (y as unknown as { _node: { inputs: ng.Tensor[] } })._node.inputs[0].data.buffer;
      const y1 = m.forward(x);
      const b1 = innerBuffer(y1);
      y1.sum().backward();
      const y2 = m.forward(x);
      expect(innerBuffer(y2)).to.equal(b1);
      y2.sum().backward();
    });
  });
});

/**
 * The tape: accumulation for tensors used more than once, seeding, retainGraph, freed graphs,
 * noGrad, detach, retainGrad, deep graphs, and gradcheck's own ability to catch a wrong rule.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { record } from '../../lib/autograd/node';

const arr = (t: ng.Tensor | null): number[] => Array.from(t!.data);

describe('autograd: backward', () => {
  it('x·x and x + x accumulate both uses: d(x·x) = 2x, d(x + x) = 2', () => {
    const x = ng.tensor([1, -2, 3], undefined, { requiresGrad: true });
    ng.mul(x, x).sum().backward();
    expect(arr(x.grad)).to.deep.equal([2, -4, 6]);
    const y = ng.tensor([1, -2, 3], undefined, { requiresGrad: true });
    ng.add(y, y).sum().backward();
    expect(arr(y.grad)).to.deep.equal([2, 2, 2]);
  });

  it('a tensor feeding two branches: d/dx (x·w + relu(x)) = w + [x > 0]', () => {
    const x = ng.tensor([0.5, -1], undefined, { requiresGrad: true });
    const w = ng.tensor([3, 4], undefined, { requiresGrad: true });
    ng.add(ng.mul(x, w), ng.relu(x)).sum().backward();
    expect(arr(x.grad)).to.deep.equal([4, 4]);
    expect(arr(w.grad)).to.deep.equal([0.5, -1]);
  });

  it('leaf gradients accumulate across backward() calls until zeroed', () => {
    const x = ng.tensor([2], undefined, { requiresGrad: true });
    ng.mul(x, 3).sum().backward();
    ng.mul(x, 3).sum().backward();
    expect(arr(x.grad)).to.deep.equal([6]);
    x.grad!.data.fill(0);
    ng.mul(x, 3).sum().backward();
    expect(arr(x.grad)).to.deep.equal([3]);
  });

  it('backward() on a non-scalar needs a gradient of its shape; with one, it is used as the seed', () => {
    const x = ng.tensor([1, 2, 3], undefined, { requiresGrad: true });
    const y = ng.mul(x, x);
    expect(() => y.backward()).to.throw(/needs a scalar.*shape \[3\]/);
    expect(() => y.backward(ng.ones([2]))).to.throw(/gradient of shape \[2\] does not match.*\[3\]/);
    y.backward(ng.tensor([1, 0, -1]));
    expect(arr(x.grad)).to.deep.equal([2, 0, -6]);
  });

  it('backward() on a one-element non-0-d tensor seeds with 1; on a leaf its grad is 1', () => {
    const x = ng.tensor([[2]], undefined, { requiresGrad: true });
    ng.mul(x, x).backward();
    expect(arr(x.grad)).to.deep.equal([4]);
    const s = ng.tensor(5, undefined, { requiresGrad: true });
    s.backward();
    expect(s.grad!.item()).to.equal(1);
  });

  it('the seed gradient is not modified by backward', () => {
    const x = ng.tensor([1, 2], undefined, { requiresGrad: true });
    const g = ng.tensor([1, 1]);
    ng.exp(x).backward(g);
    expect(arr(g)).to.deep.equal([1, 1]);
  });

  it('retainGraph: a second backward goes through again and accumulates', () => {
    const x = ng.tensor([1, 2], undefined, { requiresGrad: true });
    const loss = ng.sum(ng.mul(x, x));
    loss.backward(undefined, { retainGraph: true });
    expect(arr(x.grad)).to.deep.equal([2, 4]);
    loss.backward();
    expect(arr(x.grad)).to.deep.equal([4, 8]);
  });

  it('without retainGraph the graph is freed: a second backward throws a clear error', () => {
    const x = ng.tensor([1, 2], undefined, { requiresGrad: true });
    const h = ng.mul(x, x);
    const loss = ng.sum(h);
    loss.backward();
    expect(() => loss.backward()).to.throw(/already freed.*retainGraph: true/);
    // and through a freed intermediate used in a new graph
    expect(() => ng.sum(h).backward()).to.throw(/'mul' was already freed/);
    expect(arr(x.grad)).to.deep.equal([2, 4]); // unchanged by the failed calls
  });

  it('noGrad records nothing and restores the previous mode, even after an exception', () => {
    const x = ng.tensor([1, 2], undefined, { requiresGrad: true });
    const y = ng.noGrad(() => {
      expect(ng.isGradEnabled()).to.equal(false);
      return ng.add(ng.matmul(x.reshape([1, 2]), ng.ones([2, 1])), x.sum());
    });
    expect(ng.isGradEnabled()).to.equal(true);
    expect(y.requiresGrad).to.equal(false);
    expect(y.isLeaf).to.equal(true);
    expect(() => y.sum().backward()).to.throw(/does not require grad/);
    expect(() =>
      ng.noGrad(() => {
        throw new Error('boom');
      }),
    ).to.throw('boom');
    expect(ng.isGradEnabled()).to.equal(true);
    // nested noGrad, and setGradEnabled returns the previous value
    ng.noGrad(() => ng.noGrad(() => undefined));
    expect(ng.isGradEnabled()).to.equal(true);
    expect(ng.setGradEnabled(false)).to.equal(true);
    expect(ng.mul(x, 2).requiresGrad).to.equal(false);
    expect(ng.setGradEnabled(true)).to.equal(false);
    expect(ng.mul(x, 2).requiresGrad).to.equal(true);
  });

  it('detach() stops the gradient: d/dx (detach(x)·x) = x', () => {
    const x = ng.tensor([3, -1], undefined, { requiresGrad: true });
    ng.mul(x.detach(), x).sum().backward();
    expect(arr(x.grad)).to.deep.equal([3, -1]);
  });

  it('non-leaf tensors keep no .grad unless retainGrad()', () => {
    const x = ng.tensor([1, 2], undefined, { requiresGrad: true });
    const h = ng.mul(x, 2);
    const k = ng.mul(x, 3).retainGrad();
    ng.sum(ng.mul(h, k)).backward();
    expect(h.grad).to.equal(null);
    expect(arr(k.grad)).to.deep.equal([2, 4]); // ∂(h·k)/∂k = h
    expect(h.isLeaf).to.equal(false);
    expect(arr(x.grad)).to.deep.equal([12, 24]); // d(6x²)/dx
  });

  it('a constant input gets no gradient; an op on constants records nothing', () => {
    const c = ng.tensor([1, 2]);
    const x = ng.tensor([1, 1], undefined, { requiresGrad: true });
    ng.mul(c, x).sum().backward();
    expect(c.grad).to.equal(null);
    expect(ng.mul(c, c).requiresGrad).to.equal(false);
  });

  it('deep graphs (20,000 chained ops) do not overflow the stack', () => {
    const x = ng.tensor([1], undefined, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20000; i++) y = ng.add(y, 1e-4);
    y.sum().backward();
    expect(arr(x.grad)).to.deep.equal([1]);
  });

  it('a disposed input of a recorded op makes backward throw clearly (no crash)', () => {
    const x = ng.tensor([1, 2], undefined, { requiresGrad: true });
    const h = ng.exp(x);
    const y = ng.mul(h, h).sum();
    h.dispose();
    expect(() => y.backward()).to.throw(/disposed/);
  });
});

describe('autograd: gradcheck', () => {
  it('passes a correct rule and returns its largest error', () => {
    const x = ng.tensor([0.3, -0.7, 1.1], undefined, { requiresGrad: true });
    const r = ng.gradcheck((t) => ng.tanh(t), [x]);
    expect(r.ok).to.equal(true);
    expect(r.maxError).to.be.a('number').and.below(1e-3);
  });

  it('fails a wrong rule (an op whose backward forgets a factor 2)', () => {
    // y = x², recorded with the wrong derivative dy/dx = x
    const square = (t: ng.Tensor): ng.Tensor => {
      const out = ng.noGrad(() => ng.mul(t, t));
      return record(out, 'badSquare', [t], (g, gradOf) => {
        const dx = gradOf(0)!;
        const xs = t.data;
        for (let i = 0; i < g.length; i++) dx[i] += g[i] * xs[i];
      });
    };
    const x = ng.tensor([0.5, 1, -2], undefined, { requiresGrad: true });
    const r = ng.gradcheck(square, [x]);
    expect(r.ok).to.equal(false);
    expect(r.maxError).to.be.above(0.1);
    expect(r.worst!.input).to.equal(0);
  });

  it("leaves the inputs' .grad as it found them", () => {
    const x = ng.tensor([1, 2], undefined, { requiresGrad: true });
    ng.gradcheck((t) => ng.mul(t, t), [x]);
    expect(x.grad).to.equal(null);
  });
});

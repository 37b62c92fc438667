/** ng.optim.EMA: θ' ← decay·θ' + (1 − decay)·θ, copyTo, stateDict, and its argument checks. */
import { expect } from 'chai';
import * as ng from '../../lib';
import { lcg, randomArray } from '../helpers';

/** A stand-in for an ng.nn.Module: just the structural interface EMA relies on. */
function model(
  seed: number,
  shapes: Record<string, number[]> = { 'fc.weight': [3, 4], 'fc.bias': [3] },
): {
  namedParameters(): [string, ng.Tensor][];
  t: Record<string, ng.Tensor>;
} {
  const rnd = lcg(seed);
  const t: Record<string, ng.Tensor> = {};
  for (const [name, shape] of Object.entries(shapes))
    t[name] = ng.tensor(
      randomArray(
        shape.reduce((a, b) => a * b, 1),
        rnd,
      ),
      shape,
      { requiresGrad: true },
    );
  return { t, namedParameters: () => Object.entries(t) };
}

describe('ng.optim.EMA', () => {
  it("starts as a copy of the parameters (not a view) and follows θ' ← d·θ' + (1 − d)·θ", () => {
    const m = model(1);
    const ema = new ng.optim.EMA(m, { decay: 0.8 });
    const ref = m.namedParameters().map(([, p]) => Float64Array.from(p.data));
    const rnd = lcg(2);
    for (let t = 0; t < 20; t++) {
      for (const [, p] of m.namedParameters()) p.data.set(randomArray(p.size, rnd, -3, 3)); // a "step"
      const avgBefore = ema.namedParameters().map(([, a]) => Array.from(a.data));
      expect(avgBefore[0]).to.deep.equal(Array.from(ref[0], Math.fround)); // unchanged by the step itself
      ema.update();
      m.namedParameters().forEach(([, p], k) => ref[k].forEach((v, i) => (ref[k][i] = 0.8 * v + 0.2 * p.data[i])));
      ema.namedParameters().forEach(([, a], k) => a.data.forEach((v, i) => expect(v).to.be.closeTo(ref[k][i], 1e-5)));
      // keep the reference in float32, as the average is stored
      ema.namedParameters().forEach(([, a], k) => ref[k].set(a.data));
    }
    expect(ema.numUpdates).to.equal(20);
    expect(ema.namedParameters().map(([n]) => n)).to.deep.equal(['fc.weight', 'fc.bias']);
  });

  it('defaults to decay 0.999; decay 0 tracks the parameters, decay 1 freezes the average', () => {
    const m = model(3);
    expect(new ng.optim.EMA(m).decay).to.equal(0.999);
    const frozen = new ng.optim.EMA(m, { decay: 1 });
    const tracking = new ng.optim.EMA(m, { decay: 0 });
    const w0 = Array.from(m.t['fc.weight'].data);
    m.t['fc.weight'].data.fill(7);
    frozen.update();
    tracking.update();
    expect(Array.from(frozen.parameters()[0].data)).to.deep.equal(w0);
    expect(Array.from(tracking.parameters()[0].data).every((v) => v === 7)).to.equal(true);
  });

  it('copyTo writes the averages into a model of the same shape', () => {
    const m = model(4);
    const ema = new ng.optim.EMA(m, { decay: 0.5 });
    m.t['fc.weight'].data.fill(1);
    m.t['fc.bias'].data.fill(-1);
    ema.update();
    const other = model(9);
    ema.copyTo(other);
    for (const name of ['fc.weight', 'fc.bias'])
      expect(Array.from(other.t[name].data)).to.deep.equal(Array.from(ema.namedParameters().find(([n]) => n === name)![1].data));
    // a copy, not shared buffers
    other.t['fc.bias'].data[0] = 100;
    expect(ema.namedParameters()[1][1].data[0]).not.to.equal(100);
  });

  it('copyTo checks names and shapes, naming them', () => {
    const ema = new ng.optim.EMA(model(1), { decay: 0.9 });
    expect(() => ema.copyTo(model(2, { 'fc.weight': [4, 3], 'fc.bias': [3] }))).to.throw(
      RangeError,
      /ng\.optim\.EMA\.copyTo: parameter 'fc\.weight' has shape \[4, 3\] in module but \[3, 4\] in the average/,
    );
    expect(() => ema.copyTo(model(2, { 'fc.weight': [3, 4] }))).to.throw(RangeError, /module does not have the averaged parameters: missing 'fc\.bias'/);
    expect(() => ema.copyTo(model(2, { 'fc.weight': [3, 4], 'fc.bias': [3], extra: [1] }))).to.throw(RangeError, /unexpected 'extra'/);
    expect(() => ema.copyTo({} as never)).to.throw(TypeError, /argument 'module' must be a module with namedParameters\(\) or parameters\(\)/);
  });

  it('works with a module that only has parameters() (matched by position)', () => {
    const a = ng.tensor([1, 2, 3], [3], { requiresGrad: true });
    const ema = new ng.optim.EMA({ parameters: () => [a] }, { decay: 0.5 });
    a.data.set([3, 4, 5]);
    ema.update();
    const out = ng.zeros([3]);
    ema.copyTo({ parameters: () => [out] });
    expect(Array.from(out.data)).to.deep.equal([2, 3, 4]);
    expect(ema.namedParameters()[0][0]).to.equal('0');
  });

  it('is usable with an ng.nn module', function () {
    const nn = (ng as unknown as { nn?: { Linear?: new (i: number, o: number) => { namedParameters(): [string, ng.Tensor][] } } }).nn;
    if (!nn?.Linear) this.skip();
    const net = new nn!.Linear!(4, 2);
    const ema = new ng.optim.EMA(net, { decay: 0.9 });
    const [, w] = net.namedParameters()[0];
    const w0 = Array.from(w.data);
    w.data.fill(0);
    ema.update();
    ema.namedParameters()[0][1].data.forEach((v, i) => expect(v).to.be.closeTo(0.9 * w0[i], 1e-6));
    const copy = new nn!.Linear!(4, 2);
    ema.copyTo(copy);
    expect(Array.from(copy.namedParameters()[0][1].data)).to.deep.equal(Array.from(ema.namedParameters()[0][1].data));
  });

  it('stateDict / loadStateDict round trip (copies)', () => {
    const m = model(5);
    const a = new ng.optim.EMA(m, { decay: 0.7 });
    m.t['fc.weight'].data.fill(2);
    a.update();
    const sd = a.stateDict();
    expect(sd.decay).to.equal(0.7);
    expect(sd.numUpdates).to.equal(1);
    expect(Object.keys(sd.averages)).to.deep.equal(['fc.weight', 'fc.bias']);
    const b = new ng.optim.EMA(model(6), { decay: 0.1 });
    b.loadStateDict(sd);
    sd.averages['fc.weight'].data[0] = 1234; // the loaded state is a copy
    expect(b.decay).to.equal(0.7);
    expect(b.numUpdates).to.equal(1);
    expect(Array.from(b.parameters()[0].data)).to.deep.equal(Array.from(a.parameters()[0].data));
    expect(() => b.loadStateDict({ ...sd, averages: { 'fc.weight': ng.zeros([3, 4]) } })).to.throw(RangeError, /missing 'fc\.bias'/);
    expect(() => b.loadStateDict({ ...sd, decay: 2 })).to.throw(RangeError, /Invalid decay value: 2/);
  });

  it('validates decay and the module', () => {
    const m = model(1);
    expect(() => new ng.optim.EMA(m, { decay: 1.5 })).to.throw(RangeError, /ng\.optim\.EMA: Invalid decay value: 1\.5 \(decay must be in \[0, 1\]\)/);
    expect(() => new ng.optim.EMA(m, { decay: -0.1 })).to.throw(RangeError, /Invalid decay value: -0\.1/);
    expect(() => new ng.optim.EMA(m, { decay: '0.9' as never })).to.throw(TypeError, /argument 'decay' must be a finite number in \[0, 1\]/);
    expect(() => new ng.optim.EMA({ namedParameters: () => [] })).to.throw(RangeError, /has no parameters to average/);
    expect(() => new ng.optim.EMA({ namedParameters: () => [['a', 3]] } as never)).to.throw(TypeError, /parameter 0' must be a \[name, Tensor\] pair/);
    const dup = ng.zeros([2]);
    expect(
      () =>
        new ng.optim.EMA({
          namedParameters: () => [
            ['a', dup],
            ['a', dup],
          ],
        }),
    ).to.throw(RangeError, /lists the parameter name 'a' twice/);
    const ema = new ng.optim.EMA(m);
    expect(() => (ema.decay = 2)).to.throw(RangeError, /Invalid decay value: 2/);
  });
});

/** Tensor basics: construction and shape inference, views of the data, toArray/item, dispose, detach. */
import { expect } from 'chai';
import * as ng from '../../lib';
import { native } from '../../lib/native';

describe('Tensor', () => {
  describe('ng.tensor infers the shape and copies the values', () => {
    const cases: [unknown, number[], number[]][] = [
      [3.5, [], [3.5]],
      [[1, 2, 3], [3], [1, 2, 3]],
      [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [2, 3],
        [1, 2, 3, 4, 5, 6],
      ],
      [
        [
          [[1], [2]],
          [[3], [4]],
        ],
        [2, 2, 1],
        [1, 2, 3, 4],
      ],
      [[], [0], []],
      [[[]], [1, 0], []],
      [[[], []], [2, 0], []],
      [new Float32Array([1, 2]), [2], [1, 2]],
      [new Float64Array([0.5, -2]), [2], [0.5, -2]],
      [new Int32Array([7, 8, 9]), [3], [7, 8, 9]],
    ];
    for (const [values, shape, flat] of cases) {
      it(`${values instanceof Object && !Array.isArray(values) ? values.constructor.name : JSON.stringify(values)} → ${JSON.stringify(shape)}`, () => {
        const t = ng.tensor(values as number[]);
        expect(t.shape).to.deep.equal(shape);
        expect(t.ndim).to.equal(shape.length);
        expect(t.size).to.equal(flat.length === 0 ? 0 : flat.length);
        expect(Array.from(t.data)).to.deep.equal(flat);
        expect(t.requiresGrad).to.equal(false);
        expect(t.grad).to.equal(null);
        expect(t.isLeaf).to.equal(true);
      });
    }
    it('an explicit shape reshapes flat values', () => {
      const t = ng.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
      expect(t.toArray()).to.deep.equal([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      expect(ng.tensor(new Float32Array(6), [1, 2, 3]).shape).to.deep.equal([1, 2, 3]);
    });
    it('copies: later writes to the source do not reach the tensor', () => {
      const src = new Float32Array([1, 2]);
      const arr = [1, 2];
      const a = ng.tensor(src);
      const b = ng.tensor(arr);
      src[0] = 9;
      arr[0] = 9;
      expect(a.data[0]).to.equal(1);
      expect(b.data[0]).to.equal(1);
    });
    it('values are rounded to float32; NaN and ±Infinity are data', () => {
      const t = ng.tensor([0.1, NaN, Infinity, -Infinity]);
      expect(t.data[0]).to.equal(Math.fround(0.1));
      expect(Number.isNaN(t.data[1])).to.equal(true);
      expect(t.data[2]).to.equal(Infinity);
      expect(t.data[3]).to.equal(-Infinity);
    });
    it('{ requiresGrad: true }', () => {
      expect(ng.tensor([1], undefined, { requiresGrad: true }).requiresGrad).to.equal(true);
      expect(ng.zeros([2], { requiresGrad: true }).requiresGrad).to.equal(true);
    });
  });

  it('shape is frozen (readonly at run time too) and not shared with the argument', () => {
    const shape = [2, 3];
    const t = ng.zeros(shape);
    shape[0] = 5;
    expect(t.shape).to.deep.equal([2, 3]);
    expect(() => (t.shape as number[]).push(1)).to.throw(TypeError);
    expect(Object.isFrozen(t.shape)).to.equal(true);
  });

  it('data is a zero-copy view: writes are seen by the ops', () => {
    const t = ng.zeros([2]);
    t.data[1] = 4;
    expect(ng.sqrt(t).toArray()).to.deep.equal([0, 2]);
    expect(t.data).to.equal(t.data); // the same Float32Array object every time
  });

  it('toArray follows the shape; item() reads one element', () => {
    expect(ng.tensor(2).toArray()).to.equal(2);
    expect(ng.arange(6).reshape([2, 1, 3]).toArray()).to.deep.equal([[[0, 1, 2]], [[3, 4, 5]]]);
    expect(ng.zeros([2, 0]).toArray()).to.deep.equal([[], []]);
    expect(ng.zeros([0, 2]).toArray()).to.deep.equal([]);
    expect(ng.tensor([[7]]).item()).to.equal(7);
    expect(ng.tensor(-1.5).item()).to.equal(-1.5);
    expect(() => ng.tensor([1, 2]).item()).to.throw(/one-element.*\[2\]/);
  });

  describe('alignment', () => {
    const k = native;
    it('tensors of 4096 elements (16 KiB) or more start on a 64-byte boundary, whichever way they are made', () => {
      const x = ng.randn([128, 784]);
      const made = [
        ng.zeros([4096]),
        ng.ones([65, 65]),
        x,
        ng.tensor(new Float32Array(5000)),
        x.clone(),
        x.reshape([784, 128]),
        ng.transpose(x),
        ng.matmul(x, ng.randn([784, 64])),
        ng.relu(x),
        new ng.nn.Linear(784, 256).weight,
      ];
      made.forEach((t, i) => expect(k.addressMod(t.data, 64), `tensor ${i}`).to.equal(0));
      const p = ng.randn([300, 40], { requiresGrad: true });
      p.mul(2).sum().backward();
      expect(k.addressMod(p.grad!.data, 64), 'a gradient').to.equal(0);
      const opt = new ng.optim.Adam([p]);
      opt.step();
      const st = opt.stateDict().state[0] as Record<string, ng.Tensor>;
      expect(k.addressMod(st.expAvg.data, 64), 'Adam state').to.equal(0);
    });
    it('tensors of 16384 elements (64 KiB) or more start on a page (4096 bytes), so same-index loops over them never 4K-alias', () => {
      const x = ng.randn([128, 784]);
      const made = [
        ng.zeros([16384]),
        ng.ones([129, 129]),
        x,
        ng.tensor(new Float32Array(20000)),
        x.clone(),
        ng.transpose(x),
        ng.matmul(x, ng.randn([784, 128])),
        ng.relu(x),
        ng.add(x, 1),
      ];
      made.forEach((t, i) => expect(k.addressMod(t.data, 4096), `tensor ${i}`).to.equal(0));
      // below 64 KiB only the cache line is kept (at most 64 bytes more per tensor)
      const mid = ng.zeros([16383]);
      expect(k.addressMod(mid.data, 64)).to.equal(0);
      expect(mid.data.buffer.byteLength).to.equal(16383 * 4 + 64);
      // what Adam reads and writes at the same index: parameter, gradient, both moments
      const lin = new ng.nn.Linear(784, 256);
      const opt = new ng.optim.Adam(lin.parameters());
      lin.forward(x).sum().backward();
      opt.step();
      const w = lin.weight;
      const st = opt.state.get(w)!.buffers;
      const arrays = { weight: w.data, grad: w.grad!.data, expAvg: st.expAvg, expAvgSq: st.expAvgSq };
      for (const [name, a] of Object.entries(arrays)) expect(k.addressMod(a, 4096), name).to.equal(0);
    });
    it('an aligned tensor still owns its buffer: dispose detaches it, and its view covers only its elements', () => {
      const t = ng.ones([4096]);
      const view = t.data;
      expect(view.length).to.equal(4096);
      expect(view.byteLength).to.equal(4096 * 4);
      t.dispose();
      expect(view.length).to.equal(0);
    });
  });

  describe('dispose', () => {
    it('frees the buffer at once: data throws, isDisposed, the Float32Array is detached', () => {
      const t = ng.ones([1000]);
      const view = t.data;
      t.dispose();
      expect(t.isDisposed).to.equal(true);
      expect(view.length).to.equal(0); // detached
      expect(() => t.data).to.throw(/disposed/);
      expect(() => t.toArray()).to.throw(/disposed/);
      expect(() => ng.add(t, 1)).to.throw(/ng\.add: argument 'a' is a disposed Tensor \(shape \[1000\]\)/);
      expect(String(t)).to.match(/disposed/);
    });
    it('a second dispose is harmless', () => {
      const t = ng.zeros([3]);
      t.dispose();
      expect(() => t.dispose()).to.not.throw();
      expect(t.isDisposed).to.equal(true);
    });
    it('frees the gradient too', () => {
      const x = ng.ones([4], { requiresGrad: true });
      x.mul(2).sum().backward();
      const g = x.grad!;
      x.dispose();
      expect(x.grad).to.equal(null);
      expect(g.isDisposed).to.equal(true);
    });
    it('a tensor over part of a buffer leaves the rest of the buffer alone', () => {
      const big = new Float32Array([1, 2, 3, 4]);
      const t = new ng.Tensor(big.subarray(2), [2]);
      expect(Array.from(t.data)).to.deep.equal([3, 4]);
      t.dispose();
      expect(() => t.data).to.throw(/disposed/);
      expect(Array.from(big)).to.deep.equal([1, 2, 3, 4]);
    });
    it('new Tensor wraps the given Float32Array without copying', () => {
      const buf = new Float32Array(6);
      const t = new ng.Tensor(buf, [2, 3]);
      buf[5] = 1;
      expect(t.data[5]).to.equal(1);
      t.dispose();
      expect(buf.length).to.equal(0); // the tensor owned the whole buffer, so dispose detached it
    });
  });

  it('detach: same values, no graph, its own copy', () => {
    const x = ng.tensor([1, 2], undefined, { requiresGrad: true });
    const y = x.mul(3);
    const d = y.detach();
    expect(d.requiresGrad).to.equal(false);
    expect(d.isLeaf).to.equal(true);
    expect(Array.from(d.data)).to.deep.equal([3, 6]);
    d.data[0] = 0;
    expect(y.data[0]).to.equal(3);
    expect(ng.mul(d, 2).requiresGrad).to.equal(false);
  });

  it('requiresGrad_ on a leaf; toString and inspect', () => {
    const x = ng.zeros([2]).requiresGrad_();
    expect(x.requiresGrad).to.equal(true);
    expect(String(x)).to.equal('tensor([0., 0.], requiresGrad=true)');
    const y = x.add(1);
    expect(() => y.requiresGrad_(false)).to.throw(/leaf/);
  });
});

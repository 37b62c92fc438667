/**
 * The scratch pool (lib/autograd/pool.ts): backward() recycles intermediate gradients and the
 * caches of freed nodes; a recycled buffer comes back zero-filled when asked, only whole buffers
 * and sizes worth pooling are kept, and a retained graph keeps its caches.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { freeScratch, giveBack, scratchBytes, takeUninit, takeZeroed } from '../../lib/autograd/pool';

describe('autograd: scratch pool', () => {
  beforeEach(() => freeScratch());
  after(() => freeScratch());

  it('hands a given-back buffer to the next take of its size, zero-filled by takeZeroed', () => {
    const a = takeUninit('test', 1000);
    a.fill(7);
    giveBack(a);
    expect(scratchBytes()).to.equal(4000);
    const b = takeZeroed('test', 1000);
    expect(b).to.equal(a);
    expect(b.every((v) => v === 0)).to.equal(true);
    expect(scratchBytes()).to.equal(0);
    const c = takeZeroed('test', 1000); // pool empty: a fresh buffer
    expect(c).to.not.equal(a);
  });

  it('leaves small buffers and views to their owner and the garbage collector instead of pooling them', () => {
    const small = takeUninit('test', 10);
    small[3] = 7;
    giveBack(small);
    expect(scratchBytes()).to.equal(0);
    expect(small[3]).to.equal(7); // not detached either: not worth a native call
    const big = new Float32Array(2000);
    giveBack(big.subarray(0, 1000)); // a view: its owner keeps the buffer
    expect(scratchBytes()).to.equal(0);
    expect(big.length).to.equal(2000); // not detached
  });

  it('freeScratch() releases everything it holds', () => {
    const a = takeUninit('test', 512);
    giveBack(a);
    expect(freeScratch()).to.equal(2048);
    expect(a.length).to.equal(0); // detached
    expect(scratchBytes()).to.equal(0);
  });

  it('a training step gets its buffers back from the previous step, with the same results as fresh ones', () => {
    ng.manualSeed(5);
    const model = new ng.nn.Sequential(new ng.nn.Linear(20, 300), new ng.nn.ReLU(), new ng.nn.Linear(300, 300));
    const x = ng.randn([8, 20]);
    const y = new Int32Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const step = (): number[] => {
      model.zeroGrad();
      const loss = ng.nn.functional.crossEntropy(model.forward(x), y);
      loss.backward();
      return model.parameters().flatMap((p) => Array.from(p.grad!.data.subarray(0, 50)));
    };
    const first = step();
    // the intermediate gradient [8, 300] and the softmax cache [8, 300] came back to the pool
    expect(scratchBytes()).to.be.at.least(2 * 8 * 300 * 4);
    const second = step();
    expect(second).to.deep.equal(first);
    freeScratch();
    expect(step()).to.deep.equal(first);
  });

  it('keeps the caches of a graph retained for a second backward()', () => {
    const logits = ng.randn([4, 300], { requiresGrad: true });
    const loss = ng.nn.functional.crossEntropy(logits, new Int32Array([1, 2, 3, 4]));
    loss.backward(undefined, { retainGraph: true });
    const g1 = Array.from(logits.grad!.data);
    // the pool may now hold intermediate buffers; taking them must not touch the retained cache
    takeZeroed('test', 4 * 300).fill(123);
    takeZeroed('test', 4 * 300).fill(123);
    logits.grad = null;
    loss.backward();
    expect(Array.from(logits.grad!.data)).to.deep.equal(g1);
  });
});

/**
 * Module.flattenParameters: parameters and gradients in one buffer each (a ParamArena), zeroGrad
 * as one fill, and optimizer steps as one native call over the arena, bit for bit the per-tensor
 * results, with the fallbacks when a tensor or a state leaves the arena.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { native } from '../../lib/native';

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function mlp(seed = 1): ng.nn.Sequential {
  ng.manualSeed(seed);
  return new ng.nn.Sequential(new ng.nn.Linear(5, 7), new ng.nn.ReLU(), new ng.nn.Linear(7, 3));
}

function batch(step: number): { x: ng.Tensor; y: Int32Array } {
  ng.manualSeed(100 + step);
  return { x: ng.randn([6, 5]), y: Int32Array.from({ length: 6 }, (_, i) => (i + step) % 3) };
}

type MakeOpt = (p: ng.Tensor[]) => ng.optim.Optimizer<{ lr: number }>;
const OPTIMIZERS: [string, MakeOpt][] = [
  ['Adam (weight decay, amsgrad)', (p) => new ng.optim.Adam(p, { lr: 1e-2, weightDecay: 0.1, amsgrad: true })],
  ['AdamW', (p) => new ng.optim.AdamW(p, { lr: 1e-2 })],
  ['SGD (Nesterov momentum, weight decay)', (p) => new ng.optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ['RMSprop (centered, momentum)', (p) => new ng.optim.RMSprop(p, { lr: 1e-2, centered: true, momentum: 0.5 })],
  ['Rprop', (p) => new ng.optim.Rprop(p, { lr: 1e-2 })],
];

/** Trains `steps` steps with the loop a user writes; returns the parameters' bits. */
function train(model: ng.nn.Module, opt: ng.optim.Optimizer<{ lr: number }>, steps: number, from = 0): number[][] {
  const loss = new ng.nn.CrossEntropyLoss();
  for (let s = from; s < from + steps; s++) {
    const { x, y } = batch(s);
    opt.zeroGrad();
    loss.forward(model.forward(x), y).backward();
    opt.step();
  }
  return model.parameters().map((p) => bits(p.data));
}

/** Counts the native optimizer calls and the tensors each one got. */
function spy(name: 'adamStep' | 'sgdStep' | 'rmspropStep' | 'rpropStep', run: () => void): number[] {
  const k = native as unknown as Record<string, (...a: unknown[]) => unknown>;
  const real = k[name];
  const lists: number[] = [];
  k[name] = (...a: unknown[]) => {
    lists.push((a[0] as unknown[]).length);
    return real(...a);
  };
  try {
    run();
  } finally {
    k[name] = real;
  }
  return lists;
}

describe('nn: flattenParameters (one buffer for the parameters, one for the gradients)', () => {
  it('keeps the tensors and their values, each a 64-byte-aligned view of the arena, with a zero gradient there', () => {
    const model = mlp();
    const params = model.parameters();
    const before = params.map((p) => bits(p.data));
    const arena = model.flattenParameters();
    expect(model.parameterArena).to.equal(arena);
    expect(model.parameters()).to.deep.equal(params);
    expect(arena.tensors).to.deep.equal(params);
    params.forEach((p, i) => {
      expect(bits(p.data), `values of parameter ${i}`).to.deep.equal(before[i]);
      expect(p.data.buffer).to.equal(arena.data.buffer);
      expect(native.addressMod(p.data, 64), `alignment of parameter ${i}`).to.equal(0);
      expect(p.grad!.data.buffer).to.equal(arena.grad.buffer);
      expect(Array.from(p.grad!.data).every((v) => v === 0)).to.equal(true);
    });
    // 35 + 7 + 21 + 3 elements, each slot a multiple of 16
    expect(arena.offsets).to.deep.equal([0, 48, 64, 96]);
    expect(arena.length).to.equal(112);
    expect(
      Array.from(arena.data.subarray(35, 48)).every((v) => v === 0),
      'padding',
    ).to.equal(true);
  });

  it('backward accumulates into the arena; zeroGrad (module or optimizer) clears it in one fill', () => {
    const model = mlp();
    const arena = model.flattenParameters();
    const opt = new ng.optim.SGD(model.parameters(), { lr: 0.1 });
    const { x, y } = batch(0);
    new ng.nn.CrossEntropyLoss().forward(model.forward(x), y).backward();
    expect(arena.grad.some((v) => v !== 0)).to.equal(true);
    model.zeroGrad();
    expect(arena.grad.every((v) => v === 0)).to.equal(true);
    new ng.nn.CrossEntropyLoss().forward(model.forward(x), y).backward();
    opt.zeroGrad();
    expect(arena.grad.every((v) => v === 0)).to.equal(true);
  });

  for (const [name, make] of OPTIMIZERS) {
    it(`${name}: one native call over the arena, bit for bit the per-tensor updates, the same stateDict`, () => {
      const plain = mlp();
      const flat = mlp();
      flat.flattenParameters();
      const optPlain = make(plain.parameters());
      const optFlat = make(flat.parameters());
      const kernel = (
        optFlat instanceof ng.optim.SGD
          ? 'sgdStep'
          : optFlat instanceof ng.optim.RMSprop
            ? 'rmspropStep'
            : optFlat instanceof ng.optim.Rprop
              ? 'rpropStep'
              : 'adamStep'
      ) as 'adamStep';
      const want = train(plain, optPlain, 6);
      let got: number[][] = [];
      const calls = spy(kernel, () => (got = train(flat, optFlat, 6)));
      expect(calls, 'tensors per native call').to.deep.equal([1, 1, 1, 1, 1, 1]);
      expect(got).to.deep.equal(want);
      const a = optPlain.stateDict();
      const b = optFlat.stateDict();
      expect(Object.keys(b.state)).to.deep.equal(Object.keys(a.state));
      for (const i of Object.keys(a.state)) {
        const sa = a.state[Number(i)],
          sb = b.state[Number(i)];
        expect(sb.step).to.equal(sa.step);
        for (const k of Object.keys(sa))
          if (k !== 'step') expect(bits((sb[k] as ng.Tensor).data), `state ${i}.${k}`).to.deep.equal(bits((sa[k] as ng.Tensor).data));
      }
    });
  }

  it('loadStateDict in the middle of training: the loaded state moves into the arena and training continues bit for bit', () => {
    const plain = mlp();
    const flat = mlp();
    flat.flattenParameters();
    const optPlain = new ng.optim.Adam(plain.parameters(), { lr: 1e-2 });
    const optFlat = new ng.optim.Adam(flat.parameters(), { lr: 1e-2 });
    train(plain, optPlain, 3);
    train(flat, optFlat, 3);
    const saved = optPlain.stateDict();
    optPlain.loadStateDict(saved);
    optFlat.loadStateDict(saved);
    const want = train(plain, optPlain, 3, 3);
    const calls = spy('adamStep', () => expect(train(flat, optFlat, 3, 3)).to.deep.equal(want));
    expect(calls).to.deep.equal([1, 1, 1]);
  });

  it('falls back to one view per tensor, with the same results, when a tensor is frozen or a gradient left the arena', () => {
    const plain = mlp();
    const flat = mlp();
    flat.flattenParameters();
    plain.parameters()[0].requiresGrad = false;
    flat.parameters()[0].requiresGrad = false;
    const optPlain = new ng.optim.Adam(plain.parameters(), { lr: 1e-2 });
    const optFlat = new ng.optim.Adam(flat.parameters(), { lr: 1e-2 });
    // the frozen weight keeps the zero gradient flattenParameters gave it (it requires grad no
    // more): drop it, as PyTorch has none for it
    flat.parameters()[0].grad = null;
    const want = train(plain, optPlain, 3);
    const calls = spy('adamStep', () => expect(train(flat, optFlat, 3)).to.deep.equal(want));
    expect(calls, 'per tensor: the 3 trainable ones').to.deep.equal([3, 3, 3]);
  });

  it('disposing one parameter frees its view only: the arena and the other parameters stay', () => {
    const model = mlp();
    const arena = model.flattenParameters();
    const [w0, b0, w1] = model.parameters();
    const kept = bits(w1.data);
    w0.dispose();
    expect(w0.isDisposed).to.equal(true);
    expect(arena.data.length, 'the arena is not detached').to.equal(112);
    expect(bits(w1.data)).to.deep.equal(kept);
    expect(b0.grad!.data.length).to.equal(7);
    expect(arena.holds(w0)).to.equal(false);
    expect(arena.holds(w1)).to.equal(true);
  });

  it('zeroGrad({ setToNone: true }): the next backward puts the gradients back in the arena', () => {
    const model = mlp();
    const arena = model.flattenParameters();
    const opt = new ng.optim.Adam(model.parameters(), { lr: 1e-2 });
    train(model, opt, 1);
    opt.zeroGrad({ setToNone: true });
    expect(model.parameters().every((p) => p.grad === null)).to.equal(true);
    const { x, y } = batch(1);
    new ng.nn.CrossEntropyLoss().forward(model.forward(x), y).backward();
    expect(model.parameters().every((p) => p.grad!.data.buffer === arena.grad.buffer)).to.equal(true);
    expect(spy('adamStep', () => opt.step())).to.deep.equal([1]);
  });
});

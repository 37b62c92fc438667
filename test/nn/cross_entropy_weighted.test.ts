/**
 * CrossEntropyLoss({ weight, ignoreIndex }) with PyTorch 1.13's semantics, against
 * test/fixtures/cross-entropy-weighted.json (scripts/fixtures/cross_entropy_weighted.py): the loss
 * and its gradient for every combination of weights, ignored rows (−100 in the labels or a class
 * index), label smoothing and reduction; probability targets with weights; and three SGD steps of
 * a Linear/ReLU chain on the fused path (compileStep), which must also give the tape's bits.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { FixtureTensor, expectClose, fixture } from '../helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc: any = fixture('cross-entropy-weighted.json');
const tensorOf = (f: FixtureTensor, requiresGrad = false): ng.Tensor => ng.tensor(Float32Array.from(f.data), f.shape, { requiresGrad });
const F = ng.nn.functional;

describe('nn: cross-entropy with class weights and ignoreIndex (PyTorch 1.13)', () => {
  it(`matches every class-index case of the fixture: loss and gradient (${doc.cases.length} cases)`, () => {
    const weight = tensorOf(doc.weight);
    const g = tensorOf(doc.grad_out);
    for (const c of doc.cases) {
      const what = `${c.labels} weight=${c.weight} eps=${c.label_smoothing} ${c.reduction}`;
      const x = tensorOf(doc.logits, true);
      const loss = F.crossEntropy(x, Int32Array.from(c.target), {
        weight: c.weight ? weight : null,
        ignoreIndex: c.ignore_index,
        labelSmoothing: c.label_smoothing,
        reduction: c.reduction,
      });
      expectClose(loss.data, c.loss.data, { rtol: 2e-6, atol: 1e-7, what: `${what}: loss` });
      (c.reduction === 'none' ? loss.mul(g).sum() : loss).backward();
      expectClose(x.grad!.data, c.grad.data, { rtol: 1e-5, atol: 1e-7, what: `${what}: grad` });
    }
  });

  it('matches the probability-target cases with weights: loss and the gradients of logits and target', () => {
    const weight = tensorOf(doc.weight);
    for (const c of doc.prob_cases) {
      const x = tensorOf(doc.logits, true);
      const p = tensorOf(doc.probs, true);
      const loss = F.crossEntropy(x, p, { weight, labelSmoothing: c.label_smoothing, reduction: c.reduction });
      expectClose(loss.data, c.loss.data, { rtol: 2e-6, what: `probs ${c.reduction}: loss` });
      loss.backward();
      expectClose(x.grad!.data, c.grad.data, { rtol: 1e-5, atol: 1e-7, what: `probs ${c.reduction}: grad` });
      expectClose(p.grad!.data, c.grad_target.data, { rtol: 1e-5, atol: 1e-7, what: `probs ${c.reduction}: grad of target` });
    }
  });

  it('passes finite differences with weights, an ignored row and smoothing', () => {
    const weight = ng.tensor([0.5, 2, 1, 3]);
    const target = Int32Array.from([0, -100, 2, 3, 1]);
    for (const reduction of ['mean', 'sum'] as const) {
      const x = ng.tensor(
        Float32Array.from({ length: 20 }, (_, i) => Math.sin(i * 1.7) * 2),
        [5, 4],
        { requiresGrad: true },
      );
      const r = ng.gradcheck((t) => F.crossEntropy(t, target, { weight, labelSmoothing: 0.1, reduction }), [x], { rtol: 2e-2, atol: 2e-3 });
      expect(r.ok, `${reduction}: max error ${r.maxError}`).to.equal(true);
    }
  });

  it('trains a Linear/ReLU chain fused, as PyTorch does, and bit for bit as the tape', () => {
    const tr = doc.train;
    const build = (): ng.nn.Sequential => {
      const m = new ng.nn.Sequential(new ng.nn.Linear(5, 6), new ng.nn.ReLU(), new ng.nn.Linear(6, 4));
      m.loadStateDict(Object.fromEntries(Object.entries(tr.init).map(([k, v]) => [k, tensorOf(v as FixtureTensor)])));
      return m;
    };
    const x = tensorOf(tr.x);
    const y = Int32Array.from(tr.target);
    const lossOf = (): ng.nn.CrossEntropyLoss => new ng.nn.CrossEntropyLoss({ weight: tensorOf(tr.weight), labelSmoothing: tr.label_smoothing });
    const fusedModel = build();
    const tapeModel = build();
    const step = ng.train.compileStep(fusedModel, lossOf());
    expect(step.fused, step.reason ?? '').to.equal(true);
    const tapeLoss = lossOf();
    const optF = new ng.optim.SGD(fusedModel.parameters(), { lr: 0.1, momentum: 0.9 });
    const optT = new ng.optim.SGD(tapeModel.parameters(), { lr: 0.1, momentum: 0.9 });
    const losses: number[] = [];
    for (let s = 0; s < 3; s++) {
      optF.zeroGrad();
      const lf = step.run(x, y);
      expect(step.lastRunFused).to.equal(true);
      optT.zeroGrad();
      const lt = tapeLoss.forward(tapeModel.forward(x), y);
      lt.backward();
      expect(lf, `step ${s}: fused loss = tape loss`).to.equal(lt.item());
      fusedModel
        .parameters()
        .forEach((p, i) => expect(Array.from(p.grad!.data), `step ${s}: gradient ${i}`).to.deep.equal(Array.from(tapeModel.parameters()[i].grad!.data)));
      optF.step();
      optT.step();
      losses.push(lf);
    }
    expectClose(losses, tr.losses, { rtol: 2e-6, what: 'losses' });
    const sd = fusedModel.stateDict();
    for (const [k, v] of Object.entries(tr.params)) expectClose(sd[k].data, (v as FixtureTensor).data, { rtol: 1e-5, atol: 1e-7, what: k });
  });

  it("keeps its weight in stateDict() under PyTorch's key and prints its settings", () => {
    const loss = new ng.nn.CrossEntropyLoss({ weight: ng.tensor([1, 2]), ignoreIndex: 0 });
    expect(Object.keys(loss.stateDict())).to.deep.equal(['weight']);
    expect(Object.keys(new ng.nn.CrossEntropyLoss().stateDict())).to.deep.equal([]);
    expect(loss.toString()).to.equal("CrossEntropyLoss(reduction='mean', ignore_index=0, weight=[…])");
  });

  it('gives NaN for a mean over rows that are all ignored, as PyTorch, with zero gradients', () => {
    const x = ng.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      { requiresGrad: true },
    );
    const loss = F.crossEntropy(x, [-100, -100]);
    expect(Number.isNaN(loss.item())).to.equal(true);
    loss.backward();
    expect(Array.from(x.grad!.data)).to.deep.equal([0, 0, 0, 0]);
    expect(F.crossEntropy(x, [-100, -100], { reduction: 'sum' }).item()).to.equal(0);
  });

  it('refuses what PyTorch refuses, naming the argument and the shapes', () => {
    const x = ng.zeros([3, 4]);
    expect(() => F.crossEntropy(x, [0, 1, 2], { weight: ng.ones([3]) })).to.throw(
      RangeError,
      /weight of shape \[3\] does not fit the input of shape \[3, 4\]: it needs one weight per class, \[4\]/,
    );
    expect(() => new ng.nn.CrossEntropyLoss({ weight: ng.ones([2, 2]) })).to.throw(
      TypeError,
      /argument 'weight' must be a 1-D Tensor with one weight per class, got a Tensor of shape \[2, 2\]/,
    );
    expect(() => F.crossEntropy(x, [0, 4, 1])).to.throw(RangeError, /target\[1\] = 4 is out of range/);
    expect(() => F.crossEntropy(x, [0, -1, 1])).to.throw(RangeError, /target\[1\] = -1 is out of range/);
    expect(() => F.crossEntropy(x, [0, -1, 1], { ignoreIndex: -1 })).to.not.throw();
    expect(() => F.crossEntropy(x, ng.full([3, 4], 0.25), { ignoreIndex: 1 })).to.throw(RangeError, /ignoreIndex \(1\) applies to class-index targets/);
    expect(() => new ng.nn.CrossEntropyLoss({ ignoreIndex: 1.5 })).to.throw(TypeError, /'ignoreIndex' must be an integer/);
    expect(() => new ng.nn.CrossEntropyLoss({ ignore_index: 1 } as never)).to.throw(TypeError, /PyTorch's 'ignore_index' is 'ignoreIndex' here/);
    expect(() => new ng.nn.CrossEntropyLoss({ label_smoothing: 0.1 } as never)).to.throw(TypeError, /'label_smoothing' is 'labelSmoothing' here/);
  });
});

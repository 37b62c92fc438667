/**
 * Sequential(Linear, BatchNorm1d, act, Linear) against PyTorch 1.13 (test/fixtures/mlp.json):
 * train-mode logits, loss, every parameter gradient (relative 1e-3), running statistics after
 * the training forward, and eval-mode logits, for relu/tanh/sigmoid with cross-entropy and MSE.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { FixtureTensor, expectClose, fixture } from '../helpers';

const mlp = fixture('mlp.json');

function t(f: FixtureTensor): ng.Tensor {
  return ng.tensor(Float32Array.from(f.data), f.shape);
}

function activation(name: string): ng.nn.Module {
  if (name === 'relu') return new ng.nn.ReLU();
  if (name === 'tanh') return new ng.nn.Tanh();
  if (name === 'sigmoid') return new ng.nn.Sigmoid();
  throw new Error(`unknown activation ${name}`);
}

describe('nn: MLP against PyTorch (mlp.json)', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  for (const c of mlp.cases as any[]) {
    it(c.name, () => {
      expect(c.layers[0]).to.equal('Linear');
      expect(c.layers[1]).to.equal('BatchNorm1d');
      const [i, h, o] = c.sizes as number[];
      const net = new ng.nn.Sequential(
        new ng.nn.Linear(i, h),
        new ng.nn.BatchNorm1d(h, { eps: c.bn.eps, momentum: c.bn.momentum }),
        activation(c.layers[2]),
        new ng.nn.Linear(h, o),
      );
      const init: Record<string, ng.Tensor> = {};
      for (const [k, v] of Object.entries(c.init)) init[k] = t(v as FixtureTensor);
      net.loadStateDict(init); // no num_batches_tracked in the fixture: optional, as in PyTorch

      const x = t(c.x);
      const logits = net.forward(x);
      expectClose(logits.data, c.train_logits.data, { rtol: 1e-4, atol: 1e-6, what: 'train logits' });
      const loss =
        c.loss_fn === 'cross_entropy'
          ? new ng.nn.CrossEntropyLoss().forward(logits, c.target.classes as number[])
          : new ng.nn.MSELoss().forward(logits, t(c.target.values));
      expect(loss.shape).to.deep.equal([]);
      expectClose([loss.item()], [c.loss], { rtol: 1e-5, what: 'loss' });
      loss.backward();

      const named = new Map(net.namedParameters());
      expect([...named.keys()]).to.deep.equal(Object.keys(c.grads));
      for (const [k, g] of Object.entries(c.grads)) {
        const p = named.get(k)!;
        expect(p.grad, `${k}.grad`).to.not.equal(null);
        expectClose(p.grad!.data, (g as FixtureTensor).data, { rtol: 1e-3, atol: 1e-7, what: `grad ${k}` });
      }

      const sd = net.stateDict();
      for (const [k, v] of Object.entries(c.state_after_forward)) {
        expect(sd[k], k).to.not.equal(undefined);
        expectClose(sd[k].data, (v as FixtureTensor).data, { rtol: 1e-5, atol: 1e-7, what: `state ${k}` });
      }
      expect(sd['1.num_batches_tracked'].item()).to.equal(1);

      net.eval();
      const evalLogits = ng.noGrad(() => net.forward(x));
      expectClose(evalLogits.data, c.eval_logits.data, { rtol: 1e-4, atol: 1e-6, what: 'eval logits' });
    });
  }
});

/** The fixtures' model, built from tensors and ng ops (no ng.nn): loss = mean((x Wᵀ + b − y)²). */
import * as ng from '../../lib';
import type { FixtureTensor } from '../helpers';

export interface LinearProblem {
  W: ng.Tensor;
  b: ng.Tensor;
  x: ng.Tensor;
  y: ng.Tensor;
  /** namedParameters() for EMA: [['weight', W], ['bias', b]] */
  module: { namedParameters(): [string, ng.Tensor][] };
  /** Zeroes nothing: computes the loss and back-propagates, returning the loss value. */
  lossAndGrad(): number;
}

export function fromFixture(t: FixtureTensor, requiresGrad = false): ng.Tensor {
  return ng.tensor(Float32Array.from(t.data), t.shape, { requiresGrad });
}

export function linearProblem(x: FixtureTensor, y: FixtureTensor, w0: FixtureTensor, b0: FixtureTensor): LinearProblem {
  const W = fromFixture(w0, true);
  const b = fromFixture(b0, true);
  const xs = fromFixture(x);
  const ys = fromFixture(y);
  return {
    W,
    b,
    x: xs,
    y: ys,
    module: {
      namedParameters: () => [
        ['weight', W],
        ['bias', b],
      ],
    },
    lossAndGrad() {
      const pred = ng.add(ng.matmul(xs, ng.transpose(W)), b);
      const loss = ng.mean(ng.pow(ng.sub(pred, ys), 2));
      loss.backward();
      return loss.item();
    },
  };
}

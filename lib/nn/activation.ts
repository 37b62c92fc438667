/**
 * Element-wise activations and softmax as modules, over the differentiable primitives
 * (kernels/elementwise.cc, kernels/softmax.cc):
 *   ReLU     y = max(x, 0)          Sigmoid  y = 1/(1 + e^−x)          Tanh  y = tanh x
 *   Softmax  y = e^(x − max) / Σ e^(x − max) along `axis` (default −1, PyTorch's dim)
 */
import { Tensor } from '../tensor';
import { checkNumber } from '../errors';
import { relu, sigmoid, tanh, softmax } from '../ops';
import { Module } from './module';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Softmax extends Module {
  readonly axis: number;
  constructor(axis = -1) {
    super();
    this.axis = checkNumber('new ng.nn.Softmax', 'axis', axis, { integer: true });
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.axis);
  }
  protected override extraRepr(): string {
    return `axis=${this.axis}`;
  }
}

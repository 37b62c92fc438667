/**
 * A PyTorch-style Module subclass that assigns its layers to properties (`this.fc1 = new Linear(…)`)
 * has them registered without a register call, as PyTorch's __setattr__ does (lib/nn/module.ts).
 */
import { expect } from 'chai';
import * as ng from '../../lib';

class Net extends ng.nn.Module {
  fc1: ng.nn.Linear;
  act: ng.nn.ReLU;
  fc2: ng.nn.Linear;
  scale: ng.Tensor;
  constructor() {
    super();
    this.fc1 = new ng.nn.Linear(4, 8);
    this.act = new ng.nn.ReLU();
    this.fc2 = new ng.nn.Linear(8, 3);
    this.scale = ng.ones([3], { requiresGrad: true });
  }
  forward(x: ng.Tensor): ng.Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x))).mul(this.scale);
  }
}

describe('nn: a custom Module with layers assigned to properties', () => {
  it('finds its sub-modules and parameters, named by the property, in assignment order', () => {
    ng.manualSeed(1);
    const net = new Net();
    expect(net.namedParameters().map(([n, p]) => [n, p.shape])).to.deep.equal([
      ['scale', [3]],
      ['fc1.weight', [8, 4]],
      ['fc1.bias', [8]],
      ['fc2.weight', [3, 8]],
      ['fc2.bias', [3]],
    ]);
    expect(net.namedChildren().map(([n]) => n)).to.deep.equal(['fc1', 'act', 'fc2']);
    expect(Object.keys(net.stateDict())).to.deep.equal(['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(net.toString()).to.include('(fc1): Linear(in_features=4, out_features=8, bias=true)');
  });

  it('trains: an optimizer gets every parameter, and eval() reaches the children', () => {
    ng.manualSeed(2);
    const net = new Net();
    const opt = new ng.optim.SGD(net.parameters(), { lr: 0.1 });
    const w0 = Array.from(net.fc1.weight.data);
    const x = ng.randn([5, 4]);
    const loss = new ng.nn.CrossEntropyLoss().forward(net.forward(x), [0, 1, 2, 0, 1]);
    loss.backward();
    opt.step();
    expect(Array.from(net.fc1.weight.data)).to.not.deep.equal(w0);
    net.eval();
    expect(net.fc1.training).to.equal(false);
    expect(net.act.training).to.equal(false);
  });

  it('follows a reassigned or cleared property, and keeps explicit registrations as they are', () => {
    const net = new Net();
    const replacement = new ng.nn.Linear(8, 3, { bias: false });
    net.fc2 = replacement;
    expect(net.namedParameters().map(([n]) => n)).to.deep.equal(['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight']);
    (net as unknown as { act: unknown }).act = null;
    expect(net.namedChildren().map(([n]) => n)).to.deep.equal(['fc1', 'fc2']);
    // a Linear's own weight property is its registered 'weight', not a second entry
    expect(new ng.nn.Linear(2, 2).namedParameters().map(([n]) => n)).to.deep.equal(['weight', 'bias']);
  });

  it('ignores tensors that are not trainable leaves and does not loop on a module that holds its parent', () => {
    class Child extends ng.nn.Module {
      parent: ng.nn.Module | null = null;
      cache = ng.zeros([2]);
      forward(x: ng.Tensor): ng.Tensor {
        return x;
      }
    }
    class Parent extends ng.nn.Module {
      child = new Child();
      constructor() {
        super();
        this.child.parent = this;
      }
      forward(x: ng.Tensor): ng.Tensor {
        return this.child.forward(x);
      }
    }
    const p = new Parent();
    expect(p.namedModules().map(([n]) => n)).to.deep.equal(['', 'child']);
    expect(p.parameters()).to.deep.equal([]);
    expect(p.toString()).to.include('<the enclosing Parent>');
    let visits = 0;
    p.apply(() => visits++);
    expect(visits).to.equal(2);
  });
});

import { expect } from 'chai';
import { native } from '../../lib/native';
import { opCodes } from '../../lib/ops/table';
import * as ng from '../../lib';

// The op tables come from native/kernels/elementwise.h; lib/ops reads its codes from them.
describe('op tables (the addon exports the op names; codes are positions)', () => {
  it('lists each binary and unary op once, frozen', () => {
    for (const table of [native.binaryOps, native.unaryOps]) {
      expect(Object.isFrozen(table)).to.equal(true);
      expect(new Set(table).size).to.equal(table.length);
    }
    expect(native.binaryOps).to.include.members(['add', 'sub', 'mul', 'div']);
    expect(native.unaryOps).to.include.members(['neg', 'exp', 'log', 'sqrt', 'relu', 'sigmoid', 'tanh', 'pow', 'abs']);
  });

  it('the TypeScript op runs the kernel its name says', () => {
    const x = ng.tensor([-1, 4]);
    expect(Array.from(ng.sub(x, 1).data)).to.deep.equal([-2, 3]);
    expect(Array.from(ng.div(x, 2).data)).to.deep.equal([-0.5, 2]);
    expect(Array.from(ng.abs(x).data)).to.deep.equal([1, 4]);
    expect(Array.from(ng.relu(x).data)).to.deep.equal([0, 4]);
    expect(Array.from(ng.pow(x, 2).data)).to.deep.equal([1, 16]);
  });

  it('an addon without an op the library needs (built from older sources) is named, with the fix', () => {
    expect(() => opCodes('unaryOps', ['neg', 'gelu'])).to.throw(/no 'gelu' op in its unaryOps table .*rebuild it \(npm run build:native\)/);
    expect(opCodes('binaryOps', ['mul'])).to.deep.equal({ mul: native.binaryOps.indexOf('mul') });
  });
});

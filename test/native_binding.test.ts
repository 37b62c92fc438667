import { expect } from 'chai';
import { BINDING_NAMES, native } from '../lib/native';

// lib/native.ts types the whole addon in one interface; this holds it to what the addon exports.
describe('native binding: one typed interface (lib/native.ts)', () => {
  it('names every export of the addon, and nothing the addon lacks', () => {
    const exported = Object.keys(native).sort();
    const typed = [...BINDING_NAMES].sort();
    expect(
      exported.filter((n) => !typed.includes(n as never)),
      'exported by the addon but not typed in Binding',
    ).to.deep.equal([]);
    expect(
      typed.filter((n) => !exported.includes(n)),
      'typed in Binding but not exported by the addon',
    ).to.deep.equal([]);
  });

  it('each typed name is a function, except the op tables (frozen arrays of names)', () => {
    for (const name of BINDING_NAMES) {
      const v = native[name];
      if (name === 'binaryOps' || name === 'unaryOps') expect(Array.isArray(v) && Object.isFrozen(v), name).to.equal(true);
      else expect(typeof v, name).to.equal('function');
    }
  });
});

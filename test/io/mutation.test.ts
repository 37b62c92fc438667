/**
 * Hostile files: valid safetensors, IDX and CSV bytes mutated at random (byte flips, truncation,
 * insertion, header-length tampering). Every outcome must be a correct load or an Error from the
 * loader; for safetensors, a load that succeeds must agree with the header it read (each tensor's
 * size matches its shape) and nothing may be allocated beyond the file's size.
 * NG_MUTATION_RUNS sets the number of cases per loader (default 5000).
 */
import { expect } from 'chai';
import * as zlib from 'zlib';
import fc from 'fast-check';
import * as ng from '../../lib';

const RUNS = Number(process.env.NG_MUTATION_RUNS ?? 5000);

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'length'; value: bigint };

const mutation = (size: number): fc.Arbitrary<Mutation[]> =>
  fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(size - 1), value: fc.nat(255) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(size) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(size), bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 8 }) }),
      fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.bigInt({ min: 0n, max: 400n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })) }),
    ),
    { minLength: 1, maxLength: 4 },
  );

function apply(base: Uint8Array, muts: Mutation[], lengthPrefix: boolean): Uint8Array {
  let b = Buffer.from(base);
  for (const m of muts) {
    if (m.kind === 'flip' && b.length > 0) b[m.at % b.length] = m.value;
    else if (m.kind === 'cut') b = b.subarray(0, Math.min(m.at, b.length));
    else if (m.kind === 'insert') {
      const at = Math.min(m.at, b.length);
      b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
    } else if (m.kind === 'length' && lengthPrefix && b.length >= 8) b.writeBigUInt64LE(m.value, 0);
  }
  return b;
}

/** Runs `load`; an Error is a clean refusal, anything else (a non-Error throw) fails the property. */
function cleanly(load: () => void): boolean {
  try {
    load();
  } catch (e) {
    if (!(e instanceof Error)) return false;
    if (!/^ng\.|nativegrad/.test(e.message)) throw new Error(`an error without the loader's name: ${e.message}`);
  }
  return true;
}

describe('io: mutated files load correctly or fail cleanly', function () {
  this.timeout(60000);

  it(`safetensors: ${RUNS} mutations`, () => {
    const base = ng.io.serialize(
      {
        'a.weight': ng.tensor([
          [1, 2],
          [3, 4],
        ]),
        'a.bias': ng.tensor([0.5, -0.5]),
        s: ng.tensor(7),
        e: ng.zeros([0]),
      },
      { epoch: '3' },
    );
    fc.assert(
      fc.property(mutation(base.length), (muts) => {
        const bytes = apply(base, muts, true);
        return cleanly(() => {
          const { tensors } = ng.io.deserialize(bytes, 'mutated');
          let total = 0;
          for (const t of Object.values(tensors)) {
            expect(t.size).to.equal(t.shape.reduce((p, d) => p * d, 1));
            total += t.size * 4;
          }
          expect(total).to.be.at.most(bytes.length * 4);
        });
      }),
      { numRuns: RUNS, seed: 42 },
    );
  });

  it(`IDX (plain and gzipped): ${RUNS} mutations`, () => {
    const raw = Buffer.alloc(4 + 8 + 2 * 6);
    raw[2] = 0x0b;
    raw[3] = 2;
    raw.writeUInt32BE(2, 4);
    raw.writeUInt32BE(3, 8);
    for (let i = 0; i < 6; i++) raw.writeInt16BE(i * 1000 - 2500, 12 + 2 * i);
    const gz = zlib.gzipSync(raw);
    fc.assert(
      fc.property(fc.boolean(), mutation(raw.length + 20), (useGz, muts) => {
        const bytes = apply(useGz ? gz : raw, muts, false);
        return cleanly(() => {
          const out = ng.data.parseIdx(bytes, 'mutated');
          expect(out.data.length).to.equal(out.shape.reduce((p, d) => p * d, 1));
        });
      }),
      { numRuns: RUNS, seed: 7 },
    );
  });

  it(`CSV (plain and gzipped): ${RUNS} mutations`, () => {
    const raw = Buffer.from('a,b,label\n1.5,2,0\n-3,4e-2,1\n0,0,2\n');
    const gz = zlib.gzipSync(raw);
    fc.assert(
      fc.property(fc.boolean(), mutation(raw.length), (useGz, muts) => {
        const bytes = apply(useGz ? gz : raw, muts, false);
        return cleanly(() => {
          const { x, y } = ng.data.parseCsv(bytes, { targetType: 'class' }, 'mutated');
          expect(x.shape[0]).to.equal(y.length);
          for (const v of y) expect(Number.isInteger(v) && v >= 0).to.equal(true);
        });
      }),
      { numRuns: RUNS, seed: 9 },
    );
  });
});

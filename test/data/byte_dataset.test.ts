/**
 * ByteDataset: batches bit-identical to a TensorDataset over the converted floats (shuffle,
 * balanced, dropLast, seeded and global generators), scale/offset against a JS reference, toTensor,
 * tensor targets, one native call per batch, argument errors, and the native kernel's own checks
 * (short buffers, wrong types, bad indices, no write past the output).
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { native } from '../../lib/native';
import { lcg } from '../helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const raw = native as any;

/** N random samples of R bytes (every byte value occurs) and labels with uneven classes. */
function byteData(N: number, R: number, seed: number): { bytes: Uint8Array; y: Int32Array } {
  const rnd = lcg(seed);
  const bytes = new Uint8Array(N * R);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i < 256 ? i : Math.floor(rnd() * 256);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) y[i] = rnd() < 0.6 ? 0 : rnd() < 0.5 ? 1 : 2;
  return { bytes, y };
}

/** The float32 data set the bytes stand for, computed in JS: fround(v · scale + offset). */
function floats(bytes: Uint8Array, scale = 1 / 255, offset = 0): Float32Array {
  return Float32Array.from(bytes, (v) => Math.fround(v * scale + offset));
}

const bits = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('data: ByteDataset', () => {
  const N = 203;
  const R = 12;
  const { bytes, y } = byteData(N, R, 7);
  const ref = new ng.data.TensorDataset(new ng.Tensor(floats(bytes), [N, 3, 4]), y);
  const ds = new ng.data.ByteDataset(bytes, [N, 3, 4], y);

  it('the reference is the float path: castToF32(bytes, 1/255) gives the same floats as fround(v / 255)', () => {
    const viaCast = new Float32Array(N * R);
    raw.castToF32(viaCast, bytes, 1 / 255);
    expect(bits(viaCast).equals(bits(floats(bytes)))).to.equal(true);
  });

  it('DataLoader batches are bit-identical to the TensorDataset path (shuffle, balanced, dropLast, seeds)', () => {
    const configs: ng.data.DataLoaderOptions[] = [
      { batchSize: 16 },
      { batchSize: 16, shuffle: true, seed: 3 },
      { batchSize: 7, dropLast: true, shuffle: true, seed: 4 },
      { batchSize: 10, balanced: true },
      { batchSize: 9, balanced: true, shuffle: true, seed: 5, dropLast: true },
      { batchSize: 32, shuffle: true }, // the global generator
      { batchSize: 12, balanced: true, shuffle: true }, // the global generator
    ];
    for (const opts of configs) {
      const what = JSON.stringify(opts);
      ng.manualSeed(11);
      const a = new ng.data.DataLoader(ref, opts);
      const ea = [[...a], [...a]];
      ng.manualSeed(11);
      const b = new ng.data.DataLoader(ds, opts);
      const eb = [[...b], [...b]];
      for (let e = 0; e < 2; e++) {
        expect(eb[e].length, what).to.equal(ea[e].length);
        expect(eb[e].length, what).to.equal(b.length);
        eb[e].forEach((batch, j) => {
          expect(batch.x.shape, what).to.deep.equal(ea[e][j].x.shape);
          expect(bits(batch.x.data).equals(bits(ea[e][j].x.data)), `${what}: epoch ${e} batch ${j}`).to.equal(true);
          expect(Array.from(batch.y as Int32Array), what).to.deep.equal(Array.from(ea[e][j].y as Int32Array));
        });
      }
      expect(b.stateDict(), what).to.deep.equal(a.stateDict());
    }
  });

  it('resumes from stateDict like any loader', () => {
    const a = new ng.data.DataLoader(ds, { batchSize: 20, shuffle: true, seed: 8 });
    expect([...a]).to.have.length(11);
    const state = JSON.parse(JSON.stringify(a.stateDict()));
    const next = [...a].map((b) => Array.from(b.x.data));
    const r = new ng.data.DataLoader(ds, { batchSize: 20, shuffle: true, seed: 8 });
    r.loadStateDict(state);
    expect([...r].map((b) => Array.from(b.x.data))).to.deep.equal(next);
  });

  it('x = bytes · scale + offset, rounded once to float32 (scale 2/255, offset -1 maps to [-1, 1])', () => {
    const d = new ng.data.ByteDataset(bytes, [N, R], y, { scale: 2 / 255, offset: -1 });
    const want = floats(bytes, 2 / 255, -1);
    const idx = Int32Array.from([5, 0, 202, 5, 77]);
    const b = d.getBatch(idx);
    expect(b.x.shape).to.deep.equal([5, R]);
    idx.forEach((i, m) => expect(Array.from(b.x.data.subarray(m * R, (m + 1) * R)), `row ${i}`).to.deep.equal(Array.from(want.subarray(i * R, (i + 1) * R))));
    expect(Array.from(b.y as Int32Array)).to.deep.equal(Array.from(idx, (i) => y[i]));
    expect(bits(d.toTensor().data).equals(bits(want))).to.equal(true);
    // byte 0 → −1, byte 255 → 1 exactly
    expect(d.toTensor().data[0]).to.equal(-1);
    expect(d.toTensor().data[255]).to.equal(1);
    expect(new ng.data.ByteDataset(bytes, [N, R], y, { scale: 1 }).toTensor().data[200]).to.equal(200);
  });

  it('toTensor() gives the whole float tensor with the dataset shape; sampleShape and length', () => {
    const t = ds.toTensor();
    expect(t.shape).to.deep.equal([N, 3, 4]);
    expect(bits(t.data).equals(bits(ref.x.data))).to.equal(true);
    expect(ds.sampleShape).to.deep.equal([3, 4]);
    expect(ds.length).to.equal(N);
    expect(ds.getBatch(Int32Array.from([1, 2])).x.shape).to.deep.equal([2, 3, 4]);
    expect(ds.getBatch(new Int32Array(0)).x.shape).to.deep.equal([0, 3, 4]);
    const empty = new ng.data.ByteDataset(new Uint8Array(0), [0, 5], new Int32Array(0));
    expect(empty.toTensor().shape).to.deep.equal([0, 5]);
    expect([...new ng.data.DataLoader(empty, { batchSize: 3, shuffle: true })]).to.have.length(0);
  });

  it('gathers tensor targets with their rows', () => {
    const targets = ng.tensor(Array.from({ length: N * 2 }, (_, i) => i / 2), [N, 2]);
    const d = new ng.data.ByteDataset(bytes, [N, R], targets);
    const b = d.getBatch(Int32Array.from([9, 3]));
    expect(b.y).to.be.instanceOf(ng.Tensor);
    expect((b.y as ng.Tensor).shape).to.deep.equal([2, 2]);
    expect(Array.from((b.y as ng.Tensor).data)).to.deep.equal([9, 9.5, 3, 3.5]);
    expect(() => new ng.data.DataLoader(d, { balanced: true })).to.throw(/balanced.*class labels/);
  });

  it('assembles each batch with one native call (gather and conversion together)', () => {
    const calls: Record<string, number> = { gatherBytesBatch: 0, gatherBatch: 0, castToF32: 0 };
    const saved: Record<string, unknown> = {};
    for (const name of Object.keys(calls)) {
      saved[name] = raw[name];
      raw[name] = (...a: unknown[]) => {
        calls[name]++;
        return (saved[name] as (...a: unknown[]) => unknown)(...a);
      };
    }
    try {
      expect([...new ng.data.DataLoader(ds, { batchSize: 16, shuffle: true })]).to.have.length(13);
      expect([...new ng.data.DataLoader(ds, { batchSize: 16, balanced: true })]).to.have.length(13);
    } finally {
      for (const name of Object.keys(calls)) raw[name] = saved[name];
    }
    expect(calls).to.deep.equal({ gatherBytesBatch: 26, gatherBatch: 0, castToF32: 0 });
  });

  it('rejects bad arguments with errors naming them and the shapes', () => {
    const fn = (b: unknown, shape: unknown, yy: unknown, o?: unknown) => () =>
      new ng.data.ByteDataset(b as Uint8Array, shape as number[], yy as Int32Array, o as ng.data.ByteDatasetOptions);
    const b12 = new Uint8Array(12);
    const y3 = new Int32Array(3);
    expect(fn(new Float32Array(12), [3, 4], y3)).to.throw(TypeError, /new ng.data.ByteDataset: argument 'bytes' must be a Uint8Array.*got a Float32Array of length 12/);
    expect(fn([1, 2], [2], y3)).to.throw(/argument 'bytes' must be a Uint8Array/);
    expect(fn(new Uint8Array(10), [3, 4], y3)).to.throw(RangeError, /argument 'bytes' has 10 bytes but shape \[3, 4\] needs 12/);
    expect(fn(b12, [], y3)).to.throw(/argument 'shape' must have a first \(sample\) dimension/);
    expect(fn(b12, [3, -4], y3)).to.throw(/argument 'shape'.*dimension 1 of \[3, -4\] is -4/);
    expect(fn(b12, [3, 4.5], y3)).to.throw(/argument 'shape'/);
    expect(fn(b12, 'abc', y3)).to.throw(/argument 'shape' must be an array/);
    expect(fn(b12, [3, 4], new Int32Array(2))).to.throw(/the bytes hold 3 samples \(shape \[3, 4\]\) but y has 2 labels/);
    expect(fn(b12, [3, 4], ng.zeros([4, 1]))).to.throw(/the bytes hold 3 samples \(shape \[3, 4\]\) but y has 4 \(shape \[4, 1\]\)/);
    expect(fn(b12, [3, 4], [0, 1, 0.5])).to.throw(/y\[2\]/);
    expect(fn(b12, [3, 4], 'y')).to.throw(/argument 'y' must be an Int32Array/);
    expect(fn(b12, [3, 4], y3, { scale: NaN })).to.throw(/argument 'scale' must be a finite number, got NaN/);
    expect(fn(b12, [3, 4], y3, { offset: '1' })).to.throw(/argument 'offset' must be a finite number/);
    expect(fn(b12, [3, 4], y3, null)).to.throw(/argument 'opts'/);
    expect(new ng.data.ByteDataset(b12, [3, 4], [0, 1, 2]).y).to.be.instanceOf(Int32Array);

    const d = new ng.data.ByteDataset(b12, [3, 4], y3);
    expect(() => d.getBatch([0, 1] as unknown as Int32Array)).to.throw(TypeError, /ByteDataset\.getBatch: argument 'indices' must be an Int32Array/);
    expect(() => d.getBatch(Int32Array.from([0, 3]))).to.throw(RangeError, /index 3 at position 1 is outside the data set of 3 rows/);
    expect(() => d.getBatch(Int32Array.from([-1]))).to.throw(RangeError, /index -1 at position 0/);
  });

  it('refuses to read bytes that were detached (transferred) after construction', () => {
    const buf = new Uint8Array(12);
    const d = new ng.data.ByteDataset(buf, [3, 4], new Int32Array(3));
    structuredClone(buf.buffer, { transfer: [buf.buffer] });
    expect(() => d.getBatch(Int32Array.from([0]))).to.throw(/ByteDataset\.getBatch: the dataset's bytes now hold 0 bytes, shape \[3, 4\] needs 12/);
    expect(() => d.toTensor()).to.throw(/ByteDataset\.toTensor: .*now hold 0 bytes/);
  });
});

describe('data: DataLoader over any Dataset', () => {
  it('draws from an object with length, y and getBatch(indices); wraps a plain { x, y }', () => {
    const labels = Int32Array.from([0, 0, 0, 1, 1, 2]);
    const seen: number[][] = [];
    const custom: ng.data.Dataset = {
      length: 6,
      y: labels,
      getBatch(indices) {
        seen.push(Array.from(indices));
        return { x: ng.tensor(Array.from(indices), [indices.length, 1]), y: Int32Array.from(indices, (i) => labels[i]) };
      },
    };
    const batches = [...new ng.data.DataLoader(custom, { batchSize: 3, balanced: true })];
    expect(seen).to.deep.equal([[0, 3, 5], [1, 4, 5]]);
    expect(Array.from(batches[1].y as Int32Array)).to.deep.equal([0, 1, 2]);
    const plain = new ng.data.DataLoader({ x: ng.tensor([1, 2, 3], [3, 1]), y: Int32Array.from([0, 1, 0]) }, { batchSize: 2 });
    expect(plain.dataset).to.be.instanceOf(ng.data.TensorDataset);
    expect([...plain].map((b) => Array.from(b.x.data))).to.deep.equal([[1, 2], [3]]);
  });

  it('rejects an object that is not a dataset, naming what is wrong', () => {
    const getBatch = (): ng.data.Batch => ({ x: ng.zeros([0]), y: new Int32Array(0) });
    expect(() => new ng.data.DataLoader({ length: -1, y: new Int32Array(0), getBatch } as ng.data.Dataset)).to.throw(/dataset\.length/);
    expect(() => new ng.data.DataLoader({ length: 2, y: [0, 1], getBatch } as unknown as ng.data.Dataset)).to.throw(/dataset\.y/);
    expect(() => new ng.data.DataLoader({ x: ng.zeros([3, 1]), y: new Int32Array(2) })).to.throw(/x has 3 samples.*y has 2 labels/);
    expect(() => new ng.data.DataLoader(42 as unknown as ng.data.Dataset)).to.throw(/argument 'dataset' must be a Dataset/);
    const shrinking = { length: 2, y: new Int32Array(2), getBatch };
    const loader = new ng.data.DataLoader(shrinking, { batchSize: 1 });
    shrinking.y = new Int32Array(1);
    expect(() => [...loader]).to.throw(/the dataset has 2 samples but its y has 1/);
  });
});

describe('native gatherBytesBatch re-checks its arguments', () => {
  // x bytes [N=4, R=3], rows 0..3 hold 10·row + column
  const x = Uint8Array.from({ length: 12 }, (_, i) => 10 * Math.floor(i / 3) + (i % 3));
  const call = (...a: unknown[]) => () => raw.gatherBytesBatch(...a);

  it('computes the documented formula on a well-formed call, and idx null means every row in order', () => {
    const out = new Float32Array(6);
    const outY = new Int32Array(2);
    raw.gatherBytesBatch(out, x, Int32Array.from([3, 1]), 4, 3, 0.5, 1, outY, Int32Array.from([7, 8, 9, 6]), 1);
    expect(Array.from(out)).to.deep.equal([16, 16.5, 17, 6, 6.5, 7]);
    expect(Array.from(outY)).to.deep.equal([6, 8]);
    const all = new Float32Array(12);
    raw.gatherBytesBatch(all, x, null, 4, 3, 1, 0, null, null, 0);
    expect(Array.from(all)).to.deep.equal(Array.from(x));
  });

  it('rejects buffers too short for the sizes, wrong types, bad indices and sizes', () => {
    const idx = Int32Array.from([0, 1]);
    expect(call(new Float32Array(5), x, idx, 4, 3, 1, 0, null, null, 0)).to.throw(/nativegrad \(native\): argument 'outX' has 5 elements, the kernel needs 6/);
    expect(call(new Float32Array(6), x, idx, 5, 3, 1, 0, null, null, 0)).to.throw(/argument 'x' has 12 bytes, \[N, R\] = \[5, 3\] needs 15/);
    expect(call(new Float32Array(6), x.subarray(1), idx, 4, 3, 1, 0, null, null, 0)).to.throw(/argument 'x' has 11 bytes/);
    expect(call(new Float32Array(6), new Float32Array(12), idx, 4, 3, 1, 0, null, null, 0)).to.throw(TypeError, /argument 'x' must be a Uint8Array/);
    expect(call(new Float32Array(6), x, Float32Array.from([0, 1]), 4, 3, 1, 0, null, null, 0)).to.throw(TypeError, /argument 'idx' must be an Int32Array/);
    expect(call(new Float32Array(6), x, idx, 4, 3, 1, 0, new Int32Array(1), new Int32Array(4), 1)).to.throw(/y has 4 and outY 1 elements; need 4 and 2/);
    expect(call(new Float32Array(6), x, idx, 4, 3, 1, 0, new Int32Array(2), new Int32Array(3), 1)).to.throw(/y has 3 and outY 2/);
    expect(call(new Float32Array(6), x, idx, 4, 3, 1, 0, new Float32Array(2), new Int32Array(4), 1)).to.throw(TypeError, /'outY' and 'y' must both be/);
    expect(call(new Float32Array(12), x, null, 4, 3, 1, 0, new Int32Array(4), new Int32Array(4), 1)).to.throw(/targets need explicit indices/);
    expect(call(new Float32Array(6), x, Int32Array.from([0, 4]), 4, 3, 1, 0, null, null, 0)).to.throw(/index 4 at position 1 is outside the data set of 4 rows/);
    expect(call(new Float32Array(6), x, idx, -1, 3, 1, 0, null, null, 0)).to.throw(/argument 'N' must be a non-negative integer/);
    expect(call(new Float32Array(6), x, idx, 4, 2 ** 60, 1, 0, null, null, 0)).to.throw(/nativegrad/);
    expect(call(new Float32Array(6), x, idx, 4, 3, '1', 0, null, null, 0)).to.throw(/argument 'scale' must be a number/);
  });

  it('writes nothing past the output it was given, and nothing at or after a bad index', () => {
    const backing = new Float32Array(10).fill(-7);
    const out = backing.subarray(0, 6); // a view: the rest of the buffer is a fence
    raw.gatherBytesBatch(out, x, Int32Array.from([2, 0]), 4, 3, 1, 0, null, null, 0);
    expect(Array.from(backing)).to.deep.equal([20, 21, 22, 0, 1, 2, -7, -7, -7, -7]);
    const partial = new Float32Array(9).fill(-7);
    expect(call(partial, x, Int32Array.from([1, 9, 2]), 4, 3, 1, 0, null, null, 0)).to.throw(/index 9 at position 1/);
    expect(Array.from(partial.subarray(3))).to.deep.equal([-7, -7, -7, -7, -7, -7]);
  });
});

/**
 * TensorDataset and DataLoader: batch contents against the dataset rows, epoch lengths, dropLast,
 * shuffling (a permutation per epoch, different each epoch, following the seed), balanced batches on
 * a 90/10 set, one native gather per batch, and resumable state.
 */
import { expect } from 'chai';
import * as ng from '../../lib';
import { native } from '../../lib/native';

/** x row i = [i, i + 0.5], so a batch shows which rows it holds. */
function indexed(N: number, labels?: (i: number) => number) {
  const x = new Float32Array(2 * N);
  for (let i = 0; i < N; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = i + 0.5;
  }
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) y[i] = labels ? labels(i) : i % 3;
  return new ng.data.TensorDataset(new ng.Tensor(x, [N, 2]), y);
}
/** The dataset row indices of one batch, checking x and y agree with them. */
function rowsOf(batch: { x: ng.Tensor; y: Int32Array | ng.Tensor }, ds: ng.data.TensorDataset): number[] {
  const d = batch.x.data;
  const rows: number[] = [];
  for (let r = 0; r < batch.x.shape[0]; r++) {
    const i = d[2 * r];
    expect(d[2 * r + 1], 'x row intact').to.equal(i + 0.5);
    if (batch.y instanceof Int32Array) expect(batch.y[r], `label of row ${i}`).to.equal((ds.y as Int32Array)[i]);
    rows.push(i);
  }
  return rows;
}
function epochRows(loader: ng.data.DataLoader, ds: ng.data.TensorDataset): number[][] {
  return [...loader].map((b) => rowsOf(b, ds));
}

describe('data: TensorDataset', () => {
  it('checks that x and y have the same number of samples, naming both', () => {
    const x = ng.zeros([5, 2]);
    expect(() => new ng.data.TensorDataset(x, new Int32Array(4))).to.throw(/x has 5 samples.*y has 4 labels/);
    expect(() => new ng.data.TensorDataset(x, ng.zeros([6, 1]))).to.throw(/x has 5 samples \(shape \[5, 2\]\) but y has 6 \(shape \[6, 1\]\)/);
    expect(() => new ng.data.TensorDataset(x, 'abc' as unknown as Int32Array)).to.throw(/argument 'y' must be an Int32Array/);
    expect(() => new ng.data.TensorDataset(x, [0, 1, 2, 1.5, 0] as number[])).to.throw(/y\[3\]/);
    expect(new ng.data.TensorDataset(x, [0, 1, 2, 1, 0]).y).to.be.instanceOf(Int32Array);
    expect(new ng.data.TensorDataset(x, [0, 1, 2, 1, 0]).length).to.equal(5);
  });
});

describe('data: DataLoader', () => {
  it('yields the rows in order, batchSize at a time, with a short last batch; length = ceil(N / B)', () => {
    const ds = indexed(10);
    const loader = new ng.data.DataLoader(ds, { batchSize: 4 });
    expect(loader.length).to.equal(3);
    const batches = [...loader];
    expect(batches.map((b) => b.x.shape)).to.deep.equal([[4, 2], [4, 2], [2, 2]]);
    expect(batches.flatMap((b) => rowsOf(b, ds))).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batches[0].y).to.be.instanceOf(Int32Array);
  });

  it('dropLast drops the short batch (length = floor(N / B)); an exact fit keeps every batch', () => {
    const ds = indexed(10);
    const loader = new ng.data.DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(loader.length).to.equal(2);
    expect(epochRows(loader, ds)).to.deep.equal([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(new ng.data.DataLoader(ds, { batchSize: 5, dropLast: true }).length).to.equal(2);
    expect(new ng.data.DataLoader(ds, { batchSize: 11, dropLast: true }).length).to.equal(0);
    expect([...new ng.data.DataLoader(ds, { batchSize: 11, dropLast: true })]).to.have.length(0);
  });

  it('gathers tensor targets row by row and keeps trailing dimensions', () => {
    const x = ng.tensor(Array.from({ length: 24 }, (_, i) => i), [6, 2, 2]);
    const y = ng.tensor(Array.from({ length: 18 }, (_, i) => 100 + i), [6, 3]);
    const loader = new ng.data.DataLoader(new ng.data.TensorDataset(x, y), { batchSize: 4, shuffle: true, seed: 3 });
    for (const b of loader) {
      expect(b.x.shape.slice(1)).to.deep.equal([2, 2]);
      expect(b.y).to.be.instanceOf(ng.Tensor);
      const yb = b.y as ng.Tensor;
      for (let r = 0; r < b.x.shape[0]; r++) {
        const i = b.x.data[4 * r] / 4;
        expect(Array.from(b.x.data.subarray(4 * r, 4 * r + 4))).to.deep.equal([4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3]);
        expect(Array.from(yb.data.subarray(3 * r, 3 * r + 3))).to.deep.equal([100 + 3 * i, 101 + 3 * i, 102 + 3 * i]);
      }
    }
  });

  it('assembles each batch with one native call', () => {
    const ds = indexed(100);
    const real = (native as unknown as Record<string, unknown>).gatherBatch as (...a: unknown[]) => void;
    let calls = 0;
    (native as unknown as Record<string, unknown>).gatherBatch = (...a: unknown[]) => {
      calls++;
      return real(...a);
    };
    try {
      const n = [...new ng.data.DataLoader(ds, { batchSize: 7, shuffle: true })].length;
      expect(n).to.equal(15);
      expect(calls).to.equal(15);
      calls = 0;
      expect([...new ng.data.DataLoader(ds, { batchSize: 7, balanced: true })].length).to.equal(15);
      expect(calls).to.equal(15);
    } finally {
      (native as unknown as Record<string, unknown>).gatherBatch = real;
    }
  });

  it('shuffle: every epoch is a permutation of all samples, and consecutive epochs differ', () => {
    const ds = indexed(50);
    ng.manualSeed(1);
    const loader = new ng.data.DataLoader(ds, { batchSize: 8, shuffle: true });
    const epochs = [0, 1, 2].map(() => epochRows(loader, ds).flat());
    for (const e of epochs) expect([...e].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(epochs[0]).to.not.deep.equal(epochs[1]);
    expect(epochs[1]).to.not.deep.equal(epochs[2]);
    expect(epochs[0]).to.not.deep.equal(Array.from({ length: 50 }, (_, i) => i));
  });

  it('shuffle without a seed follows ng.manualSeed', () => {
    const ds = indexed(40);
    const run = (): number[][] => {
      ng.manualSeed(77);
      const loader = new ng.data.DataLoader(ds, { batchSize: 8, shuffle: true });
      return [epochRows(loader, ds).flat(), epochRows(loader, ds).flat()];
    };
    expect(run()).to.deep.equal(run());
  });

  it('a seeded loader is reproducible from its seed, ignores the global generator and leaves it untouched', () => {
    const ds = indexed(40);
    ng.manualSeed(5);
    const a = new ng.data.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 123 });
    const ref = ng.randn([4]).data.slice(); // the global stream after seeding 5
    ng.manualSeed(5);
    const ea = [epochRows(a, ds).flat(), epochRows(a, ds).flat()];
    expect(Array.from(ng.randn([4]).data), 'global stream undisturbed by the seeded loader').to.deep.equal(Array.from(ref));
    ng.manualSeed(999);
    const b = new ng.data.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 123 });
    ng.randn([10]);
    const eb = [epochRows(b, ds).flat(), epochRows(b, ds).flat()];
    expect(eb).to.deep.equal(ea);
    const c = new ng.data.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 124 });
    expect(epochRows(c, ds).flat()).to.not.deep.equal(ea[0]);
  });

  it('stateDict/loadStateDict resume: a restored loader gives the next epoch of the original', () => {
    const ds = indexed(30, (i) => (i < 24 ? 0 : 1));
    for (const opts of [{ shuffle: true, seed: 9 }, { balanced: true }, { balanced: true, shuffle: true, seed: 4 }]) {
      const a = new ng.data.DataLoader(ds, { batchSize: 6, ...opts });
      epochRows(a, ds);
      epochRows(a, ds);
      const state = JSON.parse(JSON.stringify(a.stateDict()));
      const third = epochRows(a, ds);
      const b = new ng.data.DataLoader(ds, { batchSize: 6, ...opts });
      b.loadStateDict(state);
      expect(epochRows(b, ds), JSON.stringify(opts)).to.deep.equal(third);
    }
    const seeded = new ng.data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 1 });
    expect(() => seeded.loadStateDict({ epoch: 1 })).to.throw(/state\.rng/);
    expect(() => seeded.loadStateDict({ epoch: -1, rng: [] })).to.throw(/state\.epoch/);
  });

  it('balanced: on a 90/10 set every batch holds both classes within ±1 of equal shares', () => {
    // 900 samples of class 0 and 100 of class 1, in blocks
    const ds = indexed(1000, (i) => (i < 900 ? 0 : 1));
    for (const [batchSize, dropLast, shuffle] of [[32, false, true], [32, true, false], [7, false, false], [64, false, true]] as [number, boolean, boolean][]) {
      const loader = new ng.data.DataLoader(ds, { batchSize, balanced: true, dropLast, shuffle, seed: 11 });
      const expectedBatches = dropLast ? Math.floor(1000 / batchSize) : Math.ceil(1000 / batchSize);
      expect(loader.length).to.equal(expectedBatches);
      for (let epoch = 0; epoch < 2; epoch++) {
        const batches = [...loader];
        expect(batches.length).to.equal(expectedBatches);
        let total = 0;
        const seen = [new Map<number, number>(), new Map<number, number>()];
        for (const b of batches) {
          const y = b.y as Int32Array;
          const counts = [0, 0];
          for (const v of y) counts[v]++;
          const share = y.length / 2;
          for (const c of counts) expect(Math.abs(c - share), `batch of ${y.length}: counts ${counts}`).to.be.at.most(1);
          total += y.length;
          const rows = rowsOf(b, ds);
          rows.forEach((i, r) => seen[y[r]].set(i, (seen[y[r]].get(i) ?? 0) + 1));
        }
        expect(total).to.equal(dropLast ? expectedBatches * batchSize : 1000);
        // class 0 (900 samples, ~500 drawn): no sample twice within the epoch
        expect(Math.max(...seen[0].values())).to.equal(1);
        // class 1 (100 samples, ~500 drawn): cycled, each sample 4 or 5 times, never more apart
        const reps = [...seen[1].values()];
        expect(seen[1].size).to.equal(100);
        expect(Math.max(...reps) - Math.min(...reps)).to.be.at.most(1);
      }
    }
  });

  it('balanced with 3 classes and batches smaller than the class count stays within ±1', () => {
    const ds = indexed(60, (i) => (i < 40 ? 2 : i < 55 ? 5 : 9));
    const loader = new ng.data.DataLoader(ds, { batchSize: 2, balanced: true, shuffle: true, seed: 2 });
    const totals = new Map<number, number>();
    for (const b of loader) {
      const y = b.y as Int32Array;
      expect(new Set(y).size, 'two distinct classes per batch of 2').to.equal(2);
      for (const v of y) totals.set(v, (totals.get(v) ?? 0) + 1);
    }
    expect([...totals.values()].sort()).to.deep.equal([20, 20, 20]);
  });

  it('balanced without shuffle walks each class in dataset order, continuing across epochs', () => {
    const ds = indexed(12, (i) => (i < 9 ? 0 : 1)); // class 0: rows 0..8, class 1: rows 9..11
    const loader = new ng.data.DataLoader(ds, { batchSize: 4, balanced: true });
    expect(epochRows(loader, ds)).to.deep.equal([[0, 9, 1, 10], [2, 11, 3, 9], [4, 10, 5, 11]]);
    expect(epochRows(loader, ds)).to.deep.equal([[6, 9, 7, 10], [8, 11, 0, 9], [1, 10, 2, 11]]);
  });

  it('rejects bad options with named errors', () => {
    const ds = indexed(10);
    expect(() => new ng.data.DataLoader(ds, { batchSize: 0 })).to.throw(/batchSize/);
    expect(() => new ng.data.DataLoader(ds, { batchSize: 2.5 })).to.throw(/batchSize/);
    expect(() => new ng.data.DataLoader(ds, { shuffle: 'yes' as unknown as boolean })).to.throw(/shuffle/);
    expect(() => new ng.data.DataLoader(ds, { seed: 1.5 })).to.throw(/seed/);
    expect(() => new ng.data.DataLoader({} as ng.data.TensorDataset)).to.throw(/dataset/);
    const reg = new ng.data.TensorDataset(ng.zeros([4, 2]), ng.zeros([4, 1]));
    expect(() => new ng.data.DataLoader(reg, { balanced: true })).to.throw(/balanced.*class labels/);
  });

  it('handles an empty data set', () => {
    const ds = new ng.data.TensorDataset(ng.zeros([0, 3]), new Int32Array(0));
    expect(new ng.data.DataLoader(ds, { batchSize: 4 }).length).to.equal(0);
    expect([...new ng.data.DataLoader(ds, { batchSize: 4, shuffle: true })]).to.have.length(0);
    expect([...new ng.data.DataLoader(ds, { batchSize: 4, balanced: true })]).to.have.length(0);
  });
});

/** loadFashionMnist: the real files where Debian's dataset-fashion-mnist installed them; errors otherwise. */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as ng from '../../lib';

const DIR = ng.data.FASHION_MNIST_DIR;

function idx(type: number, shape: number[], body: Buffer): Buffer {
  const h = Buffer.alloc(4 + 4 * shape.length);
  h[2] = type;
  h[3] = shape.length;
  shape.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, body]);
}

describe('data: loadFashionMnist', () => {
  it('loads the real data set: 60000 × 784 and 10000 × 784 in [0, 1], labels 0…9, 6000/1000 per class', function () {
    if (!fs.existsSync(DIR)) {
      console.log(`      (skipped: ${DIR} does not exist; install Debian's dataset-fashion-mnist to run this test)`);
      this.skip();
    }
    this.timeout(20000);
    const { train, test } = ng.data.loadFashionMnist(DIR);
    expect(train.x.shape).to.deep.equal([60000, 784]);
    expect(test.x.shape).to.deep.equal([10000, 784]);
    expect(train.y.length).to.equal(60000);
    expect(test.y.length).to.equal(10000);
    for (const [split, per] of [[train, 6000], [test, 1000]] as [ng.data.LabelledSplit, number][]) {
      const counts = new Array(10).fill(0);
      for (const v of split.y) counts[v]++;
      expect(counts).to.deep.equal(new Array(10).fill(per));
      let lo = Infinity, hi = -Infinity;
      for (const v of split.x.data) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      expect([lo, hi]).to.deep.equal([0, 1]);
    }
    // the first training image is an ankle boot (class 9); its pixels are bytes / 255
    expect(train.y[0]).to.equal(9);
    const raw = zlib.gunzipSync(fs.readFileSync(path.join(DIR, 'train-images-idx3-ubyte.gz'))).subarray(16, 16 + 784);
    expect(Array.from(train.x.data.subarray(0, 784))).to.deep.equal(Array.from(raw, (b) => Math.fround(b / 255)));
  });

  it("{ format: 'bytes' }: ByteDatasets whose batches and toTensor() are bit-identical to the float32 path", function () {
    if (!fs.existsSync(DIR)) {
      console.log(`      (skipped: ${DIR} does not exist; install Debian's dataset-fashion-mnist to run this test)`);
      this.skip();
    }
    this.timeout(30000);
    const bytes = ng.data.loadFashionMnist(DIR, { format: 'bytes' });
    expect(bytes.train).to.be.instanceOf(ng.data.ByteDataset);
    expect(bytes.train.shape).to.deep.equal([60000, 784]);
    expect(bytes.test.shape).to.deep.equal([10000, 784]);
    expect(bytes.train.bytes.length).to.equal(60000 * 784);
    const floats = ng.data.loadFashionMnist(DIR);
    const same = (a: Float32Array, b: Float32Array): boolean =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    expect(same(bytes.test.toTensor().data, floats.test.x.data), 'test split, whole').to.equal(true);
    expect(Array.from(bytes.train.y as Int32Array)).to.deep.equal(Array.from(floats.train.y));
    const viaBytes = new ng.data.DataLoader(bytes.train, { batchSize: 128, shuffle: true, seed: 1 });
    const viaFloats = new ng.data.DataLoader(new ng.data.TensorDataset(floats.train.x, floats.train.y), { batchSize: 128, shuffle: true, seed: 1 });
    const a = viaBytes[Symbol.iterator]();
    const b = viaFloats[Symbol.iterator]();
    for (let j = 0; j < 469; j++) {
      const ba = a.next().value;
      const bb = b.next().value;
      expect(same(ba.x.data, bb.x.data), `training batch ${j}`).to.equal(true);
      expect(Array.from(ba.y as Int32Array)).to.deep.equal(Array.from(bb.y as Int32Array));
    }
    expect(a.next().done).to.equal(true);
  });

  describe('with stand-in files', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-fm-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const put = (name: string, bytes: Buffer): void => fs.writeFileSync(path.join(dir, name), bytes);
    const imgs = (n: number): Buffer => idx(8, [n, 28, 28], Buffer.alloc(n * 784, 255));
    const lbls = (vals: number[]): Buffer => idx(8, [vals.length], Buffer.from(vals));

    it('reads plain or gzipped files and scales pixels by 1/255', () => {
      put('train-images-idx3-ubyte', imgs(3));
      put('train-labels-idx1-ubyte.gz', zlib.gzipSync(lbls([1, 2, 3])));
      put('t10k-images-idx3-ubyte.gz', zlib.gzipSync(imgs(2)));
      put('t10k-labels-idx1-ubyte', lbls([0, 9]));
      const { train, test } = ng.data.loadFashionMnist(dir);
      expect(train.x.shape).to.deep.equal([3, 784]);
      expect(Array.from(test.y)).to.deep.equal([0, 9]);
      expect(train.x.data[100]).to.equal(1);
    });

    it("{ format: 'bytes' } gives ByteDatasets of the same pixels, from plain or gzipped files", () => {
      const pix = (n: number): Buffer => idx(8, [n, 28, 28], Buffer.from(Array.from({ length: n * 784 }, (_, i) => (i * 7) % 256)));
      put('train-images-idx3-ubyte.gz', zlib.gzipSync(pix(40)));
      put('train-labels-idx1-ubyte.gz', zlib.gzipSync(lbls(Array.from({ length: 40 }, (_, i) => i % 10))));
      put('t10k-images-idx3-ubyte', pix(2));
      put('t10k-labels-idx1-ubyte', lbls([0, 9]));
      const { train, test } = ng.data.loadFashionMnist(dir, { format: 'bytes' });
      const ref = ng.data.loadFashionMnist(dir);
      expect(train.shape).to.deep.equal([40, 784]);
      expect(test.shape).to.deep.equal([2, 784]);
      expect(train.scale).to.equal(1 / 255);
      expect(Array.from(train.bytes.subarray(0, 5))).to.deep.equal([0, 7, 14, 21, 28]);
      expect(Array.from(train.toTensor().data)).to.deep.equal(Array.from(ref.train.x.data));
      expect(Array.from(test.toTensor().data)).to.deep.equal(Array.from(ref.test.x.data));
      expect(Array.from(test.y as Int32Array)).to.deep.equal([0, 9]);
      expect(() => ng.data.loadFashionMnist(dir, { format: 'uint8' as 'bytes' })).to.throw(/argument 'format' must be 'float32' or 'bytes'/);
      expect(() => ng.data.loadFashionMnist(dir, null as unknown as { format: 'bytes' })).to.throw(/argument 'opts'/);
    });

    it('says where the files are expected and how to install them', () => {
      const missing = path.join(dir, 'nowhere');
      expect(() => ng.data.loadFashionMnist(missing)).to.throw(/no such directory: .*nowhere.*train-images-idx3-ubyte\.gz.*dataset-fashion-mnist.*\/usr\/share\/datasets\/fashion-mnist/);
      put('train-images-idx3-ubyte', imgs(3));
      expect(() => ng.data.loadFashionMnist(dir)).to.throw(/train-labels-idx1-ubyte\(\.gz\) is missing from .*dataset-fashion-mnist/);
    });

    it('checks that images and labels fit together', () => {
      put('train-images-idx3-ubyte', imgs(3));
      put('train-labels-idx1-ubyte', lbls([1, 2]));
      put('t10k-images-idx3-ubyte', imgs(1));
      put('t10k-labels-idx1-ubyte', lbls([0]));
      expect(() => ng.data.loadFashionMnist(dir)).to.throw(/has 3 images but .* has 2 labels/);
      put('train-labels-idx1-ubyte', lbls([1, 2, 12]));
      expect(() => ng.data.loadFashionMnist(dir)).to.throw(/label 12 at index 2 is not a class 0…9/);
      put('train-labels-idx1-ubyte', lbls([1, 2, 3]));
      put('train-images-idx3-ubyte', idx(8, [3, 28, 27], Buffer.alloc(3 * 28 * 27)));
      expect(() => ng.data.loadFashionMnist(dir)).to.throw(/expected uint8 images \[N, 28, 28\]/);
    });
  });
});

/** IDX loader: hand-built files of every type code, plain and gzipped, and every kind of bad file. */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as ng from '../../lib';

/** An IDX file built byte by byte, independently of the loader. */
function idxBytes(type: number, shape: number[], values: number[]): Buffer {
  const size = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 }[type]!;
  const b = Buffer.alloc(4 + 4 * shape.length + size * values.length);
  b[2] = type;
  b[3] = shape.length;
  shape.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  let o = 4 + 4 * shape.length;
  for (const v of values) {
    if (type === 8) b.writeUInt8(v, o);
    else if (type === 9) b.writeInt8(v, o);
    else if (type === 11) b.writeInt16BE(v, o);
    else if (type === 12) b.writeInt32BE(v, o);
    else if (type === 13) b.writeFloatBE(v, o);
    else b.writeDoubleBE(v, o);
    o += size;
  }
  return b;
}

describe('data: loadIdx', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-idx-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: Uint8Array): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };

  const cases: [number, string, number[], ArrayConstructor | unknown][] = [
    [0x08, 'uint8', [0, 1, 127, 128, 255, 7], Uint8Array],
    [0x09, 'int8', [-128, -1, 0, 1, 127, 5], Int8Array],
    [0x0b, 'int16', [-32768, -2, 0, 258, 32767, 1000], Int16Array],
    [0x0c, 'int32', [-(2 ** 31), -70000, 0, 65536 + 3, 2 ** 31 - 1, 42], Int32Array],
    [0x0d, 'float32', [-1.5, 0, 3.25, 1e-30, -Infinity, 65504], Float32Array],
    [0x0e, 'float64', [-1.5, Math.PI, 1e300, -0, Number.MIN_VALUE, 2 ** 53], Float64Array],
  ];
  for (const [type, dtype, values, ctor] of cases) {
    it(`reads ${dtype} (type 0x${type.toString(16)}), plain and gzipped, big-endian converted`, () => {
      const raw = idxBytes(type, [2, 3], values);
      for (const [name, bytes] of [[`${dtype}.idx`, raw], [`${dtype}.idx.gz`, zlib.gzipSync(raw)]] as [string, Buffer][]) {
        const out = ng.data.loadIdx(write(name, bytes));
        expect(out.shape).to.deep.equal([2, 3]);
        expect(out.dtype).to.equal(dtype);
        expect(out.data.constructor).to.equal(ctor);
        expect(out.data.byteOffset, 'a buffer of its own').to.equal(0);
        expect(out.data.buffer.byteLength).to.equal(out.data.byteLength);
        expect(Array.from(out.data as ArrayLike<number>)).to.deep.equal(dtype === 'float32' ? values.map(Math.fround) : values);
      }
    });
  }

  it('detects gzip by its magic bytes, not the file name, and reads 1-D and 4-D arrays', () => {
    const labels = idxBytes(0x08, [5], [9, 8, 7, 6, 5]);
    expect(Array.from(ng.data.loadIdx(write('labels.bin', zlib.gzipSync(labels))).data)).to.deep.equal([9, 8, 7, 6, 5]);
    expect(ng.data.loadIdx(write('plain.gz', labels)).shape).to.deep.equal([5]);
    const four = idxBytes(0x08, [1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ng.data.loadIdx(write('four', four)).shape).to.deep.equal([1, 2, 2, 2]);
    expect(ng.data.loadIdx(write('empty', idxBytes(0x08, [0, 28], []))).shape).to.deep.equal([0, 28]);
  });

  it('rejects a wrong magic number, an unknown type code and zero dimensions, naming the file', () => {
    const good = idxBytes(0x08, [2], [1, 2]);
    const bad = Buffer.from(good);
    bad[0] = 0x50;
    const p = write('bad-magic', bad);
    expect(() => ng.data.loadIdx(p)).to.throw(Error, new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*wrong magic number 0x50`));
    const t = Buffer.from(good);
    t[2] = 0x0a;
    expect(() => ng.data.loadIdx(write('bad-type', t))).to.throw(/unknown IDX data type code 0x0a/);
    expect(() => ng.data.loadIdx(write('zero-dims', Buffer.from([0, 0, 8, 0])))).to.throw(/0 dimensions/);
    expect(() => ng.data.loadIdx(write('png', Buffer.from('\x89PNG\r\n\x1a\n', 'latin1')))).to.throw(/wrong magic number/);
  });

  it('rejects truncated files, a truncated header and trailing bytes, plain and gzipped', () => {
    const good = idxBytes(0x0c, [3, 2], [1, 2, 3, 4, 5, 6]);
    for (const gz of [false, true]) {
      const enc = (b: Buffer): Buffer => (gz ? zlib.gzipSync(b) : b);
      expect(() => ng.data.loadIdx(write('short', enc(good.subarray(0, good.length - 5))))).to.throw(/truncated: the header declares shape \[3, 2\] of int32 \(24 bytes of data\), but only 19/);
      expect(() => ng.data.loadIdx(write('long', enc(Buffer.concat([good, Buffer.from([1, 2, 3])]))))).to.throw(gz ? /longer than the header declares \(shape \[3, 2\] of int32/ : /3 trailing bytes after the data the header declares/);
      expect(() => ng.data.loadIdx(write('head', enc(good.subarray(0, 9))))).to.throw(/truncated header/);
      expect(() => ng.data.loadIdx(write('tiny', enc(good.subarray(0, 2))))).to.throw(/too short/);
    }
    // a gzip stream cut short
    const gzCut = zlib.gzipSync(good).subarray(0, 20);
    expect(() => ng.data.loadIdx(write('cut.gz', gzCut))).to.throw(/gzip stream is truncated|truncated/);
  });

  it('refuses a header that declares more data than the file could hold, before allocating it', () => {
    // plain: 4 G elements declared in a 16-byte file
    const huge = Buffer.alloc(12);
    huge[2] = 0x08;
    huge[3] = 2;
    huge.writeUInt32BE(0xffffffff, 4);
    huge.writeUInt32BE(0xffffffff, 8);
    expect(() => ng.data.loadIdx(write('huge', huge))).to.throw(/more than 2147483647 elements \(MAX_TENSOR_ELEMENTS\)/);
    // gzip: 1 GB declared in a gzip file of a few dozen bytes
    const big = Buffer.alloc(8);
    big[2] = 0x08;
    big[3] = 1;
    big.writeUInt32BE(1e9, 4);
    expect(() => ng.data.loadIdx(write('big.gz', zlib.gzipSync(big)))).to.throw(/more than a gzip file of \d+ bytes can hold/);
    // a gzip "bomb" whose header is honest about a small size but whose stream goes on
    const bomb = zlib.gzipSync(Buffer.concat([idxBytes(0x08, [4], [1, 2, 3, 4]), Buffer.alloc(50e6)]));
    expect(() => ng.data.loadIdx(write('bomb.gz', bomb))).to.throw(/longer than the header declares/);
  });

  it('names a missing file and a directory', () => {
    expect(() => ng.data.loadIdx(path.join(dir, 'nope.idx'))).to.throw(/no such file: .*nope\.idx/);
    expect(() => ng.data.loadIdx(dir)).to.throw(/is a directory/);
    expect(() => ng.data.loadIdx(42 as unknown as string)).to.throw(/argument 'path'/);
  });

  it('parseIdx reads bytes in memory with the same checks', () => {
    expect(Array.from(ng.data.parseIdx(idxBytes(0x0b, [2], [-5, 5])).data)).to.deep.equal([-5, 5]);
    expect(() => ng.data.parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9]), 'mem')).to.throw(/mem: truncated/);
  });
});

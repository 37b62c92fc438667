/**
 * ng.save / ng.load (safetensors): bit-exact round trips, the byte layout, metadata, every rejection
 * of a malformed file, other dtypes, interoperability with an independent numpy reader/writer.
 * Crash safety (SIGKILL in the middle of ng.save) is in save_kill.slow.test.ts (npm run test:slow).
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as ng from '../../lib';
import { lcg } from '../helpers';

/** A safetensors file built by hand: 8-byte length, the header text as given, then data. */
function craft(header: string | object | Uint8Array, data: Uint8Array = new Uint8Array(0), lengthField?: bigint): Uint8Array {
  const h = header instanceof Uint8Array ? header : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(8 + h.length + data.length);
  out.writeBigUInt64LE(lengthField ?? BigInt(h.length), 0);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });
const bits = (t: ng.Tensor): number[] => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.size));

describe('io: ng.save / ng.load (safetensors)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-st-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string): string => path.join(dir, name);

  it('round-trips every tensor bit for bit: NaN payloads, ±Inf, −0, subnormals, 0-d and empty tensors', () => {
    const rnd = lcg(3);
    const special = new Uint32Array([0x7fc00000, 0x7f800001, 0xffc00123, 0x7f800000, 0xff800000, 0x80000000, 0x00000001, 0x807fffff, 0x3f800000]);
    const random = new Uint32Array(1000).map(() => Math.floor(rnd() * 2 ** 32));
    const sd: Record<string, ng.Tensor> = {
      special: new ng.Tensor(new Float32Array(special.buffer), [3, 3]),
      'layer.0.weight': new ng.Tensor(new Float32Array(random.buffer), [10, 10, 10]),
      scalar: ng.tensor(-0.0),
      empty: ng.zeros([0, 5]),
      'ünï cödé ✓': ng.tensor([1, 2, 3]),
    };
    ng.save(file('rt.safetensors'), sd);
    const back = ng.load(file('rt.safetensors'));
    expect(Object.keys(back).sort()).to.deep.equal(Object.keys(sd).sort());
    for (const [k, t] of Object.entries(sd)) {
      expect(back[k].shape, k).to.deep.equal(t.shape);
      expect(bits(back[k]), k).to.deep.equal(bits(t));
    }
  });

  it('saves a Module through stateDict() and loads into another with loadStateDict', () => {
    ng.manualSeed(1);
    const a = new ng.nn.Sequential(new ng.nn.Linear(4, 8), new ng.nn.BatchNorm1d(8), new ng.nn.ReLU(), new ng.nn.Linear(8, 3));
    ng.manualSeed(2);
    const b = new ng.nn.Sequential(new ng.nn.Linear(4, 8), new ng.nn.BatchNorm1d(8), new ng.nn.ReLU(), new ng.nn.Linear(8, 3));
    ng.save(file('model.safetensors'), a, { arch: '4-8-3' });
    b.loadStateDict(ng.load(file('model.safetensors')));
    const sa = a.stateDict(),
      sb = b.stateDict();
    for (const k of Object.keys(sa)) expect(bits(sb[k]), k).to.deep.equal(bits(sa[k]));
    expect(ng.loadMetadata(file('model.safetensors'))).to.deep.equal({ arch: '4-8-3' });
  });

  it('writes the published layout: LE header length, space padding to 8, sorted names, contiguous LE data', () => {
    const sd = { b: ng.tensor([1.5, -2]), a: ng.tensor([[3]]), '10': ng.tensor([4, 5, 6]) };
    ng.save(file('layout.safetensors'), sd, { note: 'x' });
    const bytes = fs.readFileSync(file('layout.safetensors'));
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).to.equal(0);
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    const json = text.trimEnd();
    expect(text.slice(json.length)).to.match(/^ *$/);
    expect(json).to.equal(
      '{"__metadata__":{"note":"x"},"10":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},' +
        '"a":{"dtype":"F32","shape":[1,1],"data_offsets":[12,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}',
    );
    const data = bytes.subarray(8 + n);
    expect(data.length).to.equal(24);
    expect([0, 1, 2, 3, 4, 5].map((i) => data.readFloatLE(4 * i))).to.deep.equal([4, 5, 6, 3, 1.5, -2]);
    // the order does not depend on how the record was built
    ng.save(file('layout2.safetensors'), { a: sd.a, '10': sd['10'], b: sd.b }, { note: 'x' });
    expect(fs.readFileSync(file('layout2.safetensors')).equals(bytes)).to.equal(true);
    expect(Buffer.from(ng.io.serialize(sd, { note: 'x' })).equals(bytes)).to.equal(true);
  });

  it('keeps metadata strings and offers them alone; rejects non-string metadata on save', () => {
    const meta = { state: JSON.stringify({ epoch: 3, lr: 0.01, rng: [1, 2] }), ünï: 'çödé', empty: '' };
    ng.save(file('meta.safetensors'), { w: ng.ones([2]) }, meta);
    const { tensors, metadata } = ng.loadWithMetadata(file('meta.safetensors'));
    expect(metadata).to.deep.equal(meta);
    expect(JSON.parse(metadata.state).epoch).to.equal(3);
    expect(Array.from(tensors.w.data)).to.deep.equal([1, 1]);
    expect(ng.loadMetadata(file('meta.safetensors'))).to.deep.equal(meta);
    ng.save(file('nometa.safetensors'), { w: ng.ones([2]) });
    expect(ng.loadWithMetadata(file('nometa.safetensors')).metadata).to.deep.equal({});
    expect(() => ng.save(file('m.safetensors'), { w: ng.ones([1]) }, { epoch: 3 as unknown as string })).to.throw(
      /metadata\['epoch'\].*string.*JSON\.stringify/,
    );
  });

  it('rejects bad arguments to save, naming them, and leaves no file behind', () => {
    expect(() => ng.save(file('x.safetensors'), { w: [1, 2] as unknown as ng.Tensor })).to.throw(/moduleOrStateDict\['w'\]' must be a Tensor/);
    const t = ng.ones([2]);
    t.dispose();
    expect(() => ng.save(file('x.safetensors'), { w: t })).to.throw(/disposed/);
    expect(() => ng.save(file('x.safetensors'), { __metadata__: ng.ones([1]) })).to.throw(/__metadata__/);
    expect(() => ng.save(file('x.safetensors'), null as unknown as Record<string, ng.Tensor>)).to.throw(/moduleOrStateDict/);
    expect(() => ng.save('', {})).to.throw(/argument 'path'/);
    expect(() => ng.save(path.join(dir, 'no', 'such', 'dir', 'x.safetensors'), { w: ng.ones([1]) })).to.throw(/directory .* does not exist/);
    expect(() => ng.save(dir, { w: ng.ones([1]) })).to.throw(/is a directory/);
    expect(fs.existsSync(file('x.safetensors'))).to.equal(false);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('replaces an existing file atomically, keeping its permission bits', () => {
    const p = file('replace.safetensors');
    ng.save(p, { w: ng.ones([3]) });
    fs.chmodSync(p, 0o600);
    ng.save(p, { w: ng.full([3], 2) });
    expect(Array.from(ng.load(p).w.data)).to.deep.equal([2, 2, 2]);
    expect(fs.statSync(p).mode & 0o777).to.equal(0o600);
  });

  describe('rejects malformed files with an Error naming the file and the rule', () => {
    const good = { w: f32([2], 0, 8) };
    const data8 = new Uint8Array(8);
    const cases: [string, Uint8Array, RegExp][] = [
      ['a file shorter than 8 bytes', new Uint8Array(5), /too short: 5 bytes/],
      ['a header length beyond the file', craft(good, data8, 1000n), /header length 1000 is larger than the rest of the file/],
      ['a header length above 100 MB', craft(good, data8, 200_000_000n), /exceeds the limit of 100000000 bytes/],
      ['a header length of 2^64 − 1', craft(good, data8, 2n ** 64n - 1n), /exceeds the limit/],
      ['a header that is not UTF-8', craft(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), data8), /the header is not valid UTF-8/],
      ['NUL padding', craft(JSON.stringify(good) + '\0\0\0', data8), /NUL bytes .* spaces/],
      ['a header that is not JSON', craft('{"w": {', data8), /not valid JSON/],
      ['a JSON array', craft('[1, 2]', data8), /JSON object starting with '\{'/],
      ['JSON null', craft('null', data8), /JSON object/],
      ['an entry that is not an object', craft({ w: 5 }, data8), /tensor "w": its entry must be an object/],
      ['a missing dtype', craft({ w: { shape: [2], data_offsets: [0, 8] } }, data8), /tensor "w": missing field 'dtype'/],
      ['a missing shape', craft({ w: { dtype: 'F32', data_offsets: [0, 8] } }, data8), /missing field 'shape'/],
      ['missing data_offsets', craft({ w: { dtype: 'F32', shape: [2] } }, data8), /missing field 'data_offsets'/],
      ['an extra field', craft({ w: { ...good.w, strides: [1] } }, data8), /unexpected field "strides"/],
      ['an unknown dtype', craft({ w: { ...good.w, dtype: 'F8_E4M3' } }, data8), /unsupported dtype "F8_E4M3"/],
      ['a numeric dtype', craft({ w: { ...good.w, dtype: 4 } }, data8), /unsupported dtype 4/],
      ['a fractional dimension', craft({ w: f32([2.5], 0, 8) }, data8), /dimension 0 is 2.5/],
      ['a negative dimension', craft({ w: f32([-2], 0, 8) }, data8), /dimension 0 is -2/],
      ['a string dimension', craft({ w: f32(['2'] as unknown as number[], 0, 8) }, data8), /dimension 0 is "2"/],
      ['a shape that is not an array', craft({ w: { ...good.w, shape: 2 } }, data8), /'shape' must be an array/],
      ['an element count that overflows', craft({ w: f32([2 ** 40, 2 ** 40, 2 ** 40], 0, 8) }, data8), /more than 2147483647 elements/],
      ['a rank above the limit', craft({ w: f32(new Array(40).fill(1), 0, 4) }, new Uint8Array(4)), /rank 40 exceeds the limit of 32/],
      ['offsets not a pair', craft({ w: { ...good.w, data_offsets: [0] } }, data8), /'data_offsets' must be \[begin, end\]/],
      ['negative offsets', craft({ w: f32([2], -8, 0) }, data8), /two non-negative integers/],
      ['offsets that end before they begin', craft({ w: f32([0], 8, 0) }, data8), /end before they begin/],
      ['a byte range that does not match the shape', craft({ w: f32([3], 0, 8) }, data8), /span 8 bytes, but shape \[3\] of F32 needs 12/],
      ['offsets past the end of the data', craft({ w: f32([4], 0, 16) }, data8), /run past the end of the data section \(8 bytes\)/],
      ['overlapping tensors', craft({ a: f32([2], 0, 8), b: f32([1], 4, 8) }, data8), /tensors "a" \[0, 8\] and "b" \[4, 8\] overlap/],
      ['a gap between tensors', craft({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, new Uint8Array(12)), /bytes \[4, 8\) .* belong to no tensor/],
      ['trailing bytes', craft(good, new Uint8Array(12)), /4 trailing bytes after the last tensor's data/],
      [
        'duplicate names',
        craft('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data8),
        /key "w" twice/,
      ],
      [
        'duplicate names spelled with escapes',
        craft('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"\\u0077":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}', data8),
        /key "w" twice/,
      ],
      ['a duplicate field inside an entry', craft('{"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data8), /key "dtype" twice in "w"/],
      [
        'duplicate metadata keys',
        craft('{"__metadata__":{"a":"1","a":"2"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data8),
        /key "a" twice in "__metadata__"/,
      ],
      ['metadata that is not an object', craft({ __metadata__: 'x', ...good }, data8), /'__metadata__' must be an object of strings/],
      ['a metadata value that is not a string', craft({ __metadata__: { epoch: 3 }, ...good }, data8), /'__metadata__' value "epoch" must be a string/],
    ];
    for (const [what, bytes, re] of cases) {
      it(what, () => {
        expect(() => ng.io.deserialize(bytes, 'case.safetensors')).to.throw(Error, new RegExp(`case\\.safetensors: .*${re.source}`));
      });
    }
    it('the same checks apply to files; the error names the path', () => {
      const p = file('bad.safetensors');
      fs.writeFileSync(p, craft({ w: f32([3], 0, 8) }, data8));
      expect(() => ng.load(p)).to.throw(Error, /^ng\.load: .*bad\.safetensors: tensor "w": data_offsets \[0, 8\] span 8 bytes/);
      expect(() => ng.loadMetadata(p)).to.throw(/bad\.safetensors/);
      expect(() => ng.load(file('missing.safetensors'))).to.throw(/no such file: .*missing\.safetensors/);
      expect(() => ng.load(dir)).to.throw(/is a directory/);
      // a file truncated in its data section
      ng.save(p, { w: ng.ones([100]) });
      fs.truncateSync(p, fs.statSync(p).size - 10);
      expect(() => ng.load(p)).to.throw(/run past the end of the data section/);
    });
    it('a well-formed file with an empty header and no tensors loads as nothing', () => {
      expect(ng.io.deserialize(craft('{}      ')).tensors).to.deep.equal({});
      expect(Object.keys(ng.io.deserialize(craft({ w: f32([0], 0, 0) })).tensors)).to.deep.equal(['w']);
    });
  });

  it('converts the other dtypes PyTorch writes to float32', () => {
    const buf = Buffer.alloc(64);
    let o = 0;
    const header: Record<string, unknown> = {};
    const add = (name: string, dtype: string, shape: number[], write: (b: Buffer, o: number) => number) => {
      const begin = o;
      o = write(buf, o);
      header[name] = { dtype, shape, data_offsets: [begin, o] };
    };
    add('f64', 'F64', [2], (b, p) => b.writeDoubleLE(Math.PI, b.writeDoubleLE(-0.1, p)));
    add('f16', 'F16', [3], (b, p) => b.writeUInt16LE(0x0001, b.writeUInt16LE(0xfc00, b.writeUInt16LE(0x3c00 | 0x200, p)))); // 1.5, -Inf, 2^-24
    add('bf16', 'BF16', [1], (b, p) => b.writeUInt16LE(0x4049, p)); // 3.140625
    add('i64', 'I64', [1], (b, p) => b.writeBigInt64LE(-12345678901n, p));
    add('i32', 'I32', [2], (b, p) => b.writeInt32LE(2 ** 31 - 1, b.writeInt32LE(-7, p)));
    add('u8', 'U8', [2], (b, p) => b.writeUInt8(255, b.writeUInt8(3, p)));
    add('bool', 'BOOL', [2], (b, p) => b.writeUInt8(1, b.writeUInt8(0, p)));
    add('i8', 'I8', [1], (b, p) => b.writeInt8(-128, p));
    add('i16', 'I16', [1], (b, p) => b.writeInt16LE(-300, p));
    const t = ng.io.deserialize(craft(header, buf.subarray(0, o))).tensors;
    const v = (k: string) => Array.from(t[k].data);
    expect(v('f64')).to.deep.equal([Math.fround(-0.1), Math.fround(Math.PI)]);
    expect(v('f16')).to.deep.equal([1.5, -Infinity, 2 ** -24]);
    expect(v('bf16')).to.deep.equal([3.140625]);
    expect(v('i64')).to.deep.equal([Math.fround(-12345678901)]);
    expect(v('i32')).to.deep.equal([-7, 2 ** 31]);
    expect(v('u8')).to.deep.equal([3, 255]);
    expect(v('bool')).to.deep.equal([0, 1]);
    expect(v('i8')).to.deep.equal([-128]);
    expect(v('i16')).to.deep.equal([-300]);
  });

  it('interoperates with an independent numpy reader and writer of the published layout', function () {
    const py = '/usr/bin/python3';
    if (!fs.existsSync(py) || spawnSync(py, ['-c', 'import numpy']).status !== 0) {
      console.log('      (skipped: /usr/bin/python3 with numpy is not available)');
      this.skip();
    }
    const script = `
import json, struct, sys
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
raw = open(src, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
assert (8 + n) % 8 == 0 and raw[8:8 + n].rstrip(b' ').endswith(b'}') and b'\\0' not in raw[8:8 + n]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
out = {}
for name, e in header.items():
    if name == '__metadata__':
        continue
    b, e2 = e['data_offsets']
    out[name] = np.frombuffer(data[b:e2], dtype='<f4').reshape(e['shape'])
print(json.dumps({k: [float(x) for x in v.ravel()] for k, v in out.items()} | {'__meta__': header.get('__metadata__', {})}))
# write a file of our own: w doubled, in float32 and float64
tensors = {'w2': (out['w'] * 2).astype('<f4'), 'w64': out['w'].astype('<f8')}
hdr, off, blobs = {'__metadata__': {'from': 'numpy'}}, 0, []
for k in sorted(tensors):
    a = tensors[k]
    hdr[k] = {'dtype': 'F32' if a.dtype == np.float32 else 'F64', 'shape': list(a.shape), 'data_offsets': [off, off + a.nbytes]}
    off += a.nbytes
    blobs.append(a.tobytes())
h = json.dumps(hdr).encode()
h += b' ' * (-len(h) % 8)
open(dst, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
`;
    const w = ng.tensor([
      [1.5, -2.25, 3e-8],
      [1e30, -0, 7],
    ]);
    ng.save(file('np.safetensors'), { w, b: ng.tensor([0.125]) }, { who: 'nativegrad' });
    const r = spawnSync(py, ['-c', script, file('np.safetensors'), file('from-numpy.safetensors')], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const seen = JSON.parse(r.stdout);
    expect(seen.w).to.deep.equal(Array.from(w.data));
    expect(seen.b).to.deep.equal([0.125]);
    expect(seen.__meta__).to.deep.equal({ who: 'nativegrad' });
    const { tensors, metadata } = ng.loadWithMetadata(file('from-numpy.safetensors'));
    expect(metadata).to.deep.equal({ from: 'numpy' });
    expect(tensors.w2.shape).to.deep.equal([2, 3]);
    expect(Array.from(tensors.w2.data)).to.deep.equal(Array.from(w.data, (v) => Math.fround(2 * v)));
    expect(Array.from(tensors.w64.data)).to.deep.equal(Array.from(w.data));
  });
});

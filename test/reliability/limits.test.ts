/**
 * Limits (issue 8, item 7): the largest tensor (MAX_TENSOR_ELEMENTS, MAX_RANK), the largest
 * checkpoint header (MAX_HEADER_BYTES, MAX_HEADER_DEPTH, MAX_HEADER_ITEMS) and the deepest nesting
 * of ng.tensor() input are enforced everywhere a request can come from — creators, op outputs,
 * reshape, files — with an Error that names the limit, raised before anything is allocated (each
 * refusal returns in well under a second and leaves RSS where it was). test/errors.test.ts has the
 * basic cases; docs/reliability.md lists every limit.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ng from '../../lib';

/**
 * Runs `call`, expects an Error naming `limit`, refused before any large allocation: RSS grows by
 * less than 200 MB (`building`: the call legitimately builds what it then measures, as save does
 * with the header it was given). Memory, not time, is the measure: the suite runs on loaded machines.
 */
function refused(what: string, call: () => unknown, limit: string | RegExp, building = false): void {
  const rss0 = process.memoryUsage.rss();
  let caught: unknown;
  try {
    call();
  } catch (e) {
    caught = e;
  }
  expect(caught, `${what}: did not throw`).to.be.instanceOf(Error);
  const msg = (caught as Error).message;
  if (typeof limit === 'string') expect(msg, what).to.include(limit);
  else expect(msg, what).to.match(limit);
  if (building) return;
  expect((process.memoryUsage.rss() - rss0) / 2 ** 20, `${what}: RSS grew`).to.be.below(200);
}

/** A safetensors file image with this header text (padded with spaces) and no data. */
function fileWithHeader(header: string): Uint8Array {
  const h = Buffer.from(header + ' '.repeat((8 - ((8 + Buffer.byteLength(header)) % 8)) % 8));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h]);
}

describe('reliability: limits are enforced with Errors that name them', function () {
  this.timeout(30000);

  it('the constants', () => {
    expect(ng.MAX_TENSOR_ELEMENTS).to.equal(2 ** 31 - 1);
    expect(ng.MAX_RANK).to.equal(32);
    expect(ng.io.MAX_HEADER_BYTES).to.equal(100_000_000);
    expect(ng.io.MAX_HEADER_DEPTH).to.equal(16);
    expect(ng.io.MAX_HEADER_ITEMS).to.equal(2 ** 21);
  });

  it('largest tensor: every creator, op output, reshape and file refuses more than MAX_TENSOR_ELEMENTS before allocating', () => {
    const big = [2 ** 16, 2 ** 15 + 1]; // 2^31 + 2^16 elements
    const cases: [string, () => unknown][] = [
      ['ng.zeros', () => ng.zeros(big)],
      ['ng.ones', () => ng.ones(big)],
      ['ng.full', () => ng.full(big, 1)],
      ['ng.rand', () => ng.rand(big)],
      ['ng.randn', () => ng.randn(big)],
      ['ng.arange', () => ng.arange(2 ** 31)],
      ['ng.tensor with a shape', () => ng.tensor([1], big)],
      ['ng.add broadcasting to 2^32', () => ng.add(ng.zeros([65536, 1]), ng.zeros([1, 65536]))],
      ['ng.mul broadcasting to 2^32', () => ng.mul(ng.zeros([65536, 1, 1]), ng.zeros([1, 256, 256]))],
      ['ng.matmul with a 2^32 output', () => ng.matmul(ng.zeros([65536, 1]), ng.zeros([1, 65536]))],
      ['nn.functional.linear with a 2^32 output', () => ng.nn.functional.linear(ng.zeros([65536, 1]), ng.zeros([65536, 1]))],
      [
        'reshape of an empty tensor to a huge empty shape',
        () =>
          ng
            .zeros([0])
            .reshape([2 ** 31, 2, 0])
            .reshape([2 ** 31, 2]),
      ],
    ];
    for (const [what, call] of cases) refused(what, call, 'MAX_TENSOR_ELEMENTS');
    // a file that claims such a tensor (its data section is empty)
    const header = JSON.stringify({ w: { dtype: 'F32', shape: big, data_offsets: [0, 0] } });
    refused('ng.io.deserialize of a 2^31-element tensor', () => ng.io.deserialize(fileWithHeader(header), 'big.safetensors'), 'MAX_TENSOR_ELEMENTS');
  });

  it('largest rank: MAX_RANK from creators, reshape, typed-array input and files', () => {
    const deep = new Array<number>(33).fill(1);
    refused('ng.ones of rank 33', () => ng.ones(deep), 'limit is 32');
    refused('reshape to rank 33', () => ng.ones([1]).reshape(deep), 'limit is 32');
    refused('ng.tensor(Float32Array) of rank 33', () => ng.tensor(new Float32Array(1), deep), 'limit is 32');
    const header = JSON.stringify({ w: { dtype: 'F32', shape: deep, data_offsets: [0, 4] } });
    const file = Buffer.concat([fileWithHeader(header), Buffer.alloc(4)]);
    refused('a file with a rank-33 tensor', () => ng.io.deserialize(file, 'rank.safetensors'), 'MAX_RANK');
    expect(ng.ones(new Array<number>(32).fill(1)).ndim, 'rank 32 is fine').to.equal(32);
  });

  it('deepest nesting in ng.tensor(): 32 levels load; 33, a million and a cycle are refused naming MAX_RANK, without a stack overflow', () => {
    const nest = (depth: number): unknown => {
      let v: unknown = 1.5;
      for (let i = 0; i < depth; i++) v = [v];
      return v;
    };
    const t = ng.tensor(nest(32) as number[]);
    expect(t.shape).to.deep.equal(new Array(32).fill(1));
    expect(t.item()).to.equal(1.5);
    refused('33 levels', () => ng.tensor(nest(33) as number[]), 'MAX_RANK');
    refused('1,000,000 levels', () => ng.tensor(nest(1_000_000) as number[]), 'MAX_RANK');
    const cycle: unknown[] = [];
    cycle.push(cycle);
    refused('a cyclic array', () => ng.tensor(cycle as number[]), 'MAX_RANK');
    // deep nesting hidden after the first element is ragged input, caught while copying
    refused('deep nesting in a later element', () => ng.tensor([[1], nest(100_000)] as number[][]), "'values[1][0]'");
  });

  it('largest header: MAX_HEADER_BYTES on load and on save', () => {
    const len = Buffer.alloc(16);
    len.writeBigUInt64LE(100_000_008n);
    refused('a header length above 100 MB', () => ng.io.deserialize(len, 'h.safetensors'), 'MAX_HEADER_BYTES');
    refused('save with 100 MB of metadata', () => ng.io.serialize({ w: ng.ones([1]) }, { big: 'x'.repeat(100_000_000) }), 'MAX_HEADER_BYTES', true);
  });

  it('header nesting: deeper than MAX_HEADER_DEPTH is refused before JSON.parse (40 million levels in 80 MB: fast, no memory)', () => {
    refused('17 levels', () => ng.io.deserialize(fileWithHeader(`{"w":${'['.repeat(16)}${']'.repeat(16)}}`), 'd.safetensors'), 'MAX_HEADER_DEPTH');
    const deep = 40_000_000;
    const bytes = fileWithHeader(`{"w":${'['.repeat(deep)}${']'.repeat(deep)}}`);
    refused('40 million levels', () => ng.io.deserialize(bytes, 'd.safetensors'), 'MAX_HEADER_DEPTH');
    // brackets inside strings are text, not nesting
    const name = '['.repeat(100);
    const ok = ng.io.serialize({ [name]: ng.ones([2]) }, { note: '{'.repeat(100) });
    expect(Object.keys(ng.io.deserialize(ok, 'ok.safetensors').tensors)).to.deep.equal([name]);
  });

  it('header size in items: more than MAX_HEADER_ITEMS keys/values/containers is refused before JSON.parse (save refuses to write such a header too)', () => {
    const keys = ng.io.MAX_HEADER_ITEMS / 2 + 1; // each key brings a ':' and a ','
    const parts: string[] = new Array(keys);
    for (let i = 0; i < keys; i++) parts[i] = `"${i.toString(36)}":""`;
    const header = `{"__metadata__":{${parts.join(',')}}}`;
    refused('a million metadata keys', () => ng.io.deserialize(fileWithHeader(header), 'm.safetensors'), 'MAX_HEADER_ITEMS');
    refused('two million empty objects', () => ng.io.deserialize(fileWithHeader(`{"w":[${'{},'.repeat(2 ** 21)}{}]}`), 'o.safetensors'), 'MAX_HEADER_ITEMS');
  });

  it('a Trainer checkpoint whose JSON state nests deeper than its bound is refused before JSON.parse', () => {
    const model = new ng.nn.Linear(2, 2);
    const trainer = new ng.Trainer({ model, loss: new ng.nn.MSELoss(), optimizer: new ng.optim.SGD(model.parameters(), { lr: 0.1 }) });
    const state = `{"epoch":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
    const bytes = ng.io.serialize({}, { format: 'nativegrad-trainer-checkpoint', version: '1', state });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ng-limits-')), 'deep.ckpt');
    fs.writeFileSync(file, bytes);
    try {
      refused('a deeply nested checkpoint state', () => trainer.loadCheckpoint(file), 'MAX_HEADER_ITEMS');
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});

/**
 * Embedders (issue 8, item 9). Electron ≥ 21 runs V8 with the memory cage, where Node-API refuses
 * to wrap memory allocated elsewhere (napi_create_external_arraybuffer / _buffer return
 * napi_no_external_buffers_allowed). nativegrad never creates such buffers: every tensor's bytes
 * are an ordinary V8 ArrayBuffer (new Float32Array, or Buffer.allocUnsafeSlow for outputs that a
 * kernel overwrites), and the addon only borrows pointers into them for the length of a call. So
 * there is no fallback path to force — the proof is that no external-buffer API appears in the
 * native sources (a scan, with a positive control showing that the scan does find them), and that
 * tensor buffers behave as V8-owned memory at run time: structured-cloned, transferred (to
 * structuredClone and to a worker thread), and detached by dispose().
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as ng from '../../lib';
import { repoRoot } from '../helpers';

/** The source without comments and string literals (so neither can hide or fake a call). */
function code(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
}

/** Top-level argument count of the call whose '(' is at `open`. */
function argCount(src: string, open: number): number {
  let depth = 0;
  let args = 1;
  let empty = true;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '(' || c === '{' || c === '[' || c === '<') depth++;
    else if (c === ')' || c === '}' || c === ']' || c === '>') {
      depth--;
      if (depth === 0) return empty ? 0 : args;
    } else if (c === ',' && depth === 1) args++;
    else if (depth === 1 && !/\s/.test(c)) empty = false;
  }
  return args;
}

/** Every use of an API that wraps memory V8 did not allocate, as "file:line: what". */
export function externalBufferUses(files: { name: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const { name, text } of files) {
    const src = code(text);
    const line = (at: number): number => src.slice(0, at).split('\n').length;
    for (const m of src.matchAll(/\b(napi_create_external_arraybuffer|napi_create_external_buffer|NewBackingStore|node::Buffer::New)\b/g))
      found.push(`${name}:${line(m.index!)}: ${m[1]}`);
    // Napi::ArrayBuffer::New(env, data, length[, finalizer…]) and Napi::Buffer<T>::New(env, data, length[, …])
    // wrap external memory; the two-argument forms (env, length) allocate in V8 and are fine.
    for (const m of src.matchAll(/\b(ArrayBuffer|Buffer\s*(?:<[^>]*>)?)\s*::\s*New\s*\(/g)) {
      const n = argCount(src, m.index! + m[0].length - 1);
      if (n >= 3) found.push(`${name}:${line(m.index!)}: ${m[1].replace(/\s+/g, '')}::New with ${n} arguments (external memory)`);
    }
  }
  return found;
}

function nativeSources(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(cc|h|c|cpp|hpp)$/.test(e.name)) out.push({ name: path.relative(repoRoot, p), text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(path.join(repoRoot, 'native'));
  return out;
}

describe('reliability: embedders (Electron forbids external ArrayBuffers; tensors never use them)', function () {
  this.timeout(20000);

  it('the scan finds external-buffer APIs when they are there (positive control)', () => {
    const planted = [
      'napi_value v; napi_create_external_arraybuffer(env, p, n, fin, nullptr, &v);',
      'napi_create_external_buffer(env, n, p, fin, nullptr, &v);',
      'auto ab = Napi::ArrayBuffer::New(env, data, bytes, [](Napi::Env, void* d) { free(d); });',
      'auto b = Napi::Buffer<float>::New(env, ptr, count);',
      'auto bs = v8::ArrayBuffer::NewBackingStore(p, n, deleter, nullptr);',
    ];
    for (const snippet of planted) expect(externalBufferUses([{ name: 'planted.cc', text: snippet }]), snippet).to.have.length(1);
    const fine = [
      'auto ab = Napi::ArrayBuffer::New(env, bytes);  // V8 allocates',
      'auto b = Napi::Buffer<uint8_t>::Copy(env, p, n);',
      '// napi_create_external_arraybuffer is not used',
      'const char* s = "Napi::ArrayBuffer::New(env, p, n)";',
      'auto out = Napi::Uint32Array::New(info.Env(), 8);',
    ];
    for (const snippet of fine) expect(externalBufferUses([{ name: 'fine.cc', text: snippet }]), snippet).to.deep.equal([]);
  });

  it('no file under native/ creates an external ArrayBuffer or Buffer', () => {
    const files = nativeSources();
    expect(files.length, 'native sources found').to.be.above(20);
    expect(externalBufferUses(files), 'external-buffer APIs in native/ (Electron >= 21 rejects them)').to.deep.equal([]);
  });

  it('tensor buffers are V8 ArrayBuffers: structured-cloned, transferred, detached by dispose()', () => {
    ng.manualSeed(3);
    const sources: [string, ng.Tensor][] = [
      ['ng.zeros (zero-filled allocation)', ng.full([4, 3], 2.5)],
      ['an op output (uninitialised allocation)', ng.matmul(ng.randn([16, 8]), ng.randn([8, 16]))],
      ['ng.load output', ng.io.deserialize(ng.io.serialize({ w: ng.randn([64, 4]) })).tensors.w],
      ['a DataLoader batch', [...new ng.data.DataLoader(new ng.data.TensorDataset(ng.randn([256, 4]), new Int32Array(256)), { batchSize: 128 })][0].x],
    ];
    for (const [what, t] of sources) {
      const buf = t.data.buffer as ArrayBuffer;
      expect(buf, what).to.be.instanceOf(ArrayBuffer);
      expect(buf.byteLength, `${what}: the buffer is the tensor's own`).to.equal(t.size * 4);
      const values = Array.from(t.data);
      // a copy
      const copy = structuredClone(t.data);
      expect(Array.from(copy), what).to.deep.equal(values);
      // a transfer moves the memory and detaches the tensor's view
      const moved = structuredClone(t.data, { transfer: [buf] });
      expect(Array.from(moved), what).to.deep.equal(values);
      expect(buf.byteLength, `${what}: detached by the transfer`).to.equal(0);
    }
    const d = ng.ones([1024]);
    const ab = d.data.buffer;
    d.dispose();
    expect(ab.byteLength, 'dispose() detaches the V8 buffer').to.equal(0);
  });

  it('a tensor buffer transferred to a worker thread arrives whole, and a tensor built from it computes there', async () => {
    const t = ng.arange(1000).reshape([10, 100]);
    const expected = Array.from(ng.sum(t, 1).data);
    const lib = path.join(repoRoot, 'dist', 'lib', 'index.js');
    const worker = new Worker(
      `const { parentPort } = require('worker_threads');
       const ng = require(${JSON.stringify(lib)});
       parentPort.once('message', (data) => {
         const t = new ng.Tensor(data, [10, 100]);
         const s = ng.sum(t, 1);
         parentPort.postMessage(s.data, [s.data.buffer]);
       });`,
      { eval: true },
    );
    try {
      const reply = new Promise<Float32Array>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage(t.data, [t.data.buffer as ArrayBuffer]);
      expect(t.data.length, 'the sender gave its buffer away').to.equal(0);
      expect(Array.from(await reply)).to.deep.equal(expected);
    } finally {
      await worker.terminate();
    }
  });
});

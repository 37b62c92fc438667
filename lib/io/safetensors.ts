/**
 * Checkpoints in the safetensors format (https://github.com/huggingface/safetensors), readable by
 * PyTorch's `safetensors.torch.load_file` and numpy:
 *
 *   [8 bytes]  N, the header's length in bytes, unsigned little-endian
 *   [N bytes]  a UTF-8 JSON object: { "__metadata__": { str: str }?,
 *                name: { "dtype": "F32", "shape": [d0, …], "data_offsets": [begin, end] }, … }
 *              padded with spaces so that 8 + N is a multiple of 8
 *   [rest]     the tensors' bytes, little-endian, row-major; offsets count from the end of the header
 *
 * `save` writes float32 (`F32`) tensors, sorted by name (so a state dict always gives the same
 * bytes), `__metadata__` first, atomically (io/atomic.ts: temporary file, fsync, rename, directory
 * fsync). `load` checks everything before it allocates: the header length against the file size and
 * MAX_HEADER_BYTES (100 MB, the reference implementation's limit); strict UTF-8; before JSON.parse, at
 * most MAX_HEADER_DEPTH levels of nesting and MAX_HEADER_ITEMS keys/values (JSON.parse of millions
 * of tiny items costs seconds to minutes and gigabytes, far more than the text); a JSON object with no
 * duplicate key (JSON.parse would silently keep the last); per tensor exactly the fields dtype, shape
 * and data_offsets, a known dtype, non-negative integer dimensions (rank ≤ MAX_RANK, at most
 * MAX_TENSOR_ELEMENTS elements), `end − begin` = elements × the dtype's size; and across tensors,
 * byte ranges that are in range, do not overlap and cover the data section exactly (no gap, no
 * trailing bytes). `__metadata__` must map strings to strings. Any violation is an Error naming the
 * file, the tensor and the rule. Memory: each tensor is read straight into its own buffer after
 * these checks, so a file never makes the loader allocate more than the sizes it has proven to
 * hold (×4/itemsize for narrower dtypes, which are widened to float32).
 *
 * Dtypes on load: F32 bit-exact (NaN payloads, −0 and ±Inf included); F64, F16, BF16, I64, U64, I32,
 * U32, I16, U16, I8, U8 and BOOL are converted to float32 (rounded to nearest: integers beyond
 * 2^24 and F64 values lose precision), so files from PyTorch in other dtypes load too. Other dtypes
 * (F8_*, complex, …) are refused. nativegrad tensors are float32, so `save` always writes F32.
 *
 * Metadata values are strings, as the format requires; store other JSON-able state with
 * JSON.stringify (the Trainer's checkpoints do: optimizer/scheduler/epoch/RNG state as a JSON string,
 * optimizer state tensors as entries named like `optimizer.state.0.exp_avg`).
 */
import * as fs from 'fs';
import * as os from 'os';
import { Tensor, checkTensor, allocateUninit } from '../tensor';
import { argError, shapeStr } from '../errors';
import { MAX_RANK, MAX_TENSOR_ELEMENTS } from '../shape';
import { writeAll, writeFileAtomic } from './atomic';
import { findDuplicateKey, jsonSizeProblem } from './json_keys';
import { native as k } from '../native';

/** The largest header accepted (and written): 100,000,000 bytes, as the reference implementation. */
export const MAX_HEADER_BYTES = 100_000_000;
/** The deepest nesting accepted in a header (a valid one has 3: the header, an entry, its shape). */
export const MAX_HEADER_DEPTH = 16;
/**
 * The most JSON items (keys, values, containers) accepted in a header: 2^21, about 150,000 tensors.
 * Checked before JSON.parse, whose cost for millions of tiny items is far above the text's size.
 */
export const MAX_HEADER_ITEMS = 2 ** 21;

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Bytes per element of each dtype that load accepts. */
const DTYPE_BYTES: Record<string, number> = {
  F32: 4,
  F64: 8,
  F16: 2,
  BF16: 2,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** A module (anything with stateDict()) or a record of named tensors. */
export type StateDictSource = Record<string, Tensor> | { stateDict(): Record<string, Tensor> };

/** Tensors and metadata as read from a file. */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// writing

function stateDictOf(fn: string, source: unknown): [string, Tensor][] {
  if (source === null || typeof source !== 'object' || source instanceof Tensor)
    throw argError(fn, 'moduleOrStateDict', 'a Module (anything with stateDict()) or a Record<string, Tensor>', source);
  const sd = typeof (source as { stateDict?: unknown }).stateDict === 'function' ? (source as { stateDict(): unknown }).stateDict() : source;
  if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) throw argError(fn, 'stateDict()', 'a Record<string, Tensor>', sd);
  const entries = Object.entries(sd as Record<string, unknown>);
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw argError(fn, 'moduleOrStateDict', "free of the reserved name '__metadata__'");
    if (!(t instanceof Tensor)) throw argError(fn, `moduleOrStateDict['${name}']`, 'a Tensor', t);
    checkTensor(fn, `moduleOrStateDict['${name}']`, t);
  }
  // a canonical order, independent of how the record was built (code-unit order, like Python's sort)
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) as [string, Tensor][];
}

function checkMetadata(fn: string, metadata: unknown): Record<string, string> | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw argError(fn, 'metadata', 'a Record<string, string>', metadata);
  for (const [key, v] of Object.entries(metadata))
    if (typeof v !== 'string') throw argError(fn, `metadata['${key}']`, 'a string (the format stores only strings; JSON.stringify other values)', v);
  return metadata as Record<string, string>;
}

/** The header bytes (length prefix included, padded with spaces) for these tensors. */
function encodeHeader(fn: string, entries: [string, Tensor][], metadata: Record<string, string> | undefined): { header: Buffer; dataBytes: number } {
  const parts: string[] = [];
  if (metadata && Object.keys(metadata).length > 0) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.size * 4;
    parts.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const text = `{${parts.join(',')}}`;
  const json = Buffer.from(text, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > MAX_HEADER_BYTES) throw new Error(`${fn}: the header would take ${padded} bytes; the format's limit is ${MAX_HEADER_BYTES} (MAX_HEADER_BYTES)`);
  if (jsonSizeProblem(text, MAX_HEADER_DEPTH, MAX_HEADER_ITEMS))
    // what load would refuse (only many tensors or metadata keys get here)
    throw new Error(
      `${fn}: the header would hold more than ${MAX_HEADER_ITEMS} JSON items (MAX_HEADER_ITEMS: keys, values and containers, enough for ~150,000 tensors)`,
    );
  const header = Buffer.alloc(8 + padded, 0x20);
  header.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(header, 8);
  return { header, dataBytes: offset };
}

/** A tensor's bytes, little-endian. */
function tensorBytes(t: Tensor): Uint8Array {
  const d = t.data;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  const out = new Uint8Array(d.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < d.length; i++) dv.setFloat32(4 * i, d[i], true);
  return out;
}

/**
 * Writes a module's state dict (or a record of tensors) and optional string metadata to `path` as
 * safetensors, atomically: a crash leaves the previous file or the new one, never a partial file.
 */
export function save(path: string, moduleOrStateDict: StateDictSource, metadata?: Record<string, string>): void {
  const fn = 'ng.save';
  if (typeof path !== 'string' || path.length === 0) throw argError(fn, 'path', 'a non-empty string (a file path)', path);
  const entries = stateDictOf(fn, moduleOrStateDict);
  const meta = checkMetadata(fn, metadata);
  const { header } = encodeHeader(fn, entries, meta);
  writeFileAtomic(fn, path, (fd) => {
    writeAll(fd, header);
    for (const [, t] of entries) writeAll(fd, tensorBytes(t));
  });
}

/** The bytes `save` would write (for sending elsewhere, or tests). */
export function serialize(moduleOrStateDict: StateDictSource, metadata?: Record<string, string>): Uint8Array {
  const fn = 'ng.io.serialize';
  const entries = stateDictOf(fn, moduleOrStateDict);
  const { header, dataBytes } = encodeHeader(fn, entries, checkMetadata(fn, metadata));
  const out = new Uint8Array(header.length + dataBytes);
  out.set(header, 0);
  let at = header.length;
  for (const [, t] of entries) {
    out.set(tensorBytes(t), at);
    at += t.size * 4;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// reading

/** Random access to the bytes being loaded: an open file, or a buffer. */
interface Source {
  size: number;
  /** fills `dst` from `position`, or throws when the source ends first */
  read(dst: Uint8Array, position: number): void;
}

function fileSource(fail: (msg: string) => Error, fd: number): Source {
  return {
    size: fs.fstatSync(fd).size,
    read(dst, position) {
      let got = 0;
      while (got < dst.length) {
        const n = fs.readSync(fd, dst, got, dst.length - got, position + got);
        if (n === 0) throw fail(`the file ended at byte ${position + got} while reading (was it truncated while loading?)`);
        got += n;
      }
    },
  };
}

function bytesSource(bytes: Uint8Array): Source {
  return {
    size: bytes.length,
    read(dst, position) {
      dst.set(bytes.subarray(position, position + dst.length));
    },
  };
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  count: number;
  begin: number;
  end: number;
}

const ENTRY_FIELDS = ['dtype', 'shape', 'data_offsets'];

function parseEntry(fail: (msg: string) => Error, name: string, v: unknown, dataBytes: number): Entry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail(`${where}: its entry must be an object { dtype, shape, data_offsets }`);
  const e = v as Record<string, unknown>;
  for (const f of ENTRY_FIELDS) if (!Object.prototype.hasOwnProperty.call(e, f)) throw fail(`${where}: missing field '${f}'`);
  for (const f of Object.keys(e))
    if (!ENTRY_FIELDS.includes(f)) throw fail(`${where}: unexpected field ${JSON.stringify(f)} (allowed: dtype, shape, data_offsets)`);
  const dtype = e.dtype;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES))
    throw fail(`${where}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  const shape = e.shape;
  if (!Array.isArray(shape)) throw fail(`${where}: 'shape' must be an array of non-negative integers`);
  if (shape.length > MAX_RANK) throw fail(`${where}: rank ${shape.length} exceeds the limit of ${MAX_RANK} (MAX_RANK)`);
  for (let i = 0; i < shape.length; i++)
    if (typeof shape[i] !== 'number' || !Number.isSafeInteger(shape[i]) || shape[i] < 0)
      throw fail(`${where}: 'shape' must be an array of non-negative integers; dimension ${i} is ${JSON.stringify(shape[i])}`);
  let count = shape.includes(0) ? 0 : 1;
  for (let i = 0; i < shape.length && count > 0; i++) {
    count *= shape[i];
    if (count > MAX_TENSOR_ELEMENTS) throw fail(`${where}: shape ${shapeStr(shape)} has more than ${MAX_TENSOR_ELEMENTS} elements (MAX_TENSOR_ELEMENTS)`);
  }
  const off = e.data_offsets;
  if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0))
    throw fail(`${where}: 'data_offsets' must be [begin, end], two non-negative integers; got ${JSON.stringify(off)}`);
  const [begin, end] = off as number[];
  if (begin > end) throw fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  const need = count * DTYPE_BYTES[dtype];
  if (end - begin !== need)
    throw fail(`${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes, but shape ${shapeStr(shape)} of ${dtype} needs ${need}`);
  if (end > dataBytes) throw fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataBytes} bytes)`);
  return { name, dtype, shape, count, begin, end };
}

interface Header {
  entries: Entry[];
  metadata: Record<string, string>;
  dataStart: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function readHeader(fail: (msg: string) => Error, src: Source): Header {
  if (src.size < 8) throw fail(`too short: ${src.size} bytes; a safetensors file starts with an 8-byte header length`);
  const lenBytes = new Uint8Array(8);
  src.read(lenBytes, 0);
  const n = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw fail(`the header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes (MAX_HEADER_BYTES)`);
  const headerLen = Number(n);
  if (headerLen > src.size - 8)
    throw fail(`the header length ${headerLen} is larger than the rest of the file (${src.size - 8} bytes): truncated, or not a safetensors file`);
  const raw = new Uint8Array(headerLen);
  src.read(raw, 8);
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw fail('the header is not valid UTF-8: not a safetensors file, or a corrupted one');
  }
  if (text.includes('\0')) throw fail('the header contains NUL bytes (the format pads the header with spaces, not NULs)');
  if (text[0] !== '{') throw fail(`the header must be a JSON object starting with '{'; it starts with ${JSON.stringify(text.slice(0, 20))}`);
  const tooBig = jsonSizeProblem(text, MAX_HEADER_DEPTH, MAX_HEADER_ITEMS);
  if (tooBig === 'depth') throw fail(`the header nests deeper than ${MAX_HEADER_DEPTH} levels (MAX_HEADER_DEPTH; a safetensors header needs 3)`);
  if (tooBig === 'items')
    throw fail(`the header holds more than ${MAX_HEADER_ITEMS} JSON items (MAX_HEADER_ITEMS: keys, values and containers, enough for ~150,000 tensors)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw fail('the header must be a JSON object');
  const dup = findDuplicateKey(text);
  if (dup)
    throw fail(
      `the header has the key ${JSON.stringify(dup.key)} twice${dup.where ? ` in ${JSON.stringify(dup.where)}` : ''}; a file with duplicate names is ambiguous`,
    );
  const dataStart = 8 + headerLen;
  const dataBytes = src.size - dataStart;
  const metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail("'__metadata__' must be an object of strings");
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        if (typeof mv !== 'string') throw fail(`'__metadata__' value ${JSON.stringify(mk)} must be a string, got ${JSON.stringify(mv)}`);
        metadata.push([mk, mv]);
      }
      continue;
    }
    entries.push(parseEntry(fail, name, v, dataBytes));
  }
  // the byte ranges must tile the data section: sorted by begin, each starts where the last ended
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: Entry | null = null;
  for (const e of entries) {
    if (e.begin < at)
      throw fail(`tensors ${JSON.stringify(prev!.name)} [${prev!.begin}, ${prev!.end}] and ${JSON.stringify(e.name)} [${e.begin}, ${e.end}] overlap`);
    if (e.begin > at)
      throw fail(`bytes [${at}, ${e.begin}) of the data section belong to no tensor (before ${JSON.stringify(e.name)}): the offsets are not contiguous`);
    at = e.end;
    prev = e;
  }
  if (at !== dataBytes) throw fail(`${dataBytes - at} trailing bytes after the last tensor's data (the tensors cover ${at} of the ${dataBytes} data bytes)`);
  return { entries, metadata: Object.fromEntries(metadata), dataStart };
}

/** float16 bits → float32 value (exact). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Reads one tensor's bytes into a new float32 buffer. */
function readTensor(src: Source, dataStart: number, e: Entry): Float32Array {
  const out = allocateUninit('ng.load', e.count); // every element is read or converted below (or we throw)
  const nbytes = e.end - e.begin;
  if (nbytes === 0) return out;
  const pos = dataStart + e.begin;
  if (e.dtype === 'F32' && LITTLE_ENDIAN) {
    src.read(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), pos);
    return out;
  }
  const raw = new Uint8Array(nbytes);
  src.read(raw, pos);
  const dv = new DataView(raw.buffer);
  const n = e.count;
  switch (e.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      break;
    case 'BF16': {
      const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
      for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, true));
      break;
    case 'U64':
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigUint64(8 * i, true));
      break;
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = raw[i] ? 1 : 0;
      break;
    case 'U8':
      k.castToF32(out, raw, 1);
      break;
    case 'I8':
      k.castToF32(out, new Int8Array(raw.buffer), 1);
      break;
    default: {
      if (!LITTLE_ENDIAN) throw new Error(`ng.load: ${e.dtype} on a big-endian host is not supported`);
      const view =
        e.dtype === 'F64'
          ? new Float64Array(raw.buffer)
          : e.dtype === 'I32'
            ? new Int32Array(raw.buffer)
            : e.dtype === 'U32'
              ? new Uint32Array(raw.buffer)
              : e.dtype === 'I16'
                ? new Int16Array(raw.buffer)
                : new Uint16Array(raw.buffer);
      k.castToF32(out, view, 1);
    }
  }
  return out;
}

function readAll(src: Source, fail: (msg: string) => Error): SafetensorsContents {
  const { entries, metadata, dataStart } = readHeader(fail, src);
  const tensors: [string, Tensor][] = entries.map((e) => [e.name, new Tensor(readTensor(src, dataStart, e), e.shape)]);
  return { tensors: Object.fromEntries(tensors), metadata };
}

function withFile<T>(fn: string, path: unknown, body: (src: Source, fail: (msg: string) => Error) => T): T {
  if (typeof path !== 'string' || path.length === 0) throw argError(fn, 'path', 'a non-empty string (a file path)', path);
  const fail = (msg: string): Error => new Error(`${fn}: ${path}: ${msg}`);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`${fn}: no such file: ${path}`);
    if (code === 'EACCES') throw new Error(`${fn}: permission denied reading ${path}`);
    throw new Error(`${fn}: cannot open ${path}: ${(e as Error).message}`);
  }
  try {
    if (fs.fstatSync(fd).isDirectory()) throw new Error(`${fn}: ${path} is a directory, not a file`);
    return body(fileSource(fail, fd), fail);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a safetensors file → its tensors by name (every tensor float32). */
export function load(path: string): Record<string, Tensor> {
  return withFile('ng.load', path, (src, fail) => readAll(src, fail).tensors);
}
/** Reads a safetensors file → { tensors, metadata } (metadata {} when the file has none). */
export function loadWithMetadata(path: string): SafetensorsContents {
  return withFile('ng.loadWithMetadata', path, (src, fail) => readAll(src, fail));
}
/** Only the `__metadata__` of a safetensors file (the header is read and fully checked; tensor data is not read). */
export function loadMetadata(path: string): Record<string, string> {
  return withFile('ng.loadMetadata', path, (src, fail) => readHeader(fail, src).metadata);
}
/** Parses safetensors bytes held in memory → { tensors, metadata }, with the checks of `load`. */
export function deserialize(bytes: Uint8Array, name = '<bytes>'): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw argError('ng.io.deserialize', 'bytes', 'a Uint8Array', bytes);
  return readAll(bytesSource(bytes), (msg) => new Error(`ng.io.deserialize: ${name}: ${msg}`));
}

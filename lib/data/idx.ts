/**
 * IDX files (the MNIST / Fashion-MNIST format, http://yann.lecun.com/exdb/mnist/), plain or gzipped
 * (detected by the gzip magic 1f 8b, not by the file name).
 *
 *   magic   00 00 TT DD       TT: 08 ubyte, 09 byte, 0B short, 0C int, 0D float, 0E double; DD: dimensions
 *   dims    DD × uint32, big-endian
 *   data    Π dims values, big-endian, row-major
 *
 * The loader checks the magic, the type code and the dimension count, and the data must fill the
 * header's shape exactly (a short file and trailing bytes are both errors). Allocation is bounded
 * by the file: a plain file is read once; for a gzipped one the header is read from a bounded
 * prefix and the declared size is refused if deflate could not produce it from the file's length,
 * and decompression stops at the declared size.
 */
import { isGzip, gunzipAll, gunzipPrefix, MAX_DEFLATE_RATIO } from './gzip';
import { readFileBytes } from './files';
import { shapeStr } from '../errors';
import { MAX_RANK, MAX_TENSOR_ELEMENTS } from '../shape';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export interface IdxArray {
  shape: number[];
  dtype: IdxDtype;
  data: IdxData;
}

const TYPES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};
const TYPE_LIST = '0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double';
/** The IDX header is at most 4 + 4·255 bytes. */
const MAX_HEADER = 4 + 4 * 255;

/** Reads an IDX file (gzipped or plain) → { shape, dtype, data }; data has a buffer of its own. */
export function loadIdx(path: string): IdxArray {
  const bytes = readFileBytes('ng.data.loadIdx', path);
  return parseIdx(bytes, path);
}

/**
 * loadIdx for the library's own loaders: uint8 data is returned as a view of the file's (or the
 * decompressed stream's) buffer, past the header, instead of a copy — that buffer is referenced by
 * nothing else, and skipping the copy keeps a large data set from being held twice while it loads.
 * Other types are converted (a fresh buffer) as in loadIdx.
 */
export function loadIdxShared(path: string): IdxArray {
  const bytes = readFileBytes('ng.data.loadIdx', path);
  return parse(bytes, path, false);
}

const hex = (v: number): string => `0x${v.toString(16).padStart(2, '0')}`;

/** Parses the bytes of an IDX file (gzipped or plain); `name` appears in error messages. */
export function parseIdx(bytes: Uint8Array, name = '<bytes>'): IdxArray {
  return parse(bytes, name, true);
}

function parse(bytes: Uint8Array, name: string, copy: boolean): IdxArray {
  const what = `ng.data.loadIdx: ${name}`;
  const gz = isGzip(bytes);
  const inner = gz ? ' (after gunzip)' : '';
  const head = gz ? gunzipPrefix(what, bytes, MAX_HEADER) : bytes;
  if (head.length < 4)
    throw new Error(`${what}: too short for an IDX file: ${head.length} bytes${inner}, the magic number alone takes 4`);
  if (head[0] !== 0 || head[1] !== 0)
    throw new Error(
      `${what}: not an IDX file: wrong magic number ${[...head.subarray(0, 4)].map(hex).join(' ')}${inner} ` +
        `(an IDX file starts with 00 00, a type code and the number of dimensions)`,
    );
  const type = TYPES[head[2]];
  if (!type) throw new Error(`${what}: unknown IDX data type code ${hex(head[2])} (valid: ${TYPE_LIST})`);
  const ndim = head[3];
  if (ndim === 0) throw new Error(`${what}: the header declares 0 dimensions; an IDX array needs at least 1`);
  if (ndim > MAX_RANK) throw new Error(`${what}: the header declares ${ndim} dimensions; the limit is ${MAX_RANK} (MAX_RANK)`);
  const headerBytes = 4 + 4 * ndim;
  if (head.length < headerBytes)
    throw new Error(`${what}: truncated header: ${ndim} dimensions need ${headerBytes} header bytes, the file has ${head.length}${inner}`);
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  let count = shape.includes(0) ? 0 : 1;
  for (let i = 0; i < ndim && count > 0; i++) {
    count *= shape[i]; // exact: each factor < 2^32 and the loop stops once above the limit
    if (count > MAX_TENSOR_ELEMENTS)
      throw new Error(`${what}: the header declares shape ${shapeStr(shape)}, more than ${MAX_TENSOR_ELEMENTS} elements (MAX_TENSOR_ELEMENTS)`);
  }
  const dataBytes = count * type.bytes;
  const expected = headerBytes + dataBytes;
  const declared = `shape ${shapeStr(shape)} of ${type.dtype} (${dataBytes} bytes of data)`;
  let body: Uint8Array = bytes;
  if (gz) {
    if (expected > MAX_DEFLATE_RATIO * bytes.length + MAX_HEADER)
      throw new Error(
        `${what}: the header declares ${declared}, more than a gzip file of ${bytes.length} bytes can hold ` +
          `(deflate expands at most ${MAX_DEFLATE_RATIO}:1): the file is truncated or its header is wrong`,
      );
    body = gunzipAll(what, bytes, expected, `the decompressed data is longer than the header declares (${declared}): trailing bytes`, true);
  }
  if (body.length < expected)
    throw new Error(`${what}: truncated: the header declares ${declared}, but only ${body.length - headerBytes} bytes of data follow${inner}`);
  if (body.length > expected)
    throw new Error(`${what}: ${body.length - expected} trailing bytes after the data the header declares (${declared})${inner}`);
  // a view only of a buffer that belongs to this body alone (not a slice of Node's small-buffer pool)
  if (!copy && type.dtype === 'uint8' && body.byteLength === body.buffer.byteLength)
    return { shape, dtype: type.dtype, data: new Uint8Array(body.buffer, body.byteOffset + headerBytes, count) };
  return { shape, dtype: type.dtype, data: convert(body, headerBytes, count, type.dtype) };
}

/** Big-endian values → a typed array of the host's order (a fresh buffer of its own). */
function convert(body: Uint8Array, offset: number, n: number, dtype: IdxDtype): IdxData {
  // copies (Buffer#slice would be a view, possibly of Node's shared pool)
  if (dtype === 'uint8') return new Uint8Array(body.subarray(offset, offset + n));
  if (dtype === 'int8') return new Int8Array(new Uint8Array(body.subarray(offset, offset + n)).buffer);
  const dv = new DataView(body.buffer, body.byteOffset + offset, body.byteLength - offset);
  switch (dtype) {
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, false);
      return out;
    }
    default: {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, false);
      return out;
    }
  }
}

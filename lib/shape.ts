/** Shape arithmetic shared by the ops: validation, sizes, broadcasting, axes. No maths on data. */
import { argError, rangeError, shapeError, shapeStr } from './errors';

/**
 * The largest tensor, in elements: 2^31 − 1 (8 GiB of float32). sgemm takes 32-bit sizes and
 * typed arrays above this size are slow to create; a larger request throws before allocating.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;
/** The largest rank a tensor may have. */
export const MAX_RANK = 32;

/** Validates a shape argument and returns its element count. */
export function checkShape(fn: string, arg: string, shape: unknown): number {
  if (!Array.isArray(shape)) throw argError(fn, arg, 'an array of non-negative integers', shape);
  if (shape.length > MAX_RANK) throw rangeError(fn, `argument '${arg}' has rank ${shape.length}; the limit is ${MAX_RANK}`);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      const shown = `[${shape.map((v) => (typeof v === 'number' ? String(v) : typeof v)).join(', ')}]`;
      throw argError(fn, arg, `an array of non-negative integers (dimension ${i} of ${shown} is ${typeof d === 'number' ? d : typeof d})`);
    }
    size *= d;
  }
  if (size > MAX_TENSOR_ELEMENTS)
    throw rangeError(fn, `shape ${shapeStr(shape as number[])} has ${size} elements; the limit is ${MAX_TENSOR_ELEMENTS} (MAX_TENSOR_ELEMENTS)`);
  return size;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Normalises a possibly negative axis; throws naming the shape when it is out of range. */
export function normAxis(fn: string, axis: unknown, shape: readonly number[]): number {
  const nd = shape.length;
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw argError(fn, 'axis', 'an integer', axis);
  if (axis < -nd || axis >= nd || nd === 0)
    throw rangeError(fn, `axis ${axis} is out of range for a tensor of shape ${shapeStr(shape)} (valid: ${nd ? `${-nd} … ${nd - 1}` : 'none, it is 0-d'})`);
  return axis < 0 ? axis + nd : axis;
}

/** [outer, n, inner] around `axis`. */
export function axisSplit(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

/** NumPy/PyTorch broadcasting of two shapes; throws naming both when they do not fit. */
export function broadcastShapes(fn: string, a: readonly number[], b: readonly number[]): number[] {
  const nd = Math.max(a.length, b.length);
  const out: number[] = []; // packed (filled by push), which keeps later shape loops fast
  for (let i = 0; i < nd; i++) {
    const da = i < nd - a.length ? 1 : a[i - (nd - a.length)];
    const db = i < nd - b.length ? 1 : b[i - (nd - b.length)];
    if (da !== db && da !== 1 && db !== 1)
      throw shapeError(fn, `shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

export interface BroadcastPlan {
  shape: Int32Array;
  sa: Int32Array;
  sb: Int32Array;
}

/**
 * Strides to read a and b along the broadcast output shape, with adjacent dimensions merged where
 * both operands are contiguous across them (so a row broadcast over a matrix becomes 2-D).
 * Returns null when no plan is needed: equal shapes, or one operand a single element.
 */
export function broadcastPlan(out: readonly number[], a: readonly number[], b: readonly number[]): BroadcastPlan | null {
  const na = sizeOf(a);
  const nb = sizeOf(b);
  const n = sizeOf(out);
  if ((na === n || na === 1) && (nb === n || nb === 1) && (sameShape(a, out) || na === 1) && (sameShape(b, out) || nb === 1)) return null;
  const nd = out.length;
  const stridesFor = (s: readonly number[]): number[] => {
    const st = new Array<number>(nd).fill(0);
    let acc = 1;
    for (let i = nd - 1; i >= 0; i--) {
      const j = i - (nd - s.length);
      const d = j >= 0 ? s[j] : 1;
      st[i] = d === 1 ? 0 : acc;
      acc *= d;
    }
    return st;
  };
  const sa = stridesFor(a);
  const sb = stridesFor(b);
  // merge dimension i into i+1 when, for both operands, stride[i] == stride[i+1]·shape[i+1]
  const shp: number[] = [];
  const ma: number[] = [];
  const mb: number[] = [];
  for (let i = 0; i < nd; i++) {
    if (out[i] === 1) continue;
    const k = shp.length - 1;
    if (k >= 0 && ma[k] === sa[i] * out[i] && mb[k] === sb[i] * out[i]) {
      shp[k] *= out[i];
      ma[k] = sa[i];
      mb[k] = sb[i];
    } else {
      shp.push(out[i]);
      ma.push(sa[i]);
      mb.push(sb[i]);
    }
  }
  if (shp.length === 0) {
    shp.push(1);
    ma.push(0);
    mb.push(0);
  }
  return { shape: Int32Array.from(shp), sa: Int32Array.from(ma), sb: Int32Array.from(mb) };
}

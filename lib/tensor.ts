/**
 * Tensor: float32, row-major, any rank. Its bytes live in a V8 ArrayBuffer (so the garbage
 * collector knows their size and frees tensors nobody disposes), and `data` is a zero-copy
 * Float32Array over the very bytes the C++ kernels read and write. `dispose()` detaches the
 * buffer, which frees it at once. No maths here: operations live in ops/, the tape in autograd/.
 */
import { native } from './native';
import { argError, rangeError, shapeStr } from './errors';
import { checkShape, MAX_TENSOR_ELEMENTS } from './shape';
import { formatData } from './format';
import type { Node } from './autograd/node';
import * as ops from './ops';

/** Values accepted by `ng.tensor` and by ops in place of a tensor. */
export type NestedNumbers = number | NestedNumbers[];
/** A tensor or a plain number (broadcast as a scalar). */
export type TensorLike = Tensor | number;

/**
 * Where a tensor's bytes start. V8 takes ArrayBuffer memory from malloc, which aligns to 16 bytes
 * only, so from 16 KiB we allocate a little more and place the view on a boundary inside it:
 *
 * - from 16 KiB, a 64-byte boundary: a cache line, and one AVX-512 vector, so that vector loads
 *   and stores never straddle two cache lines (Adam's seven streams, OpenBLAS's C updates: ≈ 2%
 *   of the MLP's training step);
 * - from 64 KiB, a page (4096-byte) boundary. A loop that reads several arrays and writes some of
 *   them at the same index (every optimizer step, ReLU's backward, …) stalls when a load lands on
 *   the same address modulo 4096 as a store just issued to another array ("4K aliasing": the CPU
 *   compares only the low 12 address bits before it knows the load is independent). malloc places
 *   large blocks at any offset within a page, and when two of the arrays sit a few cache lines
 *   apart modulo 4096, every iteration pays (Adam over a 784 × 256 layer runs a fifth to a third
 *   slower). Page-aligned, all large tensors share offset 0, and same-index loops never alias. The
 *   cost is at most 4 KiB per tensor (6.25% at 64 KiB, under 1% from 512 KiB).
 */
const ALIGN_MIN_ELEMENTS = 4096;
const PAGE_ALIGN_MIN_ELEMENTS = 16384;
const LINE_BYTES = 64;
const PAGE_BYTES = 4096;
/** The boundary a tensor of `size` elements starts on (1: no placement, a plain Float32Array). */
function alignmentFor(size: number): number {
  return size >= PAGE_ALIGN_MIN_ELEMENTS ? PAGE_BYTES : size >= ALIGN_MIN_ELEMENTS ? LINE_BYTES : 1;
}
/**
 * The ArrayBuffers we allocated with an aligned view inside, and that view's byte offset: that
 * view (and no other, e.g. a parameter arena's subarray) owns the whole buffer.
 */
const alignedBuffers = new WeakMap<ArrayBufferLike, { offset: number; length: number }>();

function alignedView(buffer: ArrayBuffer, size: number, align: number): Float32Array {
  const offset = (align - native.addressMod(buffer, align)) % align;
  alignedBuffers.set(buffer, { offset, length: size });
  return new Float32Array(buffer, offset, size);
}

/**
 * @internal Whether a tensor's view owns its whole ArrayBuffer (so freeing the buffer frees only
 * this tensor): a plain Float32Array, or one of our aligned allocations. A subarray of a larger
 * buffer does not.
 */
export function ownsBuffer(d: Float32Array): boolean {
  if (d.byteOffset === 0 && d.byteLength === d.buffer.byteLength) return true;
  const own = alignedBuffers.get(d.buffer);
  return own !== undefined && own.offset === d.byteOffset && own.length === d.length;
}

/**
 * Allocates a zero-filled Float32Array of `size` elements, turning V8's failure into a clear Error.
 * `minAlign` (bytes) places even a small one on that boundary (a parameter arena's views).
 */
export function allocate(fn: string, size: number, minAlign = 1): Float32Array {
  if (size > MAX_TENSOR_ELEMENTS) throw rangeError(fn, `cannot allocate ${size} elements; the limit is ${MAX_TENSOR_ELEMENTS} (MAX_TENSOR_ELEMENTS)`);
  try {
    const align = Math.max(alignmentFor(size), minAlign);
    if (align === 1) return new Float32Array(size);
    return alignedView(new ArrayBuffer(size * 4 + align), size, align);
  } catch (e) {
    throw rangeError(fn, `cannot allocate a tensor of ${size} elements (${((size * 4) / 2 ** 30).toFixed(2)} GiB): ${(e as Error).message}`);
  }
}

/** A copy of `src` in a new buffer (aligned as `allocate`'s). */
export function allocateCopy(fn: string, src: Float32Array): Float32Array {
  const out = allocateUninit(fn, src.length);
  out.set(src);
  return out;
}

const EMPTY = new Float32Array(0);
/** @internal The shape of every 0-d tensor: one frozen array, shared, not one per scalar. */
export const SCALAR_SHAPE: readonly number[] = Object.freeze([]);

/**
 * Below this many elements (16 KiB) `new Float32Array` is the cheapest: zero-filling a few KiB costs
 * less than Node's Buffer path (several JS frames, slow when they are out of cache mid-step).
 */
const UNINIT_MIN_ELEMENTS = 4096;
/** Buffer.allocUnsafeSlow's limit is 2^32 bytes; larger tensors take the zero-filled path. */
const UNINIT_MAX_ELEMENTS = 2 ** 30 - PAGE_BYTES;

/**
 * Like `allocate`, but the contents are unspecified (malloc instead of calloc): only for an output
 * that a kernel overwrites entirely before anyone can read it (a forward op's result). Skipping
 * the zero-fill matters for ops on mid-sized tensors: it is most of the allocation's cost.
 */
export function allocateUninit(fn: string, size: number): Float32Array {
  if (size < UNINIT_MIN_ELEMENTS || size > UNINIT_MAX_ELEMENTS) return allocate(fn, size);
  let bytes: Buffer;
  const align = alignmentFor(size); // > 1, since UNINIT_MIN_ELEMENTS ≥ ALIGN_MIN_ELEMENTS
  try {
    // its own ArrayBuffer (never Node's shared pool), detachable; aligned as allocate's
    bytes = Buffer.allocUnsafeSlow(size * 4 + align);
  } catch (e) {
    throw rangeError(fn, `cannot allocate a tensor of ${size} elements (${((size * 4) / 2 ** 30).toFixed(2)} GiB): ${(e as Error).message}`);
  }
  return alignedView(bytes.buffer as ArrayBuffer, size, align);
}

export class Tensor {
  /** Dimensions, outermost first. `[]` for a 0-d (scalar) tensor. */
  readonly shape: readonly number[];
  /** Number of elements (1 for a 0-d tensor). */
  readonly size: number;
  /** Whether operations on this tensor are recorded for backward(). */
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf tensor (or one that called retainGrad()) after backward(). */
  grad: Tensor | null = null;
  /** @internal the operation that produced this tensor, when recorded */
  _node: Node | null = null;
  /** @internal keep .grad on a non-leaf tensor */
  _retainGrad = false;
  /** @internal the number of the last backward() traversal that reached this tensor */
  _visit = 0;
  private _data: Float32Array;
  private _disposed = false;

  /**
   * Wraps a Float32Array (not copied) as a tensor of `shape`. Most code wants `ng.tensor`,
   * `ng.zeros`, … instead; this constructor is for buffers you own.
   */
  constructor(data: Float32Array, shape: readonly number[], requiresGrad = false) {
    if (!(data instanceof Float32Array)) throw argError('new Tensor', 'data', 'a Float32Array', data);
    const size = checkShape('new Tensor', 'shape', shape);
    if (data.length !== size) throw rangeError('new Tensor', `data has ${data.length} elements but shape ${shapeStr(shape)} needs ${size}`);
    this._data = data;
    // a frozen shape (another tensor's) cannot change under us: share it instead of copying
    this.shape = Object.isFrozen(shape) ? shape : shape.length === 0 ? SCALAR_SHAPE : Object.freeze(shape.slice());
    this.size = size;
    this.requiresGrad = requiresGrad;
  }

  /**
   * Zero-copy view of the native buffer. Writing to it changes the tensor. Throws after dispose().
   * The view may start past the beginning of its ArrayBuffer (tensors of 16 KiB or more are placed
   * on a 64-byte boundary, from 64 KiB on a page): with `data.buffer`, use `data.byteOffset` and `data.byteLength` too.
   */
  get data(): Float32Array {
    if (this._disposed) throw new Error(`Tensor of shape ${shapeStr(this.shape)} was disposed; its data is gone`);
    return this._data;
  }
  get ndim(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }
  /** True for tensors not produced by a recorded operation. */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /**
   * Frees the native buffer now, and `.grad` with it. Using the tensor afterwards throws; a second
   * dispose() does nothing. A tensor wrapping only part of a buffer (a subarray view passed to the constructor) does not
   * own that buffer: its view is dropped, the buffer is left to its owner and the garbage collector.
   */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    const d = this._data;
    if (ownsBuffer(d)) native.detach(d);
    this._data = EMPTY;
    if (this.grad) this.grad.dispose();
    this.grad = null;
    this._node = null;
  }

  /**
   * @internal Moves the tensor onto `data` (same length, e.g. a view of a parameter arena), which
   * must already hold its values. The old buffer is left to the garbage collector.
   */
  _rebind(data: Float32Array): void {
    if (this._disposed) throw new Error(`Tensor of shape ${shapeStr(this.shape)} was disposed; it cannot be moved`);
    if (data.length !== this.size) throw rangeError('Tensor._rebind', `data has ${data.length} elements, the tensor ${this.size}`);
    this._data = data;
  }
  /** @internal The buffer itself, without the disposed check (identity tests of the arena). */
  get _raw(): Float32Array {
    return this._data;
  }

  /** Nested arrays of numbers following the shape (a number for a 0-d tensor). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  toArray(): any {
    const d = this.data;
    const shape = this.shape;
    if (shape.length === 0) return d[0];
    const build = (dim: number, offset: number, stride: number): NestedNumbers[] => {
      const n = shape[dim];
      const inner = stride / (n || 1);
      const out: NestedNumbers[] = new Array(n);
      if (dim === shape.length - 1) for (let i = 0; i < n; i++) out[i] = d[offset + i];
      else for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * inner, inner);
      return out;
    };
    return build(0, 0, this.size);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw rangeError('Tensor.item', `only a one-element tensor has an item; this one has shape ${shapeStr(this.shape)}`);
    return this.data[0];
  }

  /**
   * Back-propagates from this tensor. A scalar (one element) is seeded with 1; otherwise pass
   * `grad` of the same shape. Leaf tensors with requiresGrad accumulate into `.grad`.
   * The graph is freed afterwards unless `retainGraph` is set.
   */
  backward(grad?: Tensor, opts?: { retainGraph?: boolean }): void {
    ops.backward(this, grad, opts);
  }

  /** Keep `.grad` on this non-leaf tensor during backward() (leaves always keep theirs). */
  retainGrad(): this {
    this._retainGrad = true;
    return this;
  }

  /** A new tensor with the same values, outside the graph (requiresGrad false). Copies the data. */
  detach(): Tensor {
    return new Tensor(allocateCopy('Tensor.detach', this.data), this.shape);
  }
  /** A copy of the tensor that stays in the graph (gradients flow back). */
  clone(): Tensor {
    return ops.clone(this);
  }
  /** Sets requiresGrad on a leaf tensor, returning it (PyTorch's requires_grad_()). */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf && !flag) throw new Error('Tensor.requiresGrad_: only a leaf tensor can stop requiring grad; use detach()');
    this.requiresGrad = flag;
    return this;
  }

  /**
   * The values as PyTorch prints them: `tensor([[1., 2.],\n        [3., 4.]])`, 4 decimals or
   * scientific notation, more than 1000 elements summarised with `...`; then `requiresGrad=true` for
   * a leaf that requires grad, or `gradFn=<op>` for a recorded result. `console.log` prints the same.
   */
  toString(): string {
    if (this._disposed) return `tensor(<disposed>, shape=${shapeStr(this.shape)})`;
    const body = formatData(this._data, this.shape);
    const size = this.size === 0 && this.shape.length !== 1 ? `, size=${shapeStr(this.shape)}` : '';
    const grad = !this.requiresGrad ? '' : this.isLeaf ? ', requiresGrad=true' : `, gradFn=<${this._node?.op ?? 'unknown'}>`;
    return `tensor(${body}${size}${grad})`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- operations as methods (the same as the ng.* functions) ----
  add(other: TensorLike): Tensor {
    return ops.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return ops.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return ops.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return ops.div(this, other);
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  transpose(dim0 = 0, dim1 = 1): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  sum(axis?: number, keepDim = false): Tensor {
    return ops.sum(this, axis, keepDim);
  }
  mean(axis?: number, keepDim = false): Tensor {
    return ops.mean(this, axis, keepDim);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  pow(exponent: number): Tensor {
    return ops.pow(this, exponent);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
}

/** Throws unless `t` is a live Tensor. */
export function checkTensor(fn: string, arg: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw argError(fn, arg, 'a Tensor', t);
  if (t.isDisposed) throw new Error(`${fn}: argument '${arg}' is a disposed Tensor (shape ${shapeStr(t.shape)}); it cannot be used after dispose()`);
  return t;
}

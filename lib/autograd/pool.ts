/**
 * Recycled scratch buffers of the tape: the intermediate gradients of backward() and the caches an
 * op keeps for its backward (softmax probabilities, batch-norm statistics, dropout masks). In a
 * training loop each step needs the same sizes as the step before, so instead of a fresh
 * ArrayBuffer per buffer per step (an allocation, a zero-fill, a detach, and work for the garbage
 * collector) backward() hands them back here once their node has run and its graph is freed, and
 * the next step takes them again.
 *
 * Only buffers nobody else can reach come here: a node's private cache after backward() dropped
 * the node's closure, an intermediate gradient after its node ran. Users never see them. The pool
 * is bounded (POOL_MAX_BYTES in all, POOL_PER_SIZE buffers of one size); beyond that a buffer is
 * freed at once.
 */
import { native } from '../native';
import { allocate, allocateUninit, ownsBuffer } from '../tensor';

/** Buffers under this many elements (256 bytes) are cheap to allocate; from here on, reuse pays. */
const POOL_MIN_ELEMENTS = 64;
/** At most this many bytes wait in the pool. */
const POOL_MAX_BYTES = 64 * 2 ** 20;
/** At most this many buffers of one size wait in the pool. */
const POOL_PER_SIZE = 4;

const free = new Map<number, Float32Array[]>();
let pooledBytes = 0;

function takeFromPool(size: number): Float32Array | undefined {
  if (size < POOL_MIN_ELEMENTS) return undefined;
  const list = free.get(size);
  const buf = list?.pop();
  if (buf) pooledBytes -= buf.byteLength;
  return buf;
}

/** A zero-filled buffer of `size` elements: a recycled one when the pool has it. */
export function takeZeroed(fn: string, size: number): Float32Array {
  const buf = takeFromPool(size);
  if (buf === undefined) return allocate(fn, size);
  buf.fill(0);
  return buf;
}

/** A buffer of `size` elements whose contents are unspecified (the caller overwrites every element). */
export function takeUninit(fn: string, size: number): Float32Array {
  return takeFromPool(size) ?? allocateUninit(fn, size);
}

/**
 * Hands back a buffer that nothing can read any more. It waits in the pool for the next take of
 * its size, or is freed now when the pool is full. Small buffers (under POOL_MIN_ELEMENTS) and
 * views into a larger buffer are left to the garbage collector.
 */
export function giveBack(buf: Float32Array): void {
  const size = buf.length;
  // small ones are left to the garbage collector: detaching costs more than they weigh
  if (size < POOL_MIN_ELEMENTS || !ownsBuffer(buf)) return;
  if (pooledBytes + buf.byteLength <= POOL_MAX_BYTES) {
    let list = free.get(size);
    if (list === undefined) free.set(size, (list = []));
    if (list.length < POOL_PER_SIZE) {
      list.push(buf);
      pooledBytes += buf.byteLength;
      return;
    }
  }
  native.detach(buf);
}

/** Frees every pooled buffer now (ng.freeScratch); returns the bytes released. */
export function freeScratch(): number {
  const bytes = pooledBytes;
  for (const list of free.values()) for (const buf of list) native.detach(buf);
  free.clear();
  pooledBytes = 0;
  return bytes;
}

/** Bytes currently held by the pool. */
export function scratchBytes(): number {
  return pooledBytes;
}

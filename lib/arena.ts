/**
 * A flat parameter arena, llm.c's `params_memory`: the parameters of a model in one buffer and
 * their gradients in another, each tensor a view at a 64-byte-aligned offset (zeros between).
 * `zeroGrad` is then one fill, an optimizer step one native call over each whole buffer, and an
 * allreduce of the gradients one call over `grad`.
 *
 * The tensors stay the same objects (a model, an optimizer or user code holding them sees no
 * change); only their storage moves. A tensor given another buffer later (disposed, a gradient
 * replaced, `zeroGrad({ setToNone: true })` followed by backward outside the arena) simply makes
 * the fast paths fall back to one view per tensor, with the same results.
 */
import { Tensor, allocate } from './tensor';

/** Offsets are multiples of 16 floats: every view starts on a 64-byte line, as large tensors do. */
const ALIGN = 16;

export class ParamArena {
  /** The tensors, in the order of their views. */
  readonly tensors: readonly Tensor[];
  /** Where each tensor's view starts, in elements. */
  readonly offsets: readonly number[];
  /** Every parameter value (zeros in the padding). */
  readonly data: Float32Array;
  /** Every gradient (zeros in the padding and for tensors that do not require grad). */
  readonly grad: Float32Array;
  private readonly views: Float32Array[];
  private readonly gradViews: Float32Array[];
  private readonly index = new Map<Tensor, number>();

  /** @internal use Module.flattenParameters() */
  constructor(tensors: readonly Tensor[]) {
    const offsets: number[] = [];
    let total = 0;
    for (const t of tensors) {
      offsets.push(total);
      total += Math.ceil(t.size / ALIGN) * ALIGN;
    }
    this.tensors = Object.freeze(tensors.slice());
    this.offsets = Object.freeze(offsets);
    this.data = allocate('flattenParameters', total, 64);
    this.grad = allocate('flattenParameters', total, 64);
    this.views = tensors.map((t, i) => this.data.subarray(offsets[i], offsets[i] + t.size));
    this.gradViews = tensors.map((t, i) => this.grad.subarray(offsets[i], offsets[i] + t.size));
    tensors.forEach((t, i) => {
      this.index.set(t, i);
      this.views[i].set(t.data);
      t._rebind(this.views[i]);
      if (t.grad && !t.grad.isDisposed) this.gradViews[i].set(t.grad.data);
      // a trainable tensor gets its gradient in the arena now (zero until a backward), as after
      // PyTorch's zero_grad(set_to_none=False); a frozen one keeps none
      if (t.requiresGrad) t.grad = new Tensor(this.gradViews[i], t.shape);
      arenaOf.set(t, this);
    });
  }

  /** Elements of `data` and `grad`, padding included. */
  get length(): number {
    return this.data.length;
  }

  /** Whether `t` still lives in this arena, value and (when it has one) gradient. */
  holds(t: Tensor): boolean {
    const i = this.index.get(t);
    if (i === undefined || t.isDisposed || t._raw !== this.views[i]) return false;
    return t.grad === null || (!t.grad.isDisposed && t.grad._raw === this.gradViews[i]);
  }

  /**
   * Whether `params` are exactly this arena's tensors, in order, each in place with its gradient
   * in the arena: then one call over `data` and `grad` does what one call per tensor would.
   */
  covers(params: readonly Tensor[]): boolean {
    const ts = this.tensors;
    if (params.length !== ts.length) return false;
    for (let i = 0; i < ts.length; i++) {
      const t = params[i];
      if (t !== ts[i] || t.isDisposed || t._raw !== this.views[i] || t.grad === null || t.grad.isDisposed || t.grad._raw !== this.gradViews[i]) return false;
    }
    return true;
  }

  /** The view of `buffer` (an arena-sized array) that belongs to tensor i. */
  viewOf(buffer: Float32Array, i: number): Float32Array {
    return buffer.subarray(this.offsets[i], this.offsets[i] + this.tensors[i].size);
  }

  /** @internal A gradient for `t` inside the arena, zeroed (backward's leaf gradient), or null. */
  gradFor(t: Tensor): Tensor | null {
    const i = this.index.get(t);
    if (i === undefined || t.isDisposed || t._raw !== this.views[i]) return null;
    this.gradViews[i].fill(0);
    return new Tensor(this.gradViews[i], t.shape);
  }
}

const arenaOf = new WeakMap<Tensor, ParamArena>();

/** @internal The arena `t` was last flattened into, if any (it may have left it since: see holds). */
export function arenaOfTensor(t: Tensor): ParamArena | undefined {
  return arenaOf.get(t);
}

/** @internal A new zero gradient for the leaf `t`: its arena view when it lives in one. */
export function newLeafGrad(t: Tensor): Tensor {
  const a = arenaOf.get(t);
  return (a && a.gradFor(t)) || new Tensor(allocate('backward', t.size), t.shape);
}

/**
 * Sequential(...modules): applies its modules in order; they are registered as children '0', '1', …
 * so parameters and state dict keys are PyTorch's (`0.weight`, `1.running_mean`, …).
 *
 * Speed (the result is the same as running each module in turn):
 * - a Linear directly followed by a ReLU runs as one fused op (functional/linear.ts, linearRelu):
 *   one native call forward and one backward, no separate pre-activation tensor. This happens only
 *   for the library's own classes with their own forward (a subclass, or a forward replaced on the
 *   instance, runs as written).
 * - the output of an inner Linear (fused or not) reuses its buffer from the previous call when
 *   nothing can still read it: the module it feeds is one of the library's own layers that keeps
 *   no reference to its input beyond the graph and never hands it back (Linear, ReLU, Sigmoid,
 *   Tanh, Softmax, BatchNorm1d, each with its own forward), and the graph of the previous call was
 *   freed (backward() without retainGraph) or the previous call ran with gradients off (ng.noGrad).
 *   An output that reaches any other module (a user's, Dropout, which may return its input) is
 *   always a fresh buffer: that module may keep it. A steady Linear/ReLU training loop thus
 *   allocates no activation buffers except its output.
 */
import { Tensor } from '../tensor';
import { argError, rangeError } from '../errors';
import { isGradEnabled, Node } from '../autograd/node';
import { Module, hasOwnForward } from './module';
import { Linear } from './linear';
import { ReLU, Sigmoid, Tanh, Softmax } from './activation';
import { BatchNorm1d } from './batchnorm';
import { linearOp } from './functional/linear';

/** A reusable output buffer of an inner Linear and what may still read it. */
interface Reuse {
  buf: Float32Array;
  /** the shape of the tensor that wraps it (frozen: shared by the next output of that shape) */
  shape: readonly number[];
  /** the op that wrote it (null when nothing was recorded) */
  node: Node | null;
  /** whether it was written with gradients off (then nothing recorded can read it) */
  noGrad: boolean;
}

/**
 * Whether `m` is a library layer (its own class and forward) that reads its input only while
 * computing, or from its graph node until backward() frees it, and never returns it or a view of it.
 */
function readsInputOnly(m: Module | undefined): boolean {
  if (m === undefined) return false;
  const p = Object.getPrototypeOf(m);
  return (
    (p === Linear.prototype ||
      p === ReLU.prototype ||
      p === Sigmoid.prototype ||
      p === Tanh.prototype ||
      p === Softmax.prototype ||
      p === BatchNorm1d.prototype) &&
    hasOwnForward(m)
  );
}

export class Sequential extends Module {
  private readonly layers: Module[] = [];
  private readonly reuse: (Reuse | undefined)[] = [];
  /** Error-message names of fused Linear modules, made once (forward runs every step). */
  private readonly names: (string | undefined)[] = [];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw argError('new ng.nn.Sequential', `modules[${i}]`, 'an ng.nn.Module', m);
      this.append(m);
    });
  }

  /** Adds a module at the end (named by its index). Returns this. */
  append(m: Module): this {
    if (!(m instanceof Module)) throw argError('Sequential.append', 'module', 'an ng.nn.Module', m);
    this.registerModule(String(this.layers.length), m);
    this.layers.push(m);
    return this;
  }

  get length(): number {
    return this.layers.length;
  }
  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const j = i < 0 ? i + this.layers.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.layers.length)
      throw rangeError('Sequential.at', `index ${i} is out of range for ${this.layers.length} modules`);
    return this.layers[j];
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    const layers = this.layers;
    const n = layers.length;
    let y = x;
    for (let i = 0; i < n; i++) {
      const m = layers[i];
      if (m instanceof Linear && Object.getPrototypeOf(m) === Linear.prototype && hasOwnForward(m)) {
        const next = layers[i + 1];
        const fuse = next instanceof ReLU && Object.getPrototypeOf(next) === ReLU.prototype && hasOwnForward(next);
        const end = i + (fuse ? 1 : 0);
        // only an output that goes straight into a layer that cannot keep it may be written again
        const reusable = end < n - 1 && readsInputOnly(layers[end + 1]);
        const fn = this.names[i] ?? (this.names[i] = `Linear(${m.inFeatures}, ${m.outFeatures}).forward`);
        const r = reusable ? this.reuse[i] : undefined;
        const free = r !== undefined && (r.noGrad || (r.node !== null && r.node.freed === true));
        y = linearOp(fn, y, m.weight, m.bias, fuse, free ? r.buf : null, free ? r.shape : null);
        if (!reusable) {
          this.reuse[i] = undefined;
        } else if (r !== undefined) {
          r.buf = y.data;
          r.shape = y.shape;
          r.node = y._node;
          r.noGrad = !isGradEnabled();
        } else {
          this.reuse[i] = { buf: y.data, shape: y.shape, node: y._node, noGrad: !isGradEnabled() };
        }
        if (fuse) i++;
      } else {
        y = m.forward(y);
      }
    }
    return y;
  }
}

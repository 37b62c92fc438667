/**
 * Reverse-mode differentiation over the recorded nodes (micrograd's algorithm over whole buffers):
 * order the graph topologically, seed the root, and run each node's chain rule from the output
 * back to the leaves. Gradients accumulate, so a tensor used twice needs nothing special.
 * Intermediate gradient buffers go back to the scratch pool (autograd/pool.ts) as soon as their
 * node has run; unless `retainGraph`, each node then drops its saved tensors (so activations
 * become garbage right after backward()) and hands its private caches to the pool.
 */
import { native } from '../native';
import { newLeafGrad } from '../arena';
import { argError, checkOptions, rangeError, shapeStr } from '../errors';
import { Tensor, checkTensor, allocateCopy } from '../tensor';
import { giveBack, takeZeroed } from './pool';
import { sameShape } from '../shape';

const NO_INPUTS = Object.freeze([]) as unknown as Tensor[];
/**
 * The seed of backward() on a scalar, one buffer for every call: a typed array this small lives on
 * V8's heap until a native call first asks for its bytes, which moves it off the heap (an allocation
 * and a copy); a fresh seed per call would pay that every step.
 */
const ONE = new Float32Array([1]);
const noBackward = (): void => undefined;

/** Numbers the traversals: a tensor visited by this one carries its number (Tensor._visit). */
let traversal = 0;

function topoOrder(root: Tensor): Tensor[] {
  const mark = ++traversal;
  const order: Tensor[] = [];
  // iterative post-order DFS (deep graphs must not overflow the JS stack): tensors and the index
  // of the next input to visit, in two parallel stacks
  const tensors: Tensor[] = [root];
  const next: number[] = [0];
  root._visit = mark;
  while (tensors.length > 0) {
    const top = tensors.length - 1;
    const t = tensors[top];
    const node = t._node;
    if (node !== null && next[top] < node.inputs.length) {
      const child = node.inputs[next[top]++];
      if (child.requiresGrad && child._visit !== mark) {
        child._visit = mark;
        tensors.push(child);
        next.push(0);
      }
    } else {
      order.push(t);
      tensors.pop();
      next.pop();
    }
  }
  return order;
}

export function backward(root: Tensor, grad: Tensor | undefined, opts?: { retainGraph?: boolean }): void {
  const fn = 'Tensor.backward';
  checkTensor(fn, 'this', root);
  let retainGraph = false;
  if (opts !== undefined) {
    const o = checkOptions(fn, opts, ['retainGraph'], '{ retainGraph: true }');
    if (o.retainGraph !== undefined && typeof o.retainGraph !== 'boolean') throw argError(fn, 'retainGraph', 'a boolean', o.retainGraph);
    retainGraph = o.retainGraph ?? false;
  }
  if (!root.requiresGrad)
    throw new Error(
      `${fn}: this tensor does not require grad and has no recorded graph (create inputs with { requiresGrad: true }, and do not call it inside noGrad)`,
    );
  let seed: Float32Array;
  if (grad === undefined) {
    if (root.size !== 1)
      throw rangeError(
        fn,
        `backward() without a gradient needs a scalar (one element); this tensor has shape ${shapeStr(root.shape)}. Pass a gradient of that shape, or reduce first (sum/mean).`,
      );
    seed = ONE;
    ONE[0] = 1; // (nothing should write a node's incoming gradient; if something did, this undoes it)
  } else {
    checkTensor(fn, 'grad', grad);
    if (!sameShape(grad.shape, root.shape))
      throw rangeError(fn, `gradient of shape ${shapeStr(grad.shape)} does not match the tensor's shape ${shapeStr(root.shape)}`);
    seed = new Float32Array(grad.data);
  }

  const order = topoOrder(root);
  const grads = new Map<Tensor, Float32Array>();
  grads.set(root, seed);

  const bufferFor = (t: Tensor): Float32Array => {
    let g = grads.get(t);
    if (g) return g;
    if (t._node === null) {
      // a leaf accumulates straight into its .grad
      if (!t.grad || t.grad.isDisposed) t.grad = newLeafGrad(t);
      g = t.grad.data;
    } else {
      g = takeZeroed('backward', t.size);
    }
    grads.set(t, g);
    return g;
  };
  // one gradOf for the whole pass (no closure per node): the inputs of the node being run
  let inputs: Tensor[] = NO_INPUTS;
  const gradOf = (k: number): Float32Array | null => (inputs[k].requiresGrad ? bufferFor(inputs[k]) : null);

  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const g = grads.get(t);
    if (!g) continue;
    const node = t._node;
    if (node === null) {
      if (t === root && t.requiresGrad) {
        // backward() on a leaf: its gradient is the seed
        if (!t.grad || t.grad.isDisposed) t.grad = newLeafGrad(t);
        native.axpy(t.grad.data, g, 1);
      }
      continue;
    }
    if (node.freed)
      throw new Error(
        `${fn}: the graph through '${node.op}' was already freed by an earlier backward(); pass { retainGraph: true } to the first backward() to go through it twice`,
      );
    inputs = node.inputs;
    node.backward(g, gradOf);
    inputs = NO_INPUTS;
    if (t._retainGrad) {
      if (!t.grad || t.grad.isDisposed) t.grad = new Tensor(allocateCopy(fn, g), t.shape);
      else native.axpy(t.grad.data, g, 1);
    }
    if (t !== root || grad === undefined) giveBack(g); // intermediate gradient: recycled for the next step
    if (!retainGraph) {
      node.freed = true;
      node.inputs = NO_INPUTS;
      node.backward = noBackward;
      if (node.scratch) {
        for (const buf of node.scratch) giveBack(buf);
        node.scratch = undefined;
      }
    }
  }
}

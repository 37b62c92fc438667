/**
 * The tape. Every differentiable op that runs while recording, with at least one input that
 * requires a gradient, attaches a Node to its output: the op's name (for debugging), its inputs,
 * and its local chain rule. backward() (autograd/backward.ts) visits the nodes in reverse order.
 */
import type { Tensor } from '../tensor';

/** Gives the gradient buffer of input i, or null when that input needs no gradient. */
export type GradOf = (i: number) => Float32Array | null;

export interface Node {
  /** Name of the op, e.g. 'matmul' (shown in errors and by debug tools). */
  op: string;
  /** The op's tensor inputs, in order. */
  inputs: Tensor[];
  /** Accumulates (+=) the gradients of the inputs, given the output's gradient. */
  backward: (gradOut: Float32Array, gradOf: GradOf) => void;
  /** Set once backward() has released the node's saved tensors. */
  freed?: boolean;
  /**
   * Private caches of the op (read only by `backward`), handed back to the scratch pool
   * (autograd/pool.ts) when backward() frees the graph.
   */
  scratch?: Float32Array[];
}

let gradEnabled = true;

/** Whether ops are being recorded right now. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` without recording operations (like `torch.no_grad()`); for evaluation, parameter
 * updates and metrics. Synchronous: for async work, wrap each synchronous part.
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Turns recording on or off until changed again; returns the previous setting. */
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = !!on;
  return prev;
}

/**
 * Records `out = op(inputs)` if recording is on and any input requires a gradient. `scratch`
 * lists caches only `backward` reads; they return to the scratch pool once the graph is freed.
 */
export function record(out: Tensor, op: string, inputs: Tensor[], backward: Node['backward'], scratch?: Float32Array[]): Tensor {
  if (!gradEnabled) return out;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out._node = scratch === undefined ? { op, inputs, backward } : { op, inputs, backward, scratch };
  return out;
}

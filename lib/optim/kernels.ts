/**
 * Typed access to the optimizer kernels of the addon (native/bindings/optim.cc,
 * native/kernels/optim.cc). Each function updates every tensor of one parameter group in one call:
 * the arrays hold one Float32Array per tensor, in the same order, and the C++ side re-checks that
 * every buffer has its parameter's length. The update rules are documented in the kernel file and
 * in the optimizer classes.
 */
import { native } from '../native';

export interface OptimKernels {
  /** θ ← θ − η·d with d = g + λθ, momentum buffer b (fresh[k] = 1: b ← d), nesterov d + μb. */
  sgdStep(
    params: Float32Array[], grads: Float32Array[], buffers: Float32Array[] | null, fresh: Int32Array | null,
    lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean,
  ): void;
  /** RMSprop; gradAvg present = centered, buffers present = momentum. */
  rmspropStep(
    params: Float32Array[], grads: Float32Array[], squareAvg: Float32Array[], gradAvg: Float32Array[] | null,
    buffers: Float32Array[] | null, lr: number, alpha: number, eps: number, weightDecay: number, momentum: number,
  ): void;
  /** Adam (decoupled = false, L2 in the gradient) or AdamW (decoupled = true); maxExpAvgSq present = amsgrad. */
  adamStep(
    params: Float32Array[], grads: Float32Array[], expAvg: Float32Array[], expAvgSq: Float32Array[],
    maxExpAvgSq: Float32Array[] | null, steps: Float64Array, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, decoupled: boolean,
  ): void;
  /** Rprop with the sign-flip rule. */
  rpropStep(
    params: Float32Array[], grads: Float32Array[], prev: Float32Array[], stepSizes: Float32Array[],
    etaMinus: number, etaPlus: number, stepMin: number, stepMax: number,
  ): void;
  /** averages[k] ← decay·averages[k] + (1 − decay)·params[k] */
  emaUpdate(averages: Float32Array[], params: Float32Array[], decay: number): void;
  /**
   * Whether the kernels fuse multiply-adds (x + a·y rounded once) where PyTorch's CPU kernels do:
   * x86-64 with AVX2 and FMA, and arm64. Either way the results are PyTorch's on the same CPU.
   */
  optimizerStepsFuse(): boolean;
}

export const kernels = native as unknown as OptimKernels;

/** Typed view of the native functions behind ng.nn (native/bindings/nn.cc). */
import { native } from '../native';

export interface NnKernels {
  linearForward(out: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, N: number, I: number, O: number): void;
  linearBackward(dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, dout: Float32Array, x: Float32Array, w: Float32Array, N: number, I: number, O: number): void;
  linearReluForward(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, N: number, I: number, O: number): void;
  linearReluBackward(dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, dout: Float32Array, y: Float32Array, x: Float32Array, w: Float32Array, N: number, I: number, O: number): void;
  softmaxXentForward(loss: Float32Array, probs: Float32Array, lse: Float32Array, logits: Float32Array, classes: Int32Array | null, target: Float32Array | null, N: number, K: number, smoothing: number, weight?: Float32Array | null, ignoreIndex?: number | null): number;
  softmaxXentBackward(dlogits: Float32Array | null, dtarget: Float32Array | null, dloss: Float32Array, dlossStride: number, scale: number, probs: Float32Array, lse: Float32Array, logits: Float32Array, classes: Int32Array | null, target: Float32Array | null, N: number, K: number, smoothing: number, weight?: Float32Array | null, ignoreIndex?: number | null): void;
  batchNorm1dForward(out: Float32Array, mean: Float32Array, rstd: Float32Array, runningMean: Float32Array | null, runningVar: Float32Array | null, x: Float32Array, weight: Float32Array | null, bias: Float32Array | null, N: number, C: number, L: number, eps: number, factor: number, batchStats: boolean): void;
  batchNorm1dBackward(dx: Float32Array | null, dweight: Float32Array | null, dbias: Float32Array | null, dout: Float32Array, x: Float32Array, mean: Float32Array, rstd: Float32Array, weight: Float32Array | null, N: number, C: number, L: number, batchStats: boolean): void;
  dropoutForward(out: Float32Array, mask: Float32Array, x: Float32Array, p: number): void;
  dropoutBackward(dx: Float32Array, dout: Float32Array, mask: Float32Array): void;
  mseForward(each: Float32Array | null, a: Float32Array, b: Float32Array): number;
  mseBackward(da: Float32Array | null, db: Float32Array | null, dout: Float32Array, doutStride: number, scale: number, a: Float32Array, b: Float32Array): void;
}

export const k = native as unknown as NnKernels;

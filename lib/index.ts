/**
 * nativegrad: deep-learning training for Node.js on OpenBLAS and hand-written C++ kernels.
 * Public re-exports only.
 */
export { Tensor } from './tensor';
export type { NestedNumbers, TensorLike } from './tensor';
export { tensor, zeros, ones, full, randn, rand, arange, manualSeed, getRngState, setRngState, setNumThreads, getNumThreads, blasConfig } from './creation';
export type { TensorOptions } from './creation';
export {
  add,
  sub,
  mul,
  div,
  matmul,
  matmulInto,
  transpose,
  reshape,
  clone,
  sum,
  mean,
  neg,
  exp,
  log,
  sqrt,
  abs,
  pow,
  relu,
  sigmoid,
  tanh,
  softmax,
  logSoftmax,
} from './ops';
export { noGrad, isGradEnabled, setGradEnabled } from './autograd/node';
export { gradcheck } from './autograd/gradcheck';
export type { GradcheckOptions, GradcheckResult } from './autograd/gradcheck';
export { MAX_TENSOR_ELEMENTS, MAX_RANK } from './shape';
export * as nn from './nn';
export * as optim from './optim';
export * as analysis from './analysis';
export { randperm } from './random';
export * as data from './data';
export { save, load, loadWithMetadata, loadMetadata } from './io/safetensors';
export * as io from './io';
export { Trainer, earlyStopping, historyChart, writeHistoryChart, argmax, accuracy, countCorrect } from './train';
export type {
  TrainerOptions,
  FitOptions,
  History,
  EpochLog,
  BatchLog,
  Callback,
  Batch,
  BatchSource,
  ValidationData,
  EarlyStoppingOptions,
  HistoryChartOptions,
} from './train';
export * as train from './train';
export * as linalg from './linalg';

/**
 * `ng.optim`: optimizers with native step kernels, learning-rate schedules, and the parameter EMA.
 * Each update rule's formula, and where it differs from the lecture's form, is in its file.
 */
export { Optimizer } from './optimizer';
export type { ParamGroup, ParamGroupInput, Params, ParamState, OptimizerStateDict } from './optimizer';
export { SGD } from './sgd';
export type { SGDOptions } from './sgd';
export { RMSprop } from './rmsprop';
export type { RMSpropOptions } from './rmsprop';
export { Adam, AdamW } from './adam';
export type { AdamOptions } from './adam';
export { Rprop } from './rprop';
export type { RpropOptions } from './rprop';
export { LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR } from './scheduler';
export type { SchedulableOptimizer, SchedulerStateDict } from './scheduler';
export { EMA } from './ema';
export type { EMAOptions, EMAStateDict, ParameterSource } from './ema';
export { Newton } from './newton';
export type { NewtonOptions } from './newton';
export type { ArgName } from './optimizer';

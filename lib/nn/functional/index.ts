/** ng.nn.functional: the differentiable layer and loss operations behind the modules. */
export { linear } from './linear';
export { crossEntropy } from './cross_entropy';
export type { CrossEntropyOptions, CrossEntropyTarget, Reduction } from './cross_entropy';
export { mseLoss } from './mse';
export type { MSEOptions } from './mse';
export { dropout } from './dropout';
export { batchNorm1d } from './batch_norm';
export type { BatchNormOptions } from './batch_norm';
export { relu, sigmoid, tanh, softmax, logSoftmax } from '../../ops';

/** The differentiable primitives. */
export { add, sub, mul, div } from './binary';
export { neg, exp, log, sqrt, abs, pow, relu, sigmoid, tanh } from './unary';
export { matmul, matmulInto, transpose } from './matmul';
export { reshape, clone } from './shape';
export { sum, mean } from './reduce';
export { softmax, logSoftmax } from './softmax';
export { backward } from '../autograd/backward';

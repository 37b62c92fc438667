/** ng.nn: modules, losses, initialisers and their functional forms. */
export { Module } from './module';
export { ParamArena } from '../arena';
export type { LoadStateDictResult } from './module';
export { Linear } from './linear';
export type { LinearOptions, LinearInit } from './linear';
export { ReLU, Sigmoid, Tanh, Softmax } from './activation';
export { Dropout } from './dropout';
export { BatchNorm1d } from './batchnorm';
export type { BatchNorm1dOptions } from './batchnorm';
export { Sequential } from './sequential';
export { CrossEntropyLoss, MSELoss } from './loss';
export type { CrossEntropyLossOptions } from './loss';
export type { Reduction, CrossEntropyTarget } from './functional/cross_entropy';
export * as init from './init';
export * as functional from './functional';

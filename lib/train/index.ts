export { Trainer } from './trainer';
export type { TrainerOptions, FitOptions, History, EpochLog, BatchLog, Callback, Batch, BatchSource, ValidationData } from './trainer';
export { earlyStopping } from './callbacks';
export type { EarlyStoppingOptions } from './callbacks';
export { historyChart, writeHistoryChart } from './chart';
export { argmax, accuracy, countCorrect } from './metrics';
export type { TrainableModel, LossModule, OptimizerLike, SchedulerLike, EmaLike } from './trainer';
export { compileStep, CompiledStep } from './compiled_step';
export type { CompileStepOptions } from './compiled_step';

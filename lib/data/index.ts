/** ng.data: data sets, batching, file loaders and input normalisation. */
export { TensorDataset } from './dataset';
export type { Dataset, Batch } from './dataset';
export { ByteDataset } from './byte_dataset';
export type { ByteDatasetOptions } from './byte_dataset';
export { DataLoader } from './loader';
export type { DataLoaderOptions, DataLoaderState } from './loader';
export { loadIdx, parseIdx } from './idx';
export type { IdxArray, IdxData, IdxDtype } from './idx';
export { loadCsv, parseCsv, loadDigits } from './csv';
export type { CsvOptions, CsvData } from './csv';
export { loadFashionMnist, FASHION_MNIST_DIR } from './fashion_mnist';
export type { LabelledSplit, FashionMnistOptions } from './fashion_mnist';
export { StandardScaler, PCAWhitening, ZCAWhitening } from './scalers';
export type { WhiteningOptions } from './scalers';

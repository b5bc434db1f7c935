// `tf.data`: datasets for data that is streamed rather than held in memory
// (TensorFlow.js's tf.data names).
export { Dataset } from './dataset';
export type { IteratorFactory } from './dataset';
export { array, generator, zip } from './sources';
export { csv } from './csv';
export type { CSVConfig, ColumnConfig } from './csv';

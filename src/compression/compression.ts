// `tf.compression`: what a model costs, before and after pruning, shrinking
// and quantization (issue 20).
export { report } from './report';
export type { CompressionReport, LayerCost, ReportArgs } from './report';

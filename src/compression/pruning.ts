// `tf.pruning`: fewer parameters and less computation for the same accuracy
// (issue 20). lowMagnitude prunes weights during fit (native masks), strip
// ends it, shrinkUnits removes whole units (a smaller model), sparsity
// reports how many weights are zero.
export { shrinkUnits } from './shrink_units';
export type { ShrinkUnitsArgs } from './shrink_units';
export { sparsity } from './sparsity';
export type { SparsityCount, SparsityReport } from './sparsity';
export { LowMagnitudePruning, lowMagnitude, strip } from './low_magnitude';
export type { LowMagnitudeArgs } from './low_magnitude';

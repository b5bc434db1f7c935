// Kernel regularizers: Keras's L1, L2 and L1L2 penalties, applied in the native step.
import { checkNumber, show, typeError } from './errors';

/** A weight penalty l1 * sum|w| + l2 * sum w². */
export interface Regularizer {
  readonly className: 'L1' | 'L2' | 'L1L2';
  readonly l1: number;
  readonly l2: number;
}

/** Regularizer factories, as `tf.regularizers` in TensorFlow.js. */
export const regularizers = {
  /** l1 * sum|w| (Keras default l1 = 0.01). */
  l1: (a: { l1?: number } = {}): Regularizer => ({ className: 'L1', l1: checkNumber('regularizers.l1', 'l1', a.l1 ?? 0.01, 0), l2: 0 }),
  /** l2 * sum w² (Keras default l2 = 0.01). */
  l2: (a: { l2?: number } = {}): Regularizer => ({ className: 'L2', l1: 0, l2: checkNumber('regularizers.l2', 'l2', a.l2 ?? 0.01, 0) }),
  /** Both penalties (defaults 0). */
  l1l2: (a: { l1?: number; l2?: number } = {}): Regularizer => ({
    className: 'L1L2', l1: checkNumber('regularizers.l1l2', 'l1', a.l1 ?? 0, 0), l2: checkNumber('regularizers.l1l2', 'l2', a.l2 ?? 0, 0),
  }),
};

/** @internal Accepts 'l1' | 'l2' | 'l1l2' or a Regularizer object. */
export function getRegularizer(fn: string, v: unknown): Regularizer | null {
  if (v === undefined || v === null) return null;
  if (v === 'l1' || v === 'L1') return regularizers.l1();
  if (v === 'l2' || v === 'L2') return regularizers.l2();
  if (v === 'l1l2' || v === 'l1_l2' || v === 'L1L2') return regularizers.l1l2({ l1: 0.01, l2: 0.01 });
  if (typeof v === 'object' && 'l1' in (v as object) && 'l2' in (v as object)) return v as Regularizer;
  throw typeError(fn, `kernelRegularizer must be 'l1', 'l2', 'l1l2' or tf.regularizers.l1/l2/l1l2(...), got ${show(v)}`);
}

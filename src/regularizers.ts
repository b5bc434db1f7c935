// Kernel regularizers: Keras's L1, L2 and L1L2 penalties, applied in the native step.
import { checkNumber, checkOneOf, checkOptions, show, typeError } from './errors';

/** A weight penalty l1 * sum|w| + l2 * sum w². */
export interface Regularizer {
  readonly className: 'L1' | 'L2' | 'L1L2';
  readonly l1: number;
  readonly l2: number;
}

function make(fn: string, className: Regularizer['className'], l1: unknown, l2: unknown): Regularizer {
  return Object.freeze({ className, l1: checkNumber(fn, 'l1', l1, 0, Number.MAX_VALUE), l2: checkNumber(fn, 'l2', l2, 0, Number.MAX_VALUE) });
}

/** Regularizer factories, as `tf.regularizers` in TensorFlow.js. */
export const regularizers = {
  /** l1 * sum|w| (Keras default l1 = 0.01). */
  l1: (a: { l1?: number } = {}): Regularizer => make('regularizers.l1', 'L1', checkOptions('regularizers.l1', a, ['l1']).l1 ?? 0.01, 0),
  /** l2 * sum w² (Keras default l2 = 0.01). */
  l2: (a: { l2?: number } = {}): Regularizer => make('regularizers.l2', 'L2', 0, checkOptions('regularizers.l2', a, ['l2']).l2 ?? 0.01),
  /** Both penalties (defaults 0). */
  l1l2: (a: { l1?: number; l2?: number } = {}): Regularizer => {
    const o = checkOptions('regularizers.l1l2', a, ['l1', 'l2']);
    return make('regularizers.l1l2', 'L1L2', o.l1 ?? 0, o.l2 ?? 0);
  },
};

/** @internal Accepts 'l1' | 'l2' | 'l1l2' or a Regularizer object (whose fields are checked and copied). */
export function getRegularizer(fn: string, v: unknown): Regularizer | null {
  if (v === undefined || v === null) return null;
  if (v === 'l1' || v === 'L1') return regularizers.l1();
  if (v === 'l2' || v === 'L2') return regularizers.l2();
  if (v === 'l1l2' || v === 'l1_l2' || v === 'L1L2') return regularizers.l1l2({ l1: 0.01, l2: 0.01 });
  if (typeof v === 'object' && !Array.isArray(v)) {
    const r = checkOptions(fn, v, ['className', 'l1', 'l2'], true);
    if (r.l1 !== undefined && r.l2 !== undefined) {
      return make(fn, checkOneOf(fn, 'regularizer class', r.className ?? 'L1L2', ['L1', 'L2', 'L1L2'] as const), r.l1, r.l2);
    }
  }
  throw typeError(fn, `kernelRegularizer must be 'l1', 'l2', 'l1l2' or tf.regularizers.l1/l2/l1l2(...), got ${show(v)}`);
}

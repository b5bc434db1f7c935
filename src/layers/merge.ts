// The elementwise merge layers (Keras's Add, Subtract, Multiply, Average,
// Maximum, Minimum): several inputs of one shape in, one tensor of that shape
// out. They have no options and no weights; each is one native kind
// (native/layers/add.cc, elementwise_merge.cc).
import { checkArray, rangeError, show, typeError } from '../errors';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig } from './config';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';

/** Options of the merge layers ({@link add}, {@link subtract}, ...): only those every layer takes. */
export type MergeArgs = LayerArgs;

/**
 * @internal Reads a merge layer's input shapes: an array of at least two
 * shapes (exactly `exactly`, if set), each an array of positive integers.
 */
export function mergeShapes(fn: string, layer: Layer, inputShapes: unknown, exactly?: number): number[][] {
  const list = [...checkArray(fn, 'inputShape', inputShapes, 'an array of input shapes')];
  if (list.length > 0 && !Array.isArray(list[0])) {
    throw typeError(fn, `layer '${layer.name}' (${layer.className}) merges several inputs: give the shape of each ([[8], [8]]), got ${show(inputShapes)}`);
  }
  if (exactly !== undefined ? list.length !== exactly : list.length < 2) {
    throw typeError(fn, `layer '${layer.name}' (${layer.className}) takes ${exactly !== undefined ? `exactly ${exactly}` : 'at least 2'} inputs, got ${list.length}`);
  }
  return list.map((s, i) => checkInputShape(fn, s, `inputShape[${i}]`));
}

/** The base of the layers that take several inputs and have no weights (the merge layers, Concatenate). */
export abstract class MergeBase extends Layer {
  /** @internal */
  override get takesSeveralInputs(): boolean {
    return true;
  }

  /** Output shape of one sample for the shapes of the inputs (an array of shapes, no batch dimension). */
  abstract override computeOutputShape(inputShape: number[] | number[][]): number[];

  /** @internal The native kind and options for these input shapes. */
  protected abstract nativeSpecOf(inputShapes: number[][]): NativeLayerSpec;

  /** @internal */
  override outputShapeFor(inputShapes: number[][]): number[] {
    return this.computeOutputShape(inputShapes);
  }

  /** @internal */
  override nativeSpecFor(inputShapes: number[][]): NativeLayerSpec {
    this.computeOutputShape(inputShapes);
    return this.nativeSpecOf(inputShapes);
  }

  /** @internal */
  override weightSpecsFor(): WeightSpec[] {
    return [];
  }

  /** @internal A merge layer has no single-input form. */
  override toNative(): NativeLayerSpec {
    throw typeError(this.className, `layer '${this.name}' takes several inputs`);
  }
}

/** The native kind of each elementwise merge. */
type ElementwiseKind = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum';

/**
 * The base of the elementwise merges: inputs combined element by element,
 * broadcast as Keras's merges are (per-sample shapes right-aligned, a
 * dimension of 1 stretched: [2, 3] with [3] or [1, 3] gives [2, 3]).
 */
export abstract class ElementwiseMerge extends MergeBase {
  readonly #fn: ElementwiseKind;

  protected constructor(fn: ElementwiseKind, className: string, args: MergeArgs) {
    super(fn, className, layerOptions(fn, args, []) as LayerArgs);
    this.#fn = fn;
  }

  override computeOutputShape(inputShape: number[] | number[][]): number[] {
    const fn = this.#fn;
    const shapes = mergeShapes(fn, this, inputShape, fn === 'subtract' ? 2 : undefined);
    // Keras's broadcasting: shapes right-aligned, a dimension of 1 (or a missing one) stretched to the others'.
    const rank = Math.max(...shapes.map((s) => s.length));
    const out = new Array<number>(rank).fill(1);
    for (const s of shapes) {
      s.forEach((d, i) => {
        const at = rank - s.length + i;
        if (d === out[at] || d === 1) return;
        if (out[at] !== 1) throw rangeError(fn, `layer '${this.name}' (${this.className}) cannot merge inputs of shapes ${show(shapes[0])} and ${show(s)} (they neither match nor broadcast)`);
        out[at] = d;
      });
    }
    if (rank > 8) throw rangeError(fn, `layer '${this.name}' (${this.className}) merges inputs of at most 8 dimensions per sample, got ${rank}`);
    if (shapes.filter((s) => show(s) !== show(out)).length > 6) throw rangeError(fn, `layer '${this.name}' (${this.className}) broadcasts at most 6 of its inputs`);
    return out;
  }

  /** @internal */
  protected nativeSpecOf(): NativeLayerSpec {
    return { kind: native.enums.layer[this.#fn] };
  }
}

/** The sum of its inputs. */
export class Add extends ElementwiseMerge {
  /** The Keras class name. */
  static readonly className = 'Add';
  override readonly className = Add.className;
  constructor(args: MergeArgs = {}) {
    super('add', 'Add', args);
    this.lockConfig();
  }
  /** An Add layer from its {@link Layer.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): Add {
    return new Add(baseArgs('Add.fromConfig', checkLayerConfig('Add.fromConfig', config)));
  }
}

/** Its first input minus its second (exactly two). */
export class Subtract extends ElementwiseMerge {
  /** The Keras class name. */
  static readonly className = 'Subtract';
  override readonly className = Subtract.className;
  constructor(args: MergeArgs = {}) {
    super('subtract', 'Subtract', args);
    this.lockConfig();
  }
  /** A Subtract layer from its {@link Layer.getConfig} or a Keras one. */
  static override fromConfig(config: LayerConfig): Subtract {
    return new Subtract(baseArgs('Subtract.fromConfig', checkLayerConfig('Subtract.fromConfig', config)));
  }
}

/** The elementwise product of its inputs. */
export class Multiply extends ElementwiseMerge {
  /** The Keras class name. */
  static readonly className = 'Multiply';
  override readonly className = Multiply.className;
  constructor(args: MergeArgs = {}) {
    super('multiply', 'Multiply', args);
    this.lockConfig();
  }
  /** A Multiply layer from its {@link Layer.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): Multiply {
    return new Multiply(baseArgs('Multiply.fromConfig', checkLayerConfig('Multiply.fromConfig', config)));
  }
}

/** The elementwise mean of its inputs. */
export class Average extends ElementwiseMerge {
  /** The Keras class name. */
  static readonly className = 'Average';
  override readonly className = Average.className;
  constructor(args: MergeArgs = {}) {
    super('average', 'Average', args);
    this.lockConfig();
  }
  /** An Average layer from its {@link Layer.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): Average {
    return new Average(baseArgs('Average.fromConfig', checkLayerConfig('Average.fromConfig', config)));
  }
}

/** The elementwise maximum of its inputs (the gradient goes to the first input holding it). */
export class Maximum extends ElementwiseMerge {
  /** The Keras class name. */
  static readonly className = 'Maximum';
  override readonly className = Maximum.className;
  constructor(args: MergeArgs = {}) {
    super('maximum', 'Maximum', args);
    this.lockConfig();
  }
  /** A Maximum layer from its {@link Layer.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): Maximum {
    return new Maximum(baseArgs('Maximum.fromConfig', checkLayerConfig('Maximum.fromConfig', config)));
  }
}

/** The elementwise minimum of its inputs (the gradient goes to the first input holding it). */
export class Minimum extends ElementwiseMerge {
  /** The Keras class name. */
  static readonly className = 'Minimum';
  override readonly className = Minimum.className;
  constructor(args: MergeArgs = {}) {
    super('minimum', 'Minimum', args);
    this.lockConfig();
  }
  /** A Minimum layer from its {@link Layer.getConfig} or a Keras / TensorFlow.js one. */
  static override fromConfig(config: LayerConfig): Minimum {
    return new Minimum(baseArgs('Minimum.fromConfig', checkLayerConfig('Minimum.fromConfig', config)));
  }
}

registerLayer(Add);
registerLayer(Subtract);
registerLayer(Multiply);
registerLayer(Average);
registerLayer(Maximum);
registerLayer(Minimum);

// Embedding: token ids -> rows of a trainable table (native/layers/embedding.cc).
import { checkBool, checkInt, rangeError, typeError } from '../errors';
import { Initializer, InitializerIdentifier, getInitializer, initializers } from '../initializers';
import { native } from '../native';
import { LayerConfig, baseArgs, checkLayerConfig, deserializeInitializer, optional, serializeInitializer } from './config';
import { Layer, LayerArgs, NativeLayerSpec, WeightSpec, checkInputShape, layerOptions } from './layer';
import { registerLayer } from './registry';

const OPTIONS = ['inputDim', 'outputDim', 'embeddingsInitializer', 'inputLength', 'maskZero'] as const;

/** Options of {@link embedding}. */
export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: ids are integers in [0, inputDim). Required. */
  inputDim: number;
  /** Size of each id's vector. Required. */
  outputDim: number;
  /** Initializer of the table (default randomUniform in [-0.05, 0.05), as Keras). */
  embeddingsInitializer?: InitializerIdentifier | Initializer;
  /** Length of the id sequences, as TensorFlow.js's option: sets inputShape [inputLength] when that is not given. */
  inputLength?: number;
  /**
   * Whether id 0 is padding (Keras's mask_zero): positions holding 0 are
   * masked, so the recurrent layers after it carry their state over them.
   * Id 0 then cannot stand for a token: inputDim is the vocabulary size + 1
   * (default false).
   */
  maskZero?: boolean;
}

/**
 * Turns token ids into vectors: a per-sample input of shape S (float or
 * int32 ids, integers in [0, inputDim)) gives S + [outputDim]. An id outside
 * the range is an error naming its batch row and position. Training adds each
 * position's gradient into the row it read.
 */
export class Embedding extends Layer {
  /** The Keras class name. */
  static readonly className = 'Embedding';
  override readonly className = Embedding.className;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;
  readonly maskZero: boolean;

  constructor(options: EmbeddingArgs) {
    const fn = 'embedding';
    const a = layerOptions(fn, options, OPTIONS, true) as EmbeddingArgs;
    const length = a.inputLength === undefined || a.inputLength === null ? undefined : checkInt(fn, 'inputLength', a.inputLength, 1, 2 ** 31);
    super(fn, 'Embedding', length !== undefined && a.inputShape === undefined && a.batchInputShape === undefined ? { ...a, inputShape: [length] } : a);
    if (a.inputDim === undefined) throw typeError(fn, 'inputDim is required (the vocabulary size)');
    if (a.outputDim === undefined) throw typeError(fn, 'outputDim is required (the size of each vector)');
    this.inputDim = checkInt(fn, 'inputDim', a.inputDim, 1, 2 ** 24);
    this.outputDim = checkInt(fn, 'outputDim', a.outputDim, 1, 2 ** 24);
    if (this.inputDim * this.outputDim > 2 ** 31) throw rangeError(fn, `a table of ${this.inputDim} x ${this.outputDim} values is too large`);
    this.maskZero = a.maskZero === undefined || a.maskZero === null ? false : checkBool(fn, 'maskZero', a.maskZero);
    this.embeddingsInitializer = a.embeddingsInitializer === undefined || a.embeddingsInitializer === null
      ? initializers.randomUniform()
      : getInitializer(fn, 'embeddingsInitializer', a.embeddingsInitializer, 'randomUniform');
    this.lockConfig();
  }

  /** An Embedding layer from its {@link Embedding.getConfig} or a Keras / TensorFlow.js one (camelCase keys). */
  static override fromConfig(config: LayerConfig): Embedding {
    const fn = 'Embedding.fromConfig';
    const c = checkLayerConfig(fn, config);
    return new Embedding({
      ...baseArgs(fn, c), inputDim: optional(c, 'inputDim') as number, outputDim: optional(c, 'outputDim') as number,
      embeddingsInitializer: deserializeInitializer(optional(c, 'embeddingsInitializer'), 'randomUniform'),
      maskZero: optional(c, 'maskZero') as boolean | undefined,
    });
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const shape = checkInputShape('embedding', inputShape);
    if (shape.reduce((p, d) => p * d, 1) * this.outputDim > 2 ** 31) throw rangeError('embedding', `layer '${this.name}': the output is too large`);
    return [...shape, this.outputDim];
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    this.computeOutputShape(inputShape);
    const spec: NativeLayerSpec & Record<string, unknown> = { kind: native.enums.layer.embedding };
    spec.inputDim = this.inputDim;
    spec.outputDim = this.outputDim;
    spec.maskZero = this.maskZero;
    return spec;
  }

  /** @internal */
  override weightSpecs(_inputShape: number[]): WeightSpec[] {
    return [{ name: 'embeddings', shape: [this.inputDim, this.outputDim], initializer: this.embeddingsInitializer, trainable: true }];
  }

  /** Keras's Embedding config. */
  override getConfig(): LayerConfig {
    return {
      inputDim: this.inputDim, outputDim: this.outputDim, embeddingsInitializer: serializeInitializer(this.embeddingsInitializer),
      embeddingsRegularizer: null, activityRegularizer: null, embeddingsConstraint: null, maskZero: this.maskZero, ...super.getConfig(),
    };
  }
}

registerLayer(Embedding);

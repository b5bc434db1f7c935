// SimpleRNN: one native layer over the whole sequence (native/layers/simple_rnn.cc).
import { native } from '../native';
import { LayerConfig, checkLayerConfig } from './config';
import { NativeLayerSpec, layerOptions } from './layer';
import { RECURRENT_OPTIONS, RecurrentArgs, RecurrentLayer, recurrentArgsFromConfig } from './recurrent';
import { registerLayer } from './registry';

/** Options of {@link simpleRNN}. */
export type SimpleRNNArgs = RecurrentArgs;

/**
 * The fully connected recurrence `h' = activation(x · kernel + h ·
 * recurrent_kernel + bias)` over sequences [batch, time, features], with
 * Keras's weights (kernel [features, units], recurrent_kernel [units, units], bias [units]).
 */
export class SimpleRNN extends RecurrentLayer {
  /** The Keras class name. */
  static readonly className = 'SimpleRNN';
  override readonly className = SimpleRNN.className;
  protected readonly gates = 1;
  protected readonly nativeKind = native.enums.layer.simpleRNN;

  constructor(options: SimpleRNNArgs) {
    const args = layerOptions('simpleRNN', options, RECURRENT_OPTIONS, true) as SimpleRNNArgs;
    super('simpleRNN', 'SimpleRNN', args);
    this.lockConfig();
  }

  protected get fn(): string {
    return 'simpleRNN';
  }

  /** A SimpleRNN layer from its {@link SimpleRNN.getConfig} or a Keras / TensorFlow.js one (camelCase keys). */
  static override fromConfig(config: LayerConfig): SimpleRNN {
    const fn = 'SimpleRNN.fromConfig';
    return new SimpleRNN(recurrentArgsFromConfig(fn, checkLayerConfig(fn, config)));
  }

  /** @internal */
  override toNative(inputShape: number[]): NativeLayerSpec {
    return this.nativeSpec(inputShape);
  }
}

registerLayer(SimpleRNN);

// The same functional model built in tensorforge and in TensorFlow.js: random
// weights for the TensorFlow.js one, copied layer by layer (by name) into ours.
import * as tfjs from '@tensorflow/tfjs';
import * as tf from '../../src/index';
import { Rng } from '../training/reference';

/** Every weight of `m` drawn uniformly from [-0.7, 0.7) with a seeded generator. */
export function randomizeTfjs(m: tfjs.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  m.setWeights(m.weights.map((w) => tfjs.tensor(rng.array(w.shape.reduce((a: number, b) => a * (b as number), 1), -0.7, 0.7), w.shape as number[])));
}

/** Each layer of `to` takes the weights of the layer of the same name in `from`. */
export function copyWeights(from: tfjs.LayersModel, to: tf.LayersModel): void {
  for (const layer of to.layers) {
    layer.setWeights(from.getLayer(layer.name).getWeights().map((t) => tf.tensor(t.dataSync() as Float32Array, t.shape as number[])));
  }
}

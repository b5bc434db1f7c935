// Where each layer's weights live in the native model's two arenas
// (trainable parameters, non-trainable state), built from the native slot
// list and checked against what each layer declares; reads and writes them as
// tensors in Keras order.
import { checkArray, rangeError, show, typeError } from '../errors';
import { Layer, isCustomLayer } from '../layers/layer';
import type { NativeModel } from '../native';
import { Random, randomFrom } from '../random';
import { Tensor, checkTensor } from '../tensor';
import { sizeOf } from './model_args';

/** @internal One weight: its layer, Keras name, arena and place. */
export interface WeightSlot {
  layer: Layer;
  name: string;
  trainable: boolean;
  offset: number;
  shape: number[];
}

/** @internal A layer of the model, the shapes of the inputs it is built for and the native node holding its weights (-1: none, e.g. Flatten). */
export interface PlacedLayer {
  layer: Layer;
  inputShapes: number[][];
  nativeNode: number;
}

/** @internal The weights of one built model. */
export class WeightLayout {
  readonly slots: readonly WeightSlot[];
  readonly trainableSize: number;
  readonly stateSize: number;

  /**
   * Matches the native slots to the layers' declared weights; throws on any
   * disagreement (an engine bug). Where a weight lives is the engine's word: a
   * frozen layer's weights are in the non-trainable arena.
   */
  constructor(fn: string, nm: NativeModel, placed: readonly PlacedLayer[]) {
    const raw = nm.slots();
    const slots: WeightSlot[] = [];
    for (const { layer, inputShapes, nativeNode } of placed) {
      const declared = layer.weightSpecsFor(inputShapes);
      const mine = raw.filter((s) => s.layer === nativeNode);
      // A custom layer's native node numbers its weights (native configs carry no strings); their names are the layer's.
      const named = !isCustomLayer(layer);
      if (declared.length !== mine.length || declared.some((d, k) => (named && d.name !== mine[k].name) || (d.trainable && layer.trainable) !== mine[k].trainable)) {
        throw new Error(`${fn}: internal weight layout mismatch in layer '${layer.name}'`);
      }
      declared.forEach((d, k) => slots.push({ layer, name: d.name, trainable: mine[k].trainable, offset: mine[k].offset, shape: d.shape }));
    }
    this.slots = slots;
    this.trainableSize = slots.filter((s) => s.trainable).reduce((a, s) => a + sizeOf(s.shape), 0);
    this.stateSize = slots.filter((s) => !s.trainable).reduce((a, s) => a + sizeOf(s.shape), 0);
  }

  /** Fills every weight from its layer's initializer, each with its own stream of one generator. */
  initialize(nm: NativeModel, placed: readonly PlacedLayer[]): void {
    const rng = randomFrom();
    const params = new Float32Array(this.trainableSize);
    const state = new Float32Array(this.stateSize);
    const shapesOf = new Map(placed.map((p) => [p.layer, p.inputShapes]));
    for (const s of this.slots) {
      const arena = s.trainable ? params : state;
      const spec = s.layer.weightSpecsFor(shapesOf.get(s.layer)!).find((w) => w.name === s.name)!;
      spec.initializer.fill(arena.subarray(s.offset, s.offset + sizeOf(s.shape)), s.shape, new Random(rng.seed()));
    }
    nm.writeWeights(true, params);
    nm.writeWeights(false, state);
  }

  /** Both arenas, copied out. */
  read(nm: NativeModel): [Float32Array, Float32Array] {
    const p = new Float32Array(this.trainableSize);
    const s = new Float32Array(this.stateSize);
    nm.readWeights(true, p);
    nm.readWeights(false, s);
    return [p, s];
  }

  /** The given slots' values as tensors. */
  tensors(nm: NativeModel, slots: readonly WeightSlot[]): Tensor[] {
    const [p, s] = this.read(nm);
    return slots.map((sl) => new Tensor((sl.trainable ? p : s).slice(sl.offset, sl.offset + sizeOf(sl.shape)), sl.shape, 'float32'));
  }

  /** Checks `weights` against the given slots (count, tensors, shapes); returns them as an array. */
  check(fn: string, slots: readonly WeightSlot[], weights: unknown): Tensor[] {
    const list = [...checkArray(fn, 'weights', weights, 'an array of tensors')];
    if (list.length !== slots.length) throw rangeError(fn, `expected ${slots.length} weight tensors (${slots.map((s) => `${s.layer.name}/${s.name}`).join(', ')}), got ${list.length}`);
    list.forEach((w, i) => {
      checkTensor(fn, `weights[${i}]`, w);
      if (show((w as Tensor).shape) !== show(slots[i].shape)) {
        throw rangeError(fn, `weights[${i}] (${slots[i].layer.name}/${slots[i].name}) must have shape ${show(slots[i].shape)}, got ${show((w as Tensor).shape)}`);
      }
    });
    return list as Tensor[];
  }

  /** Writes checked tensors into the given slots, the other weights unchanged. */
  write(nm: NativeModel, slots: readonly WeightSlot[], weights: readonly Tensor[]): void {
    const [p, s] = this.read(nm);
    weights.forEach((w, i) => (slots[i].trainable ? p : s).set(w.values as Float32Array, slots[i].offset));
    nm.writeWeights(true, p);
    nm.writeWeights(false, s);
  }
}

/** @internal Throws unless `grads` is a Float32Array of `size` values. */
export function checkFlatGradients(fn: string, grads: unknown, size: number): Float32Array {
  if (!(grads instanceof Float32Array)) throw typeError(fn, `grads must be a Float32Array, got ${show(grads)}`);
  if (grads.length !== size) throw rangeError(fn, `grads must have ${size} values, got ${grads.length}`);
  return grads;
}

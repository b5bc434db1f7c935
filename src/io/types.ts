// The TensorFlow.js IO shapes (tfjs-core src/io/types.ts), restated so that
// tensorforge's artifacts and handlers are interchangeable with TensorFlow.js's.

/** Storage dtypes of a weight; quantized entries also name their quantization. */
export type WeightDType = 'float32' | 'int32' | 'bool' | 'string' | 'complex64';

/** One weight in a manifest: where it is in the byte stream follows from the entries before it. */
export interface WeightsManifestEntry {
  /** Unique name, `layerName/weightName` (e.g. `dense_1/kernel`); optimizer slots use `var/m`, `iter`, ... */
  name: string;
  /** Dimensions; `[]` is a scalar. */
  shape: number[];
  /** Logical dtype. */
  dtype: WeightDType;
  /** 'optimizer' for optimizer state (TensorFlow.js's includeOptimizer); absent for model weights. */
  group?: string;
  /** Stored quantized: `value = q * scale + min` (uint8 / uint16), or raw float16. */
  quantization?: { scale?: number; min?: number; dtype: 'uint16' | 'uint8' | 'float16' };
}

/** A group of weights stored across one or more shard files, concatenated in order. */
export interface WeightsManifestGroupConfig {
  /** Shard paths relative to model.json. */
  paths: string[];
  /** The weights in the group's byte order. */
  weights: WeightsManifestEntry[];
}

/** What `compile` was given, in TensorFlow.js's `trainingConfig` form. */
export interface TrainingConfig {
  /** Loss name (snake_case), or `{class_name, config}` for configured losses. */
  loss: string | string[] | Record<string, unknown>;
  /** Metric names (snake_case). */
  metrics?: string[] | Record<string, unknown> | null;
  /** `{class_name, config}` of the optimizer. */
  optimizer_config: { class_name: string; config: Record<string, unknown> };
  [key: string]: unknown;
}

/** A model in memory, as TensorFlow.js IO handlers pass it around (tfjs-core `ModelArtifacts`). */
export interface ModelArtifacts {
  /** Keras JSON of the topology (`{class_name, config, keras_version, backend}`). */
  modelTopology?: object | ArrayBuffer;
  /** Optimizer, loss and metrics; present when the model was compiled with something TensorFlow.js can rebuild. */
  trainingConfig?: TrainingConfig;
  /** The weights, in the byte order of weightData. */
  weightSpecs?: WeightsManifestEntry[];
  /** All weight bytes (little-endian), one buffer or several to be concatenated. */
  weightData?: ArrayBuffer | ArrayBuffer[];
  /** 'layers-model'. */
  format?: string;
  /** Library that produced the model, e.g. 'tensorforge v0.1.0'. */
  generatedBy?: string;
  /** Converter, or null. */
  convertedBy?: string | null;
  /** Free-form user data TensorFlow.js carries along. */
  userDefinedMetadata?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The contents of model.json. */
export interface ModelJSON {
  modelTopology: object;
  weightsManifest: WeightsManifestGroupConfig[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Sizes of what was saved (tfjs-core `ModelArtifactsInfo`). */
export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON';
  modelTopologyBytes?: number;
  weightSpecsBytes?: number;
  weightDataBytes?: number;
}

/** What `model.save` resolves to (tfjs-core `SaveResult`). */
export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  responses?: unknown[];
  errors?: unknown[];
}

/**
 * A TensorFlow.js-style IO handler: `tf.io.withSaveHandler(...)` and
 * `tf.io.fromMemory(...)` from `@tensorflow/tfjs` work as they are.
 */
export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
  load?(): Promise<ModelArtifacts>;
}

/** Options of `model.save` and `model.toArtifacts`. */
export interface SaveConfig {
  /** Also save the optimizer state, so that training resumes exactly (default false). */
  includeOptimizer?: boolean;
  /**
   * Store the model's float32 weights quantized, as `tensorflowjs_converter
   * --quantize_float16 / --quantize_uint8` does (default none: float32).
   * `'float16'` halves the weight bytes (relative error <= 2^-11);
   * `'uint8'` quarters them with an affine `q * scale + min` per weight
   * (error <= scale / 2, zero exact). Loading dequantizes to float32;
   * TensorFlow.js reads both. Optimizer state is never quantized.
   */
  quantizeWeights?: WeightQuantization;
}

/** Weight-only storage formats of `model.save`'s `quantizeWeights`. */
export type WeightQuantization = 'float16' | 'uint8';

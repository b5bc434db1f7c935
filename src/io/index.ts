// Save and load in the TensorFlow.js layers format (../../shared/TFJS-FORMAT.md):
// files (file:// URLs or paths), TensorFlow.js IO handlers, and in-memory
// ModelArtifacts.
import { show, typeError } from '../errors';
import { Functional } from '../models/functional';
import type { LayersModel } from '../models/layers_model';
import { Sequential } from '../models/sequential';
import { artifactsToModel } from './artifacts';
import { loadFromFile, pathFromUrl } from './file_system';
import type { ParsedTopology } from './model_json';
import { isHandler } from './save_model';
import type { IOHandler, ModelArtifacts } from './types';

export type {
  IOHandler, ModelArtifacts, ModelArtifactsInfo, ModelJSON, SaveConfig, SaveResult, TrainingConfig, WeightDType, WeightQuantization,
  WeightsManifestEntry, WeightsManifestGroupConfig,
} from './types';

/**
 * Loads a model saved in the TensorFlow.js layers format: by tensorforge,
 * by TensorFlow.js (`model.save`), or converted from Keras with
 * tensorflowjs_converter. Takes `file:///path/to/model.json`, a plain path to
 * model.json or to its directory, or a TensorFlow.js IO handler (e.g.
 * `tf.io.fromMemory(artifacts)` from @tensorflow/tfjs). A Sequential file
 * gives a {@link Sequential}, a functional one (`Model` / `Functional`) a
 * {@link Functional} model, as TensorFlow.js does; the manifest is validated
 * against the files and the topology before anything is allocated.
 */
export async function loadLayersModel(pathOrIOHandler: string | IOHandler): Promise<LayersModel> {
  const fn = 'loadLayersModel';
  let artifacts: ModelArtifacts;
  if (typeof pathOrIOHandler === 'string') {
    artifacts = await loadFromFile(fn, pathFromUrl(fn, pathOrIOHandler));
  } else if (isHandler(pathOrIOHandler, 'load')) {
    artifacts = await pathOrIOHandler.load!();
  } else {
    throw typeError(fn, `expected a path, a file:// URL or an IOHandler with a load() method, got ${show(pathOrIOHandler)}`);
  }
  return artifactsToModel(fn, artifacts, makeModel);
}

/**
 * Builds a model from ModelArtifacts (what `model.toArtifacts()` returns and
 * TensorFlow.js IO handlers pass around), e.g. read back from a database.
 */
export async function fromArtifacts(artifacts: ModelArtifacts): Promise<LayersModel> {
  return artifactsToModel('fromArtifacts', artifacts, makeModel);
}

/** The model a file describes. */
function makeModel(t: ParsedTopology): LayersModel {
  return t.functional ? new Functional({ name: t.name, inputs: t.functional.inputs, outputs: t.functional.outputs }) : new Sequential({ name: t.name, layers: t.layers });
}

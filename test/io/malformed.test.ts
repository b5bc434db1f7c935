// Every malformed or hostile model file gives an Error that says what is
// wrong — never a crash, a hang, or an allocation larger than the files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { MAX_MODEL_JSON_BYTES } from '../../src/io/file_system';
import { captureTfjs, cleanupDirs, tempDir } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const T = tf.layers;
let base: string;

beforeAll(async () => {
  await tfjs.setBackend('cpu');
  const m = tf.sequential([T.dense({ name: 'hidden', units: 8, activation: 'relu', inputShape: [6] }), T.dense({ name: 'out', units: 3, activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  base = tempDir();
  await m.save(base, { includeOptimizer: true });
});
afterAll(cleanupDirs);

/** A copy of the base model directory, with model.json (parsed) and weights.bin changed by `mutate`. */
function variant(mutate: (json: Any, dir: string, bin: Buffer) => Buffer | void): string {
  const dir = tempDir();
  const json = JSON.parse(fs.readFileSync(path.join(base, 'model.json'), 'utf8'));
  let bin: Buffer = fs.readFileSync(path.join(base, 'weights.bin'));
  bin = mutate(json, dir, bin) ?? bin;
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, 'weights.bin'), bin);
  return dir;
}
const weights = (json: Any) => json.weightsManifest[0].weights;
const entry = (json: Any, name: string) => weights(json).find((w: Any) => w.name === name);
const load = (dir: string) => tf.loadLayersModel(dir);

describe('model.json itself', () => {
  it('base model loads (the variants below differ from it in one thing)', async () => {
    expect((await load(base)).layers.length).toBe(2);
  });

  it('not JSON / truncated JSON', async () => {
    const dir = variant(() => undefined);
    const text = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    fs.writeFileSync(path.join(dir, 'model.json'), text.slice(0, text.length >> 1));
    await expect(load(dir)).rejects.toThrow(/loadLayersModel: '.*model\.json' is not valid JSON \(.*\); is the file truncated\?/);
    fs.writeFileSync(path.join(dir, 'model.json'), 'not json at all');
    await expect(load(dir)).rejects.toThrow(/is not valid JSON/);
    fs.writeFileSync(path.join(dir, 'model.json'), '[1, 2]');
    await expect(load(dir)).rejects.toThrow(/must hold a JSON object, got \[1,2\]/);
  });

  it('oversized model.json is refused before it is read', async () => {
    const dir = variant(() => undefined);
    fs.truncateSync(path.join(dir, 'model.json'), MAX_MODEL_JSON_BYTES + 1);  // sparse: no disk used
    await expect(load(dir)).rejects.toThrow(`is ${MAX_MODEL_JSON_BYTES + 1} bytes; a model.json larger than ${MAX_MODEL_JSON_BYTES} bytes is refused`);
  });

  it('missing model, not a layers model, no topology', async () => {
    await expect(load(path.join(base, 'nope'))).rejects.toThrow(/loadLayersModel: no model at '.*nope'/);
    await expect(load(variant((j) => { j.format = 'graph-model'; }))).rejects.toThrow(`format 'graph-model' is not supported; tensorforge loads 'layers-model'`);
    await expect(load(variant((j) => { delete j.modelTopology; }))).rejects.toThrow(/has no modelTopology/);
    await expect(load(variant((j) => { j.modelTopology.class_name = 'Bogus'; }))).rejects.toThrow(`unsupported model class 'Bogus'`);
    await expect(load(variant((j) => { j.weightsManifest = {}; }))).rejects.toThrow(/weightsManifest must be an array of \{paths, weights\} groups/);
    await expect(load(variant((j) => { delete j.weightsManifest[0].paths; }))).rejects.toThrow(/weightsManifest\[0\]\.paths must be an array of shard paths/);
  });

  it('bad arguments', async () => {
    await expect(tf.loadLayersModel(42 as never)).rejects.toThrow(TypeError);
    await expect(tf.loadLayersModel('https://example.com/model.json')).rejects.toThrow(/unsupported URL scheme 'https:\/\/'/);
    await expect(tf.loadLayersModel({ load: async () => 'x' } as never)).rejects.toThrow(/artifacts must be an object/);
  });
});

describe('shards', () => {
  it('truncated shard', async () => {
    const dir = variant((_j, _d, bin) => bin.subarray(0, bin.length - 3));
    await expect(load(dir)).rejects.toThrow(/weightsManifest\[0\]: the weights need (\d+) bytes but the shard files \(weights\.bin\) hold \d+ bytes \(truncated\)/);
  });

  it('oversized shard (trailing data)', async () => {
    const dir = variant((_j, _d, bin) => Buffer.concat([bin, Buffer.alloc(8)]));
    await expect(load(dir)).rejects.toThrow(/hold \d+ bytes \(oversized\)/);
  });

  it('missing shard', async () => {
    const dir = variant((j) => { j.weightsManifest[0].paths = ['weights.bin', 'group1-shard2of2.bin']; });
    await expect(load(dir)).rejects.toThrow(/weight shard 'group1-shard2of2\.bin' is missing \(expected at .*group1-shard2of2\.bin\)/);
  });

  it('a shard that is a directory, a shard listed twice', async () => {
    const dir = variant((j, d) => {
      fs.mkdirSync(path.join(d, 'sub'));
      j.weightsManifest[0].paths = ['sub'];
    });
    await expect(load(dir)).rejects.toThrow(`weight shard 'sub' is not a file`);
    await expect(load(variant((j) => { j.weightsManifest[0].paths = ['weights.bin', './weights.bin']; }))).rejects.toThrow(`shard './weights.bin' is listed twice`);
  });

  for (const p of ['../weights.bin', 'sub/../../weights.bin', '/etc/passwd', '..\\weights.bin', 'file:///etc/passwd', '']) {
    it(`path traversal refused: ${JSON.stringify(p)}`, async () => {
      const dir = variant((j, d) => {
        fs.copyFileSync(path.join(base, 'weights.bin'), path.join(path.dirname(d), 'weights.bin'));  // a file it could reach
        j.weightsManifest[0].paths = [p];
      });
      await expect(load(dir)).rejects.toThrow(p === '' ? /paths\[0\] must be a non-empty relative path/ : /weightsManifest\[0\]\.paths\[0\] '.*' is outside the model's directory; shard paths must be relative and must not contain '\.\.'/);
    });
  }

  it('several shards and groups: each group is checked against its own files', async () => {
    const dir = variant((j, d, bin) => {
      const w = weights(j);
      j.weightsManifest = [{ paths: ['a.bin'], weights: w.slice(0, 2) }, { paths: ['b.bin'], weights: w.slice(2) }];
      const cut = (6 * 8 + 8) * 4;
      fs.writeFileSync(path.join(d, 'a.bin'), bin.subarray(0, cut + 4));  // 4 bytes too many in a,
      fs.writeFileSync(path.join(d, 'b.bin'), bin.subarray(cut + 4));    // 4 too few in b: same total
    });
    await expect(load(dir)).rejects.toThrow(/weightsManifest\[0\]: the weights need 224 bytes but the shard files \(a\.bin\) hold 228 bytes \(oversized\)/);
  });
});

describe('manifest entries', () => {
  it('wrong dtype', async () => {
    await expect(load(variant((j) => { entry(j, 'hidden/bias').dtype = 'float64'; }))).rejects.toThrow(`('hidden/bias'): unsupported dtype 'float64'; weights must be 'float32', 'int32' or 'bool'`);
    await expect(load(variant((j) => { entry(j, 'hidden/bias').dtype = 'string'; }))).rejects.toThrow(/unsupported dtype 'string'/);
    await expect(load(variant((j) => { entry(j, 'hidden/bias').dtype = 'int32'; }))).rejects.toThrow(`weight 'hidden/bias' has dtype 'int32'; model weights must be float32`);
    await expect(load(variant((j) => { entry(j, 'hidden/bias').quantization = { dtype: 'int4' }; }))).rejects.toThrow(`unsupported quantization dtype 'int4'`);
  });

  it('duplicate names', async () => {
    const dir = variant((j, _d, bin) => {
      weights(j).push({ name: 'out/bias', shape: [3], dtype: 'float32' });
      return Buffer.concat([bin, Buffer.alloc(12)]);
    });
    await expect(load(dir)).rejects.toThrow(/duplicate weight name 'out\/bias' in weightsManifest\[0\]\.weights\[\d+\]/);
  });

  const badDims: [unknown, RegExp][] = [
    [[6, -8], /shape \[6,-8\] has a bad dimension -8 \(dimensions are integers in \[0, 2147483647\]\)/],
    [[6, 8.5], /has a bad dimension 8\.5/],
    [[6, '8'], /has a bad dimension '8'/],
    [[6, null], /has a bad dimension null/],
    [[6, 2 ** 40], /has a bad dimension 1099511627776/],
    [[65536, 65536], /shape \[65536,65536\] has more than 2147483647 elements/],
    [[1, 1, 1, 1, 1, 1, 1, 1, 48], /shape has rank 9; at most 8 is accepted/],
    ['6x8', /shape must be an array of dimensions, got '6x8'/],
  ];
  for (const [shape, message] of badDims) {
    it(`bad dims: ${JSON.stringify(shape)}`, async () => {
      await expect(load(variant((j) => { entry(j, 'hidden/kernel').shape = shape; }))).rejects.toThrow(message);
    });
  }

  it('a huge but well-formed shape is refused by the byte count, before any allocation', async () => {
    const dir = variant((j) => { entry(j, 'hidden/kernel').shape = [40000, 50000]; });
    await expect(load(dir)).rejects.toThrow(/the weights need 800000\d+ bytes but the shard files \(weights\.bin\) hold \d+ bytes \(truncated\)/);
  });
});

describe('manifest against topology', () => {
  it('shape mismatch (same byte count)', async () => {
    await expect(load(variant((j) => { entry(j, 'hidden/kernel').shape = [8, 6]; })))
      .rejects.toThrow(`weight 'hidden/kernel' has shape [8,6] in the manifest but the topology needs [6,8]`);
  });

  it('topology changed under the weights', async () => {
    await expect(load(variant((j) => { j.modelTopology.config.layers[0].config.units = 9; })))
      .rejects.toThrow(`weight 'hidden/kernel' has shape [6,8] in the manifest but the topology needs [6,9]`);
    await expect(load(variant((j) => { j.modelTopology.config.layers[0].config.batch_input_shape = [null, 7]; })))
      .rejects.toThrow(`topology needs [7,8]`);
  });

  it('missing weight, unknown weight', async () => {
    await expect(load(variant((j) => { entry(j, 'out/kernel').name = 'other/kernel'; })))
      .rejects.toThrow(`weight 'out/kernel' (shape [8,3]) is missing from the weights manifest`);
    const dir = variant((j, _d, bin) => {
      weights(j).splice(4, 0, { name: 'ghost/kernel', shape: [1], dtype: 'float32' });
      const at = (48 + 8 + 24 + 3) * 4;
      return Buffer.concat([bin.subarray(0, at), Buffer.alloc(4), bin.subarray(at)]);
    });
    await expect(load(dir)).rejects.toThrow(`weight 'ghost/kernel' in the manifest belongs to no layer of the topology`);
  });

  it('duplicate layer names in the topology', async () => {
    await expect(load(variant((j) => { j.modelTopology.config.layers[1].config.name = 'hidden'; })))
      .rejects.toThrow(`duplicate layer name 'hidden' in modelTopology`);
  });

  it('unsupported layer class is named', async () => {
    await expect(load(variant((j) => { j.modelTopology.config.layers[1].class_name = 'Conv3D'; })))
      .rejects.toThrow(/layer 'out' \(Conv3D\): unsupported layer class 'Conv3D'; tensorforge reads InputLayer, Dense, Dropout, Flatten, Activation, BatchNormalization/);
    await expect(load(variant((j) => { j.modelTopology.config.layers[1].class_name = 'ConvLSTM2D'; }))).rejects.toThrow(`unsupported layer class 'ConvLSTM2D'`);
  });

  it('unknown activation, unknown input shape, dimensions that are not integers', async () => {
    await expect(load(variant((j) => { j.modelTopology.config.layers[1].config.activation = 'mish'; })))
      .rejects.toThrow(/layer 'out' \(Dense\): dense: unknown activation 'mish'; valid values: linear, relu/);
    await expect(load(variant((j) => { delete j.modelTopology.config.layers[0].config.batch_input_shape; })))
      .rejects.toThrow(`the model's input shape is unknown: the first layer has no batch_input_shape and there is no InputLayer`);
    await expect(load(variant((j) => { j.modelTopology.config.layers[0].config.batch_input_shape = [null, null]; })))
      .rejects.toThrow(`input shape [null,null] must have positive integer dimensions besides the batch (got null)`);
  });

  it('a topology whose weights would be huge is refused before the model is built', async () => {
    const dir = variant((j) => {
      j.modelTopology.config.layers[0].config.batch_input_shape = [null, 100000];
      j.modelTopology.config.layers[0].config.units = 16777216;
    });
    await expect(load(dir)).rejects.toThrow(`weight 'kernel' of shape [100000,16777216] is too large`);
  });

  it('TensorFlow.js / Keras 2 hard_sigmoid is refused rather than silently changed', async () => {
    const m = tfjs.sequential({ layers: [tfjs.layers.dense({ units: 2, inputShape: [3], activation: 'hardSigmoid' })] });
    await expect(tf.loadLayersModel(tfjs.io.fromMemory(await captureTfjs(m)) as Any))
      .rejects.toThrow(/activation 'hard_sigmoid' from tfjs-layers .* is clip\(0\.2x \+ 0\.5, 0, 1\)/);
  });

  // Issue 16 lifted the single-chain limit: branches, merges and shared layers load now
  // (test/models/functional_io.test.ts); what stays refused, and malformed wiring, is here.
  it('functional models: an output list of none, and wiring that references what the model never makes', async () => {
    const input = tfjs.input({ shape: [4] });
    const a = tfjs.layers.dense({ units: 3, name: 'a' }).apply(input) as tfjs.SymbolicTensor;
    const b = tfjs.layers.dense({ units: 3, name: 'b' }).apply(input) as tfjs.SymbolicTensor;
    const sum = tfjs.layers.add({ name: 'sum' }).apply([a, b]) as tfjs.SymbolicTensor;
    const twoOut = await captureTfjs(tfjs.model({ inputs: input, outputs: [a, b] }));
    const noOutputs = JSON.parse(JSON.stringify(twoOut.modelTopology));
    noOutputs.config.output_layers = [];
    await expect(tf.loadLayersModel(tfjs.io.fromMemory({ ...twoOut, modelTopology: noOutputs }) as Any))
      .rejects.toThrow('loadLayersModel: the functional model lists no output_layers');
    const branchy = await captureTfjs(tfjs.model({ inputs: input, outputs: sum }));
    const rewire = (mutate: (layers: Any[]) => void) => {
      const t = JSON.parse(JSON.stringify(branchy.modelTopology));
      mutate(t.config.layers);
      return tf.loadLayersModel(tfjs.io.fromMemory({ ...branchy, modelTopology: t }) as Any);
    };
    const byName = (layers: Any[], n: string) => layers.find((l: Any) => l.name === n);
    await expect(rewire((l) => { byName(l, 'sum').inbound_nodes[0][1][0] = 'nowhere'; }))
      .rejects.toThrow("loadLayersModel: layer 'sum' takes its input from unknown layer 'nowhere'");
    await expect(rewire((l) => { byName(l, 'sum').inbound_nodes[0][1][1] = 3; }))
      .rejects.toThrow("loadLayersModel: layer 'sum' (Add) reads b[3][0], which the model never makes (a missing node or a cycle)");
    await expect(rewire((l) => { byName(l, 'a').inbound_nodes[0][0][0] = 'sum'; }))
      .rejects.toThrow(/^loadLayersModel: layer '(a|sum)' \((Dense|Add)\) reads \w+\[0\]\[0\], which the model never makes \(a missing node or a cycle\)/);
    await expect(rewire((l) => { byName(l, 'sum').inbound_nodes[0][1][2] = 1; }))
      .rejects.toThrow("loadLayersModel: layer 'sum' reads output 1 of layer 'b', which has one output");
    await expect(rewire((l) => { byName(l, 'b').inbound_nodes = []; }))
      .rejects.toThrow("loadLayersModel: layer 'b' (Dense) is not connected to the model (it has no inbound nodes)");
    await expect(rewire((l) => { byName(l, 'b').config.units = 5; }))
      .rejects.toThrow("loadLayersModel: layer 'sum' (Add): layer 'sum' (Add) cannot merge inputs of shapes [3] and [5]");
  });
});

describe('training configuration and optimizer state', () => {
  it('unknown optimizer, loss, metric', async () => {
    await expect(load(variant((j) => { j.trainingConfig.optimizer_config.class_name = 'Lion'; })))
      .rejects.toThrow(`trainingConfig: unsupported optimizer class 'Lion'`);
    await expect(load(variant((j) => { j.trainingConfig.loss = 'poisson'; })))
      .rejects.toThrow(/trainingConfig: compile: unknown loss 'poisson'/);
    await expect(load(variant((j) => { j.trainingConfig.metrics = ['auc']; })))
      .rejects.toThrow(/trainingConfig: compile: unknown metric 'auc'/);
  });

  it('optimizer state that does not match the optimizer', async () => {
    await expect(load(variant((j) => { j.trainingConfig.optimizer_config = { class_name: 'Momentum', config: { learningRate: 0.1, momentum: 0.9 } }; })))
      .rejects.toThrow(`optimizer weight 'hidden/kernel/momentum' is missing (the saved optimizer state does not match the SGD optimizer)`);
    await expect(load(variant((j) => { entry(j, 'out/bias/v').shape = [1, 3]; })))
      .rejects.toThrow(`optimizer weight 'out/bias/v' has shape [1,3], expected [3]`);
    const dir = variant((j, _d, bin) => {
      const it = new DataView(bin.buffer, bin.byteOffset + (48 + 8 + 24 + 3) * 4, 4);
      it.setInt32(0, -5, true);
      expect(entry(j, 'iter').dtype).toBe('int32');
    });
    await expect(load(dir)).rejects.toThrow(`optimizer weight 'iter' must be a non-negative integer, got -5`);
  });
});

describe('fromArtifacts', () => {
  it('checks the artifacts like a file', async () => {
    const m = await load(base);
    const a = await m.toArtifacts();
    await expect(tf.fromArtifacts(null as never)).rejects.toThrow(/fromArtifacts: artifacts must be an object, got null/);
    await expect(tf.fromArtifacts({ ...a, weightData: (a.weightData as ArrayBuffer).slice(0, 10) }))
      .rejects.toThrow(/fromArtifacts: the weight data has 10 bytes but the weight specs describe 332 bytes \(truncated data\)/);
    await expect(tf.fromArtifacts({ ...a, weightSpecs: undefined })).rejects.toThrow(`the artifacts have weightData but no weightSpecs`);
    await expect(tf.fromArtifacts({ ...a, weightData: 'abc' as never })).rejects.toThrow(`weightData must be an ArrayBuffer or an array of them, got 'abc'`);
    await expect(tf.fromArtifacts({ ...a, modelTopology: new ArrayBuffer(8) })).rejects.toThrow(`modelTopology is binary (a TensorFlow graph model)`);
    // weightData split across buffers (TensorFlow.js's WeightData) is fine.
    const buf = a.weightData as ArrayBuffer;
    const split = await tf.fromArtifacts({ ...a, weightData: [buf.slice(0, 7), buf.slice(7)] });
    expect(split.getWeights().length).toBe(4);
  });
});

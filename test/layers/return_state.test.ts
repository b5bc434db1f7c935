// returnState (Keras's return_state) of LSTM, GRU, SimpleRNN and
// Bidirectional in functional models: `apply` returns [output, ...states],
// each usable by other layers. Against TensorFlow.js with copied weights:
// predictions, and weights after a few training steps (so the gradients of
// the states reach the layer through time), with and without a mask; a loss
// on a state alone; an encoder-decoder (the encoder's states as the
// decoder's initialState) that trains; files both ways and Keras 3's JSON
// (tensor indices, initial_state kwargs); Sequential's refusal.
import * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { expectClose } from './harness';
import { CLASS, Kind, seededValues as values } from './recurrent_reference';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const T = 4;
const F = 2;
const U = 3;
const D = 2;
const B = 4;
/** Steps kept by the mask: full, post-padded, pre-padded, one step in the middle. */
const KEEP = [[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 1, 1], [0, 1, 0, 0]];
const TOL = { rtol: 1e-4, atol: 2e-6 };

beforeAll(async () => {
  await tfjs.setBackend('cpu');
});

/** The recurrent layer of `kind` in either library (TensorFlow.js's LSTM / GRU given Keras 3's sigmoid, tensorforge's GRU Keras 2's reset-before). */
function rnn(lib: 'tf' | 'tfjs', kind: Kind, extra: Record<string, unknown>): Any {
  if (lib === 'tf') {
    if (kind === 'lstm') return tf.layers.lstm({ units: U, ...extra });
    if (kind === 'gru') return tf.layers.gru({ units: U, resetAfter: false, ...extra });
    return tf.layers.simpleRNN({ units: U, ...extra });
  }
  if (kind === 'lstm') return tfjs.layers.lstm({ units: U, recurrentActivation: 'sigmoid', ...extra });
  if (kind === 'gru') return tfjs.layers.gru({ units: U, recurrentActivation: 'sigmoid', ...extra });
  return tfjs.layers.simpleRNN({ units: U, ...extra });
}

type Shape = 'all' | 'state';
/**
 * `all`: x -> [masking] -> rnn(returnSequences, returnState) -> [seq, ...states];
 * a second recurrent layer reads seq (so its mask too), and Dense(D) reads
 * that and every state. `state`: Dense(D) on the last state alone (c for the
 * LSTM), the layer's output unused. With `bidi`, the first layer is
 * bidirectional (its states: forward's, then backward's).
 */
function build(lib: 'tf' | 'tfjs', kind: Kind, shape: Shape, masked: boolean, bidi = false): Any {
  const L: Any = lib === 'tf' ? tf : tfjs;
  const x = L.input({ shape: [T, F] });
  const seq0 = masked ? L.layers.masking().apply(x) : x;
  let layer = rnn(lib, kind, { returnSequences: true, returnState: true });
  if (bidi) layer = L.layers.bidirectional({ layer });
  const [seq, ...states] = layer.apply(seq0) as Any[];
  const out = shape === 'state'
    ? L.layers.dense({ units: D }).apply(states[states.length - 1])
    : L.layers.dense({ units: D }).apply(L.layers.concatenate().apply([rnn(lib, kind, {}).apply(seq), ...states]));
  return L.model({ inputs: x, outputs: out });
}

function data(seed: number, masked: boolean) {
  const x = values(B * T * F, seed, 2);
  if (masked) KEEP.forEach((r, b) => r.forEach((v, t) => v || x.fill(0, (b * T + t) * F, (b * T + t + 1) * F)));
  return { x, y: values(B * D, seed + 1, 1) };
}

/** The same weights in both models; predictions, then three SGD steps each and the weights after. */
async function compare(kind: Kind, shape: Shape, masked: boolean, bidi: boolean, seed: number) {
  const m = build('tf', kind, shape, masked, bidi);
  const tm = build('tfjs', kind, shape, masked, bidi);
  const specs = m.weightSpecs() as { shape: number[] }[];
  const w = specs.map((sp, k) => values(sp.shape.reduce((a, b) => a * b, 1), seed + 7 * k, 0.6));
  expect(tm.getWeights().map((v: tfjs.Tensor) => v.shape)).toEqual(specs.map((sp) => sp.shape));
  m.setWeights(w.map((v, k) => tf.tensor(v, specs[k].shape)));
  tm.setWeights(w.map((v, k) => tfjs.tensor(v, specs[k].shape)));
  const { x, y } = data(seed + 100, masked);
  const got = m.predict(tf.tensor(x, [B, T, F])).values as Float32Array;
  expectClose(got, (tm.predict(tfjs.tensor(x, [B, T, F])) as tfjs.Tensor).dataSync(), TOL, 'predictions');

  m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
  tm.compile({ optimizer: tfjs.train.sgd(0.5), loss: 'meanSquaredError' });
  await m.fit(tf.tensor(x, [B, T, F]), tf.tensor(y, [B, D]), { epochs: 3, batchSize: B, shuffle: false, verbose: 0 });
  await tm.fit(tfjs.tensor(x, [B, T, F]), tfjs.tensor(y, [B, D]), { epochs: 3, batchSize: B, shuffle: false, verbose: 0 });
  const ours = m.getWeights().map((t: tf.Tensor) => t.values as Float32Array);
  const theirs = tm.getWeights().map((t: tfjs.Tensor) => t.dataSync());
  ours.forEach((v: Float32Array, k: number) => expectClose(v, theirs[k], { rtol: 1e-3, atol: 2e-5 }, `weight ${k} after training`));
  // Not vacuous: the first recurrent layer's kernel moved (its gradient came through the states too).
  const moved = Math.max(...ours[0].map((v: number, e: number) => Math.abs(v - w[0][e])));
  expect(moved).toBeGreaterThan(1e-3);
}

describe('returnState against TensorFlow.js with copied weights (predictions, weights after training)', () => {
  (['lstm', 'gru', 'simpleRNN'] as Kind[]).forEach((kind, i) => {
    for (const masked of [false, true]) {
      it(`${CLASS[kind]}: output and states feeding other layers${masked ? ', under a mask (the state at each sample\'s last kept step)' : ''}`, async () => {
        await compare(kind, 'all', masked, false, 10 + 20 * i + (masked ? 10 : 0));
      });
    }
    it(`${CLASS[kind]}: a loss on the last state alone trains the layer`, async () => {
      await compare(kind, 'state', false, false, 80 + i);
    });
  });
  it('Bidirectional(LSTM): [output, forward h, c, backward h, c], under a mask', async () => {
    await compare('lstm', 'all', true, true, 90);
  });
  it('Bidirectional(GRU): [output, forward h, backward h]', async () => {
    await compare('gru', 'all', false, true, 95);
  });
});

describe('returnState shapes and types', () => {
  it('apply returns [output, ...states] with Keras shapes and tensor indices', () => {
    const x = tf.input({ shape: [T, F] });
    const [seq, h, c] = tf.layers.lstm({ units: U, returnSequences: true, returnState: true, name: 'enc' }).apply(x);
    expect([seq.shape, h.shape, c.shape]).toEqual([[null, T, U], [null, U], [null, U]]);
    expect([seq.tensorIndex, h.tensorIndex, c.tensorIndex]).toEqual([0, 1, 2]);
    expect([seq.name, h.name, c.name]).toEqual(['enc', 'enc:1', 'enc:2']);
    const g = tf.layers.gru({ units: U, returnState: true }).apply(x);
    expect(g.map((t) => t.shape)).toEqual([[null, U], [null, U]]);
    const bi = tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: U, returnState: true }), mergeMode: 'sum' }).apply(x);
    expect(bi.map((t) => t.shape)).toEqual([[null, U], [null, U], [null, U]]);
    expect(tf.layers.lstm({ units: U }).apply(x).shape).toEqual([null, U]);
  });

  it('states as model outputs: predict returns them, and outputNames name them', () => {
    const x = tf.input({ shape: [T, F] });
    const [out, h, c] = tf.layers.lstm({ units: U, returnState: true, name: 'l' }).apply(x);
    const m = tf.model({ inputs: x, outputs: [out, c, h] });
    expect(m.outputNames).toEqual(['l', 'l:2', 'l:1']);
    const [po, pc, ph] = m.predict(tf.tensor(data(3, false).x, [B, T, F])) as tf.Tensor[];
    // Without returnSequences the output is the last h.
    expect(Array.from(po.values)).toEqual(Array.from(ph.values));
    expect(pc.shape).toEqual([B, U]);
    expect(Array.from(pc.values)).not.toEqual(Array.from(ph.values));
  });

  it('with dropout and recurrentDropout: inference matches the layer without them, and training runs on the masked steps', async () => {
    const build = (drop: number) => {
      const x = tf.input({ shape: [T, F] });
      const [out, h, c] = tf.layers.lstm({ units: U, returnState: true, dropout: drop, recurrentDropout: drop, seed: 3, name: 'l' }).apply(x);
      return tf.model({ inputs: x, outputs: [tf.layers.dense({ units: D, name: 'd' }).apply(out) as tf.SymbolicTensor, c, h] });
    };
    const plain = build(0);
    const dropped = build(0.5);
    dropped.setWeights(plain.getWeights());
    const { x, y } = data(5, false);
    const xs = tf.tensor(x, [B, T, F]);
    // Dropout is off at inference: every output, the states included, equals the plain layer's.
    const a = plain.predict(xs) as tf.Tensor[];
    const b = dropped.predict(xs) as tf.Tensor[];
    a.forEach((t, k) => expect(Array.from(b[k].values)).toEqual(Array.from(t.values)));
    // Training with dropout changes the weights differently from training without it, and stays finite.
    for (const m of [plain, dropped]) m.compile({ optimizer: 'sgd', loss: ['meanSquaredError', 'meanSquaredError', 'meanSquaredError'] });
    const ys = [tf.tensor(y, [B, D]), tf.zeros([B, U]), tf.zeros([B, U])];
    await plain.fit(xs, ys, { epochs: 2, batchSize: B, shuffle: false, verbose: 0 });
    const h = await dropped.fit(xs, ys, { epochs: 2, batchSize: B, shuffle: false, verbose: 0 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    const wa = plain.getWeights()[0].values as Float32Array;
    const wb = dropped.getWeights()[0].values as Float32Array;
    expect(Array.from(wb).every(Number.isFinite)).toBe(true);
    expect(Array.from(wb)).not.toEqual(Array.from(wa));
  });

  it('Sequential refuses a layer with returnState, as Keras does', () => {
    const lstm = () => tf.layers.lstm({ units: U, returnState: true, inputShape: [T, F], name: 'r' });
    expect(() => tf.sequential({ layers: [lstm()] })).toThrow(new TypeError("add: layer 'r' (LSTM) has returnState, so it returns its output and its states; a Sequential model's layers return one tensor each (use the functional API, tf.model, for the states)"));
    const s = tf.sequential();
    expect(() => s.add(tf.layers.bidirectional({ layer: tf.layers.gru({ units: U, returnState: true }), inputShape: [T, F] }))).toThrow(/^add: .*has returnState/);
    expect(s.layers.length).toBe(0);
    expect(() => tf.layers.lstm({ units: U, returnState: 1 as never })).toThrow(TypeError);
  });
});

describe('an encoder-decoder: the encoder\'s states start the decoder', () => {
  const TE = 5;
  const TD = 3;
  function encoderDecoder(lib: 'tf' | 'tfjs'): Any {
    const L: Any = lib === 'tf' ? tf : tfjs;
    const enc = L.input({ shape: [TE, F], name: 'enc_in' });
    const dec = L.input({ shape: [TD, F], name: 'dec_in' });
    const [, h, c] = rnn(lib, 'lstm', { returnState: true, name: 'enc' }).apply(enc);
    const seq = rnn(lib, 'lstm', { returnSequences: true, name: 'dec' }).apply(dec, { initialState: [h, c] });
    const out = L.layers.dense({ units: D, name: 'out' }).apply(L.layers.flatten({ name: 'flat' }).apply(seq));
    return L.model({ inputs: [enc, dec], outputs: out });
  }
  // The target is the mean of the encoder's sequence, which the decoder only sees through the states.
  const N = 48;
  const xe = values(N * TE * F, 7, 1);
  const xd = values(N * TD * F, 8, 1);
  const y = Float32Array.from({ length: N * D }, (_, k) => {
    const n = Math.floor(k / D), f = k % D;
    let s = 0;
    for (let t = 0; t < TE; t++) s += xe[(n * TE + t) * F + f];
    return s / TE;
  });
  const inputs = () => [tf.tensor(xe, [N, TE, F]), tf.tensor(xd, [N, TD, F])];

  it('predicts and trains as TensorFlow.js does (gradients into the encoder through the states)', async () => {
    const m = encoderDecoder('tf');
    const tm = encoderDecoder('tfjs');
    const specs = m.weightSpecs() as { shape: number[] }[];
    const w = specs.map((sp, k) => values(sp.shape.reduce((a, b) => a * b, 1), 200 + 3 * k, 0.5));
    m.setWeights(w.map((v, k) => tf.tensor(v, specs[k].shape)));
    tm.setWeights(w.map((v, k) => tfjs.tensor(v, specs[k].shape)));
    const tin = [tfjs.tensor(xe, [N, TE, F]), tfjs.tensor(xd, [N, TD, F])];
    expectClose(m.predict(inputs()).values as Float32Array, (tm.predict(tin) as tfjs.Tensor).dataSync(), TOL, 'predictions');
    m.compile({ optimizer: tf.optimizers.sgd({ learningRate: 0.3 }), loss: 'meanSquaredError' });
    tm.compile({ optimizer: tfjs.train.sgd(0.3), loss: 'meanSquaredError' });
    await m.fit(inputs(), tf.tensor(y, [N, D]), { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    await tm.fit(tin, tfjs.tensor(y, [N, D]), { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    const theirs = tm.getWeights().map((t: tfjs.Tensor) => t.dataSync());
    m.getWeights().forEach((t: tf.Tensor, k: number) => expectClose(t.values as Float32Array, theirs[k], { rtol: 1e-3, atol: 2e-5 }, `weight ${k}`));
  });

  it('summary shows which output of the encoder the decoder reads', () => {
    const m = encoderDecoder('tf');
    m.build();
    const lines: string[] = [];
    m.summary(160, undefined, (l: string) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toMatch(/dec \(LSTM\).*dec_in\[0\]\[0\]\n.*enc\[0\]\[1\]\n.*enc\[0\]\[2\]/);
    expect(text).toMatch(/enc \(LSTM\) +\[\[null,3\],\[null,3\],\[null,3\]\] +72 +enc_in\[0\]\[0\]/);
  });

  it('learns what only the states carry', async () => {
    const m = encoderDecoder('tf');
    m.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.02 }), loss: 'meanSquaredError' });
    const h = await m.fit(inputs(), tf.tensor(y, [N, D]), { epochs: 60, batchSize: 16, shuffle: false, verbose: 0 });
    const mean = [0, 1].map((f) => y.filter((_, k) => k % D === f).reduce((a, v) => a + v, 0) / N);
    const baseline = y.reduce((a, v, k) => a + (v - mean[k % D]) ** 2, 0) / y.length;
    const last = h.history.loss[h.history.loss.length - 1] as number;
    expect(last).toBeLessThan(0.2 * baseline);
  });

  it('files both ways with TensorFlow.js (inbound tensor indices), and Keras 3 JSON', async () => {
    const m = encoderDecoder('tf');
    const specs = m.weightSpecs() as { shape: number[] }[];
    const w = specs.map((sp, k) => values(sp.shape.reduce((a, b) => a * b, 1), 300 + 3 * k, 0.5));
    m.setWeights(w.map((v, k) => tf.tensor(v, specs[k].shape)));
    const want = m.predict(inputs()).values as Float32Array;
    const tin = [tfjs.tensor(xe, [N, TE, F]), tfjs.tensor(xd, [N, TD, F])];
    const ours = await m.toArtifacts();
    const dec = (ours.modelTopology as Any).config.layers.find((l: Any) => l.name === 'dec');
    expect(dec.inbound_nodes).toEqual([[['dec_in', 0, 0, {}], ['enc', 0, 1, {}], ['enc', 0, 2, {}]]]);
    expect((ours.modelTopology as Any).config.layers.find((l: Any) => l.name === 'enc').config.return_state).toBe(true);
    const byTfjs = await tfjs.loadLayersModel(tfjs.io.fromMemory(ours as Any));
    expectClose((byTfjs.predict(tin) as tfjs.Tensor).dataSync(), want, TOL, 'loaded by TensorFlow.js');
    let theirs: tfjs.io.ModelArtifacts | null = null;
    await byTfjs.save(tfjs.io.withSaveHandler(async (a) => {
      theirs = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const back = await tf.loadLayersModel(tfjs.io.fromMemory(theirs!) as never);
    expectClose(back.predict(inputs()).values as Float32Array, want, TOL, 'TensorFlow.js file loaded');

    // Keras 3: keras tensors with [layer, node, tensor] histories, the states as
    // the initial_state kwarg, and a state among the outputs.
    const kt = (from: string, tensor: number, shape: number[]) => ({ class_name: '__keras_tensor__', config: { shape: [null, ...shape], dtype: 'float32', keras_history: [from, 0, tensor] } });
    const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const lstm = (name: string, extra: Record<string, unknown>) => ({
      module: 'keras.layers', class_name: 'LSTM', registered_name: null, name,
      config: { name, trainable: true, dtype: policy, units: U, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, unit_forget_bias: true,
        dropout: 0, recurrent_dropout: 0, seed: null, return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false, ...extra },
    });
    const layer = (cls: string, name: string, config: Record<string, unknown>, inbound: unknown[]) => ({
      module: 'keras.layers', class_name: cls, registered_name: null, name, config: { name, trainable: true, dtype: policy, ...config }, inbound_nodes: inbound,
    });
    const input = (name: string, shape: number[]) => layer('InputLayer', name, { batch_shape: [null, ...shape], sparse: false }, []);
    const topology = {
      keras_version: '3.5.0', backend: 'tensorflow',
      model_config: {
        class_name: 'Functional',
        config: {
          name: 'seq2seq', trainable: true,
          layers: [
            input('enc_in', [TE, F]), input('dec_in', [TD, F]),
            { ...lstm('enc', { return_state: true }), inbound_nodes: [{ args: [kt('enc_in', 0, [TE, F])], kwargs: { training: false } }] },
            { ...lstm('dec', { return_sequences: true }), inbound_nodes: [{ args: [kt('dec_in', 0, [TD, F])], kwargs: { training: false, initial_state: [kt('enc', 1, [U]), kt('enc', 2, [U])] } }] },
            layer('Flatten', 'flat', { data_format: 'channels_last' }, [{ args: [kt('dec', 0, [TD, U])], kwargs: {} }]),
            layer('Dense', 'out', { units: D, activation: 'linear', use_bias: true }, [{ args: [kt('flat', 0, [TD * U])], kwargs: {} }]),
          ],
          input_layers: [['enc_in', 0, 0], ['dec_in', 0, 0]], output_layers: [['out', 0, 0], ['enc', 0, 2]],
        },
      },
    };
    const weightData = new Float32Array(w.flatMap((v) => Array.from(v))).buffer;
    const k3 = await tf.fromArtifacts({ modelTopology: topology, format: 'layers-model', weightSpecs: m.weightSpecs().map((s: Any) => ({ name: s.name, shape: s.shape, dtype: 'float32' })), weightData } as Any);
    const [out, c] = k3.predict(inputs()) as tf.Tensor[];
    expectClose(out.values as Float32Array, want, TOL, 'Keras 3 file');
    // The encoder's c, from a model of the encoder alone with the same weights.
    const enc = tf.input({ shape: [TE, F] });
    const [, , ec] = tf.layers.lstm({ units: U, returnState: true }).apply(enc);
    const em = tf.model({ inputs: enc, outputs: ec });
    em.setWeights(w.slice(0, 3).map((v, k) => tf.tensor(v, specs[k].shape)));
    expectClose(c.values as Float32Array, em.predict(tf.tensor(xe, [N, TE, F])).values as Float32Array, TOL, 'the state output');

    // A reference to an output the layer does not have.
    const bad = JSON.parse(JSON.stringify(topology));
    bad.model_config.config.output_layers = [['out', 0, 0], ['enc', 0, 3]];
    await expect(tf.fromArtifacts({ modelTopology: bad, format: 'layers-model', weightSpecs: [], weightData: new ArrayBuffer(0) } as Any)).rejects.toThrow("fromArtifacts: the output enc[0][3] is output 3 of layer 'enc', which has 3 outputs");
    bad.model_config.config.output_layers = [['out', 0, 0]];
    bad.model_config.config.layers[3].inbound_nodes[0].kwargs.initial_state[1] = kt('enc', 3, [U]);
    await expect(tf.fromArtifacts({ modelTopology: bad, format: 'layers-model', weightSpecs: [], weightData: new ArrayBuffer(0) } as Any)).rejects.toThrow("fromArtifacts: layer 'dec' reads output 3 of layer 'enc', which has 3 outputs");
    // Sequential files with returnState are refused, as Keras refuses them.
    const seqModel = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'LSTM', config: { ...lstm('r', { return_state: true }).config, batch_input_shape: [null, TE, F] } }] } };
    await expect(tf.fromArtifacts({ modelTopology: seqModel, format: 'layers-model', weightSpecs: [], weightData: new ArrayBuffer(0) } as Any)).rejects.toThrow(/returnState is set/);
  });
});

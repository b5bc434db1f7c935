// NativeModel's graph form (native/graph_spec.h): a residual graph and a
// graph with a shared layer built from JavaScript, their predictions against
// a float64 reference computed here, their gradients against central finite
// differences of that reference (h = 1e-6 in float64, good to ~1e-9; the
// tolerance 1e-4 relative covers the engine's float32), and every malformed
// graph object refused with a TypeError or RangeError naming NativeModel.
import { describe, expect, it } from 'vitest';
import { native, type NativeGraphSpec, type NativeModel } from '../../src/native';

const { layer: L, activation: A } = native.enums;
const dense = (units: number, activation: 'linear' | 'tanh' = 'linear') => ({ kind: L.dense, units, activation: A[activation] });
const add = () => ({ kind: L.add });

/** Deterministic values in [-1, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) * (2 / 16777216) - 1;
  };
}

/**
 * The graph's output for n samples in float64: each node evaluated from its
 * spec, weights read at the slots of the node that owns them (a shared node
 * reads its owner's).
 */
function reference(model: NativeModel, g: NativeGraphSpec, params: Float64Array, x: Float64Array, n: number): Float64Array {
  const slots = model.slots();
  const weight = (node: number, name: string) => {
    const owner = g.nodes[node].shareWeightsWith ?? node;
    const s = slots.find((t) => t.layer === owner && t.name === name);
    if (!s) throw new Error(`no ${name} for node ${node}`);
    return s.offset;
  };
  const outs = new Map<number, Float64Array>();
  const value = (ref: number): Float64Array => {
    if (ref < 0) return x;
    const done = outs.get(ref);
    if (done) return done;
    const node = g.nodes[ref];
    const ins = node.inputs.map(value);
    let y: Float64Array;
    if (node.layer.kind === L.add) {
      y = new Float64Array(ins[0].length);
      for (const v of ins) for (let e = 0; e < y.length; e++) y[e] += v[e];
    } else {
      const units = node.layer.units as number, f = ins[0].length / n;
      const k = weight(ref, 'kernel'), b = weight(ref, 'bias');
      y = new Float64Array(n * units);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < units; c++) {
          let z = params[b + c];
          for (let j = 0; j < f; j++) z += ins[0][r * f + j] * params[k + j * units + c];
          y[r * units + c] = node.layer.activation === A.tanh ? Math.tanh(z) : z;
        }
      }
    }
    outs.set(ref, y);
    return y;
  };
  return value(g.output ?? g.nodes.length - 1);
}

/** Keras's mean squared error: the mean over outputs, then over samples. */
function mse(y: Float64Array, t: Float64Array, n: number): number {
  const d = y.length / n;
  let sum = 0;
  for (let e = 0; e < y.length; e++) sum += (y[e] - t[e]) ** 2;
  return sum / d / n;
}

interface Built {
  model: NativeModel;
  params: Float32Array;
}

/** A compiled model of graph g with random weights in [-0.5, 0.5). */
function build(g: NativeGraphSpec, seed: number): Built {
  const model = new native.NativeModel(g);
  // Every option of the SGD rule, so the spec holds whether or not native code requires them all.
  model.compile({ kind: native.enums.optimizer.sgd, schedule: { kind: native.enums.schedule.constant, initial: 0.1 }, momentum: 0, nesterov: false, weightDecay: 0 },
    [{ loss: { kind: native.enums.loss.meanSquaredError }, weight: 1, metrics: [] }]);
  const size = model.slots().filter((s) => s.trainable).reduce((a, s) => a + s.shape.reduce((p, d) => p * d, 1), 0);
  const next = lcg(seed);
  const params = Float32Array.from({ length: size }, () => 0.5 * next());
  model.writeWeights(true, params);
  return { model, params };
}

function checkAgainstReference(g: NativeGraphSpec, seed: number): void {
  const { model, params } = build(g, seed);
  const n = 3, inSize = g.inputs[0].reduce((a, d) => a * d, 1);
  const next = lcg(seed + 1);
  const x = Float32Array.from({ length: n * inSize }, next);
  const p64 = Float64Array.from(params), x64 = Float64Array.from(x);
  const want = reference(model, g, p64, x64, n);

  const out = new Float32Array(want.length);
  model.predict(x, n, n, out);
  for (let e = 0; e < want.length; e++) expect(Math.abs(out[e] - want[e]), `output ${e}`).toBeLessThan(1e-5 * (1 + Math.abs(want[e])));

  const targets = Float32Array.from({ length: want.length }, next);
  const t64 = Float64Array.from(targets);
  const grads = new Float32Array(params.length);
  const loss = model.computeGradients({ x, labels: null, targets, weights: null, n }, grads);
  expect(Math.abs(loss - mse(want, t64, n))).toBeLessThan(1e-5 * (1 + mse(want, t64, n)));
  const h = 1e-6;
  for (let j = 0; j < params.length; j++) {
    const q = Float64Array.from(p64);
    q[j] = p64[j] + h;
    const up = mse(reference(model, g, q, x64, n), t64, n);
    q[j] = p64[j] - h;
    const fd = (up - mse(reference(model, g, q, x64, n), t64, n)) / (2 * h);
    expect(Math.abs(grads[j] - fd), `gradient ${j}: ${grads[j]} vs ${fd}`).toBeLessThan(1e-4 * (1 + Math.abs(fd)));
  }
}

describe('NativeModel graph form', () => {
  // dense -> dense -> add(second, first): a skip connection around the second layer.
  const residual: NativeGraphSpec = {
    inputs: [[5]],
    nodes: [
      { layer: dense(6, 'tanh'), inputs: [-1] },
      { layer: dense(6), inputs: [0] },
      { layer: add(), inputs: [1, 0] },
      { layer: dense(3), inputs: [2] },
    ],
    output: 3,
  };
  // One dense layer applied twice (its weights once, their gradient the sum of both applications').
  const shared: NativeGraphSpec = {
    inputs: [[4]],
    nodes: [
      { layer: dense(4, 'tanh'), inputs: [-1] },
      { layer: dense(4, 'tanh'), inputs: [0], shareWeightsWith: 0 },
      { layer: dense(2), inputs: [1] },
    ],
  };

  it('a residual graph predicts and differentiates as the float64 reference', () => {
    checkAgainstReference(residual, 7);
  });

  it('a shared layer has one set of weights, and predicts and differentiates as the float64 reference', () => {
    const { model } = build(shared, 11);
    expect(model.slots().map((s) => [s.layer, s.name, s.shape])).toEqual([
      [0, 'kernel', [4, 4]], [0, 'bias', [4]], [2, 'kernel', [4, 2]], [2, 'bias', [2]],
    ]);
    checkAgainstReference(shared, 11);
  });

  it('trains and predicts on worker threads like a chain', async () => {
    const { model } = build(residual, 3);
    const next = lcg(5);
    const n = 8;
    const x = Float32Array.from({ length: n * 5 }, next), targets = Float32Array.from({ length: n * 3 }, next);
    const before = (await model.evaluate({ x, labels: null, targets, weights: null, n }, n)).lossSum;
    for (let epoch = 0; epoch < 20; epoch++) await model.trainChunk({ x, labels: null, targets, weights: null, n }, { order: Int32Array.from({ length: n }, (_, i) => i), batchSize: n, firstBatch: 0, count: 1 });
    expect((await model.evaluate({ x, labels: null, targets, weights: null, n }, n)).lossSum).toBeLessThan(before);
    const a = new Float32Array(n * 3), b = new Float32Array(n * 3);
    model.predict(x, n, 3, a);
    await model.predictAsync(x, n, 3, b);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('the chain form is unchanged', () => {
    const nm = new native.NativeModel([dense(3)], [4]);
    expect(nm.slots().map((s) => s.name)).toEqual(['kernel', 'bias']);
  });
});

describe('NativeModel refuses malformed graphs', () => {
  const Ctor = native.NativeModel as unknown as new (...args: unknown[]) => NativeModel;
  const ok = () => ({ inputs: [[4]], nodes: [{ layer: dense(3), inputs: [-1] }] as Record<string, unknown>[] });
  const withNode = (node: Record<string, unknown>) => ({ inputs: [[4]], nodes: [{ layer: dense(4), inputs: [-1], ...node }] });
  const twoNodes = (second: Record<string, unknown>) => ({ inputs: [[4]], nodes: [{ layer: dense(4), inputs: [-1] }, { layer: dense(4), inputs: [0], ...second }] });
  const self: Record<string, unknown> = { inputs: [[4]] };
  self.nodes = [{ layer: dense(3), inputs: [-1], shareWeightsWith: self }];

  const cases: [string, unknown[], RangeErrorConstructor | TypeErrorConstructor, RegExp][] = [
    ['no argument', [], TypeError, /expects \(layers, inputShape\) or \(graph\)/],
    ['null', [null], TypeError, /expects \(layers, inputShape\) or \(graph\)/],
    ['a number', [4], TypeError, /expects/],
    ['a string', ['graph'], TypeError, /expects/],
    ['a graph with an input size', [ok(), 4], TypeError, /a graph takes no input size/],
    ['an empty object', [{}], TypeError, /inputs must be an array of arrays of numbers/],
    ['an unknown key', [{ ...ok(), outout: 0 }], TypeError, /unknown key 'outout' in the graph \(expected inputs, nodes, output, outputs\)/],
    ['a misspelt key set to undefined', [{ ...ok(), ouput: undefined }], TypeError, /unknown key 'ouput'/],
    ['inputs as one shape', [{ ...ok(), inputs: [4] }], TypeError, /inputs must be an array of arrays of numbers/],
    ['inputs as a string', [{ ...ok(), inputs: '4' }], TypeError, /inputs must be an array of arrays of numbers/],
    ['inputs mixing shapes and numbers', [{ ...ok(), inputs: [[4], 4] }], TypeError, /inputs must be an array of arrays of numbers/],
    ['a shape holding a string', [{ ...ok(), inputs: [[4, '2']] }], TypeError, /inputs must be an array of arrays of numbers/],
    ['no inputs', [{ ...ok(), inputs: [] }], TypeError, /a graph needs at least one input/],
    ['an empty shape', [{ ...ok(), inputs: [[]] }], TypeError, /graph input 0 needs at least one dimension/],
    ['a zero dimension', [{ ...ok(), inputs: [[0]] }], RangeError, /graph input 0: a dimension = 0 is not an integer in \[1, 2147483648\]/],
    ['a fractional dimension', [{ ...ok(), inputs: [[2.5]] }], RangeError, /a dimension = 2.5 is not an integer/],
    ['a NaN dimension', [{ ...ok(), inputs: [[NaN]] }], RangeError, /a dimension = NaN is not an integer/],
    ['a huge dimension', [{ ...ok(), inputs: [[2 ** 40]] }], RangeError, /a dimension = 1099511627776 is not an integer/],
    ['a huge input', [{ ...ok(), inputs: [[2 ** 20, 2 ** 20]] }], TypeError, /graph input 0: input size must be at most 2\^31/],
    ['inputs together over 2^31 values', [{ inputs: [[2 ** 31], [2 ** 31]], nodes: [{ layer: add(), inputs: [-1, -2] }] }], TypeError, /the inputs together must hold at most 2\^31 values per sample/],
    ['no nodes key', [{ inputs: [[4]] }], TypeError, /nodes must be an array of objects/],
    ['nodes as an object', [{ inputs: [[4]], nodes: { 0: { layer: dense(3), inputs: [-1] } } }], TypeError, /nodes must be an array of objects/],
    ['no nodes', [{ inputs: [[4]], nodes: [] }], TypeError, /a graph needs at least one node/],
    ['a null node', [{ inputs: [[4]], nodes: [null] }], TypeError, /nodes must be an array of objects/],
    ['a number as node', [{ inputs: [[4]], nodes: [3] }], TypeError, /nodes must be an array of objects/],
    ['an array as node', [{ inputs: [[4]], nodes: [[-1]] }], TypeError, /nodes must be an array of objects/],
    ['a node after a non-node', [{ inputs: [[4]], nodes: [{ layer: dense(3), inputs: [-1] }, 'x'] }], TypeError, /nodes must be an array of objects/],
    ['a sparse node list', [{ inputs: [[4]], nodes: new Array(3) }], TypeError, /nodes must be an array of objects/],
    ['a node with an unknown key', [withNode({ shareWith: 0 })], TypeError, /node 0: unknown key 'shareWith' \(expected layer, inputs, shareWeightsWith\)/],
    ['a node without a layer', [{ inputs: [[4]], nodes: [{ inputs: [-1] }] }], TypeError, /node 0: layer must be an object/],
    ['a layer that is a number', [withNode({ layer: 0 })], TypeError, /node 0: layer must be an object/],
    ['a layer without a kind', [withNode({ layer: { units: 3 } })], TypeError, /node 0: kind is required/],
    ['a layer of an unknown kind', [withNode({ layer: { kind: 99 } })], TypeError, /node 0: kind is not a valid code/],
    ['a layer with a bad option', [withNode({ layer: dense(-3) })], TypeError, /node 0: units must be an integer/],
    ['a node without inputs', [withNode({ inputs: undefined })], TypeError, /node 0: inputs must be a non-empty array/],
    ['a node with empty inputs', [withNode({ inputs: [] })], TypeError, /node 0: inputs must be a non-empty array/],
    ['inputs as a number', [withNode({ inputs: -1 })], TypeError, /node 0: inputs must be a non-empty array/],
    ['inputs holding a string', [withNode({ inputs: ['-1'] })], TypeError, /node 0: inputs must hold numbers/],
    ['nested inputs', [withNode({ inputs: [[-1]] })], TypeError, /node 0: inputs must be a non-empty array/],
    ['a fractional reference', [withNode({ inputs: [-0.5] })], RangeError, /node 0: inputs\[0\] = -0.5 is not an integer in \[-1, 0\] \(a node index, or -1 - k for graph input k\)/],
    ['an infinite reference', [withNode({ inputs: [-Infinity] })], RangeError, /node 0: inputs\[0\] = -Infinity is not an integer/],
    ['a reference past the nodes', [twoNodes({ inputs: [2] })], RangeError, /node 1: inputs\[0\] = 2 is not an integer in \[-1, 1\]/],
    ['a reference to a missing input', [withNode({ inputs: [-2] })], RangeError, /node 0: inputs\[0\] = -2 is not an integer in \[-1, 0\]/],
    ['a node reading itself', [{ inputs: [[4]], nodes: [{ layer: add(), inputs: [-1, 0] }] }], TypeError, /the graph has a cycle through node 0/],
    ['a cycle', [{ inputs: [[4]], nodes: [{ layer: add(), inputs: [-1, 2] }, { layer: dense(4), inputs: [0] }, { layer: dense(4), inputs: [1] }] }],
      TypeError, /the graph has a cycle through node [012]/],
    ['a node feeding nothing', [{ inputs: [[4]], nodes: [{ layer: dense(3), inputs: [-1] }, { layer: dense(2), inputs: [-1] }] }],
      TypeError, /node 0 does not feed the output \(node 1\)/],
    ['an output past the nodes', [{ ...ok(), output: 1 }], RangeError, /output = 1 is not an integer in \[0, 0\]/],
    ['a negative output', [{ ...ok(), output: -1 }], RangeError, /output = -1 is not an integer/],
    ['a fractional output', [{ ...ok(), output: 0.5 }], RangeError, /output = 0.5 is not an integer/],
    ['an output as a string', [{ ...ok(), output: '0' }], TypeError, /output must be a number/],
    ['adding shapes that differ', [{ inputs: [[4]], nodes: [{ layer: dense(3), inputs: [-1] }, { layer: add(), inputs: [-1, 0] }] }],
      TypeError, /node 1: add: inputs of shapes \[4\] and \[3\]/],
    ['a layer sharing its own weights', [twoNodes({ shareWeightsWith: 1 })], TypeError, /node 1 shares weights with itself/],
    ['sharing a node past the end', [twoNodes({ shareWeightsWith: 2 })], RangeError, /node 1: shareWeightsWith = 2 is not an integer in \[0, 1\]/],
    ['sharing a fractional node', [twoNodes({ shareWeightsWith: 0.5 })], RangeError, /shareWeightsWith = 0.5 is not an integer/],
    ['sharing a string', [twoNodes({ shareWeightsWith: '0' })], TypeError, /node 1: shareWeightsWith must be a number/],
    ['sharing an object', [self], TypeError, /node 0: shareWeightsWith must be a number/],
    ['sharing with another kind of layer', [twoNodes({ layer: { kind: L.layerNormalization }, shareWeightsWith: 0 })],
      TypeError, /node 1 shares the weights of node 0, a different kind of layer/],
    ['sharing with other input shapes', [{ inputs: [[4]], nodes: [{ layer: dense(3), inputs: [-1] }, { layer: dense(3), inputs: [0], shareWeightsWith: 0 }] }],
      TypeError, /node 1 shares the weights of node 0, but its inputs \[3\] need kernel \[3, 3\] where node 0 \(inputs \[4\]\) has kernel \[4, 3\]/],
    ['sharing with a layer that shares', [{ inputs: [[4]], nodes: [{ layer: dense(4), inputs: [-1] }, { layer: dense(4), inputs: [0], shareWeightsWith: 0 },
      { layer: dense(4), inputs: [1], shareWeightsWith: 1 }] }], TypeError, /node 2 shares the weights of node 1, which shares those of node 0: name that node instead/],
  ];

  it.each(cases)('%s', (_name, args, type, message) => {
    let error: unknown;
    try {
      new Ctor(...args);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(/^NativeModel: /);
    expect((error as Error).message).toMatch(message);
  });

  it('an exception from a getter of the graph object propagates as thrown', () => {
    const g = { ...ok() };
    Object.defineProperty(g, 'output', { enumerable: true, get: () => { throw new Error('from the getter'); } });
    expect(() => new Ctor(g)).toThrow('from the getter');
    // The addon is fine afterwards.
    expect(() => new Ctor(ok())).not.toThrow();
  });
});

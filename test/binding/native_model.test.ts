// The binding's contract beyond what src/ exercises: the name -> code tables
// generated from native's enum lists, and the one mapping of native
// exceptions to JavaScript errors on the synchronous and the asynchronous path.
import { describe, expect, it } from 'vitest';
import { ACTIVATION_CODE } from '../../src/activations';
import { LOSS_CODE } from '../../src/losses';
import { native } from '../../src/native';

describe('native.enums', () => {
  it('has one frozen name -> code table per native list, codes 0..n-1 in order', () => {
    for (const [table, codes] of Object.entries(native.enums)) {
      expect(Object.isFrozen(codes), table).toBe(true);
      expect(Object.values(codes), table).toEqual(Object.keys(codes).map((_, i) => i));
    }
    expect(Object.keys(native.enums).sort()).toEqual(['activation', 'layer', 'loss', 'metric', 'optimizer', 'schedule']);
    expect(native.enums.layer).toMatchObject({ dense: 0, activation: 1, dropout: 2, batchNormalization: 3, layerNormalization: 4 });
    expect(native.enums.optimizer).toEqual({ sgd: 0, adam: 1, adamw: 2, rmsprop: 3, adagrad: 4, adadelta: 5, adamax: 6, nadam: 7 });
    expect(native.enums.schedule).toEqual({ constant: 0, exponentialDecay: 1, cosineDecay: 2, piecewiseConstant: 3 });
  });

  it('agrees with the codes TypeScript still lists by hand', () => {
    expect(native.enums.activation).toEqual(ACTIVATION_CODE);
    expect(native.enums.loss).toEqual(LOSS_CODE);
  });

  it('a code past the end of a list is refused, whatever the list length', () => {
    const { layer, activation } = native.enums;
    const count = (t: Readonly<Record<string, number>>) => Object.keys(t).length;
    expect(() => new native.NativeModel([{ kind: count(layer) }], 4)).toThrow(/kind is not a valid code/);
    expect(() => new native.NativeModel([{ kind: layer.dense, units: 2, activation: count(activation) }], 4)).toThrow(/activation is not a valid code/);
  });
});

describe('native errors map one way on both paths', () => {
  const model = () => {
    const nm = new native.NativeModel([{ kind: native.enums.layer.dense, units: 3, activation: native.enums.activation.softmax }], 2);
    nm.compile({ kind: native.enums.optimizer.sgd, schedule: { kind: native.enums.schedule.constant, initial: 0.1 }, momentum: 0, nesterov: false, weightDecay: 0 },
      [{ loss: { kind: native.enums.loss.sparseCategoricalCrossentropy }, weight: 1, metrics: [] }]);
    return nm;
  };
  const x = new Float32Array(4);
  const badLabels = new Int32Array([0, 7]);

  it('a label outside the classes is a RangeError synchronously', () => {
    const nm = model();
    expect(() => nm.computeGradients({ x, labels: badLabels, targets: null, weights: null, n: 2 }, new Float32Array(9))).toThrow(RangeError);
    expect(() => nm.computeGradients({ x, labels: badLabels, targets: null, weights: null, n: 2 }, new Float32Array(9))).toThrow(/computeGradients: label 7 is outside \[0, 3\)/);
  });

  it('and asynchronously', async () => {
    const nm = model();
    const p = nm.trainChunk({ x, labels: badLabels, targets: null, weights: null, n: 2 }, { order: new Int32Array([0, 1]), batchSize: 2, firstBatch: 0, count: 1 });
    await expect(p).rejects.toThrow(RangeError);
    await expect(nm.trainChunk({ x, labels: badLabels, targets: null, weights: null, n: 2 }, { order: new Int32Array([0, 1]), batchSize: 2, firstBatch: 0, count: 1 })).rejects.toThrow(/fit: label 7 is outside/);
  });

  it('a bad option is a TypeError, a busy model an Error', async () => {
    const nm = model();
    const outputs = [{ loss: { kind: 0 }, weight: 1, metrics: [] }];
    expect(() => nm.compile({ kind: 1, schedule: 3 } as never, outputs)).toThrow(TypeError);
    expect(() => nm.compile({ kind: 1, schedule: 3 } as never, outputs)).toThrow(/compile: schedule must be an object/);
    expect(() => nm.compile({ kind: 1 } as never, { kind: 0 } as never)).toThrow('compile: expects (optimizer, outputs)');
    const sgd = { kind: native.enums.optimizer.sgd, schedule: { kind: native.enums.schedule.constant, initial: 0.1 }, momentum: 0, nesterov: false, weightDecay: 0 };
    expect(() => nm.compile(sgd, [{ loss: { kind: 0 }, wieght: 1 }] as never)).toThrow(/unknown key 'wieght' in output 0's loss \(expected loss, weight, metrics\)/);
    // The chunk holds the model until its result is delivered on this thread, so a write now is refused.
    const p = nm.trainChunk({ x, labels: new Int32Array([0, 1]), targets: null, weights: null, n: 2 }, { order: new Int32Array([0, 1]), batchSize: 1, firstBatch: 0, count: 2 });
    let busy: unknown;
    try {
      nm.writeWeights(true, new Float32Array(9));
    } catch (e) {
      busy = e;
    }
    await p;
    expect(busy).toBeInstanceOf(Error);
    expect(busy).not.toBeInstanceOf(TypeError);
    expect(String((busy as Error).message)).toMatch(/^setWeights: the model is busy/);
    expect(() => nm.writeWeights(true, new Float32Array(9))).not.toThrow();
  });

  it('reads every property of its argument objects before taking a pointer: a getter that detaches a buffer is refused, not read', () => {
    const detach = (a: ArrayBufferView) => structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
    const labels = new Int32Array([0, 1]);
    const data = (x: Float32Array) => ({ x, labels, targets: null, weights: null, n: 2 });
    const chunk = { order: new Int32Array([0, 1]), batchSize: 1, firstBatch: 0, count: 2 };
    // A getter in the data object detaches x, read before it.
    const xa = new Float32Array(4);
    const hostileData = Object.defineProperty(data(xa), 'n', { get: () => (detach(xa), 2) });
    expect(() => model().trainChunk(hostileData, chunk)).toThrow(/^fit: x has 0 elements, needs 4/);
    // A getter in the chunk object detaches the data object's x.
    const xb = new Float32Array(4);
    const hostileChunk = Object.defineProperty({ ...chunk }, 'count', { get: () => (detach(xb), 2) });
    expect(() => model().trainChunk(data(xb), hostileChunk)).toThrow(/^fit: x has 0 elements, needs 4/);
    const xc = new Float32Array(4);
    expect(() => model().computeGradients(Object.defineProperty(data(xc), 'weights', { get: () => (detach(xc), null) }), new Float32Array(9)))
      .toThrow(/^computeGradients: x has 0 elements/);
    // Not an object at all.
    expect(() => model().trainChunk(data(new Float32Array(4)), 3 as never)).toThrow(/^fit: chunk must be an object/);
    expect(() => model().computeGradients(null as never, new Float32Array(9))).toThrow(/^computeGradients: data must be an object/);
  });

  it('accepts an N-D input shape and reports weight shapes', () => {
    const nm = new native.NativeModel([{ kind: native.enums.layer.dense, units: 3 }], [2, 5]);
    expect(nm.slots().map((s) => [s.name, s.shape])).toEqual([['kernel', [5, 3]], ['bias', [3]]]);
    const out = new Float32Array(2 * 2 * 3);
    nm.predict(new Float32Array(2 * 10).fill(1), 2, 2, out);
    expect(Array.from(out)).toEqual(new Array(12).fill(0));
  });
});

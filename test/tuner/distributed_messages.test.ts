// The distributed tuner's message encoding (src/tuner/distributed_search.ts):
// what rank 0 and the other ranks exchange survives the trip exactly, NaN and
// infinities in metrics and weights with optimizer state included. (The
// protocol itself runs under mpirun in test/distributed.)
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, Message } from '../../src/tuner/distributed_search';

describe('distributed tuner messages', () => {
  it('an epoch with NaN and infinite logs, and string values that look like numbers, come back as sent', () => {
    const m: Message = { t: 'epoch', id: 7, epoch: 2, logs: { loss: NaN, val_loss: Infinity, acc: -Infinity, score: 0.25 } };
    expect(decodeMessage(encodeMessage(m))).toEqual({ m, blobs: [] });
    const trial: Message = { t: 'trial', id: 3, values: { act: 'NaN', units: 8, lr: 1e-3, bias: true }, epochs: 4, initialEpoch: 1, parent: 2, seed: 99, checkpoint: true };
    expect(decodeMessage(encodeMessage(trial)).m).toEqual(trial);
  });

  it('a result carries best weights and a checkpoint with optimizer state, bit for bit', () => {
    const best = { tensors: [{ shape: [2, 3], values: Float32Array.from([1, -2, 3.5, NaN, 0, 1e-30]) }, { shape: [3], values: new Float32Array(3) }] };
    const ckpt = {
      tensors: [{ shape: [1], values: Float32Array.from([4]) }],
      optimizer: { iterations: 12, nadamMomentumProduct: 0.5, slots: [Float32Array.from([0.1, 0.2]), Float32Array.from([7])] },
    };
    const m: Message = { t: 'result', id: 5, params: 21, best: true, ckpt: true };
    const back = decodeMessage(encodeMessage(m, [best, ckpt]));
    expect(back.m).toEqual(m);
    expect(back.blobs).toHaveLength(2);
    expect(back.blobs[0].tensors.map((t) => t.shape)).toEqual([[2, 3], [3]]);
    expect(Array.from(back.blobs[0].tensors[0].values)).toEqual(Array.from(best.tensors[0].values));
    expect(back.blobs[1].optimizer!.iterations).toBe(12);
    expect(back.blobs[1].optimizer!.slots.map((a) => Array.from(a))).toEqual([[Math.fround(0.1), Math.fround(0.2)], [7]]);
  });
});

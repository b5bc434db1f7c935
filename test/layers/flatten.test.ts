// Flatten through the generic harness. The engine never sees it (it only
// reinterprets the shape), so a linear Dense after it checks that the
// flattened order is row-major: its kernel's gradient pairs each weight with
// one input element.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { deserializeLayer } from '../../src/layers/registry';
import { LayerCase, runLayerTest } from './harness';

function flattenCase(inputShape: number[], dataFormat?: 'channelsLast' | 'channelsFirst'): LayerCase {
  const n = inputShape.reduce((a, b) => a * b, 1);
  return {
    name: `Flatten over ${JSON.stringify(inputShape)}${dataFormat ? `, ${dataFormat}` : ''}`,
    make: () => tf.layers.flatten(dataFormat ? { dataFormat } : undefined),
    inputShape,
    outputShape: [n],
    weights: [],
    // Rows arrive flattened row-major (channels last): Flatten keeps them.
    reference: (x) => x.map((row) => [...row]),
    config: { dataFormat: dataFormat === 'channelsFirst' ? 'channels_first' : 'channels_last' },
    tail: true,
  };
}

[flattenCase([2, 3]), flattenCase([2, 2, 2]), flattenCase([5]), flattenCase([5], 'channelsFirst')].forEach((c, i) => runLayerTest(c, 4000 + i));

describe('Flatten data formats', () => {
  it("channels_first is read and kept, but refused over more than one dimension", () => {
    const l = deserializeLayer({ className: 'Flatten', config: { name: 'f', dataFormat: 'channels_first' } }) as tf.layers.Flatten;
    expect(l.dataFormat).toBe('channelsFirst');
    expect(l.computeOutputShape([6])).toEqual([6]);
    expect(() => l.computeOutputShape([2, 3])).toThrow(/^flatten: data_format 'channels_first' is not supported/);
    expect(() => tf.layers.flatten({ dataFormat: 'channelsMiddle' as never })).toThrow(/^flatten: unknown dataFormat 'channelsMiddle'/);
  });
});

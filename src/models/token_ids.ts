// Embedding token ids are checked once over the data, before training or
// inference starts, so a bad id names the sample and the position in it (the
// native layer's own check runs per batch and can only name a batch row, and
// it would fire partway through an epoch).
import { rangeError } from '../errors';
import { Embedding } from '../layers/embedding';
import type { Features } from './data';
import type { ModelGraph } from './native_graph';

/** @internal RangeError for the first id outside [0, inputDim) that an Embedding reads straight from a model input. */
export function checkTokenIds(fn: string, graph: ModelGraph, feats: Features): void {
  const widths = feats.inputs?.widths ?? [feats.n > 0 ? feats.values.length / feats.n : 0];
  const names = feats.inputs?.names;
  const row = widths.reduce((a, b) => a + b, 0);
  for (const node of graph.nodes) {
    if (!(node.layer instanceof Embedding)) continue;
    const dim = node.layer.inputDim;
    for (const ref of node.inputs) {
      if (ref >= 0) continue;
      const k = -1 - ref;
      const offset = widths.slice(0, k).reduce((a, b) => a + b, 0);
      const width = widths[k];
      const v = feats.values;
      for (let i = 0; i < feats.n; i++) {
        const base = i * row + offset;
        for (let j = 0; j < width; j++) {
          const id = v[base + j];
          if (id >= 0 && id < dim && Number.isInteger(id)) continue;
          const input = names ? ` of input '${names[k]}'` : '';
          throw rangeError(fn, `layer '${node.layer.name}' (Embedding) reads token id ${id} at sample ${i}, position ${j}${input}; ids must be integers in [0, ${dim})`);
        }
      }
    }
  }
}

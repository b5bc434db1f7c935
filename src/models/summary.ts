// model.summary()'s table, in TensorFlow.js's layout: three columns for a
// Sequential model; for a functional model a fourth, Keras's "Connected to"
// (each input as `layer[node][tensor]`), and a row per model input.
import { rangeError, show, typeError } from '../errors';
import type { Layer } from '../layers/layer';
import type { ModelGraph } from './native_graph';
import type { PlacedLayer } from './weight_layout';

/** @internal One row: the layer (or input) column, its output shape, its parameter count, and what feeds it (functional models). */
export interface SummaryRow {
  name: string;
  outputShape: string;
  params: number;
  connectedTo?: string[];
}

/** @internal The model's inputs, for a functional model's rows (null: a Sequential model, no input rows and no fourth column). */
export interface SummaryInputs {
  names: string[];
  shapes: number[][];
}

const shapeText = (s: number[]) => `[null,${s.join(',')}]`;
/** One application's output shapes: a list of them for a layer with several outputs (returnState), as TensorFlow.js prints them. */
const outputsText = (list: number[][]) => (list.length === 1 ? shapeText(list[0]) : `[${list.map(shapeText).join(',')}]`);

/**
 * @internal The rows of a built model: each layer once, with the output shape
 * of its applications ('multiple' where they differ) and, for a functional
 * model, every input of every application.
 */
export function summaryRows(graph: ModelGraph, shapes: number[][][], placed: readonly PlacedLayer[], inputs: SummaryInputs | null): SummaryRow[] {
  // Each node's application number within the model (its Keras node index).
  const applications = new Map<Layer, number[]>();
  const nodeIndex = graph.nodes.map((n, i) => {
    const list = applications.get(n.layer) ?? [];
    applications.set(n.layer, [...list, i]);
    return list.length;
  });
  const source = (ref: number, tensor = 0) => (ref < 0 ? `${inputs!.names[-1 - ref]}[0][0]` : `${graph.nodes[ref].layer.name}[${nodeIndex[ref]}][${tensor}]`);
  const rows: SummaryRow[] = inputs ? inputs.names.map((name, k) => ({ name: `${name} (InputLayer)`, outputShape: shapeText(inputs.shapes[k]), params: 0, connectedTo: [] })) : [];
  for (const p of placed) {
    const nodes = applications.get(p.layer) ?? [];
    const outs = new Set(nodes.map((i) => outputsText(shapes[i])));
    rows.push({
      name: `${p.layer.name} (${p.layer.className})`,
      outputShape: outs.size === 1 ? [...outs][0] : 'multiple',
      params: p.layer.countParams(),
      connectedTo: inputs ? nodes.flatMap((i) => graph.nodes[i].inputs.map((r, k) => source(r, graph.nodes[i].tensors?.[k]))) : undefined,
    });
  }
  return rows;
}

/** @internal */
export function formatSummary(name: string, rows: SummaryRow[], trainable: number, nonTrainable: number,
  lineLength?: number, positions?: number[]): string[] {
  const functional = rows.some((r) => r.connectedTo !== undefined);
  const columns = functional ? 4 : 3;
  if (lineLength === undefined) lineLength = functional ? 98 : 65;
  if (positions === undefined) positions = functional ? [0.33, 0.55, 0.67, 1] : [0.45, 0.85, 1];
  if (typeof lineLength !== 'number') throw typeError('summary', `lineLength must be a number, got ${show(lineLength)}`);
  if (!Number.isInteger(lineLength) || lineLength < 1 || lineLength > 10_000) {
    throw rangeError('summary', `lineLength must be an integer in [1, 10000], got ${show(lineLength)}`);
  }
  if (!Array.isArray(positions)) throw typeError('summary', `positions must be an array of ${columns} numbers, got ${show(positions)}`);
  const pos = Array.from({ length: columns }, (_, i) => positions![i]);
  if (positions.length !== columns || pos.some((p) => typeof p !== 'number' || !(p > 0) || p > 10_000)) {
    throw rangeError('summary', `positions must be ${columns} numbers (fractions of lineLength, or columns), got ${show(positions)}`);
  }
  const cols = pos.map((p) => (p <= 1 ? Math.floor(lineLength! * p) : p));
  const row = (fields: string[]) => {
    let line = '';
    fields.forEach((f, i) => {
      line += f;
      line = line.slice(0, cols[i]).padEnd(cols[i]);
    });
    return line.trimEnd();
  };
  const header = ['Layer (type)', 'Output shape', 'Param #', ...(functional ? ['Connected to'] : [])];
  const lines = [`Model: "${name}"`, '_'.repeat(lineLength), row(header), '='.repeat(lineLength)];
  rows.forEach((r, i) => {
    const first = [r.name, r.outputShape, String(r.params)];
    if (functional) {
      const links = r.connectedTo!;
      lines.push(row([...first, links[0] ?? '']));
      for (const more of links.slice(1)) lines.push(row(['', '', '', more]));
    } else {
      lines.push(row(first));
    }
    lines.push(i === rows.length - 1 ? '='.repeat(lineLength!) : '_'.repeat(lineLength!));
  });
  lines.push(`Total params: ${trainable + nonTrainable}`, `Trainable params: ${trainable}`, `Non-trainable params: ${nonTrainable}`, '_'.repeat(lineLength));
  return lines;
}

// model.summary()'s table, in TensorFlow.js's layout.
import { rangeError, show, typeError } from '../errors';
import type { Layer } from '../layers/layer';

/** @internal */
export function formatSummary(name: string, layers: Layer[], shapes: number[][], trainable: number, nonTrainable: number,
  lineLength = 65, positions = [0.45, 0.85, 1]): string[] {
  if (typeof lineLength !== 'number') throw typeError('summary', `lineLength must be a number, got ${show(lineLength)}`);
  if (!Number.isInteger(lineLength) || lineLength < 1 || lineLength > 10_000) {
    throw rangeError('summary', `lineLength must be an integer in [1, 10000], got ${show(lineLength)}`);
  }
  if (!Array.isArray(positions)) throw typeError('summary', `positions must be an array of 3 numbers, got ${show(positions)}`);
  const pos = [positions[0], positions[1], positions[2]];
  if (positions.length !== 3 || pos.some((p) => typeof p !== 'number' || !(p > 0) || p > 10_000)) {
    throw rangeError('summary', `positions must be 3 numbers (fractions of lineLength, or columns), got ${show(positions)}`);
  }
  const cols = pos.map((p) => (p <= 1 ? Math.floor(lineLength * p) : p));
  const row = (fields: string[]) => {
    let line = '';
    fields.forEach((f, i) => {
      line += f;
      line = line.slice(0, cols[i]).padEnd(cols[i]);
    });
    return line.trimEnd();
  };
  const lines = [`Model: "${name}"`, '_'.repeat(lineLength), row(['Layer (type)', 'Output shape', 'Param #']), '='.repeat(lineLength)];
  layers.forEach((l, i) => {
    lines.push(row([`${l.name} (${l.className})`, `[null,${shapes[i].join(',')}]`, String(l.countParams())]));
    lines.push(i === layers.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
  });
  lines.push(`Total params: ${trainable + nonTrainable}`, `Trainable params: ${trainable}`, `Non-trainable params: ${nonTrainable}`, '_'.repeat(lineLength));
  return lines;
}

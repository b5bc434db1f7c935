// model.summary()'s table, in TensorFlow.js's layout.
import type { Layer } from '../layers/layer';

/** @internal */
export function formatSummary(name: string, layers: Layer[], shapes: number[][], trainable: number, nonTrainable: number,
  lineLength = 65, positions = [0.45, 0.85, 1]): string[] {
  if (typeof lineLength !== 'number' || !Number.isInteger(lineLength) || lineLength < 1 || lineLength > 10_000) {
    throw new RangeError(`summary: lineLength must be an integer in [1, 10000], got ${String(lineLength)}`);
  }
  if (!Array.isArray(positions) || positions.length !== 3 || positions.some((p) => typeof p !== 'number' || !(p > 0) || p > 10_000)) {
    throw new RangeError(`summary: positions must be 3 numbers (fractions of lineLength, or columns), got ${String(positions)}`);
  }
  const cols = positions.map((p) => (p <= 1 ? Math.floor(lineLength * p) : p));
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

// fit's verbose output (src/callbacks/progress_bar.ts and the NaN line in
// Sequential.fit): Keras's format, one line per epoch when stdout is not a
// TTY, a bar redrawn in place on a TTY, nothing at verbose 0, and the line
// that says why training stopped on a non-finite loss. Values printed are
// the history's, to 4 decimals.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import { ProgressBar } from '../../src/callbacks/progress_bar';

afterEach(() => {
  vi.restoreAllMocks();
  delete (process.stdout as { isTTY?: boolean }).isTTY;
});

/** Collects what fit writes to stdout while `f` runs. */
async function stdoutOf(f: () => Promise<unknown>, tty = false): Promise<string> {
  const chunks: string[] = [];
  if (tty) Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true, writable: true });
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
  try {
    await f();
  } finally {
    write.mockRestore();
    delete (process.stdout as { isTTY?: boolean }).isTTY;
  }
  return chunks.join('');
}

function setup(): { m: tf.Sequential; x: tf.Tensor; y: tf.Tensor } {
  tf.setSeed(3);
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomNormal([32, 4], 0, 1, 'float32', 1);
  const y = tf.tensor1d(Int32Array.from({ length: 32 }, (_, i) => i % 3), 'int32');
  return { m, x, y };
}

/** Keras's bar: floor(30·done/total) cells, the last one '>' until done. */
function kerasBar(done: number, total: number): string {
  const filled = Math.floor((30 * done) / total);
  return done < total ? '='.repeat(filled - 1) + '>' + '.'.repeat(30 - filled) : '='.repeat(30);
}
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('fit verbose output', () => {
  it('verbose 1 without a TTY: one line per epoch with the epoch, steps, timing and every logged value', async () => {
    const { m, x, y } = setup();
    let h!: tf.History;
    const out = await stdoutOf(async () => {
      h = await m.fit(x, y, { epochs: 2, batchSize: 8, validationSplit: 0.25, verbose: 1 });
    });
    const lines = out.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(3);
    for (let e = 0; e < 2; e++) {
      const f = (k: string) => h.history[k][e].toFixed(4);
      // 24 training samples in batches of 8: 3 steps.
      expect(lines[e]).toMatch(new RegExp(`^Epoch ${e + 1}/2 3/3 \\[${esc(kerasBar(3, 3))}\\] \\d+s \\d+(ms|us)/step` +
        ` - loss: ${f('loss')} - accuracy: ${f('accuracy')} - val_loss: ${f('val_loss')} - val_accuracy: ${f('val_accuracy')}$`));
    }
  });

  it('verbose 2 prints the same per-epoch lines; verbose 0 prints nothing', async () => {
    const { m, x, y } = setup();
    const two = await stdoutOf(() => m.fit(x, y, { epochs: 3, batchSize: 16, verbose: 2 }));
    expect(two.split('\n').filter(Boolean).map((l) => l.slice(0, 18))).toEqual(['Epoch 1/3 2/2 [===', 'Epoch 2/3 2/2 [===', 'Epoch 3/3 2/2 [===']);
    expect(await stdoutOf(() => m.fit(x, y, { epochs: 2, verbose: 0 }))).toBe('');
  });

  it('verbose 1 on a TTY: an epoch header, the bar redrawn in place, a final line', async () => {
    const { m, x, y } = setup();
    let h!: tf.History;
    const out = await stdoutOf(async () => {
      h = await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 1 });
    }, true);
    expect(out.startsWith('Epoch 1/1\n\r')).toBe(true);
    const draws = out.slice('Epoch 1/1\n'.length).split('\r').filter(Boolean);
    // The first batch always draws (then at most every 100 ms), the last always.
    expect(draws[0]).toMatch(new RegExp(`^1/8 \\[${esc(kerasBar(1, 8))}\\] ETA: \\d+s - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4}\\x1b\\[K$`));
    expect(draws.at(-1)).toMatch(new RegExp(`^8/8 \\[${esc(kerasBar(8, 8))}\\] \\d+s \\d+(ms|us)/step - loss: ${h.history.loss[0].toFixed(4)} - accuracy: ${h.history.accuracy[0].toFixed(4)}\\x1b\\[K\\n$`));
  });

  it('says on which batch and with which loss a non-finite step stopped training', async () => {
    tf.setSeed(4);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const xs = new Float32Array(16 * 2).fill(0.5);
    xs.fill(1e30, 10 * 2, 11 * 2); // sample 10, in batch 2 of size 4: its squared error overflows
    const out = await stdoutOf(() => m.fit(tf.tensor(xs, [16, 2]), tf.zeros([16, 1]), { epochs: 3, batchSize: 4, shuffle: false, verbose: 2 }));
    expect(out).toContain('\nBatch 2: invalid loss or gradient (loss Infinity), terminating training\n');
    // The epoch line still follows, with the recorded non-finite loss.
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^Epoch 1\/3 .* - loss: (Infinity|NaN)$/);
    const quiet = await stdoutOf(() => m.fit(tf.tensor(xs, [16, 2]), tf.zeros([16, 1]), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 }));
    expect(quiet).toBe('');
  });
});

describe('ProgressBar', () => {
  it('draws Keras bars at every fraction, small values in exponent form, and acc only without accuracy', () => {
    const out: string[] = [];
    const stream = { isTTY: true, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar(1, stream);
    bar.setParams({ epochs: 1, initialEpoch: 0, samples: 70, steps: 7, batchSize: 10, verbose: 1, metrics: [] });
    bar.onEpochBegin(0);
    for (let b = 0; b < 7; b++) {
      out.length = 0;
      (bar as unknown as { lastDraw: number }).lastDraw = -1e9; // draw every batch
      bar.onBatchEnd(b, { batch: b, size: 10, loss: 0.00001234, acc: 0.5 });
      const done = b + 1;
      const prefix = `\r${done}/7 [${kerasBar(done, 7)}]`;
      expect(out.join('').startsWith(prefix), `${JSON.stringify(out.join(''))} vs ${JSON.stringify(prefix)}`).toBe(true);
      expect(out.join('')).toContain(' - loss: 1.2340e-5 - acc: 0.5000');
    }
    out.length = 0;
    bar.onEpochEnd(0, { loss: 0.5, accuracy: 0.25, acc: 0.25 });
    expect(out.join('')).toMatch(/ - loss: 0\.5000 - accuracy: 0\.2500\x1b\[K\n$/);
  });
});

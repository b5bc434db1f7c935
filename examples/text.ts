// Which language is this line of code? A small word tokenizer, an embedding
// with masking and an LSTM, trained on lines of the packages installed in
// node_modules: JavaScript (.js), TypeScript declarations (.d.ts), JSON and
// Markdown. Every Node project has these files, so the example needs no
// download. Lines are split by file, so no test line comes from a file the
// model trained on.
//
//   npx tsx examples/text.ts      options: --epochs N (default 4), --lines N (per language, default 3000)
//
// The package imports itself by name (package.json "exports"), so this is the
// code a user writes; tsx runs it as CommonJS, hence the async main().
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from 'tensorforge';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const v = Number(process.argv[at + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} takes a positive integer, got ${process.argv[at + 1]}`);
  return v;
}

const LANGUAGES = [
  { name: 'JavaScript', matches: (f: string) => f.endsWith('.js') && !f.endsWith('.min.js') },
  { name: 'TypeScript', matches: (f: string) => f.endsWith('.d.ts') },
  { name: 'JSON', matches: (f: string) => f.endsWith('.json') },
  { name: 'Markdown', matches: (f: string) => f.endsWith('.md') },
];

/** Files of node_modules, in a fixed order (sorted, depth-first), skipping what cannot be read. */
function* files(dir: string, depth = 0): Generator<string> {
  let entries: { name: string; isDirectory(): boolean; isFile(): boolean }[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory() && depth < 6) yield* files(path, depth + 1);
    else if (e.isFile()) yield path;
  }
}

/** Up to `perLanguage` lines of each language (20 to 160 characters, trimmed), each tagged with its file. */
function collect(perLanguage: number): { text: string; label: number; file: string }[] {
  const out: { text: string; label: number; file: string }[] = [];
  const counts = LANGUAGES.map(() => 0);
  for (const file of files(join(process.cwd(), 'node_modules'))) {
    const label = LANGUAGES.findIndex((l) => l.matches(file));
    if (label < 0 || counts[label] >= perLanguage) continue;
    let body: string;
    try {
      body = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    // At most 40 lines of one file, so that no file dominates a language.
    let taken = 0;
    for (const raw of body.split('\n')) {
      const text = raw.trim();
      if (text.length < 20 || text.length > 160) continue;
      out.push({ text, label, file });
      if (++counts[label] >= perLanguage || ++taken >= 40) break;
    }
    if (counts.every((c) => c >= perLanguage)) break;
  }
  return out;
}

/**
 * Words, numbers and single symbols, lowercased ("const x = 1;" is
 * "const", "x", "=", "1", ";"); ids by frequency in the training lines: 0 is
 * padding (masked by the embedding), 1 a word the vocabulary lacks.
 */
class Tokenizer {
  readonly ids = new Map<string, number>();

  constructor(lines: string[], readonly vocabularySize: number, readonly length: number) {
    const counts = new Map<string, number>();
    for (const line of lines) for (const t of Tokenizer.split(line)) counts.set(t, (counts.get(t) ?? 0) + 1);
    [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, vocabularySize - 2).forEach(([t], i) => this.ids.set(t, i + 2));
  }

  static split(line: string): string[] {
    return line.toLowerCase().match(/[a-z_$][a-z0-9_$]*|\d+|[^\sa-z0-9_$]/g) ?? [];
  }

  /** Lines as an int32 [lines, length] tensor of ids, cut or padded with zeros after the words. */
  encode(lines: string[]): tf.Tensor {
    const ids = new Int32Array(lines.length * this.length);
    lines.forEach((line, i) => Tokenizer.split(line).slice(0, this.length).forEach((t, j) => (ids[i * this.length + j] = this.ids.get(t) ?? 1)));
    return tf.tensor(ids, [lines.length, this.length], 'int32');
  }
}

async function main(): Promise<void> {
  const epochs = option('--epochs', 4);
  const perLanguage = option('--lines', 3000);
  const lines = collect(perLanguage);
  // Split by file: a file's lines are all training or all test (every fifth file by a hash of its path is test).
  const isTest = (file: string) => [...file].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 5 === 0;
  const train = lines.filter((l) => !isTest(l.file));
  const test = lines.filter((l) => isTest(l.file));
  const tokenizer = new Tokenizer(train.map((l) => l.text), 4000, 24);
  console.log(`${lines.length} lines from node_modules (${LANGUAGES.map((l, k) => `${l.name} ${lines.filter((x) => x.label === k).length}`).join(', ')}); ` +
    `${train.length} for training, ${test.length} for testing (other files); vocabulary of ${tokenizer.ids.size + 2} tokens`);

  tf.setSeed(1); // the same starting weights every run
  const model = tf.sequential([
    tf.layers.embedding({ inputDim: tokenizer.vocabularySize, outputDim: 32, maskZero: true, inputShape: [tokenizer.length] }),
    tf.layers.lstm({ units: 48 }),
    tf.layers.dense({ units: LANGUAGES.length, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: tf.optimizers.adam({ learningRate: 0.003 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const labels = (set: typeof lines) => tf.tensor(Int32Array.from(set, (l) => l.label), [set.length], 'int32');
  const start = performance.now();
  await model.fit(tokenizer.encode(train.map((l) => l.text)), labels(train), { epochs, batchSize: 32, shuffle: true, seed: 1 });
  console.log(`Trained ${epochs} epochs in ${((performance.now() - start) / 1000).toFixed(1)} s`);

  const { accuracy } = await model.evaluate(tokenizer.encode(test.map((l) => l.text)), labels(test));
  const majority = Math.max(...LANGUAGES.map((_, k) => test.filter((l) => l.label === k).length)) / test.length;
  console.log(`Test accuracy ${accuracy.toFixed(3)} (always guessing the most common language: ${majority.toFixed(3)})`);

  // NOTE: the arrow-function line usually comes out as Markdown, and that is the data speaking: in
  // node_modules, modern syntax appears mostly in READMEs' examples, the .js files being mostly
  // compiled ES5. A model learns the distribution it is given.
  const samples = ['var self = this; return Object.keys(obj).map(function (key) {', 'const server = http.createServer((req, res) => res.end("ok"));', 'export declare function parse(text: string): Options;',
    '"devDependencies": { "vitest": "^3.0.0" },', 'Install it with npm and read the [guide](docs/guide.md) first.'];
  const p = model.predict(tokenizer.encode(samples)).dataSync();
  samples.forEach((s, i) => {
    const row = Array.from(p.subarray(i * LANGUAGES.length, (i + 1) * LANGUAGES.length));
    const k = row.indexOf(Math.max(...row));
    console.log(`  ${LANGUAGES[k].name.padEnd(10)} ${(row[k] * 100).toFixed(0).padStart(3)}%  ${s}`);
  });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

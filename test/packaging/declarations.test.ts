// The published type declarations (tsconfig's stripInternal drops every
// @internal member) must stand on their own: a strict consumer that checks
// every .d.ts (skipLibCheck off) compiles against them, and no public
// declaration names a type that was stripped.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '../..');
const TSC = path.join(REPO, 'node_modules/typescript/bin/tsc');

function tsc(args: string[]): string {
  try {
    return execFileSync(process.execPath, [TSC, ...args], { encoding: 'utf8' });
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

describe('public type declarations', () => {
  it('are emitted without @internal members and compile for a strict consumer', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-dts-'));
    try {
      const out = path.join(dir, 'types');
      fs.writeFileSync(path.join(dir, 'emit.json'), JSON.stringify({
        extends: path.join(REPO, 'tsconfig.json'),
        compilerOptions: { emitDeclarationOnly: true, outDir: out, rootDir: path.join(REPO, 'src'), typeRoots: [path.join(REPO, 'node_modules/@types')] },
        include: [path.join(REPO, 'src')],
      }));
      expect(tsc(['-p', path.join(dir, 'emit.json')])).toBe('');
      const files = fs.readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
      expect(files.length).toBeGreaterThan(20);
      for (const f of files) expect(fs.readFileSync(path.join(out, f), 'utf8'), f).not.toMatch(/@internal/);
      // A consumer using the reference program's API, checked with every declaration file.
      fs.writeFileSync(path.join(out, 'consumer.ts'), [
        "import * as tf from './index';",
        "const model: tf.Sequential = tf.sequential({ layers: [tf.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), tf.layers.dense({ units: 10, activation: 'softmax' })] });",
        "model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });",
        "const base: tf.LayersModel = model;",
        "export const run = (x: tf.Tensor, y: tf.Tensor) => base.fit(x, y, { epochs: 5, callbacks: [tf.callbacks.earlyStopping({ patience: 2 })] });",
      ].join('\n'));
      fs.writeFileSync(path.join(out, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          strict: true, noEmit: true, skipLibCheck: false, module: 'node16', moduleResolution: 'node16', target: 'es2022', lib: ['es2022'],
          types: ['node'], typeRoots: [path.join(REPO, 'node_modules/@types')],
        },
        files: ['consumer.ts'],
      }));
      expect(tsc(['-p', out])).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

// The promises of SECURITY.md about model files: no file access outside the
// model's directory, no network, no code execution from a model file.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-security-'));
let json: Record<string, unknown>;

beforeAll(async () => {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: 'relu' })] });
  m.build([3]);
  await m.save(path.join(dir, 'model'));
  json = JSON.parse(fs.readFileSync(path.join(dir, 'model', 'model.json'), 'utf8'));
  // A file of exactly the right size outside the model directory.
  fs.copyFileSync(path.join(dir, 'model', 'weights.bin'), path.join(dir, 'outside.bin'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes a copy of the saved model with `edit` applied to its model.json; returns its directory. */
function variant(name: string, edit: (j: Record<string, any>) => void): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  const j = structuredClone(json) as Record<string, any>;
  edit(j);
  fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify(j));
  fs.copyFileSync(path.join(dir, 'model', 'weights.bin'), path.join(d, 'weights.bin'));
  return d;
}

describe('weight files stay inside the model directory', () => {
  for (const p of ['../outside.bin', `${'../'.repeat(12)}etc/passwd`, '/etc/passwd', path.join(dir, 'outside.bin'), 'file:///etc/passwd', 'sub/../../outside.bin', '..\\outside.bin']) {
    it(`refuses the shard path ${JSON.stringify(p)} before reading it`, async () => {
      const d = variant(`escape-${Buffer.from(p).toString('hex').slice(0, 40)}`, (j) => { j.weightsManifest[0].paths = [p]; });
      const opened = vi.spyOn(fs.promises, 'open');
      await expect(tf.loadLayersModel(d)).rejects.toThrow(/outside the model's directory|must be a non-empty relative path/);
      expect(opened.mock.calls.map((c) => String(c[0])).filter((f) => !f.startsWith(d))).toEqual([]);
      opened.mockRestore();
    });
  }
});

describe('no network', () => {
  it('refuses URLs other than file:// without opening a socket', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    for (const url of ['http://127.0.0.1:9/model.json', 'https://example.com/model.json', 'indexeddb://m', 'localstorage://m']) {
      await expect(tf.loadLayersModel(url)).rejects.toThrow(/unsupported URL scheme/);
    }
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    m.build([1]);
    await expect(m.save('http://127.0.0.1:9/m')).rejects.toThrow(/unsupported URL scheme/);
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
  });
});

describe('no code execution from a model file', () => {
  const cases: [string, (j: Record<string, any>) => void][] = [
    ['a Lambda layer', (j) => { j.modelTopology.config.layers[0].class_name = 'Lambda'; j.modelTopology.config.layers[0].config.function = 'process.exit(3)'; }],
    ['a layer class named after a global', (j) => { j.modelTopology.config.layers[0].class_name = 'Function'; }],
    ['a prototype key as class name', (j) => { j.modelTopology.config.layers[0].class_name = '__proto__'; }],
    ['an activation named after a method', (j) => { j.modelTopology.config.layers[0].config.activation = 'constructor'; }],
    ['an initializer naming a module', (j) => { j.modelTopology.config.layers[0].config.kernel_initializer = { class_name: 'child_process', config: {} }; }],
  ];
  for (const [what, edit] of cases) {
    it(`rejects ${what}`, async () => {
      const exit = vi.spyOn(process, 'exit').mockImplementation((() => { throw new Error('process.exit called'); }) as never);
      const d = variant(`code-${what.replace(/\W/g, '-')}`, edit);
      const err = await tf.loadLayersModel(d).then(() => null, (e: unknown) => e);
      // Either refused, or (for an ignored field) loaded as a plain model; never executed.
      if (err !== null) expect(err).toBeInstanceOf(Error);
      expect(exit).not.toHaveBeenCalled();
      exit.mockRestore();
    });
  }
});

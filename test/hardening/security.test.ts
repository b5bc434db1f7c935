// The promises of SECURITY.md about model files: no file access outside the
// model's directory, no network, no code execution from a model file.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';

// The loader imports node:fs/promises as a namespace, so a spy on the
// fs.promises object never sees its calls; wrap the module's file-opening
// functions instead (a control below proves these spies see a real load).
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const spied = { ...real, open: vi.fn(real.open), readFile: vi.fn(real.readFile), stat: vi.fn(real.stat) };
  return { ...spied, default: spied };
});
const opens = [vi.mocked(fsp.open), vi.mocked(fsp.readFile), vi.mocked(fsp.stat)];
/** Every path the loader opened, read or stat'ed since the last call. */
function touched(): string[] {
  const files = opens.flatMap((f) => f.mock.calls.map((c) => String(c[0])));
  for (const f of opens) f.mockClear();
  return files;
}

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
  it('control: the spies see the files of a legitimate load', async () => {
    touched();
    const m = await tf.loadLayersModel(path.join(dir, 'model'));
    expect(m.countParams()).toBe(3 * 2 + 2);
    const files = touched();
    expect(files).toContain(path.join(dir, 'model', 'model.json'));
    expect(files).toContain(path.join(dir, 'model', 'weights.bin'));
  });

  for (const p of ['../outside.bin', `${'../'.repeat(12)}etc/passwd`, '/etc/passwd', path.join(dir, 'outside.bin'), 'file:///etc/passwd', 'sub/../../outside.bin', '..\\outside.bin']) {
    it(`refuses the shard path ${JSON.stringify(p)} before reading it`, async () => {
      const d = variant(`escape-${Buffer.from(p).toString('hex').slice(0, 40)}`, (j) => { j.weightsManifest[0].paths = [p]; });
      touched();
      await expect(tf.loadLayersModel(d)).rejects.toThrow(/outside the model's directory|must be a non-empty relative path/);
      const files = touched();
      expect(files).toContain(path.join(d, 'model.json')); // the spies were live
      expect(files.filter((f) => f !== d && !f.startsWith(d + path.sep))).toEqual([]);
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
  const refused: [string, (j: Record<string, any>) => void, RegExp][] = [
    ['a Lambda layer', (j) => { j.modelTopology.config.layers[0].class_name = 'Lambda'; j.modelTopology.config.layers[0].config.function = 'process.exit(3)'; }, /unsupported layer class 'Lambda'/],
    ['a layer class named after a global', (j) => { j.modelTopology.config.layers[0].class_name = 'Function'; }, /unsupported layer class 'Function'/],
    ['a prototype key as class name', (j) => { j.modelTopology.config.layers[0].class_name = '__proto__'; }, /unsupported layer class '__proto__'/],
    ['an activation named after a method', (j) => { j.modelTopology.config.layers[0].config.activation = 'constructor'; }, /unknown activation 'constructor'/],
  ];
  for (const [what, edit, message] of refused) {
    it(`rejects ${what}`, async () => {
      const exit = vi.spyOn(process, 'exit').mockImplementation((() => { throw new Error('process.exit called'); }) as never);
      try {
        const d = variant(`code-${what.replace(/\W/g, '-')}`, edit);
        const err = await tf.loadLayersModel(d).then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(/^loadLayersModel: /);
        expect((err as Error).message).toMatch(message);
        expect(exit).not.toHaveBeenCalled();
      } finally {
        exit.mockRestore();
      }
    });
  }

  // Initializers are not run when weights are loaded, so an unknown
  // initializer config is never resolved: the model loads with its saved weights.
  it('ignores an initializer naming a module: loads the saved weights, runs nothing', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => { throw new Error('process.exit called'); }) as never);
    try {
      const d = variant('code-initializer-module', (j) => { j.modelTopology.config.layers[0].config.kernel_initializer = { class_name: 'child_process', config: {} }; });
      const loaded = await tf.loadLayersModel(d);
      const saved = await tf.loadLayersModel(path.join(dir, 'model'));
      expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(saved.getWeights().map((w) => Array.from(w.dataSync())));
      expect(exit).not.toHaveBeenCalled();
    } finally {
      exit.mockRestore();
    }
  });
});

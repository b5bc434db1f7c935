// Every optimizer row of src/optimizers/definitions.ts, checked the same way,
// so a new row is covered without a new test: its factory applies the row's
// defaults and ranges; its configuration survives the training-config
// round trip in both the TensorFlow.js and the Keras form; the native engine
// knows it, requires each of its options, and keeps as many slot arrays as
// the row names; and its state survives includeOptimizer bit for bit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { readTrainingConfig, trainingConfigToJSON } from '../../src/io/training_config';
import { native } from '../../src/native';
import {
  NumberOption, OPTIMIZER_NAMES, OptimizerDefinition, OptimizerIdentifier, definitionOf,
} from '../../src/optimizers/definitions';
import { Rng } from './reference';

/** A value of the option other than its default, inside its range. */
function otherNumber(o: NumberOption): number {
  if (o.default / 2 > o.min) return o.default / 2;
  return Number.isFinite(o.max) ? (o.min + o.max) / 2 : o.min + 1;
}

/** Every rule option and the learning rate moved off its default. */
function everyOptionChanged(def: OptimizerDefinition): Record<string, unknown> {
  const args: Record<string, unknown> = { learningRate: def.learningRate / 2 };
  for (const [k, o] of Object.entries(def.options)) args[k] = 'min' in o ? otherNumber(o) : !o.default;
  return args;
}

interface Variant {
  name: string;
  args: (def: OptimizerDefinition) => Record<string, unknown>;
}
const VARIANTS: Variant[] = [
  { name: 'defaults', args: () => ({}) },
  { name: 'every option changed', args: everyOptionChanged },
  {
    name: 'clipNorm, clipValue, weight decay and a schedule',
    args: () => ({ clipNorm: 1, clipValue: 0.5, weightDecay: 0.01, learningRate: tf.optimizers.exponentialDecay({ initialLearningRate: 0.02, decaySteps: 3, decayRate: 0.5 }) }),
  },
  { name: 'globalClipNorm', args: () => ({ globalClipNorm: 2 }) },
];

const CASES = OPTIMIZER_NAMES.flatMap((name) => VARIANTS.map((v) => ({ name, variant: v.name, make: () => tf.optimizers.get(name, v.args(definitionOf(name)) as never) })));
const title = (c: { name: string; variant: string }) => `${c.name}, ${c.variant}`;

/** The configuration as written to a file and read back (JSON, so nothing but data survives). */
const throughJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function expectSameOptimizer(back: tf.optimizers.Optimizer, opt: tf.optimizers.Optimizer): void {
  expect(back.name).toBe(opt.name);
  expect(back.className).toBe(opt.className);
  expect(back.config).toEqual(opt.config);
  expect(back.getConfig()).toEqual(opt.getConfig());
}

describe('the rows and the native list', () => {
  it('name the same optimizers', () => {
    expect(OPTIMIZER_NAMES.map((n) => definitionOf(n).native).sort()).toEqual(Object.keys(native.enums.optimizer).sort());
  });

  it('every factory applies its row: defaults, then each option in its range', () => {
    for (const name of OPTIMIZER_NAMES) {
      const def = definitionOf(name);
      const defaults: Record<string, unknown> = { learningRate: def.learningRate, weightDecay: def.weightDecay };
      for (const [k, o] of Object.entries(def.options)) defaults[k] = o.default;
      expect(tf.optimizers.get(name).config, name).toEqual(defaults);
      const make = (args: Record<string, unknown>) => () => tf.optimizers.get(name, args as never);
      for (const [k, o] of Object.entries(def.options)) {
        const label = `${name}.${k}`;
        if (!('min' in o)) {
          expect(make({ [k]: 1 }), label).toThrow(new RegExp(`^optimizers\\.${name}: ${k} must be a boolean`));
          continue;
        }
        expect(make({ [k]: o.min - 1e-3 }), label).toThrow(RangeError);
        expect(make({ [k]: NaN }), label).toThrow(RangeError);
        if (Number.isFinite(o.max)) expect(make({ [k]: o.max + 1e-3 }), label).toThrow(RangeError);
        if (o.belowMax) expect(make({ [k]: o.max }), label).toThrow(new RegExp(`${k} must be < ${o.max}`));
        else expect(make({ [k]: o.max === Infinity ? 1e30 : o.max })().config[k], label).toBe(o.max === Infinity ? 1e30 : o.max);
      }
    }
  });
});

describe('the options interfaces', () => {
  it("document each rule option's default as its row has it", () => {
    const source = fs.readFileSync(path.join(__dirname, '../../src/optimizers/definitions.ts'), 'utf8');
    const byName = /interface OptimizerArgsByName \{([^}]*)\}/.exec(source)![1];
    let checked = 0;
    for (const [, name, args] of byName.matchAll(/(\w+): (\w+);/g)) {
      const body = new RegExp(`interface ${args} extends OptimizerArgs \\{([^}]*)\\}`).exec(source)![1];
      const documented = new Map([...body.matchAll(/\/\*\*[^*]*\bdefault ([\w.+-]+)\)?\.? \*\/\s*(\w+)\?:/gi)].map((m) => [m[2], m[1].replace(/\.$/, '')]));
      for (const [k, o] of Object.entries(definitionOf(name as OptimizerIdentifier).options)) {
        expect(documented.get(k), `${args}.${k} documents its default`).toBeDefined();
        expect(documented.get(k) === String(o.default) || Number(documented.get(k)) === o.default, `${args}.${k}: documented ${documented.get(k)}, row ${o.default}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(OPTIMIZER_NAMES.reduce((n, name) => n + Object.keys(definitionOf(name).options).length, 0));
  });
});

describe('each row round-trips through a training configuration', () => {
  for (const c of CASES) {
    it(title(c), () => {
      const opt = c.make();
      const loss = tf.losses.meanSquaredError();
      for (const includeOptimizer of [false, true]) {
        // TensorFlow.js's form, as save writes it.
        const { config, tfjs } = trainingConfigToJSON({ optimizer: opt, loss, metrics: [] }, opt.learningRate, includeOptimizer);
        expect(typeof tfjs).toBe('boolean');
        if (opt.schedule) expect(tfjs).toBe(false);
        expectSameOptimizer(readTrainingConfig(throughJson(config)).optimizer, opt);
      }
      // Keras's form: the class name and getConfig's snake_case keys.
      const keras = { optimizer_config: { class_name: opt.className, config: opt.getConfig() }, loss: 'mean_squared_error' };
      expectSameOptimizer(readTrainingConfig(throughJson(keras)).optimizer, opt);
    });
  }
});

describe('the native engine reads each row', () => {
  const model = () => new native.NativeModel([{ kind: native.enums.layer.dense, units: 2 }], 3);
  const mse = { kind: native.enums.loss.meanSquaredError };

  for (const name of OPTIMIZER_NAMES) {
    it(`${name}: every option it reads is required (the defaults live in TypeScript only)`, () => {
      const spec = tf.optimizers.get(name).toNative();
      expect(() => model().compile(spec, [{ loss: mse, weight: 1, metrics: [] }])).not.toThrow();
      for (const k of [...Object.keys(definitionOf(name).options), 'weightDecay']) {
        const { [k]: _dropped, ...rest } = spec;
        expect(() => model().compile({ ...rest, kind: spec.kind, schedule: spec.schedule }, [{ loss: mse, weight: 1, metrics: [] }]), `${name} without ${k}`)
          .toThrow(new RegExp(`^compile: ${k} is required for ${definitionOf(name).native}`));
      }
    });
  }
});

describe('each row saves and restores its optimizer state', () => {
  const SHAPES = [[4, 3], [3], [3, 2], [2]];
  const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);

  CASES.forEach((c, i) => {
    it(title(c), async () => {
      const opt = c.make();
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.dense({ units: 2 })] });
      m.compile({ optimizer: opt, loss: 'meanSquaredError' });
      const rng = new Rng(3000 + i);
      for (let step = 0; step < 3; step++) m.applyGradients(Float32Array.from(rng.array(total, -1, 1)));
      const state = m.getOptimizerState();
      // The row's slot names cover the native slot arrays exactly, each once.
      const used = definitionOf(c.name as OptimizerIdentifier).slots(opt.config).map((s) => s.slot).filter((s): s is number => s !== null);
      expect([...used].sort()).toEqual(state.slots.map((_s, k) => k));
      for (const s of state.slots) expect(s.length).toBe(total);

      const back = await tf.fromArtifacts(await m.toArtifacts({ includeOptimizer: true }));
      expectSameOptimizer(back.compileConfig!.optimizer, opt);
      const restored = back.getOptimizerState();
      expect(restored.iterations).toBe(3);
      expect(restored.nadamMomentumProduct).toBe(state.nadamMomentumProduct);
      expect(restored.slots.length).toBe(state.slots.length);
      state.slots.forEach((s, k) => expect(Buffer.from(restored.slots[k].buffer).equals(Buffer.from(s.buffer)), `slot ${k}`).toBe(true));
    });
  });
});

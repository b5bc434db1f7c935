// The search space: kinds, defaults, conditional names, grids, sampling, and
// the errors an invalid space gives.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import { discreteValues, gridValues, sampleSpec } from '../../src/tuner/hyperparameters';
import { Random } from '../../src/random';

const { HyperParameters } = tf.tuner;

describe('HyperParameters', () => {
  it('returns defaults outside a search and records what was used, in order', () => {
    const hp = new HyperParameters();
    expect(hp.int('layers', 1, 3)).toBe(1);
    expect(hp.float('lr', 1e-4, 1e-2, { sampling: 'log', default: 1e-3 })).toBe(1e-3);
    expect(hp.choice('act', ['relu', 'tanh'])).toBe('relu');
    expect(hp.boolean('bn')).toBe(false);
    expect(hp.fixed('epochs', 7)).toBe(7);
    expect(hp.values).toEqual({ layers: 1, lr: 1e-3, act: 'relu', bn: false, epochs: 7 });
    expect(Object.keys(hp.values)).toEqual(['layers', 'lr', 'act', 'bn', 'epochs']);
    // The same name with the same definition gives the same value again.
    expect(hp.choice('act', ['relu', 'tanh'])).toBe('relu');
    expect(hp.get('lr')).toBe(1e-3);
    expect(() => hp.get('nope')).toThrow(/'nope' has not been used/);
  });

  it('takes given values and checks them against the definition', () => {
    const hp = new HyperParameters({ layers: 3, act: 'tanh' });
    expect(hp.int('layers', 1, 3)).toBe(3);
    expect(hp.choice('act', ['relu', 'tanh'])).toBe('tanh');
    expect(() => new HyperParameters({ layers: 5 }).int('layers', 1, 3)).toThrow(/value 5 of 'layers' is not allowed by int\(1\.\.3\)/);
  });

  it('makes names inside conditionalScope active only when the parent matches', () => {
    const run = (opt: string) => {
      const hp = new HyperParameters({ optimizer: opt });
      hp.choice('optimizer', ['sgd', 'adam']);
      const m = hp.conditionalScope('optimizer', ['sgd'], () => hp.float('momentum', 0, 0.9, { default: 0.5 }));
      return { m, values: hp.values, spec: hp.space.get('momentum') };
    };
    const sgd = run('sgd');
    expect(sgd.m).toBe(0.5);
    expect(sgd.values).toEqual({ optimizer: 'sgd', momentum: 0.5 });
    expect(sgd.spec!.conditions).toEqual([{ parent: 'optimizer', values: ['sgd'] }]);
    const adam = run('adam');
    expect(adam.m).toBeUndefined();
    expect(adam.values).toEqual({ optimizer: 'adam' });
    expect(() => new HyperParameters().conditionalScope('missing', ['x'], () => 1)).toThrow(/parent 'missing' must be used/);
    const hostile = new Proxy([], { get: (t, k) => (k === Symbol.iterator ? undefined : k === 'length' ? 2 ** 31 : 7) });
    expect(() => new HyperParameters().conditionalScope('missing', hostile as never, () => 1)).toThrow(/^hp\.conditionalScope: parentValues must be a value or an array of values/);
  });

  describe('invalid spaces give clear errors', () => {
    const cases: [string, (hp: InstanceType<typeof HyperParameters>) => unknown, RegExp][] = [
      ['int min > max', (hp) => hp.int('n', 5, 1), /hp\.int\('n'\): min \(5\) > max \(1\)/],
      ['float min > max', (hp) => hp.float('lr', 0.1, 0.01), /hp\.float\('lr'\): min \(0\.1\) > max \(0\.01\)/],
      ['empty choice', (hp) => hp.choice('act', []), /hp\.choice\('act'\): values must not be empty/],
      ['choice of mixed types', (hp) => hp.choice('x', [1, 'a'] as never), /values must all be of one type/],
      ['choice with duplicates', (hp) => hp.choice('x', [1, 1]), /values has duplicates/],
      ['log sampling with min <= 0', (hp) => hp.float('lr', 0, 1, { sampling: 'log' }), /log sampling needs min > 0, got 0/],
      ['non-integer int bounds', (hp) => hp.int('n', 0.5, 2), /min and max must be integers/],
      ['bad step', (hp) => hp.float('x', 0, 1, { step: -0.1 }), /step must be a number > 0/],
      ['bad sampling', (hp) => hp.float('x', 0, 1, { sampling: 'cubic' as never }), /sampling must be 'linear' or 'log'/],
      ['default out of range', (hp) => hp.int('n', 1, 3, { default: 9 }), /default must be an integer in \[1, 3\]/],
      ['empty name', (hp) => hp.int('', 1, 3), /name must be a non-empty string/],
      ['same name, different kinds', (hp) => {
        hp.int('units', 1, 3);
        hp.choice('units', [64, 128]);
      }, /'units' is already defined as int, cannot redefine it as choice/],
      ['same name, different ranges', (hp) => {
        hp.int('units', 1, 3);
        hp.int('units', 1, 4);
      }, /'units' is defined twice differently: int\(1\.\.3\) and int\(1\.\.4\)/],
    ];
    for (const [name, f, re] of cases) {
      it(name, () => {
        expect(() => f(new HyperParameters())).toThrow(re);
      });
    }

    it('a duplicate name across trials is caught through the shared space', async () => {
      let k = 0;
      const tuner = tf.tuner.randomSearch({
        runTrial: (hp) => (k++ === 0 ? hp.int('a', 0, 3) : hp.float('a', 0, 1)),
        objective: { name: 'v', direction: 'max' }, maxTrials: 5, seed: 1, verbose: 0,
      });
      // A build that throws fails its trial; three in a row end the search with the error.
      await expect(tuner.search()).rejects.toThrow(/'a' is already defined as int, cannot redefine it as float/);
    });
  });

  it('lists grids: steps, multiplicative log steps, and points of a continuous float', () => {
    const hp = new HyperParameters();
    hp.int('a', 2, 10, { step: 4 });
    hp.int('units', 32, 512, { step: 2, sampling: 'log' });
    hp.float('drop', 0, 0.5, { step: 0.1 });
    hp.float('lr', 1e-4, 1e-2, { sampling: 'log' });
    hp.boolean('b');
    const s = (n: string) => hp.space.get(n)!;
    expect(discreteValues(s('a'))).toEqual([2, 6, 10]);
    expect(discreteValues(s('units'))).toEqual([32, 64, 128, 256, 512]);
    expect(discreteValues(s('drop'))).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(discreteValues(s('lr'))).toBeNull();
    const lr = gridValues(s('lr'), 3) as number[];
    expect(lr[0]).toBe(1e-4);
    expect(lr[1]).toBeCloseTo(1e-3, 12);
    expect(lr[2]).toBe(1e-2);
    expect(gridValues(s('b'), 5)).toEqual([false, true]);
  });

  it('samples uniformly, and log-uniformly with log sampling', () => {
    const hp = new HyperParameters();
    hp.float('lin', 0, 1);
    hp.float('log', 1e-4, 1);
    hp.float('lg', 1e-4, 1, { sampling: 'log' });
    const rng = new Random(7);
    const n = 4000;
    const draw = (name: string) => Array.from({ length: n }, () => sampleSpec(hp.space.get(name)!, rng) as number);
    const lin = draw('lin');
    const lg = draw('lg');
    // Uniform: mean 1/2 (std of the mean 0.0046, tolerance 4 sigma).
    expect(Math.abs(lin.reduce((a, b) => a + b, 0) / n - 0.5)).toBeLessThan(0.02);
    // Log-uniform on [1e-4, 1]: each decade holds 1/4 of the draws (binomial std 0.0068, tolerance ~4 sigma).
    const frac = lg.filter((v) => v < 1e-3).length / n;
    expect(Math.abs(frac - 0.25)).toBeLessThan(0.03);
    expect(Math.min(...lg)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lg)).toBeLessThanOrEqual(1);
  });
});

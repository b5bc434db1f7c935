// Each strategy on cheap synthetic objectives with a known optimum (runTrial
// mode: no model, the objective is a formula of the hyperparameters), the
// Hyperband schedule against the paper's table, seeded reproducibility, and
// the median pruner.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import type { HyperParameters, TrialRecord } from '../../src/tuner';

const objective = { name: 'score', direction: 'max' as const };

/** Discrete: 10 x 3 x 2 = 60 configurations, optimum q = 7, c = 'b', flip = true (score 3). */
function discrete(hp: HyperParameters): number {
  const q = hp.int('q', 0, 9);
  const c = hp.choice('c', ['a', 'b', 'c']);
  const flip = hp.boolean('flip');
  return -Math.abs(q - 7) + (c === 'b' ? 2 : 0) + (flip ? 1 : 0);
}

/** Continuous: maximum 0 at x = 1.5, lr = 1e-3 (log scale). */
function continuous(hp: HyperParameters): number {
  const x = hp.float('x', -5, 5);
  const lr = hp.float('lr', 1e-5, 1e-1, { sampling: 'log' });
  return -((x - 1.5) ** 2) - (Math.log10(lr) + 3) ** 2;
}

const values = (t: tf.tuner.Tuner) => t.trials.map((r) => r.values);

describe('random search', () => {
  it('finds the optimum of a small discrete space', async () => {
    const tuner = tf.tuner.randomSearch({ runTrial: discrete, objective, maxTrials: 150, seed: 3, verbose: 0 });
    const r = await tuner.search();
    expect(r.reason).toBe('maxTrials');
    expect(r.trials).toBe(150);
    expect(tuner.getBestTrials(1)[0].values).toEqual({ q: 7, c: 'b', flip: true });
    expect(tuner.getBestHyperparameters(1)[0].get('q')).toBe(7);
  });

  it('is reproducible with a seed, and differs with another', async () => {
    const run = async (seed: number) => {
      const t = tf.tuner.randomSearch({ runTrial: continuous, objective, maxTrials: 20, seed, verbose: 0 });
      await t.search();
      return values(t);
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
  });
});

describe('grid search', () => {
  it('visits every configuration of a conditional space once, depth first, and finds the optimum', async () => {
    // kind 'lin' uses slope (4 values); kind 'quad' uses a (2) and b (2): 4 + 4 = 8 configurations.
    const tuner = tf.tuner.gridSearch({
      runTrial: (hp) => {
        const kind = hp.choice('kind', ['lin', 'quad']);
        if (kind === 'lin') return hp.int('slope', 0, 3);
        return hp.choice('a', [1, 2]) * (hp.boolean('b') ? 3 : 1);
      },
      objective, seed: 1, verbose: 0,
    });
    const r = await tuner.search();
    expect(r.reason).toBe('done');
    expect(values(tuner)).toEqual([
      { kind: 'lin', slope: 0 }, { kind: 'lin', slope: 1 }, { kind: 'lin', slope: 2 }, { kind: 'lin', slope: 3 },
      { kind: 'quad', a: 1, b: false }, { kind: 'quad', a: 1, b: true }, { kind: 'quad', a: 2, b: false }, { kind: 'quad', a: 2, b: true },
    ]);
    expect(tuner.getBestTrials(1)[0].values).toEqual({ kind: 'quad', a: 2, b: true });
    // A finished search, searched again, runs nothing more.
    expect((await tuner.search()).finishedNow).toBe(0);
  });

  it('grids a continuous float at floatPoints values and finds the best of them', async () => {
    const tuner = tf.tuner.gridSearch({ runTrial: (hp) => -((hp.float('x', 0, 4) - 3) ** 2), objective, floatPoints: 5, verbose: 0 });
    await tuner.search();
    expect(tuner.trials.map((t) => t.values.x)).toEqual([0, 1, 2, 3, 4]);
    expect(tuner.getBestTrials(1)[0].values.x).toBe(3);
  });
});

describe('TPE', () => {
  it('converges on a continuous optimum and samples closer to it once the model is used', async () => {
    const tuner = tf.tuner.tpe({ runTrial: continuous, objective, maxTrials: 80, seed: 5, verbose: 0 });
    await tuner.search();
    const best = tuner.getBestTrials(1)[0];
    expect(Math.abs((best.values.x as number) - 1.5)).toBeLessThan(0.3);
    expect(Math.abs(Math.log10(best.values.lr as number) + 3)).toBeLessThan(0.3);
    const score = (ts: TrialRecord[]) => ts.reduce((a, t) => a + t.score!, 0) / ts.length;
    // The first 10 trials are uniform draws; the last 30 come from the model.
    expect(score(tuner.trials.slice(-30))).toBeGreaterThan(score(tuner.trials.slice(0, 10)) + 2);
  });

  it('finds the optimum of a small discrete space', async () => {
    const tuner = tf.tuner.tpe({ runTrial: discrete, objective, maxTrials: 60, seed: 2, verbose: 0 });
    await tuner.search();
    expect(tuner.getBestTrials(1)[0].values).toEqual({ q: 7, c: 'b', flip: true });
  });

  it('is reproducible with a seed', async () => {
    const run = async () => {
      const t = tf.tuner.tpe({ runTrial: continuous, objective, maxTrials: 25, seed: 9, verbose: 0 });
      await t.search();
      return t.trials.map((r) => [r.values, r.score]);
    };
    expect(await run()).toEqual(await run());
  });
});

describe('Hyperband', () => {
  it("has the paper's schedule: Li et al. 2018, Table 1 (R = 81, eta = 3)", () => {
    const table = tf.tuner.hyperbandSchedule(81, 3).map((b) => [b.s, b.rungs.map((r) => [r.configs, r.epochs])]);
    expect(table).toEqual([
      [4, [[81, 1], [27, 3], [9, 9], [3, 27], [1, 81]]],
      [3, [[34, 3], [11, 9], [3, 27], [1, 81]]],
      [2, [[15, 9], [5, 27], [1, 81]]],
      [1, [[8, 27], [2, 81]]],
      [0, [[5, 81]]],
    ]);
  });

  it('follows the formulas for R and eta that are not powers of each other', () => {
    // R = 20, eta = 3: s_max = 2, B = 60; s = 2: n = ceil(3 * 9 / 3) = 9, r = 20/9;
    // s = 1: n = ceil(3 * 3 / 2) = 5, r = 20/3; s = 0: n = 3, r = 20.
    const sched = tf.tuner.hyperbandSchedule(20, 3);
    expect(sched.map((b) => b.rungs.map((r) => r.configs))).toEqual([[9, 3, 1], [5, 1], [3]]);
    [20 / 9, 20 / 3, 20].forEach((v, i) => expect(sched[0].rungs[i].resource).toBeCloseTo(v, 12));
    expect(sched[0].rungs.map((r) => r.epochs)).toEqual([2, 7, 20]);
    expect(tf.tuner.hyperbandSchedule(9, 3).map((b) => b.rungs.map((r) => [r.configs, r.epochs]))).toEqual([[[9, 1], [3, 3], [1, 9]], [[5, 3], [1, 9]], [[3, 9]]]);
    expect(tf.tuner.hyperbandSchedule(1, 3)).toEqual([{ s: 0, rungs: [{ configs: 1, epochs: 1, resource: 1 }] }]);
  });

  it('runs exactly that schedule, promotes the best of each rung, continues them, and finds the optimum', async () => {
    const tuner = tf.tuner.hyperband({
      runTrial: (hp, trial) => {
        const q = hp.int('q', 0, 9);
        // Better configurations are better at every epoch; training helps a little.
        for (let e = trial.initialEpoch; e < trial.epochs; e++) trial.report(e, { score: -Math.abs(q - 7) + 0.01 * e });
      },
      objective, maxEpochs: 9, factor: 3, seed: 1, verbose: 0,
    });
    const r = await tuner.search();
    expect(r.reason).toBe('done'); // one iteration when the search has no budget
    const ts = tuner.trials;
    const count = (bracket: number, rung: number) => ts.filter((t) => t.meta.bracket === bracket && t.meta.rung === rung).length;
    const sched = tf.tuner.hyperbandSchedule(9, 3);
    sched.forEach((b, i) => b.rungs.forEach((rung, k) => expect(count(i, k)).toBe(rung.configs)));
    for (const t of ts) {
      const m = t.meta as { bracket: number; rung: number; parent: number | null };
      expect(t.epochs).toBe(sched[m.bracket].rungs[m.rung].epochs);
      if (m.rung === 0) {
        expect(m.parent).toBeNull();
        expect(t.initialEpoch).toBe(0);
      } else {
        // Promoted: same configuration, continues its parent's epochs, and was among the best of its rung.
        const parent = tuner.trials.find((p) => p.id === m.parent)!;
        expect(t.values).toEqual(parent.values);
        expect(t.initialEpoch).toBe(parent.epochs);
        const rivals = ts.filter((p) => p.meta.bracket === m.bracket && p.meta.rung === m.rung - 1).map((p) => p.score!).sort((a, b) => b - a);
        expect(parent.score!).toBeGreaterThanOrEqual(rivals[sched[m.bracket].rungs[m.rung].configs - 1]);
      }
    }
    const best = tuner.getBestTrials(1)[0];
    expect(best.values.q).toBe(7);
    expect(best.initialEpoch + best.metrics.score.length).toBe(9);
  });

  it('is reproducible with a seed at parallelism 3', async () => {
    const run = async () => {
      const t = tf.tuner.hyperband({
        runTrial: async (hp, trial) => {
          const q = hp.int('q', 0, 30);
          await new Promise((res) => setTimeout(res, (q * 7) % 5)); // finish out of order
          return -Math.abs(q - 20) + trial.epochs * 0.01;
        },
        objective, maxEpochs: 9, seed: 4, parallelism: 3, verbose: 0,
      });
      await t.search();
      return t.trials.map((r) => [r.meta.bracket, r.meta.rung, r.meta.slot, r.values.q, r.score]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    };
    expect(await run()).toEqual(await run());
  });
});

describe('median pruner', () => {
  const rec = (id: number, curve: number[], status: TrialRecord['status'] = 'completed'): TrialRecord => ({
    id, status, values: {}, score: Math.max(...curve), bestEpoch: 0, initialEpoch: 0, epochs: curve.length, metrics: { score: curve },
    params: null, startedAt: '', duration: 0, searchTime: 0, meta: {},
  });

  it("prunes a trial worse than the median of completed trials at the same epoch (Optuna's rule)", () => {
    const p = tf.tuner.medianPruner({ nStartupTrials: 3, nWarmupEpochs: 1 });
    const done = [rec(0, [0.1, 0.5, 0.6]), rec(1, [0.2, 0.6, 0.7]), rec(2, [0.3, 0.7, 0.8])];
    expect(p.shouldPrune([0.0], 0, 'score', 'max', done)).toBe(false); // warm-up epoch
    expect(p.shouldPrune([0.0, 0.55], 0, 'score', 'max', done)).toBe(true); // median at epoch 1 is 0.6
    expect(p.shouldPrune([0.0, 0.65], 0, 'score', 'max', done)).toBe(false);
    expect(p.shouldPrune([0.7, 0.65], 0, 'score', 'min', done)).toBe(true); // minimising: its best, 0.65, is above 0.6
    expect(p.shouldPrune([0.0, 0.1], 0, 'score', 'max', done.slice(0, 2))).toBe(false); // fewer than nStartupTrials
    // Pruned trials are not part of the median.
    expect(p.shouldPrune([0.0, 0.55], 0, 'score', 'max', [...done.slice(0, 2), rec(2, [0.3, 0.7, 0.8], 'pruned')])).toBe(false);
  });

  it('stops bad trials early inside a search', async () => {
    const tuner = tf.tuner.randomSearch({
      runTrial: (hp, trial) => {
        const q = hp.float('q', 0, 1);
        for (let e = 0; e < trial.epochs; e++) if (trial.report(e, { score: q * (e + 1) })) return;
      },
      objective, maxEpochs: 5, maxTrials: 30, seed: 2, verbose: 0,
      pruner: tf.tuner.medianPruner({ nStartupTrials: 3, nWarmupEpochs: 1 }),
    });
    await tuner.search();
    const pruned = tuner.trials.filter((t) => t.status === 'pruned');
    expect(pruned.length).toBeGreaterThan(5);
    for (const t of pruned) expect(t.metrics.score.length).toBeLessThan(5);
    // The best trial is never one that was pruned.
    expect(tuner.getBestTrials(1)[0].status).toBe('completed');
  });
});

describe('objective', () => {
  it('infers the direction from the name, and asks when it cannot', () => {
    const make = (objective: string) => tf.tuner.randomSearch({ runTrial: () => 0, objective, verbose: 0 });
    expect(make('val_accuracy').objective).toEqual({ name: 'val_accuracy', direction: 'max' });
    expect(make('val_loss').objective).toEqual({ name: 'val_loss', direction: 'min' });
    expect(() => make('weirdness')).toThrow(/cannot tell whether objective 'weirdness' should be maximised or minimised/);
  });

  it('a missing objective metric stops the search with a clear error', async () => {
    const tuner = tf.tuner.randomSearch({ runTrial: () => ({ loss: 1 }), objective: 'val_accuracy', maxTrials: 3, verbose: 0 });
    await expect(tuner.search()).rejects.toThrow(/runTrial's result has no 'val_accuracy'/);
  });

  it('needs exactly one of build and runTrial', () => {
    expect(() => tf.tuner.randomSearch({ objective: 'val_loss' } as never)).toThrow(/exactly one of build .* or runTrial/);
  });
});

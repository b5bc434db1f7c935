// The tuner's time budget, on a virtual clock (vitest's fake timers replace
// setTimeout and performance.now), so the verdict says what the search does
// at its deadline, not how fast this machine is: no trial starts after the
// deadline, the trial running at the deadline is told to stop at that
// instant, and the search ends then, with reason 'timeBudget'.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import type { TrialContext } from '../../src/tuner/tuner';

afterEach(() => {
  vi.useRealTimers();
});

const EPOCH_MS = 4_000;
const EPOCHS = 10; // a trial takes 40 virtual seconds

describe('timeBudgetSeconds', () => {
  for (const [where, budgetIn] of [['search()', 'search'], ['the tuner options', 'options']] as const) {
    it(`stops the search at the deadline (budget given to ${where})`, async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
      const t0 = performance.now();
      const starts: number[] = [];
      const stops: number[] = [];
      const runTrial = async (hp: tf.tuner.HyperParameters, trial: TrialContext) => {
        hp.float('x', 0, 1);
        starts.push(performance.now() - t0);
        for (let e = 0; e < EPOCHS; e++) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, EPOCH_MS);
            trial.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
          });
          if (trial.signal.aborted) {
            stops.push(performance.now() - t0);
            return;
          }
          if (trial.report(e, { val_loss: 1 / (e + 1) })) return;
        }
      };
      const tuner = tf.tuner.randomSearch({
        runTrial, objective: 'val_loss', maxTrials: 100, parallelism: 1, seed: 1, verbose: 0,
        ...(budgetIn === 'options' ? { timeBudgetSeconds: 100 } : {}),
      });
      let end = -1;
      const searching = tuner.search(budgetIn === 'search' ? { timeBudgetSeconds: 100 } : {}).then((r) => {
        end = performance.now() - t0;
        return r;
      });
      // Drive the virtual clock well past the budget, a second at a time.
      for (let s = 0; s < 300 && end < 0; s++) await vi.advanceTimersByTimeAsync(1_000);
      // (A search that ignored the budget would wait on the virtual clock for ever.)
      expect(end, `the search ended within 300 virtual seconds; trials started at ${starts.join(', ')} ms`).toBeGreaterThanOrEqual(0);
      const result = await searching;

      // Trials of 40 s from 0, 40 and 80 s; the third is stopped at 100 s.
      expect(starts).toEqual([0, 40_000, 80_000]);
      expect(stops).toEqual([100_000]);
      expect(end).toBe(100_000);
      expect(result.reason).toBe('timeBudget');
      expect(result.trials).toBe(3);
      expect(result.seconds).toBeCloseTo(100, 6);
      expect(tuner.trials.map((r) => r.status)).toEqual(['completed', 'completed', 'stopped']);
    });
  }

  it('a trial still starting at the deadline is stopped at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    const seen: boolean[] = [];
    const tuner = tf.tuner.randomSearch({
      runTrial: async (hp, trial) => {
        hp.float('x', 0, 1);
        // Setting up takes 30 virtual seconds, past the 25 s budget.
        await new Promise((r) => setTimeout(r, 30_000));
        seen.push(trial.shouldStop);
        return 1;
      },
      objective: 'val_loss', maxTrials: 100, parallelism: 1, seed: 2, verbose: 0,
    });
    let done = false;
    const searching = tuner.search({ timeBudgetSeconds: 25 }).finally(() => (done = true));
    for (let s = 0; s < 100 && !done; s++) await vi.advanceTimersByTimeAsync(1_000);
    expect(done, 'the search ended within 100 virtual seconds').toBe(true);
    const result = await searching;
    expect(result.reason).toBe('timeBudget');
    expect(seen).toEqual([true]);
    expect(tuner.trials).toHaveLength(1);
  });
});

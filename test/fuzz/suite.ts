// The two runs every fuzz suite makes in CI: a fixed seed, so every run checks
// the same cases, and a seed that changes with every run (printed, replayed
// with TF_FUZZ_SEED2), so CI also explores new ones. A failure message holds
// the seed and each case's repro command.
import * as os from 'node:os';
import { expect, it } from 'vitest';
import { describe, fuzz, fuzzSeed, rotatingSeed, type FuzzReport } from './harness';

/** Chunks run in child processes, two at a time where there are two cores (test files run one at a time). */
const PARALLEL = Math.min(2, os.availableParallelism());

function budget(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v >= 0 ? v : fallback;
}

function expectClean(r: FuzzReport, total: number, label: string): void {
  const account = `${label}\n${describe(r)}`;
  console.log(account);
  expect(r.crashes, account).toEqual([]);
  expect(r.violations, account).toEqual([]);
  expect(r.cases).toBe(total);
}

export interface FuzzSuiteOptions {
  /** Cases of the fixed seed, and the variable that overrides them. */
  fixed: [number, string];
  /** Cases of the rotating seed, and the variable that overrides them. */
  rotating: [number, string];
}

/** Declares the fixed-seed and the rotating-seed test of `suite`. */
export function fuzzSuite(suite: 'api' | 'files', what: string, options: FuzzSuiteOptions): void {
  it(`${what} (fixed seed)`, async () => {
    const total = budget(options.fixed[1], options.fixed[0]);
    const seed = fuzzSeed(1);
    expectClean(await fuzz(suite, seed, total, { parallel: PARALLEL }), total, `fuzz ${suite}: fixed seed ${seed}`);
  }, 60 * 60_000);

  it(`${what} (a seed that changes every run; replay with TF_FUZZ_SEED2)`, async () => {
    const total = budget(options.rotating[1], options.rotating[0]);
    const seed = rotatingSeed();
    const replay = `TF_FUZZ_SEED2=${seed} ${options.rotating[1]}=${total} npx vitest run test/fuzz/${suite}.test.ts`;
    console.log(`fuzz ${suite}: rotating seed ${seed} (replay: ${replay})`);
    expectClean(await fuzz(suite, seed, total, { parallel: PARALLEL }), total, `fuzz ${suite}: rotating seed ${seed} (replay: ${replay})`);
  }, 60 * 60_000);
}

// The API fuzz suite: every exported function and method, and the raw native
// binding, called with generated arguments (targets.ts). Two runs: a fixed seed
// (20,000 cases; TF_FUZZ_CASES raises it, TF_FUZZ_SEED changes the seed), so
// every CI run checks the same cases, and a seed that changes with every run
// (5,000 cases; TF_FUZZ_ROTATING_CASES; TF_FUZZ_SEED2 replays one), so CI also
// explores new ones. A failure prints the seed and a repro command.
// The long campaign (200,000+ cases over several seeds) is test/fuzz/campaign.ts.
import * as os from 'node:os';
import { expect, it } from 'vitest';
import { caseBudget, describe, fuzz, fuzzSeed, rotatingSeed } from './harness';

/** Chunks run in child processes, two at a time where there are two cores (test files run one at a time). */
const PARALLEL = Math.min(2, os.availableParallelism());

it('no generated call crashes the process, hangs, throws a raw error or anything but an Error (fixed seed)', async () => {
  const total = caseBudget(20_000);
  const r = await fuzz('api', fuzzSeed(1), total, { parallel: PARALLEL });
  console.log(describe(r));
  expect(r.crashes, describe(r)).toEqual([]);
  expect(r.violations, describe(r)).toEqual([]);
  expect(r.cases).toBe(total);
}, 60 * 60_000);

it('the same with a seed that changes every run (printed; replay with TF_FUZZ_SEED2)', async () => {
  const v = Number(process.env.TF_FUZZ_ROTATING_CASES);
  const total = Number.isInteger(v) && v >= 0 ? v : 5_000;
  const seed = rotatingSeed();
  console.log(`fuzz api: rotating seed ${seed} (replay: TF_FUZZ_SEED2=${seed} TF_FUZZ_ROTATING_CASES=${total} npx vitest run test/fuzz/api.test.ts)`);
  const r = await fuzz('api', seed, total, { parallel: PARALLEL });
  console.log(describe(r));
  expect(r.crashes, `rotating seed ${seed}\n${describe(r)}`).toEqual([]);
  expect(r.violations, `rotating seed ${seed}\n${describe(r)}`).toEqual([]);
  expect(r.cases).toBe(total);
}, 60 * 60_000);

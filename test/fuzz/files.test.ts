// The file mutation fuzz suite (files.ts): valid IDX files and saved models
// (model.json + weights.bin, and in-memory artifacts) with truncations, bit
// flips, huge length fields and JSON field mutations, then loaded. A fixed
// seed (4,000 cases; TF_FUZZ_FILE_CASES raises it, TF_FUZZ_SEED changes the
// seed) and a seed that changes every run (1,000 cases; TF_FUZZ_SEED2 replays it).
import * as os from 'node:os';
import { expect, it } from 'vitest';
import { describe, fuzz, fuzzSeed, rotatingSeed } from './harness';

/** Chunks run in child processes, two at a time where there are two cores (test files run one at a time). */
const PARALLEL = Math.min(2, os.availableParallelism());

function budget(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v >= 0 ? v : fallback;
}

it('no mutated IDX file or saved model crashes the loader or throws anything but a labelled Error (fixed seed)', async () => {
  const total = budget('TF_FUZZ_FILE_CASES', 4_000);
  const r = await fuzz('files', fuzzSeed(1), total, { parallel: PARALLEL });
  console.log(describe(r));
  expect(r.crashes, describe(r)).toEqual([]);
  expect(r.violations, describe(r)).toEqual([]);
  expect(r.cases).toBe(total);
}, 60 * 60_000);

it('the same with a seed that changes every run (printed; replay with TF_FUZZ_SEED2)', async () => {
  const total = budget('TF_FUZZ_ROTATING_FILE_CASES', 1_000);
  const seed = rotatingSeed();
  console.log(`fuzz files: rotating seed ${seed} (replay: TF_FUZZ_SEED2=${seed} TF_FUZZ_ROTATING_FILE_CASES=${total} npx vitest run test/fuzz/files.test.ts)`);
  const r = await fuzz('files', seed, total, { parallel: PARALLEL });
  console.log(describe(r));
  expect(r.crashes, `rotating seed ${seed}\n${describe(r)}`).toEqual([]);
  expect(r.violations, `rotating seed ${seed}\n${describe(r)}`).toEqual([]);
  expect(r.cases).toBe(total);
}, 60 * 60_000);

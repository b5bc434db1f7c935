// The file mutation fuzz suite (files.ts): valid IDX files and saved models
// (model.json + weights.bin, and in-memory artifacts) with truncations, bit
// flips, huge length fields and JSON field mutations, then loaded.
// TF_FUZZ_FILE_CASES raises the count (default 4,000), TF_FUZZ_SEED changes the seed.
import { expect, it } from 'vitest';
import { describe, fuzz, fuzzSeed } from './harness';

it('no mutated IDX file or saved model crashes the loader or throws anything but an Error', async () => {
  const v = Number(process.env.TF_FUZZ_FILE_CASES);
  const total = Number.isInteger(v) && v > 0 ? v : 4_000;
  const r = await fuzz('files', fuzzSeed(1), total, 2_000);
  console.log(describe(r));
  expect(r.crashes).toEqual([]);
  expect(r.violations).toEqual([]);
  expect(r.cases).toBe(total);
}, 60 * 60_000);

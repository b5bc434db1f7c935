// The API fuzz suite: every exported function and method, and the raw native
// binding, called with generated arguments (targets.ts) from a fixed seed.
// TF_FUZZ_CASES raises the count (default 20,000), TF_FUZZ_SEED changes the seed.
import { expect, it } from 'vitest';
import { caseBudget, describe, fuzz, fuzzSeed } from './harness';

it('no generated call crashes the process, hangs, or throws anything but an Error', async () => {
  const total = caseBudget(20_000);
  const r = await fuzz('api', fuzzSeed(1), total, 2_000);
  console.log(describe(r));
  expect(r.crashes).toEqual([]);
  expect(r.violations).toEqual([]);
  expect(r.cases).toBe(total);
}, 60 * 60_000);

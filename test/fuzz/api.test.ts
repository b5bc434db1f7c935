// The API fuzz suite: every exported function and method, and the raw native
// binding, called with generated arguments (targets.ts): 14,000 cases from a
// fixed seed (TF_FUZZ_CASES, TF_FUZZ_SEED) and 5,000 from a seed that changes
// every run (TF_FUZZ_ROTATING_CASES, TF_FUZZ_SEED2). The long campaign
// (200,000+ cases over several seeds) is test/fuzz/campaign.ts.
import { fuzzSuite } from './suite';

fuzzSuite('api', 'no generated call crashes the process, hangs, throws a raw error or anything but an Error', {
  fixed: [14_000, 'TF_FUZZ_CASES'],
  rotating: [5_000, 'TF_FUZZ_ROTATING_CASES'],
});

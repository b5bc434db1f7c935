// The file mutation fuzz suite (files.ts): valid IDX files and saved models
// (model.json + weights.bin, and in-memory artifacts) with truncations, bit
// flips, huge length fields and JSON field mutations, then loaded: 4,000 cases
// from a fixed seed (TF_FUZZ_FILE_CASES, TF_FUZZ_SEED) and 1,000 from a seed
// that changes every run (TF_FUZZ_ROTATING_FILE_CASES, TF_FUZZ_SEED2).
import { fuzzSuite } from './suite';

fuzzSuite('files', 'no mutated IDX file or saved model crashes the loader or throws anything but a labelled Error', {
  fixed: [4_000, 'TF_FUZZ_FILE_CASES'],
  rotating: [1_000, 'TF_FUZZ_ROTATING_FILE_CASES'],
});

import { defineConfig } from 'vitest/config';

// Under CI a JSON report is written too, so .ci/run can print "N passed, N failed".
const reporters = process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Native training already uses every core; one test file at a time keeps runs fast and quiet.
    fileParallelism: false,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    reporters: reporters as any,
  },
});

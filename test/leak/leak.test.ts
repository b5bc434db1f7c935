// Memory stays flat over long runs: 20,000 training steps and 20,000
// predictAsync calls after a warm-up grow RSS and external memory by at most
// 10%. Measured in a child process started with --expose-gc (leak_child.ts),
// so that garbage collection can be forced before each reading.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

it('RSS and external memory stay within 10% over 20,000 steps and 20,000 predictAsync calls', () => {
  // A fixed young generation: V8 otherwise grows it in 16 MB steps at moments
  // of its choosing, which moves RSS by more than the leaks this test is after.
  const flags = ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'];
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', path.join(__dirname, 'leak_child.ts')], {
    cwd: path.resolve(__dirname, '../..'), encoding: 'utf8', timeout: 600_000,
  });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log(`leak: RSS ${mb(m.base.rss)} -> ${mb(m.afterTrain.rss)} -> ${mb(m.end.rss)} MiB; external ${mb(m.base.external)} -> ${mb(m.afterTrain.external)} -> ${mb(m.end.external)} MiB`);
  for (const key of ['rss', 'external'] as const) {
    expect(m.afterTrain[key] / m.base[key], `${key} after training`).toBeLessThanOrEqual(1.1);
    expect(m.end[key] / m.base[key], `${key} after predictAsync`).toBeLessThanOrEqual(1.1);
  }
}, 600_000);

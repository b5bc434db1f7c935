// `tensorforge tune --budget`: the CLI's budget reaches the search, and the
// best model it saves loads and scores what the CLI printed. On a virtual
// clock (fake setTimeout/performance/Date; the models train for real): the
// first trial runs with the clock stopped, then the clock jumps past the
// budget while the second trial trains, which must stop the search there.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '../../src/index';
import { tune } from '../../src/tuner/cli';

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Trial records written so far. */
function trials(dir: string): { id: number; status: string }[] {
  const d = path.join(dir, 'trials');
  if (!fs.existsSync(d)) return [];
  return fs.readdirSync(d).filter((f) => /^trial_\d+\.json$/.test(f)).map((f) => JSON.parse(fs.readFileSync(path.join(d, f), 'utf8')));
}

const realTurn = () => new Promise((r) => setImmediate(r)); // setImmediate is not faked

describe('tensorforge tune --budget', () => {
  it('stops the search at the budget and saves a best model that loads with the printed accuracy', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-cli-budget-'));
    dirs.push(dir);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    const lines: string[] = [];
    let code: number | null = null;
    const running = tune([
      '--dataset', 'fashion-mnist', '--subset', '--budget', '60', '--strategy', 'random', '--max-epochs', '1',
      '--max-trials', '50', '--parallelism', '1', '--seed', '3', '--directory', dir, '--quiet',
    ], (s) => void lines.push(s)).then((c) => (code = c));

    // Real time passes (the models train); virtual time stands still until
    // the first trial has finished and the second has started.
    while (code === null && !(trials(dir).some((t) => t.status === 'completed') && trials(dir).some((t) => t.status === 'running'))) await realTurn();
    expect(code).toBeNull();
    await vi.advanceTimersByTimeAsync(61_000);
    while (code === null) await realTurn();

    expect(code).toBe(0);
    expect(lines[0]).toMatch(/, budget 1m00s,/);
    // Two trials: the one before the deadline completed, the one at it was stopped; none started after.
    expect(trials(dir).map((t) => t.status).sort()).toEqual(['completed', 'stopped']);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'tuner.json'), 'utf8'));
    // Recorded search time (virtual): the budget, at most the one second the clock jumped past it.
    expect(index.elapsedSeconds).toBeGreaterThanOrEqual(60);
    expect(index.elapsedSeconds).toBeLessThanOrEqual(61);

    // The saved best model: loads, and scores the test accuracy the CLI printed.
    const out = path.join(dir, 'best-model');
    const printed = lines.find((l) => /^best trial \d+: validation accuracy [\d.]+, test accuracy [\d.]+$/.test(l));
    expect(printed, lines.join('\n')).toBeDefined();
    const testAcc = Number(printed!.match(/test accuracy ([\d.]+)$/)![1]);
    vi.useRealTimers();
    const model = await tf.loadLayersModel(path.join(out, 'model.json'));
    const { test } = await tf.datasets.fashionMnist({ subset: true });
    const logs = await model.evaluate(test.x, test.y, { batchSize: 256 });
    expect(logs.accuracy.toFixed(4)).toBe(testAcc.toFixed(4));
    expect(logs.accuracy).toBeGreaterThan(0.5); // it is a trained model, not a fresh one
    const hp = JSON.parse(fs.readFileSync(path.join(out, 'hyperparameters.json'), 'utf8'));
    const printedHp = lines.find((l) => l.startsWith('best hyperparameters: '))!;
    expect(hp).toEqual(JSON.parse(printedHp.slice('best hyperparameters: '.length)));
  });
});

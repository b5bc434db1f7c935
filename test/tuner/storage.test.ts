// Persistence: resuming after a simulated crash neither loses nor repeats
// finished trials; corrupt or foreign files in the directory give clear errors.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/index';
import type { HyperParameters, TrialContext, TrialRecord } from '../../src/tuner';

const root = fs.mkdtempSync(path.join(tmpdir(), 'tensorforge-tuner-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => path.join(root, `d${dirs++}`);

const objective = { name: 'score', direction: 'max' as const };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readTrials(dir: string): Map<number, TrialRecord> {
  const out = new Map<number, TrialRecord>();
  for (const f of fs.readdirSync(path.join(dir, 'trials'))) {
    const m = /^trial_(\d+)\.json$/.exec(f);
    if (m) out.set(Number(m[1]), JSON.parse(fs.readFileSync(path.join(dir, 'trials', f), 'utf8')));
  }
  return out;
}

/**
 * Runs a search that copies its directory, as a crash would leave it, while
 * trial `crashAt` is running; returns the copy.
 */
async function crashedCopy(make: (dir: string, body: (hp: HyperParameters, t: TrialContext) => Promise<number | void>) => tf.tuner.Tuner,
  body: (hp: HyperParameters, t: TrialContext) => number | void, crashAt: number): Promise<string> {
  const dir = newDir();
  const snapshot = newDir();
  let copied = false;
  const tuner = make(dir, async (hp, t) => {
    const r = body(hp, t);
    await sleep(2);
    if (t.id === crashAt && !copied) {
      // The process dies here: what is on disk is all a resumed search has.
      fs.cpSync(dir, snapshot, { recursive: true });
      // A crash in the middle of an atomic write leaves a temp file behind.
      fs.writeFileSync(path.join(snapshot, 'trials', `trial_${String(crashAt + 1).padStart(4, '0')}.json.123.tmp`), '{"id": 1, "sta');
      copied = true;
    }
    return r;
  });
  await tuner.search();
  expect(copied).toBe(true);
  return snapshot;
}

describe('resume after a crash', () => {
  it('random search: finished trials are kept as they were, unfinished ones rerun, none repeated', async () => {
    const body = (hp: HyperParameters) => -((hp.float('x', -5, 5) - 1) ** 2) + hp.int('k', 0, 3);
    const make = (dir: string, run: (hp: HyperParameters, t: TrialContext) => Promise<number | void>) =>
      tf.tuner.randomSearch({ runTrial: run, objective, directory: dir, maxTrials: 12, parallelism: 2, seed: 21, verbose: 0 });
    const snapshot = await crashedCopy(make, body, 6);
    const before = readTrials(snapshot);
    const finished = [...before.values()].filter((t) => t.status !== 'running');
    const unfinished = [...before.values()].filter((t) => t.status === 'running');
    expect(finished.length).toBeGreaterThanOrEqual(5);
    expect(unfinished.map((t) => t.id)).toContain(6);

    const calls: number[] = [];
    const resumed = make(snapshot, async (hp, t) => {
      calls.push(t.id);
      return body(hp, t) as number;
    });
    expect(resumed.trials.length).toBe(before.size); // reloaded without running anything
    const r = await resumed.search();
    expect(r.trials).toBe(12);
    // Nothing finished ran again; the unfinished ones ran once more, then the rest.
    for (const t of finished) expect(calls).not.toContain(t.id);
    for (const t of unfinished) expect(calls.filter((c) => c === t.id)).toHaveLength(1);
    expect(new Set(calls).size).toBe(calls.length);
    const after = readTrials(snapshot);
    expect([...after.keys()].sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    for (const t of finished) expect(after.get(t.id)).toEqual(t);
    for (const t of after.values()) expect(t.status).toBe('completed');
    expect(fs.readdirSync(path.join(snapshot, 'trials')).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // Same trials as a search that never crashed (draws depend only on seed and trial number).
    const clean = make(newDir(), async (hp, t) => body(hp, t) as number);
    await clean.search();
    expect(resumed.trials.map((t) => [t.id, t.values, t.score])).toEqual(clean.trials.map((t) => [t.id, t.values, t.score]));
    // And a finished search reloads without retraining.
    expect((await make(snapshot, async () => { throw new Error('must not run'); }).search()).finishedNow).toBe(0);
  });

  it('hyperband: brackets, rungs and promotions continue where they stopped', async () => {
    const body = (hp: HyperParameters, t: TrialContext) => {
      const q = hp.int('q', 0, 20);
      for (let e = t.initialEpoch; e < t.epochs; e++) t.report(e, { score: -Math.abs(q - 13) + 0.01 * e });
    };
    const make = (dir: string, run: (hp: HyperParameters, t: TrialContext) => Promise<number | void>) =>
      tf.tuner.hyperband({ runTrial: run, objective, directory: dir, maxEpochs: 9, parallelism: 2, seed: 8, verbose: 0 });
    const snapshot = await crashedCopy(make, body, 10); // trial 10: in the second rung of the first bracket
    const before = readTrials(snapshot);
    const finishedIds = [...before.values()].filter((t) => t.status !== 'running').map((t) => t.id);
    expect(before.get(10)).toMatchObject({ status: 'running', meta: { bracket: 0, rung: 1 } });
    const calls: number[] = [];
    const resumed = make(snapshot, async (hp, t) => {
      calls.push(t.id);
      body(hp, t);
    });
    await resumed.search();
    for (const id of finishedIds) expect(calls).not.toContain(id);
    expect(calls).toContain(10);
    const clean = make(newDir(), async (hp, t) => body(hp, t));
    await clean.search();
    const key = (t: TrialRecord) => JSON.stringify([t.meta.iteration, t.meta.bracket, t.meta.rung, t.meta.slot, t.values, t.score, t.initialEpoch, t.epochs]);
    expect(resumed.trials.map(key).sort()).toEqual(clean.trials.map(key).sort());
  });
});

describe('abort', () => {
  it('stops the search; trials it interrupted stay unfinished and run again in the next search', async () => {
    const controller = new AbortController();
    const calls: number[] = [];
    const tuner = tf.tuner.randomSearch({
      runTrial: async (hp, t) => {
        calls.push(t.id);
        const x = hp.float('x', 0, 1);
        if (t.id === 4) controller.abort(new Error('user pressed Ctrl-C'));
        await sleep(1);
        return x;
      },
      objective, directory: newDir(), maxTrials: 8, parallelism: 2, seed: 5, verbose: 0,
    });
    await expect(tuner.search({ signal: controller.signal })).rejects.toThrow(/user pressed Ctrl-C/);
    const interrupted = tuner.trials.filter((t) => t.status === 'running').map((t) => t.id);
    expect(interrupted).toContain(4);
    calls.length = 0;
    const r = await tuner.search();
    expect(r.trials).toBe(8);
    expect(tuner.trials.every((t) => t.status === 'completed')).toBe(true);
    for (const id of interrupted) expect(calls.filter((c) => c === id)).toHaveLength(1);
    for (const t of tuner.trials) if (!interrupted.includes(t.id) && t.id < 4) expect(calls).not.toContain(t.id);
  });
});

describe('the search directory', () => {
  const runTrial = (hp: HyperParameters) => hp.float('x', 0, 1);
  const make = (dir: string, extra: Record<string, unknown> = {}) =>
    tf.tuner.randomSearch({ runTrial, objective, directory: dir, maxTrials: 3, seed: 1, verbose: 0, ...extra });
  async function searched(): Promise<string> {
    const dir = newDir();
    await make(dir).search();
    return dir;
  }
  const trialFile = (dir: string, id: number) => path.join(dir, 'trials', `trial_${String(id).padStart(4, '0')}.json`);

  it('holds an index and one JSON file per trial', async () => {
    const dir = await searched();
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'tuner.json'), 'utf8'));
    expect(index).toMatchObject({ format: 'tensorforge-tuner', version: 1, strategy: 'randomSearch', objective, config: { seed: 1, maxEpochs: 10 } });
    expect(index.trials.map((t: { id: number }) => t.id)).toEqual([0, 1, 2]);
    expect(fs.readdirSync(path.join(dir, 'trials')).sort()).toEqual(['trial_0000.json', 'trial_0001.json', 'trial_0002.json']);
    expect(make(dir).trials.map((t) => t.values)).toEqual(readTrialsValues(dir));
  });

  function readTrialsValues(dir: string) {
    return [...readTrials(dir).values()].sort((a, b) => a.id - b.id).map((t) => t.values);
  }

  it('a corrupt trial file is an error naming it', async () => {
    const dir = await searched();
    fs.writeFileSync(trialFile(dir, 1), '{"id": 1, "status": "compl');
    expect(() => make(dir)).toThrow(/trial file '.*trial_0001\.json' is corrupt \(.*\); delete it to rerun that trial/);
  });

  it('a trial file that is not a trial record is an error', async () => {
    const dir = await searched();
    fs.writeFileSync(trialFile(dir, 1), '{"id": 5}');
    expect(() => make(dir)).toThrow(/trial_0001\.json' is not a valid trial record \(id 5 does not match the file name\)/);
    fs.writeFileSync(trialFile(dir, 1), '{"id": 1, "status": "great"}');
    expect(() => make(dir)).toThrow(/not a valid trial record \(status 'great'\)/);
  });

  it('a foreign file among the trials is an error', async () => {
    const dir = await searched();
    fs.writeFileSync(path.join(dir, 'trials', 'notes.txt'), 'hello');
    expect(() => make(dir)).toThrow(/unexpected file '.*notes\.txt' in the search directory/);
  });

  it('a directory that is not a search directory is refused, not overwritten', async () => {
    const dir = newDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'thesis.tex'), 'precious');
    expect(() => make(dir)).toThrow(/is not empty and has no tuner\.json, so it is not a tensorforge search directory/);
    expect(() => make(dir, { overwrite: true })).toThrow(/not a tensorforge search directory/);
    fs.writeFileSync(path.join(dir, 'tuner.json'), '{"format": "something-else"}');
    expect(() => make(dir)).toThrow(/tuner\.json' is not a tensorforge search index \(format 'something-else'\)/);
    fs.writeFileSync(path.join(dir, 'tuner.json'), 'not json');
    expect(() => make(dir)).toThrow(/tuner\.json' is corrupt/);
    expect(fs.readFileSync(path.join(dir, 'thesis.tex'), 'utf8')).toBe('precious');
  });

  it('resuming with other settings is refused; overwrite starts afresh', async () => {
    const dir = await searched();
    expect(() => tf.tuner.tpe({ runTrial, objective, directory: dir, seed: 1, verbose: 0 })).toThrow(/holds a search with strategy 'randomSearch' \(now 'tpe'\)/);
    expect(() => make(dir, { seed: 2 })).toThrow(/holds a search with seed 1 \(now 2\)/);
    expect(() => make(dir, { objective: { name: 'score', direction: 'min' } })).toThrow(/holds a search with objective/);
    const fresh = tf.tuner.tpe({ runTrial, objective, directory: dir, seed: 1, verbose: 0, overwrite: true, maxTrials: 2 });
    expect(fresh.trials).toEqual([]);
    await fresh.search();
    expect(fs.readdirSync(path.join(dir, 'trials')).sort()).toEqual(['trial_0000.json', 'trial_0001.json']);
  });

  it('an index that lists a finished trial whose file is gone is an error', async () => {
    const dir = await searched();
    fs.rmSync(trialFile(dir, 2));
    expect(() => make(dir)).toThrow(/lists trial 2 as completed, but its file trial_0002\.json is missing/);
  });
});

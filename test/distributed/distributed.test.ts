// tf.distributed over Open MPI (issue 22, first part): two ranks started by
// mpirun on this machine (loopback and shared memory), and a process without
// MPI. Each rank runs test/distributed/rank.ts and prints one JSON line.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const RANK = path.join(__dirname, 'rank.ts');
// mpirun refuses root unless told; traffic stays on this host (self + shared memory).
const ENV = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_btl: 'self,vader' };

function ranks(scenario: string): Record<string, unknown>[] {
  const r = spawnSync('mpirun', ['-np', '2', '--oversubscribe', process.execPath, '--import', 'tsx', RANK, scenario], { cwd: ROOT, env: ENV, encoding: 'utf8', timeout: 120_000 });
  expect(r.error, r.stderr).toBeUndefined();
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
  return lines.map((l) => JSON.parse(l)).sort((a, b) => a.rank - b.rank);
}

describe('tf.distributed', () => {
  it('init gives each rank its place; broadcastWeights makes every rank hold rank 0 weights; allreduceMean averages', () => {
    const [r0, r1] = ranks('collectives');
    expect([r0.rank, r0.size, r1.rank, r1.size]).toEqual([0, 2, 1, 2]);
    expect([r0.localRank, r1.localRank]).toEqual([0, 1]);
    expect(r0.before).not.toEqual(r1.before); // different seeds: different weights before
    expect(r1.after).toEqual(r0.after);
    expect((r0.after as number[][])[0]).toEqual(r0.before);
    expect(r0.mean).toEqual([0.5, 5, 1]);
    expect(r1.mean).toEqual([0.5, 5, 1]);
  }, 180_000);

  it('ranks with different models, or arrays of different lengths, get an error on every rank instead of a hang', () => {
    for (const r of ranks('mismatch')) expect(r.error).toMatch(/^distributed\.broadcastWeights: the ranks' models differ in their weight shapes/);
    for (const r of ranks('lengths')) expect(r.error).toMatch(/^distributed\.allreduceMean: the ranks passed arrays of different lengths/);
  }, 180_000);

  it('a process started alone is a job of one; without an MPI library, init names the package to install', () => {
    const alone = spawnSync(process.execPath, ['--import', 'tsx', RANK, 'collectives'], { cwd: ROOT, env: ENV, encoding: 'utf8', timeout: 60_000 });
    const me = JSON.parse(alone.stdout.trim().split('\n').at(-1)!);
    expect([me.rank, me.size, me.localRank]).toEqual([0, 1, 0]);
    expect(me.mean).toEqual([0, 0, 1]);
    const none = spawnSync(process.execPath, ['--import', 'tsx', '-e', `const tf = require(${JSON.stringify(path.join(ROOT, 'src/index'))});
      try { tf.distributed.init(); console.log('no error'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
      try { tf.distributed.barrier(); } catch (e) { console.log(e.message); }
      console.log('still works: ' + Array.from(tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync()));`],
    { cwd: ROOT, env: { ...ENV, TENSORFORGE_MPI_LIBRARY: '/nonexistent/libmpi.so.40' }, encoding: 'utf8', timeout: 60_000 });
    expect(none.stdout).toMatch(/^Error: distributed\.init: no MPI library could be opened \(\/nonexistent\/libmpi\.so\.40\); install Open MPI \(Debian\/Ubuntu: apt-get install openmpi-bin libopenmpi-dev\)/);
    expect(none.stdout).toMatch(/distributed\.barrier: call tf\.distributed\.init\(\) first/);
    expect(none.stdout).toMatch(/still works: 4,6/);
  }, 180_000);

  it('init after finalize is an error, not an MPI abort of the process (was: a fuzz crash)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `const { native } = require(${JSON.stringify(path.join(ROOT, 'src/native'))});
      native.distributedInit(); native.distributedFinalize();
      try { native.distributedInit(); console.log('no error'); } catch (e) { console.log(e.message); }
      try { native.distributedBarrier(); } catch (e) { console.log(e.message); }`], { cwd: ROOT, env: ENV, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/distributed\.init: MPI was finalized in this process and cannot be started again/);
    expect(r.stdout).toMatch(/distributed\.barrier: distributed\.init\(\) has not been called/);
  }, 60_000);
});

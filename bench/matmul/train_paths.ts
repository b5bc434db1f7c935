// bench/matmul/train_paths.ts: training epochs with tensorforge's GEMM paths
// as chosen (the AVX-512 kernel where it pays) against the same build with
// every product on the BLAS (TENSORFORGE_GEMM=blas), and PyTorch, in rounds
// that alternate the systems (A B C, B C A, ...). Reports the median epoch
// time of each and the median over rounds of the per-round ratios, so a
// slowdown of the shared machine that spans a round cancels out.
//
//   npx tsx bench/matmul/train_paths.ts [--model=seed|large|both] [--rounds=5] [--samples=N] [--no-torch] [--no-blas]
//       [--alt-addon=PATH]   also a tensorforge addon built otherwise ("tf-alt"), e.g. the seed step split
//                            across cores: cmake-js compile --out DIR --CDCMAKE_CXX_FLAGS=-DTF_MIN_FLOPS_PER_THREAD=1e6
//
// Uses bench/train's workers (same models, data and PyTorch settings as
// npm run bench:train).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { torchEnv } from '../inference/index';
import { loadPeak } from '../peak/index';
import { ROOT, machineInfo, parseArgs } from '../lib/util';

const TRAIN = path.join(ROOT, 'bench', 'train');
const FLOPS_PER_SAMPLE = { seed: 3 * 2 * (784 * 64 + 64 * 10), large: 3 * 2 * (784 * 512 + 512 * 512 + 512 * 10) };

type Sys = 'tf' | 'tf-blas' | 'tf-alt' | 'pytorch';
let altAddon = '';

function epochSeconds(sys: Sys, model: string, epochs: number, samples?: number): { t: number; acc: number } {
  const common = [`--model=${model}`, `--epochs=${epochs}`, ...(samples ? [`--samples=${samples}`] : [])];
  const out =
    sys === 'pytorch'
      ? execFileSync('/usr/bin/python3', [path.join(TRAIN, 'torch_worker.py'), ...common, '--threads=1', '--blas-threads=2'], {
          encoding: 'utf8',
          env: torchEnv(),
        })
      : execFileSync(process.execPath, [path.join(TRAIN, 'worker.cjs'), '--system=tensorforge', ...common], {
          encoding: 'utf8',
          cwd: ROOT,
          env:
            sys === 'tf-blas'
              ? { ...process.env, TENSORFORGE_GEMM: 'blas' }
              : sys === 'tf-alt'
                ? { ...process.env, TENSORFORGE_ADDON: altAddon }
                : process.env,
        });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  const times: number[] = r.epochTimes;
  return { t: Math.min(...times), acc: r.testAccuracy };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const models = a.model === 'seed' || a.model === 'large' ? [a.model as string] : ['seed', 'large'];
  const rounds = Number(a.rounds ?? 5);
  const samples = a.samples ? Number(a.samples) : undefined;
  const systems: Sys[] = a['no-torch'] ? ['tf', 'tf-blas'] : ['tf', 'tf-blas', 'pytorch'];
  if (typeof a['alt-addon'] === 'string') {
    altAddon = path.resolve(a['alt-addon']);
    systems.push('tf-alt');
  }
  if (a['no-blas']) systems.splice(systems.indexOf('tf-blas'), 1);
  const peak = await loadPeak();
  const m = machineInfo();
  console.log(`CPU ${peak.cpuModel}; clock ${peak.clockGHz.toFixed(2)} GHz; peak ${peak.peak1.toFixed(0)} (1 thread) / ${peak.peakAll.toFixed(0)} (all) GFLOP/s ${peak.simd}; load ${m.loadavg?.map((x) => x.toFixed(1)).join(' ')}`);
  for (const model of models) {
    const epochs = model === 'seed' ? 2 : 1;
    const t: Record<Sys, number[]> = { tf: [], 'tf-blas': [], 'tf-alt': [], pytorch: [] };
    const acc: Record<string, number> = {};
    for (let r = 0; r < rounds; r++) {
      for (let q = 0; q < systems.length; q++) {
        const s = systems[(q + r) % systems.length];
        const x = epochSeconds(s, model, epochs, samples);
        t[s].push(x.t);
        acc[s] = x.acc;
        process.stderr.write(`  ${model} round ${r + 1} ${s}: ${x.t.toFixed(3)} s\n`);
      }
    }
    const n = samples ?? 60000;
    for (const s of systems) {
      const med = median(t[s]);
      const gflops = (FLOPS_PER_SAMPLE[model as 'seed' | 'large'] * n) / med / 1e9;
      const ratios = systems.filter((o) => o !== s).map((o) => `${o}/${s} ${median(t[o].map((x, i) => x / t[s][i])).toFixed(2)}x`);
      console.log(
        `${model} ${s.padEnd(8)} epoch ${med.toFixed(3)} s (min ${Math.min(...t[s]).toFixed(3)}, max ${Math.max(...t[s]).toFixed(3)})  ` +
          `${gflops.toFixed(0)} GFLOP/s = ${((100 * gflops) / peak.peakAll).toFixed(0)}% of peakAll  acc ${acc[s]?.toFixed(3)}  ${ratios.join('  ')}`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

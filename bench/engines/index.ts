// Two tensorforge checkouts side by side, as issue 15 asks of the engine
// rebuild ("old and new builds alternated in one run"):
//   npx tsx bench/engines/index.ts --old <checkout> [--new <checkout>] [--rounds 5] [--epochs 4]
// Each checkout must be built (`npm run build` in it: its own addon and dist/).
// Per round, each workload runs once per checkout, in fresh processes, in
// alternating order (A B, then B A); prediction latency is measured with both
// checkouts loaded in one process, interleaved in blocks; the figures are medians over rounds of
// the per-epoch medians (the first epoch apart from the later ones), in wall and in CPU seconds (CPU time is what the
// engine costs; wall time also carries the machine's other load).
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

interface Args { old: string; fresh: string; rounds: number; epochs: number }

function parse(argv: string[]): Args {
  const a: Args = { old: '', fresh: process.cwd(), rounds: 5, epochs: 4 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--old': a.old = v; i++; break;
      case '--new': a.fresh = v; i++; break;
      case '--rounds': a.rounds = Number(v); i++; break;
      case '--epochs': a.epochs = Number(v); i++; break;
      default: throw new Error(`engines: unknown argument '${argv[i]}'; usage: --old <checkout> [--new <checkout>] [--rounds N] [--epochs N]`);
    }
  }
  if (!a.old) throw new Error('engines: --old <checkout> is required');
  if (!(a.rounds >= 1)) throw new Error('engines: --rounds must be >= 1');
  if (!(a.epochs >= 2)) throw new Error('engines: --epochs must be >= 2 (the first epoch is reported apart from the later ones)');
  return a;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function worker(...args: string[]): unknown {
  const env = { ...process.env };
  delete env.TENSORFORGE_ADDON;  // each checkout loads its own build
  const out = execFileSync(process.execPath, [path.join(__dirname, 'worker.cjs'), ...args], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function main(): void {
  const a = parse(process.argv.slice(2));
  const checkouts = { old: path.resolve(a.old), new: path.resolve(a.fresh) };
  const workloads = ['seed', 'large', 'predict'] as const;
  const rows: Record<string, Record<'old' | 'new', Record<string, number[]>>> = {};
  for (const w of workloads) rows[w] = { old: {}, new: {} };
  for (let r = 0; r < a.rounds; r++) {
    const order: ('old' | 'new')[] = r % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
    for (const w of workloads) {
      // Training: one fresh process per checkout. Predict: both in one process
      // (microsecond calls vary more between processes than between engines).
      const results = w === 'predict'
        ? (worker('predict-pair', checkouts[order[0]], checkouts[order[1]]) as Record<string, number[]>[])
        : order.map((which) => worker(checkouts[which], w, String(a.epochs)) as Record<string, number[]>);
      order.forEach((which, i) => {
        for (const [k, v] of Object.entries(results[i])) (rows[w][which][k] ??= []).push(median(v));
      });
    }
    process.stderr.write(`round ${r + 1}/${a.rounds} done\n`);
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`# Engines side by side: ${a.rounds} alternated rounds, ${a.epochs} epochs per run`);
  console.log(`CPU: ${cpu}, ${os.availableParallelism()} threads; OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`old: ${checkouts.old}\nnew: ${checkouts.new}\n`);
  console.log('| workload | measure | old | new | new speed / old |');
  console.log('|---|---|---:|---:|---:|');
  const label: Record<string, string> = {
    firstWall: 'first epoch wall s', firstCpu: 'first epoch CPU s', wall: 'later epochs wall s', cpu: 'later epochs CPU s', oneUs: 'predict 1 sample µs', batchUs: 'predict 256 samples µs' };
  for (const w of workloads) {
    for (const k of Object.keys(rows[w].old)) {
      const o = median(rows[w].old[k]);
      const n = median(rows[w].new[k]);
      console.log(`| ${w} | ${label[k] ?? k} | ${o.toPrecision(4)} | ${n.toPrecision(4)} | ${(o / n).toFixed(3)}x |`);
    }
  }
}

main();

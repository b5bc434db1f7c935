// The long fuzz campaign: many cases over several seeds, chunks in parallel.
// Run before every release and whenever native/ or binding/ changes
// (SECURITY.md); CI runs only the short suites (api.test.ts, files.test.ts).
//
//   npx tsx test/fuzz/campaign.ts [--suite api|files] [--cases 200000] [--seeds 3,4,5]
//                                 [--parallel <cores>] [--chunk 2000] [--targets 'raw native binding;model methods']
//
// --cases is per seed; without --seeds, three seeds are drawn and printed.
// Exits 1 when any case crashed, hung or broke the oracle (runner.ts), after
// printing each one's repro command.
import * as os from 'node:os';
import { describe, fuzz, type FuzzReport } from './harness';

interface CampaignArgs {
  suite: 'api' | 'files';
  cases: number;
  seeds: number[];
  parallel: number;
  chunk: number;
  targets?: string;
}

function parseArgs(argv: string[]): CampaignArgs {
  const a: CampaignArgs = { suite: 'api', cases: 200_000, seeds: [], parallel: os.availableParallelism(), chunk: 2_000 };
  const usage = 'usage: campaign.ts [--suite api|files] [--cases N] [--seeds a,b,c] [--parallel N] [--chunk N] [--targets names]';
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`campaign: ${flag} needs a value; ${usage}`);
    const count = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`campaign: ${flag} must be a positive integer, got '${value}'`);
      return n;
    };
    switch (flag) {
      case '--suite':
        if (value !== 'api' && value !== 'files') throw new Error(`campaign: --suite must be api or files, got '${value}'`);
        a.suite = value;
        break;
      case '--cases': a.cases = count(); break;
      case '--parallel': a.parallel = count(); break;
      case '--chunk': a.chunk = count(); break;
      case '--targets': a.targets = value; break;
      case '--seeds':
        a.seeds = value.split(',').map((s) => {
          const n = Number(s);
          if (!Number.isInteger(n) || n < 0) throw new Error(`campaign: seeds must be non-negative integers, got '${s}'`);
          return n;
        });
        break;
      default: throw new Error(`campaign: unknown flag '${flag}'; ${usage}`);
    }
  }
  if (a.seeds.length === 0) {
    const base = (Date.now() ^ (process.pid << 16)) >>> 0;
    a.seeds = [base, (base + 1) >>> 0, (base + 2) >>> 0];
  }
  return a;
}

function bar(done: number, total: number, started: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const s = (performance.now() - started) / 1000;
  const eta = done > 0 ? (s / done) * (total - done) : NaN;
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${s.toFixed(0)} s${done > 0 && done < total ? `, ~${eta.toFixed(0)} s left` : ''}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.targets) process.env.TF_FUZZ_TARGETS = args.targets;
  console.log(`campaign: suite ${args.suite}, ${args.cases} cases x seeds ${args.seeds.join(', ')}, ${args.parallel} in parallel, chunks of ${args.chunk}${args.targets ? `, targets: ${args.targets}` : ''}`);
  const reports: { report: FuzzReport; seconds: number }[] = [];
  for (const seed of args.seeds) {
    const started = performance.now();
    const report = await fuzz(args.suite, seed, args.cases, {
      chunk: args.chunk,
      parallel: args.parallel,
      onProgress: (done, total) => process.stdout.write(`\r  seed ${seed} ${bar(done, total, started)}`),
    });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write('\n');
    console.log(describe(report));
    reports.push({ report, seconds });
  }
  console.log('\ncampaign summary');
  for (const { report: r, seconds } of reports) {
    console.log(`  seed ${r.seed}: ${r.cases} cases, crashes: ${r.crashes.length}, violations: ${r.violations.length} (${seconds.toFixed(0)} s)`);
  }
  const failed = reports.some(({ report: r }) => r.crashes.length > 0 || r.violations.length > 0);
  console.log(failed ? 'campaign: FAILED' : 'campaign: passed');
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});

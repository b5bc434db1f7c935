// PyTorch's side of bench/compress: torch_compress.py in Debian's python3
// (PyTorch 1.13), on the same data files and the same model and training;
// skipped with a note when python3 or torch is missing.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { torchEnv } from '../inference/index';
import type { ModelName, VariantRow } from './tensorforge';

const PYTHON = '/usr/bin/python3';

/** What torch_compress.py prints besides its rows. */
export interface TorchInfo {
  version: string;
  /** torch.backends.quantized.engine: the int8 kernels quantize_dynamic runs. */
  engine: string;
}

/** Why PyTorch cannot run here, or undefined when it can. */
export function torchMissing(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing`;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', env: torchEnv() });
    return undefined;
  } catch {
    return 'PyTorch is not installed (Debian python3-torch)';
  }
}

export interface TorchOptions {
  model: ModelName;
  /** Directory of the Fashion-MNIST idx files tensorforge loaded. */
  data: string;
  epochs: number;
  finetune: number;
  sparsity: number;
  rounds: number;
  minTime: number;
}

/** Runs torch_compress.py for one model; its rows as VariantRows. */
export function measureTorch(o: TorchOptions): Promise<{ rows: VariantRow[]; info: TorchInfo }> {
  const args = [path.join(__dirname, 'torch_compress.py'), `--model=${o.model}`, `--data=${o.data}`, `--epochs=${o.epochs}`, `--finetune=${o.finetune}`,
    `--sparsity=${o.sparsity}`, `--rounds=${o.rounds}`, `--min-time=${o.minTime}`];
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { encoding: 'utf8', env: torchEnv(), maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`torch_compress.py ${o.model}: ${err.message.split('\n')[0]} ${stderr.trim().split('\n').slice(-2).join(' | ')}`));
      const r = JSON.parse(stdout.trim().split('\n').pop() as string) as { version: string; engine: string; rows: (VariantRow & { latencyThreads: number; throughputThreads: number })[] };
      resolve({
        info: { version: r.version, engine: r.engine },
        rows: r.rows.map(({ latencyThreads, throughputThreads, ...x }) => ({ ...x, system: 'pytorch', model: o.model, threads: `${latencyThreads} / ${throughputThreads}` })),
      });
    });
  });
}

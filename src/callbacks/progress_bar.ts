// Keras-style progress output:
//   Epoch 1/5
//   1875/1875 [==============================] 1s 0.5ms/step - loss: 0.5200 - accuracy: 0.8200
// On a TTY the bar redraws in place (at most ~10 times a second); otherwise
// one line per epoch; nothing at verbose 0.
import { Callback, Logs } from './callback';

// 'acc' duplicates 'accuracy' for TensorFlow.js users; show it once.
const HIDDEN = new Set(['batch', 'size', 'acc', 'val_acc']);

function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .filter(([k]) => !HIDDEN.has(k) || (k === 'acc' && !('accuracy' in logs)) || (k === 'val_acc' && !('val_accuracy' in logs)))
    .map(([k, v]) => ` - ${k}: ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4)}`)
    .join('');
}

function formatTime(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
  return `${Math.round(seconds)}s`;
}

/** @internal The default progress logger added by fit when verbose > 0. */
export class ProgressBar extends Callback {
  private epochStart = 0;
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(private verbose: number, private out: NodeJS.WriteStream = process.stdout) {
    super();
    this.tty = verbose === 1 && Boolean(out.isTTY);
  }

  override onEpochBegin(epoch: number, _logs?: Logs): void {
    this.epochStart = performance.now();
    this.lastDraw = 0;
    if (this.tty) this.out.write(`Epoch ${epoch + 1}/${this.params?.epochs ?? '?'}\n`);
  }

  override onBatchEnd(batch: number, logs: Logs = {}): void {
    if (!this.tty) return;
    const now = performance.now();
    const steps = this.params?.steps ?? 0;
    if (now - this.lastDraw < 100 && batch + 1 < steps) return;
    this.lastDraw = now;
    this.out.write(`\r${this.bar(batch + 1, steps, now)}${formatLogs(logs)}\x1b[K`);
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const steps = this.params?.steps ?? 0;
    const line = `${this.bar(steps, steps, performance.now())}${formatLogs(logs)}`;
    if (this.tty) this.out.write(`\r${line}\x1b[K\n`);
    else this.out.write(`Epoch ${epoch + 1}/${this.params?.epochs ?? '?'} ${line}\n`);
  }

  private bar(done: number, total: number, now: number): string {
    const width = 30;
    const w = String(total).length;
    const filled = total ? Math.floor((width * done) / total) : width;
    const arrow = done < total ? '>' : '=';
    const bar = '='.repeat(Math.max(0, filled - (done < total ? 1 : 0))) + (done < total ? arrow : '') + '.'.repeat(Math.max(0, width - filled));
    const elapsed = (now - this.epochStart) / 1000;
    const perStep = done ? (elapsed * 1000) / done : 0;
    const timing = done < total
      ? `ETA: ${formatTime(perStep * (total - done) / 1000)}`
      : `${formatTime(elapsed)} ${perStep >= 1 ? perStep.toFixed(0) + 'ms' : (perStep * 1000).toFixed(0) + 'us'}/step`;
    return `${String(done).padStart(w)}/${total} [${bar.slice(0, width)}] ${timing}`;
  }
}

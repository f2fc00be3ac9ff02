import cliProgress from 'cli-progress';
import type { TrainEvent } from '../train/trainer.js';

/** How `train` reports progress: a live bar on a TTY, plain lines otherwise, JSON lines with --json. */
export type ProgressMode = 'bar' | 'lines' | 'json';

/** Prints training events in the chosen mode. */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;

  constructor(private readonly mode: ProgressMode, private readonly total: number, start: number) {
    if (mode === 'bar') {
      this.bar = new cliProgress.SingleBar({
        format: ' {bar} {percentage}% | step {value}/{total} | loss {loss} | {speed} tok/s | ETA {eta_formatted}',
        barCompleteChar: '\u2588', barIncompleteChar: '\u2591', hideCursor: true, etaBuffer: 20, stream: process.stderr,
      });
      this.bar.start(total, start, { loss: '-', speed: '-' });
    }
  }

  /** Handles one trainer event. */
  event(e: TrainEvent): void {
    if (this.mode === 'json') {
      process.stdout.write(JSON.stringify(e) + '\n');
      return;
    }
    if (e.event === 'step') {
      if (this.bar) this.bar.update(e.step, { loss: e.loss.toFixed(4), speed: fmtCount(e.tokensPerSec) });
      else if (e.step === this.total || e.elapsedSec - this.lastLine >= 2) {
        this.lastLine = e.elapsedSec;
        process.stdout.write(`step ${e.step}/${e.steps}  loss ${e.loss.toFixed(4)}  lr ${e.lr.toExponential(2)}  ${fmtCount(e.tokensPerSec)} tok/s\n`);
      }
    } else if (e.event === 'eval') {
      const line = `eval @${e.step}: train ${fmtMetric(e.train)}, test ${fmtMetric(e.test)}`;
      if (this.bar) this.bar.stop(), process.stderr.write(line + '\n'), this.bar.start(this.total, e.step, { loss: '-', speed: '-' });
      else process.stdout.write(line + '\n');
    } else if (e.event === 'gate' && e.passed) {
      const line = `gate @${e.step}: N ${e.length} passed (accuracy ${e.accuracy.toFixed(3)})`;
      if (this.bar) this.bar.stop(), process.stderr.write(line + '\n'), this.bar.start(this.total, e.step, { loss: '-', speed: '-' });
      else process.stdout.write(line + '\n');
    }
  }

  /** Removes the bar. */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** 12345 → 12.3k. */
export function fmtCount(n: number): string {
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return n.toFixed(0);
}

function fmtMetric(m: { loss: number; accuracy?: number }): string {
  return m.accuracy !== undefined ? `acc ${m.accuracy.toFixed(3)} loss ${m.loss.toFixed(4)}` : `loss ${m.loss.toFixed(5)}`;
}

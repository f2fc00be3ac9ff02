import { crossEntropy, mse } from '../ops/loss.js';
import { div, mul, sub } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor/tensor.js';
import { IGNORE } from '../tasks/types.js';
import type { ModelConfig } from '../models/sequence-model.js';
import type { Batch } from './batch.js';

/** The training loss of a batch: cross-entropy (classify, tag, ignoring unlabelled steps) or MSE. */
export function batchLoss(cfg: ModelConfig, pred: Tensor, batch: Batch): Tensor {
  if (cfg.head !== 'regress') return crossEntropy(pred, batch.y, { ignoreIndex: IGNORE });
  if (!batch.mask) return mse(pred, batch.y);
  // Per-step regression: mean over valid steps and output channels only.
  const d = sub(pred, batch.y);
  const sq = mul(sum(mul(d, d), -1), batch.mask);
  return div(sum(sq), batch.lengths.reduce((a, b) => a + b, 0) * cfg.outputs);
}

/** Metrics of an evaluation, all averages over the evaluated examples. */
export interface Metrics {
  /** Mean loss (cross-entropy in nats, or MSE). */
  loss: number;
  /** classify: fraction of sequences right; tag: fraction of labelled steps right. */
  accuracy?: number;
  /** tag: fraction of sequences with every labelled step right. */
  seqAccuracy?: number;
  /** tag/classify: exp(loss). */
  perplexity?: number;
  /** tag/classify: loss / ln 2 (bits per token). */
  bitsPerChar?: number;
  /** regress: mean squared error (equals loss). */
  mse?: number;
  /** Examples evaluated. */
  examples: number;
}

/** Accumulates metrics over batches (sums in float64 on the host). */
export class MetricAccumulator {
  private lossSum = 0;
  private lossCount = 0;
  private right = 0;
  private labelled = 0;
  private seqRight = 0;
  private seqs = 0;

  constructor(private readonly cfg: ModelConfig) {}

  /** Adds one batch's predictions. */
  add(pred: Tensor, batch: Batch): void {
    const cfg = this.cfg;
    const p = pred.data();
    const y = batch.y.data();
    const B = batch.lengths.length;
    if (cfg.head === 'regress') {
      const m = batch.mask?.data();
      const O = cfg.outputs;
      for (let i = 0; i < y.length; i++) {
        if (m && !m[Math.floor(i / O)]) continue;
        const d = p[i]! - y[i]!;
        this.lossSum += d * d;
        this.lossCount++;
      }
      this.seqs += B;
      return;
    }
    const C = cfg.outputs;
    const steps = y.length / B;
    for (let b = 0; b < B; b++) {
      let all = true;
      for (let t = 0; t < steps; t++) {
        const label = y[b * steps + t]!;
        if (label === IGNORE) continue;
        const row = (b * steps + t) * C;
        let best = 0;
        let max = -Infinity;
        for (let c = 0; c < C; c++) if (p[row + c]! > max) { max = p[row + c]!; best = c; }
        // log-sum-exp in float64 for the cross-entropy
        let s = 0;
        for (let c = 0; c < C; c++) s += Math.exp(p[row + c]! - max);
        this.lossSum += Math.log(s) + max - p[row + label]!;
        this.lossCount++;
        this.labelled++;
        if (best === label) this.right++;
        else all = false;
      }
      this.seqs++;
      if (all) this.seqRight++;
    }
  }

  /** The averages so far. */
  result(): Metrics {
    const loss = this.lossCount ? this.lossSum / this.lossCount : NaN;
    if (this.cfg.head === 'regress') return { loss, mse: loss, examples: this.seqs };
    const out: Metrics = { loss, accuracy: this.labelled ? this.right / this.labelled : NaN, examples: this.seqs };
    if (this.cfg.head === 'tag') out.seqAccuracy = this.seqs ? this.seqRight / this.seqs : NaN;
    out.perplexity = Math.exp(loss);
    out.bitsPerChar = loss / Math.LN2;
    return out;
  }
}

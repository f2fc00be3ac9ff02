import { ArgumentError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { IGNORE } from '../tasks/types.js';
import type { Example, Task } from '../tasks/types.js';

/** A padded batch of examples, ready for a model (all tensors batch-first). */
export interface Batch {
  /** int32 token ids [B, T] (padding 0) or float32 features [B, T, D] (padding 0). */
  x: Tensor;
  /** Valid input steps of each sequence. */
  lengths: number[];
  /** classify: int32 [B]; tag: int32 [B, T] (IGNORE on padding and unlabelled steps);
   *  regress: float32 [B, outputDim] per sequence or [B, T, outputDim] per step. */
  y: Tensor;
  /** Per-step regression only: float32 [B, T], 1 on valid steps. */
  mask: Tensor | null;
  /** Total input steps (for tokens/s). */
  tokens: number;
}

/** Pads and stacks examples of `task` into one batch. */
export function collate(task: Task, examples: readonly Example[]): Batch {
  const op = 'collate';
  const B = examples.length;
  if (B === 0) throw new ArgumentError(op, 'no examples');
  const lengths = examples.map((e) => e.input.length);
  const T = Math.max(...lengths);
  if (T === 0) throw new ArgumentError(op, 'every example is empty');
  let x: Tensor;
  if (task.vocabSize !== undefined) {
    const ids = new Int32Array(B * T);
    examples.forEach((e, b) => (e.input as number[]).forEach((v, t) => (ids[b * T + t] = v)));
    x = tensor(ids, [B, T], { dtype: 'int32' });
  } else {
    const D = task.inputDim!;
    const f = new Float32Array(B * T * D);
    examples.forEach((e, b) => (e.input as number[][]).forEach((row, t) => f.set(row, (b * T + t) * D)));
    x = tensor(f, [B, T, D]);
  }
  let y: Tensor;
  let mask: Tensor | null = null;
  if (task.kind === 'classify') {
    y = tensor(Int32Array.from(examples, (e) => e.target as number), [B], { dtype: 'int32' });
  } else if (task.kind === 'tag') {
    const ids = new Int32Array(B * T).fill(IGNORE);
    examples.forEach((e, b) => (e.target as number[]).forEach((v, t) => (ids[b * T + t] = v)));
    y = tensor(ids, [B, T], { dtype: 'int32' });
  } else if (!task.perStep) {
    const O = task.outputDim!;
    const f = new Float32Array(B * O);
    examples.forEach((e, b) => f.set(e.target as number[], b * O));
    y = tensor(f, [B, O]);
  } else {
    const O = task.outputDim!;
    const f = new Float32Array(B * T * O);
    const m = new Float32Array(B * T);
    examples.forEach((e, b) => (e.target as number[][]).forEach((row, t) => {
      f.set(row, (b * T + t) * O);
      m[b * T + t] = 1;
    }));
    y = tensor(f, [B, T, O]);
    mask = tensor(m, [B, T]);
  }
  return { x, lengths, y, mask, tokens: lengths.reduce((a, b) => a + b, 0) };
}

/** Draws `size` examples with lengths uniform in `range` (inclusive). */
export function sampleExamples(task: Task, rng: Rng, size: number, range: readonly [number, number]): Example[] {
  const [lo, hi] = range;
  return Array.from({ length: size }, () => task.example(rng, lo + rng.int(hi - lo + 1)));
}

/** Frees a batch's tensors. */
export function disposeBatch(b: Batch): void {
  b.x.dispose();
  b.y.dispose();
  b.mask?.dispose();
}

import type { Rng } from '../tensor/rng.js';

/**
 * What a task asks of a model:
 * - `classify`: one class per sequence, read after its last input (`target` is a number);
 * - `tag`: one class per step (`target` is a number per input step; `IGNORE` where no label);
 * - `regress`: real values, per sequence (`target` is number[] of `outputDim`) or per step
 *   (`target` is number[][], one `outputDim` vector per input step).
 */
export type TaskKind = 'classify' | 'tag' | 'regress';

/** Target value of a step that carries no label (and no loss). */
export const IGNORE = -1;

/** One generated sequence. */
export interface Example {
  /** Token ids (tasks with `vocabSize`) or feature vectors of `inputDim` (tasks without). */
  input: number[] | number[][];
  /** See {@link TaskKind}. */
  target: number | number[] | number[][];
}

/** An inclusive range of a task's size parameter (see {@link Task.example}). */
export type LengthRange = readonly [min: number, max: number];

/** A seeded sequence task: a generator plus what a model needs to know about its data. */
export interface Task {
  /** Registry name (`parity`, `mqar`, ...). */
  readonly name: string;
  /** One line for `recurrent tasks`. */
  readonly description: string;
  /** What the model is asked for: a class per sequence, a class per step, or real values. */
  readonly kind: TaskKind;
  /** Regression targets per step (`true`) or per sequence; classify is per sequence, tag per step. */
  readonly perStep: boolean;
  /** Input vocabulary size for token inputs; undefined for real-valued inputs. */
  readonly vocabSize?: number;
  /** Width of real-valued inputs (when `vocabSize` is undefined). */
  readonly inputDim?: number;
  /** Classes of `classify` / `tag` targets. */
  readonly numClasses?: number;
  /** Width of `regress` targets. */
  readonly outputDim?: number;
  /** Size parameter range for training (its meaning is the task's: bits, digits, steps...). */
  readonly trainLengths: LengthRange;
  /** A longer range for testing length extrapolation. */
  readonly testLengths: LengthRange;
  /** Token names for display (index = token id), when inputs are tokens. */
  readonly tokens?: readonly string[];
  /** Draws one example of size `length` (within the task's limits) from `rng`. */
  example(rng: Rng, length: number): Example;
}

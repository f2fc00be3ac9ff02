import type { Tensor } from '../tensor/tensor.js';
import { recordOp } from './tape.js';
import { gradRules } from './rules.js';

/** Attributes an op passes to its gradient rule (axes, saved tensors, constants). */
export type Attrs = Record<string, any>;

/** What a gradient rule receives. */
export interface GradContext {
  inputs: Tensor[];
  output: Tensor;
  attrs: Attrs;
  /** Cotangent of the output. */
  dy: Tensor;
}

/** A gradient rule: one cotangent per input (null where the input gets none). */
export type GradRule = (ctx: GradContext) => (Tensor | null)[];

/**
 * @internal Records a single-output op whose rule lives in the `gradRules` table. `saved` lists
 * tensors created only for the backward (freed at once when nothing records).
 */
export function record(op: keyof typeof gradRules, inputs: Tensor[], output: Tensor, attrs: Attrs = {}, saved: Tensor[] = []): Tensor {
  recordOp(op, inputs, [output], (dys) => {
    const dy = dys[0];
    if (!dy) return inputs.map(() => null);
    return gradRules[op]!({ inputs, output, attrs, dy });
  }, saved);
  return output;
}

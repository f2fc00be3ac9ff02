import type { Tensor } from './tensor.js';
import { setTapeClaimHook } from './memory.js';
import type { Owned } from './memory.js';

/**
 * Backward function of one recorded op: given the cotangents of its outputs (null where an
 * output got no gradient), returns one cotangent per input (null for inputs without gradient).
 */
export type BackwardFn = (dys: (Tensor | null)[]) => (Tensor | null)[];

/** Attributes an op passes to its gradient rule (axes, constants). */
export type Attrs = Record<string, any>;

/**
 * One recorded op application. An op from the gradient-rule table records its name and `attrs`
 * (the rule is looked up only when the tape runs backward, in autodiff/grad.ts); a fused op with
 * a hand-written backward (`customGrad`) records that function as `backward` instead.
 */
export interface TapeNode {
  op: string;
  inputs: Tensor[];
  outputs: Tensor[];
  /** Extra tensors the backward needs (kept alive with the tape). */
  saved: Tensor[];
  attrs: Attrs;
  backward: BackwardFn | null;
}

/**
 * A gradient tape: records ops whose inputs depend on watched tensors. Tensors referenced by its
 * nodes stay alive until the tape is closed, even if an inner `tidy` ends first.
 */
export class Tape {
  readonly nodes: TapeNode[] = [];
  /** Ids of tensors that depend on a watched tensor. */
  readonly tracked = new Set<number>();
  /** Ids of tensors referenced by nodes (they must outlive the forward pass). */
  private readonly held = new Set<number>();
  /** Tensors whose disposal was deferred to the end of the tape. */
  readonly deferred: Owned[] = [];

  watch(t: Tensor): void {
    this.tracked.add(t.id);
  }

  isTracked(t: Tensor): boolean {
    return this.tracked.has(t.id);
  }

  record(node: TapeNode): void {
    this.nodes.push(node);
    for (const t of node.outputs) this.tracked.add(t.id);
    for (const t of node.inputs) this.held.add(t.id);
    for (const t of node.outputs) this.held.add(t.id);
    for (const t of node.saved) this.held.add(t.id);
  }

  holds(t: Owned): boolean {
    return this.held.has(t.id);
  }
}

const tapes: Tape[] = [];
let paused = 0;

setTapeClaimHook((t) => {
  for (let i = tapes.length - 1; i >= 0; i--) {
    const tape = tapes[i]!;
    if (tape.holds(t)) {
      tape.deferred.push(t);
      return true;
    }
  }
  return false;
});

/** @internal The tape that records now, or null (no tape or inside noGrad). */
export function activeTape(): Tape | null {
  return paused > 0 ? null : (tapes[tapes.length - 1] ?? null);
}

/** @internal */
export function pushTape(t: Tape): void {
  tapes.push(t);
}

/** @internal */
export function popTape(): void {
  tapes.pop();
}

/** Runs `fn` without recording gradients (inference, optimizer updates, metrics). */
export function noGrad<T>(fn: () => T): T {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

/** True when ops are being recorded for differentiation. */
export function isRecording(): boolean {
  return activeTape() !== null;
}

/**
 * @internal Records an op if any input depends on a watched tensor. Called by every
 * differentiable op after computing its outputs. Returns whether it was recorded.
 */
export function recordOp(op: string, inputs: Tensor[], outputs: Tensor[], backward: BackwardFn, saved: Tensor[] = []): boolean {
  return push({ op, inputs, outputs, saved, attrs: {}, backward });
}

/**
 * @internal Records a single-output op whose gradient rule is `gradRules[op]` (autodiff/rules.ts;
 * resolved when the tape runs backward, so ops never import the rules). `saved` lists tensors
 * created only for the backward (freed at once when nothing records). Returns `output`.
 */
export function record(op: string, inputs: Tensor[], output: Tensor, attrs: Attrs = {}, saved: Tensor[] = []): Tensor {
  push({ op, inputs, outputs: [output], saved, attrs, backward: null });
  return output;
}

function push(node: TapeNode): boolean {
  const tape = activeTape();
  if (!tape || !node.inputs.some((t) => tape.isTracked(t))) {
    // Nothing will call backward, so tensors kept only for it are freed now.
    for (const t of node.saved) t.dispose();
    return false;
  }
  tape.record(node);
  return true;
}

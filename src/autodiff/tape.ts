import type { Tensor } from '../tensor/tensor.js';
import { setTapeClaimHook } from '../tensor/memory.js';

/**
 * Backward function of one recorded op: given the cotangents of its outputs (null where an
 * output got no gradient), returns one cotangent per input (null for inputs without gradient).
 */
export type BackwardFn = (dys: (Tensor | null)[]) => (Tensor | null)[];

/** One recorded op application. */
export interface TapeNode {
  op: string;
  inputs: Tensor[];
  outputs: Tensor[];
  /** Extra tensors the backward needs (kept alive with the tape). */
  saved: Tensor[];
  backward: BackwardFn;
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
  readonly deferred: Tensor[] = [];

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

  holds(t: Tensor): boolean {
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
  const tape = activeTape();
  if (!tape || !inputs.some((t) => tape.isTracked(t))) {
    // Nothing will call backward, so tensors kept only for it are freed now.
    for (const t of saved) t.dispose();
    return false;
  }
  tape.record({ op, inputs, outputs, saved, backward });
  return true;
}

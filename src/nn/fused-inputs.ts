import { activeTape } from '../tensor/tape.js';
import { checkFloat, checkSame, checkTensor } from '../ops/util.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The inputs of a fused recurrence op (null = an absent optional input), checked: each a live
 * tensor, the first a float, all of one dtype and backend. Returns the present ones in order.
 */
export function fusedInputs(op: string, named: readonly (readonly [string, Tensor | null])[]): Tensor[] {
  for (const [name, t] of named) if (t !== null) checkTensor(op, name, t);
  const inputs = named.map(([, t]) => t).filter((t): t is Tensor => t !== null);
  checkFloat(op, named[0]![0], inputs[0]!);
  checkSame(op, inputs);
  return inputs;
}

/** Whether a gradient will be taken through these inputs (customGrad's recording condition): only then keep states. */
export function willRecord(inputs: readonly Tensor[]): boolean {
  const tape = activeTape();
  return tape !== null && inputs.some((t) => tape.isTracked(t));
}

import { customGrad } from '../autodiff/grad.js';
import { empty } from '../ops/util.js';
import type { Backend, Buffer } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import type { RecurrenceOutput } from './sequence-layer.js';
import { fusedInputs, willRecord } from './fused-inputs.js';

/**
 * A whole-sequence recurrence run as one backend kernel each way (the fused delta rule and gated
 * linear attention): the inputs by name (null = an absent optional input), the output and state
 * shapes, and how the kernel pair is called. `fusedRecurrence` does the rest the same way for
 * every such op: input checks, keeping every state S_t only when a gradient will be taken, the
 * customGrad node, and gradient buffers only for the inputs that need them.
 */
export interface FusedRecurrenceSpec<A> {
  /** Op name for errors and the tape. */
  readonly op: string;
  readonly inputs: readonly (readonly [name: string, tensor: Tensor | null])[];
  /** Shapes of the output o, the final state, and one kept state (the kept states are [T, ...] of it inside [B, H, T, ...]). */
  readonly output: readonly number[];
  readonly state: readonly number[];
  readonly kept: readonly number[];
  /** The first `alwaysGrad` inputs always get a gradient buffer (the kernel writes them); the rest only when needed. */
  readonly alwaysGrad: number;
  /** The kernel arguments from the present inputs' buffers, by name. */
  args(buffers: ReadonlyMap<string, Buffer>): A;
  forward(be: Backend, args: A, o: Buffer, states: Buffer | null, sFinal: Buffer): void;
  /** Writes the gradient of every input whose buffer is non-null (absent inputs are not in `grads`). */
  backward(be: Backend, args: A, states: Buffer, dO: Buffer, dSFinal: Buffer | null, grads: ReadonlyMap<string, Buffer | null>): void;
}

/** Runs a fused recurrence (see `FusedRecurrenceSpec`); returns o and the final state. */
export function fusedRecurrence<A>(spec: FusedRecurrenceSpec<A>): RecurrenceOutput {
  const inputs = fusedInputs(spec.op, spec.inputs);
  const present = spec.inputs.filter(([, t]) => t !== null).map(([name]) => name);
  const be = inputs[0]!.backend, dtype = inputs[0]!.dtype;
  // Keep the states only when this op will be recorded.
  const keep = willRecord(inputs);
  const run = customGrad(spec.op, (...ins: Tensor[]) => {
    const args = spec.args(new Map(present.map((name, i) => [name, ins[i]!.buffer])));
    const o = empty([...spec.output], dtype, be);
    const sFinal = empty([...spec.state], dtype, be);
    const states = keep ? empty([...spec.kept], dtype, be) : null;
    spec.forward(be, args, o.buffer, states ? states.buffer : null, sFinal.buffer);
    return {
      value: [o, sFinal],
      save: states ? [states] : [],
      gradFunc: ([dO, dSFinal], needs, given) => {
        const grads = present.map((_, i) => (i < spec.alwaysGrad || needs[i] ? empty([...ins[i]!.shape], dtype, be) : null));
        spec.backward(be, args, states!.buffer, dO!.buffer, given[1] ? dSFinal!.buffer : null,
          new Map(present.map((name, i) => [name, grads[i] ? grads[i]!.buffer : null])));
        return grads;
      },
    };
  });
  const [o, state] = run(...inputs) as Tensor[];
  return { o: o!, state: state! };
}

import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { customGrad } from '../autodiff/grad.js';
import { add, mul } from '../ops/elementwise.js';
import { concat, narrow, squeeze, unsqueeze } from '../ops/movement.js';
import { empty } from '../ops/util.js';
import { isTensor } from '../tensor/tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { associativeScan } from './associative.js';
import type { Combine } from './associative.js';
import { chunkedScan } from './chunked.js';
import { scanSequential } from './sequential.js';

/** How `linearRecurrence` runs; every form computes the same values and gradients. */
export type LinearImpl = 'fused' | 'recurrent' | 'associative' | 'chunked';

/** Options of `linearRecurrence`. */
export interface LinearRecurrenceOptions {
  /** State before the first step (shape of one step), default zeros. */
  h0?: Tensor | null;
  /** Run t = T-1..0 (h_t = a_t h_{t+1} + b_t). */
  reverse?: boolean;
  /** 'fused' (default): one kernel each way; 'recurrent': the tape over a loop (the spec);
   *  'associative': parallel prefix scan; 'chunked': associative inside chunks of `chunk`. */
  impl?: LinearImpl;
  /** Steps per chunk of impl 'chunked' (default 64). */
  chunk?: number;
}

/** The linear-recurrence combine: (a1, b1) then (a2, b2) = (a1 a2, a2 b1 + b2). */
export const linearCombine: Combine = ([a1, b1], [a2, b2]) => [mul(a1!, a2!), add(mul(a2!, b1!), b2!)];

/**
 * The diagonal linear recurrence h_t = a_t ⊙ h_{t-1} + b_t for t = 0..T-1 (h_{-1} = h0), over
 * a, b of shape [T, ...]; returns every h [T, ...]. The building block of diagonal state-space
 * layers, linear RNNs and ParaRNN's Newton solves.
 */
export function linearRecurrence(a: Tensor, b: Tensor, opts: LinearRecurrenceOptions = {}): Tensor {
  const op = 'linearRecurrence';
  if (!isTensor(a) || !isTensor(b)) throw new ArgumentError(op, 'a and b must be tensors');
  if (a.rank < 1 || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(op, `a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)} must have the same shape [T, ...]`);
  }
  if (a.shape[0]! < 1) throw new ShapeError(op, 'needs at least one step');
  if (a.dtype === 'int32' || a.dtype !== b.dtype) throw new DTypeError(op, `a and b must share a float dtype, got ${a.dtype} and ${b.dtype}`);
  const h0 = opts.h0 ?? null;
  const step = a.shape.slice(1);
  if (h0 && (!isTensor(h0) || h0.shape.length !== step.length || h0.shape.some((d, i) => d !== step[i]) || h0.dtype !== a.dtype)) {
    throw new ShapeError(op, `h0 must be ${a.dtype} of shape ${fmtShape(step)}, got ${isTensor(h0) ? `${h0.dtype} ${fmtShape(h0.shape)}` : typeof h0}`);
  }
  const reverse = !!opts.reverse;
  const impl = opts.impl ?? 'fused';
  switch (impl) {
    case 'fused': return fused(a, b, h0, reverse);
    case 'recurrent': {
      const init = h0 ?? null;
      return scanSequential((carry, [at, bt]) => {
        const h = carry.length ? add(mul(at!, carry[0]!), bt!) : bt!;
        return { carry: [h], y: [h] };
      }, init ? [init] : [], [a, b], { reverse }).ys[0]!;
    }
    case 'associative':
    case 'chunked': {
      const bb = h0 ? foldInitial(a, b, h0, reverse) : b;
      if (impl === 'associative') return associativeScan(linearCombine, [a, bb], { reverse })[1]!;
      const chunk = opts.chunk ?? 64;
      return chunkedScan(linearCombine, [a, bb], { reverse, chunk })[1]!;
    }
    default: throw new ArgumentError(op, `impl must be fused, recurrent, associative or chunked, got '${String(impl)}'`);
  }
}

/** b with the first step (in scan order) replaced by a ⊙ h0 + b. */
function foldInitial(a: Tensor, b: Tensor, h0: Tensor, reverse: boolean): Tensor {
  const T = a.shape[0]!;
  const at = reverse ? T - 1 : 0;
  const first = unsqueeze(add(mul(squeeze(narrow(a, 0, at, 1), 0), h0), squeeze(narrow(b, 0, at, 1), 0)), 0);
  if (T === 1) return first;
  return reverse ? concat([narrow(b, 0, 0, T - 1), first], 0) : concat([first, narrow(b, 0, 1, T - 1)], 0);
}

function fused(a: Tensor, b: Tensor, h0: Tensor | null, reverse: boolean): Tensor {
  const T = a.shape[0]!;
  const N = a.size / T;
  const be = a.backend;
  const run = customGrad('linearRecurrence', (...ins: Tensor[]) => {
    const [ai, bi, hi] = ins as [Tensor, Tensor, Tensor | undefined];
    const args = { T, N, reverse, a: ai.buffer, b: bi.buffer, h0: hi ? hi.buffer : null };
    const h = empty(ai.shape, ai.dtype, be);
    be.linearScan(args, h.buffer);
    return {
      value: h,
      gradFunc: ([dh], needs) => {
        const da = empty(ai.shape, ai.dtype, be);
        const db = empty(ai.shape, ai.dtype, be);
        const dh0 = hi && needs[2] ? empty(hi.shape, hi.dtype, be) : null;
        be.linearScanBackward(args, h.buffer, dh!.buffer, da.buffer, db.buffer, dh0 ? dh0.buffer : null);
        return hi ? [da, db, dh0] : [da, db];
      },
    };
  });
  return run(...(h0 ? [a, b, h0] : [a, b])) as Tensor;
}

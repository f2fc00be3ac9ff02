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
import { oneOf } from '../options.js';

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

/** Options every form of the linear recurrence takes (the dispatcher adds `impl`). */
export type LinearFormOptions = Omit<LinearRecurrenceOptions, 'impl'>;

/**
 * The diagonal linear recurrence h_t = a_t ⊙ h_{t-1} + b_t for t = 0..T-1 (h_{-1} = h0), over
 * a, b of shape [T, ...]; returns every h [T, ...]. The building block of diagonal state-space
 * layers, linear RNNs and ParaRNN's Newton solves. Dispatches to `linearRecurrenceFused`
 * (default), `linearRecurrenceRecurrent` (the spec), `linearRecurrenceAssociative` or
 * `linearRecurrenceChunked`, which agree on values and every gradient.
 */
export function linearRecurrence(a: Tensor, b: Tensor, opts: LinearRecurrenceOptions = {}): Tensor {
  const { impl, ...rest } = opts;
  return FORMS[oneOf('linearRecurrence', 'impl', impl ?? 'fused', Object.keys(FORMS) as LinearImpl[])](a, b, rest);
}

/** The linear recurrence step by step through the tape (`scanSequential`): the spec. */
export function linearRecurrenceRecurrent(a: Tensor, b: Tensor, opts: LinearFormOptions = {}): Tensor {
  const h0 = checkLinear('linearRecurrenceRecurrent', a, b, opts);
  return scanSequential((carry, [at, bt]) => {
    const h = carry.length ? add(mul(at!, carry[0]!), bt!) : bt!;
    return { carry: [h], y: [h] };
  }, h0 ? [h0] : [], [a, b], { reverse: !!opts.reverse }).ys[0]!;
}

/** The linear recurrence as one kernel each way (`linearScan` / `linearScanBackward`). */
export function linearRecurrenceFused(a: Tensor, b: Tensor, opts: LinearFormOptions = {}): Tensor {
  const h0 = checkLinear('linearRecurrenceFused', a, b, opts);
  return fused(a, b, h0, !!opts.reverse);
}

/** The linear recurrence as a parallel associative scan (log-depth in T). */
export function linearRecurrenceAssociative(a: Tensor, b: Tensor, opts: LinearFormOptions = {}): Tensor {
  const h0 = checkLinear('linearRecurrenceAssociative', a, b, opts);
  const reverse = !!opts.reverse;
  return associativeScan(linearCombine, [a, h0 ? foldInitial(a, b, h0, reverse) : b], { reverse })[1]!;
}

/** The linear recurrence as associative scans inside chunks of `chunk` steps (default 64), carried between. */
export function linearRecurrenceChunked(a: Tensor, b: Tensor, opts: LinearFormOptions = {}): Tensor {
  const h0 = checkLinear('linearRecurrenceChunked', a, b, opts);
  const reverse = !!opts.reverse;
  return chunkedScan(linearCombine, [a, h0 ? foldInitial(a, b, h0, reverse) : b], { reverse, chunk: opts.chunk ?? 64 })[1]!;
}

const FORMS = {
  fused: linearRecurrenceFused, recurrent: linearRecurrenceRecurrent, associative: linearRecurrenceAssociative, chunked: linearRecurrenceChunked,
} as const;

/** Checks shared by the forms: a, b [T, ...] of one float dtype, h0 one step's shape; returns h0 or null. */
function checkLinear(op: string, a: Tensor, b: Tensor, opts: LinearFormOptions): Tensor | null {
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
  return h0;
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

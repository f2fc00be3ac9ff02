import { add, mul, neg, sub, where } from '../../ops/elementwise.js';
import { zerosLike } from '../../ops/creation.js';
import { empty } from '../../ops/util.js';
import { customGrad } from '../../autodiff/grad.js';
import { broadcastTo, concat, narrow, squeeze, unsqueeze } from '../../ops/movement.js';
import { associativeScan } from '../../scan/associative.js';
import type { Combine } from '../../scan/associative.js';
import { scanSequential } from '../../scan/sequential.js';
import type { Tensor } from '../../tensor/tensor.js';
import { oneOf } from '../../options.js';

/** A complex tensor as its real and imaginary parts (same shape). */
export interface Complex {
  /** Real part. */
  re: Tensor;
  /** Imaginary part, same shape as `re`. */
  im: Tensor;
}

/** (a + ib)(c + id). */
export function cmul(x: Complex, y: Complex): Complex {
  return { re: sub(mul(x.re, y.re), mul(x.im, y.im)), im: add(mul(x.re, y.im), mul(x.im, y.re)) };
}

/** The complex linear-recurrence combine on (a_re, a_im, b_re, b_im): (a1 a2, a2 b1 + b2). */
export const complexCombine: Combine = ([ar1, ai1, br1, bi1], [ar2, ai2, br2, bi2]) => {
  const a = cmul({ re: ar1!, im: ai1! }, { re: ar2!, im: ai2! });
  const b = cmul({ re: ar2!, im: ai2! }, { re: br1!, im: bi1! });
  return [a.re, a.im, add(b.re, br2!), add(b.im, bi2!)];
};

/** How `complexRecurrence` runs: the fused block2Scan kernel, the associative scan, or the loop (the spec). */
export type ComplexImpl = 'fused' | 'scan' | 'recurrent';

/** Options every form of the complex recurrence takes. */
export interface ComplexRecurrenceOptions {
  /** State before the first step (one step's shape); zeros when absent. */
  x0?: Complex | null;
  /** [T, ...] 1/0 (broadcastable to b): the state freezes where 0. */
  valid?: Tensor | null;
}

/**
 * x_t = a ⊙ x_{t-1} + b_t over complex values, the recurrence of the diagonal SSMs (S4D, LRU): b
 * [T, ...] per step, a time-invariant (broadcast to one step's shape), x0 optional, `valid`
 * freezing the state where 0. Returns every x_t. Dispatches to `complexRecurrenceRecurrent` (the
 * spec), `complexRecurrenceAssociative` ('scan') or `complexRecurrenceFused`, which agree on values
 * and every gradient.
 */
export function complexRecurrence(a: Complex, b: Complex, opts: ComplexRecurrenceOptions & { impl: ComplexImpl }): Complex {
  const { impl, ...rest } = opts;
  return FORMS[oneOf('complexRecurrence', 'impl', impl, Object.keys(FORMS) as ComplexImpl[])](a, b, rest);
}

/** The complex recurrence step by step through the tape (`scanSequential`): the spec. */
export function complexRecurrenceRecurrent(a: Complex, b: Complex, opts: ComplexRecurrenceOptions = {}): Complex {
  const { aRe, aIm, bRe, bIm } = coefficients(a, b, opts.valid ?? null);
  const init = opts.x0 ? [opts.x0.re, opts.x0.im] : [];
  const r = scanSequential((carry, [ar, ai, br, bi]) => {
    if (!carry.length) return { carry: [br!, bi!], y: [br!, bi!] };
    const ax = cmul({ re: ar!, im: ai! }, { re: carry[0]!, im: carry[1]! });
    const next = [add(ax.re, br!), add(ax.im, bi!)];
    return { carry: next, y: next };
  }, init, [aRe, aIm, bRe, bIm]);
  return { re: r.ys[0]!, im: r.ys[1]! };
}

/** The complex recurrence as a parallel associative scan over time (log-depth in T). */
export function complexRecurrenceAssociative(a: Complex, b: Complex, opts: ComplexRecurrenceOptions = {}): Complex {
  const { aRe, aIm, bRe, bIm } = withInitial(coefficients(a, b, opts.valid ?? null), opts.x0 ?? null);
  const [, , xr, xi] = associativeScan(complexCombine, [aRe, aIm, bRe, bIm]) as Tensor[];
  return { re: xr!, im: xi! };
}

/** The complex recurrence as one `block2Scan` kernel pass each way (see `fusedComplex`). */
export function complexRecurrenceFused(a: Complex, b: Complex, opts: ComplexRecurrenceOptions = {}): Complex {
  const { aRe, aIm, bRe, bIm } = withInitial(coefficients(a, b, opts.valid ?? null), opts.x0 ?? null);
  return fusedComplex(aRe, aIm, bRe, bIm);
}

const FORMS = { fused: complexRecurrenceFused, scan: complexRecurrenceAssociative, recurrent: complexRecurrenceRecurrent } as const;

/** Per-step coefficients of every form: a broadcast over time, and where `valid` is 0, a = 1 and b = 0 (the state freezes). */
interface Coefficients { aRe: Tensor; aIm: Tensor; bRe: Tensor; bIm: Tensor }

function coefficients(a: Complex, b: Complex, valid: Tensor | null): Coefficients {
  const shape = b.re.shape;
  const aRe = broadcastTo(unsqueeze(a.re, 0), shape), aIm = broadcastTo(unsqueeze(a.im, 0), shape);
  if (!valid) return { aRe, aIm, bRe: b.re, bIm: b.im };
  return { aRe: where(valid, aRe, 1), aIm: where(valid, aIm, 0), bRe: where(valid, b.re, 0), bIm: where(valid, b.im, 0) };
}

/** The parallel forms start from zero: fold x0 into the first step, b_0 += a_0 x0. */
function withInitial(c: Coefficients, x0: Complex | null): Coefficients {
  if (!x0) return c;
  const T = c.bRe.shape[0]!;
  const first = (t: Tensor): Tensor => squeeze(narrow(t, 0, 0, 1), 0);
  const ax = cmul({ re: first(c.aRe), im: first(c.aIm) }, x0);
  const put = (t: Tensor, v: Tensor): Tensor => (T === 1 ? unsqueeze(v, 0) : concat([unsqueeze(v, 0), narrow(t, 0, 1, T - 1)], 0));
  return { ...c, bRe: put(c.bRe, add(first(c.bRe), ax.re)), bIm: put(c.bIm, add(first(c.bIm), ax.im)) };
}

/**
 * One kernel pass: a complex multiply is the 2×2 block [[a_re, -a_im], [a_im, a_re]], so the
 * recurrence is `block2Scan`; the backward solves the adjoint with the transposed blocks and
 * forms da from it in closed form. All inputs [T, ...].
 */
function fusedComplex(aRe: Tensor, aIm: Tensor, bRe: Tensor, bIm: Tensor): Complex {
  const T = aRe.shape[0]!;
  const N = aRe.size / T;
  const be = aRe.backend;
  const run = customGrad('complexRecurrence', (ar: Tensor, ai: Tensor, br: Tensor, bi: Tensor) => {
    const nai = neg(ai);
    const xr = empty(ar.shape, ar.dtype, be), xi = empty(ar.shape, ar.dtype, be);
    const blocks = { m11: ar.buffer, m12: nai.buffer, m21: ai.buffer, m22: ar.buffer };
    be.block2Scan({ T, N, transposeNext: false, ...blocks, r1: br.buffer, r2: bi.buffer }, xr.buffer, xi.buffer);
    return {
      value: [xr, xi],
      save: [nai],
      gradFunc: ([dxr, dxi]) => {
        const lr = empty(ar.shape, ar.dtype, be), li = empty(ar.shape, ar.dtype, be);
        be.block2Scan({ T, N, transposeNext: true, ...blocks, r1: dxr!.buffer, r2: dxi!.buffer }, lr.buffer, li.buffer);
        // x_{t-1} (zero before the first step)
        const prev = (x: Tensor): Tensor => (T === 1 ? zerosLike(x) : concat([zerosLike(narrow(x, 0, 0, 1)), narrow(x, 0, 0, T - 1)], 0));
        const pr = prev(xr), pi = prev(xi);
        return [add(mul(lr, pr), mul(li, pi)), sub(mul(li, pr), mul(lr, pi)), lr, li];
      },
    };
  });
  const [re, im] = run(aRe, aIm, bRe, bIm) as Tensor[];
  return { re: re!, im: im! };
}

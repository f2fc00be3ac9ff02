import { add, mul, neg, sub, where } from '../../ops/elementwise.js';
import { zerosLike } from '../../ops/creation.js';
import { empty } from '../../ops/util.js';
import { customGrad } from '../../autodiff/grad.js';
import { broadcastTo, concat, narrow, squeeze, unsqueeze } from '../../ops/movement.js';
import { associativeScan } from '../../scan/associative.js';
import type { Combine } from '../../scan/associative.js';
import { scanSequential } from '../../scan/sequential.js';
import type { Tensor } from '../../tensor/tensor.js';

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

/**
 * x_t = a ⊙ x_{t-1} + b_t over complex values: b [T, ...] per step, a time-invariant (broadcast
 * to one step's shape), x0 optional. `valid` [T, ...] (1/0, broadcastable) freezes the state where
 * 0. 'scan' runs the associative scan, 'recurrent' the loop (the spec). Returns every x_t.
 */
export function complexRecurrence(a: Complex, b: Complex, opts: { impl: 'fused' | 'scan' | 'recurrent'; x0?: Complex | null; valid?: Tensor | null }): Complex {
  const T = b.re.shape[0]!;
  const shape = b.re.shape;
  let aRe = broadcastTo(unsqueeze(a.re, 0), shape), aIm = broadcastTo(unsqueeze(a.im, 0), shape);
  let bRe = b.re, bIm = b.im;
  if (opts.valid) {
    aRe = where(opts.valid, aRe, 1);
    aIm = where(opts.valid, aIm, 0);
    bRe = where(opts.valid, bRe, 0);
    bIm = where(opts.valid, bIm, 0);
  }
  if (opts.impl === 'recurrent') {
    const init = opts.x0 ? [opts.x0.re, opts.x0.im] : [];
    const r = scanSequential((carry, [ar, ai, br, bi]) => {
      if (!carry.length) return { carry: [br!, bi!], y: [br!, bi!] };
      const ax = cmul({ re: ar!, im: ai! }, { re: carry[0]!, im: carry[1]! });
      const next = [add(ax.re, br!), add(ax.im, bi!)];
      return { carry: next, y: next };
    }, init, [aRe, aIm, bRe, bIm]);
    return { re: r.ys[0]!, im: r.ys[1]! };
  }
  if (opts.x0) {
    // Fold the initial state into the first step: b_0 += a_0 x0.
    const first = (t: Tensor): Tensor => squeeze(narrow(t, 0, 0, 1), 0);
    const ax = cmul({ re: first(aRe), im: first(aIm) }, opts.x0);
    const put = (t: Tensor, v: Tensor): Tensor => (T === 1 ? unsqueeze(v, 0) : concat([unsqueeze(v, 0), narrow(t, 0, 1, T - 1)], 0));
    bRe = put(bRe, add(first(bRe), ax.re));
    bIm = put(bIm, add(first(bIm), ax.im));
  }
  if (opts.impl === 'fused') return fusedComplex(aRe, aIm, bRe, bIm);
  const [, , xr, xi] = associativeScan(complexCombine, [aRe, aIm, bRe, bIm]) as Tensor[];
  return { re: xr!, im: xi! };
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

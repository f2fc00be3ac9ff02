import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { add, div, exp, maximum, mul, sub } from '../../ops/elementwise.js';
import { onesLike, tensor } from '../../ops/creation.js';
import { broadcastTo, concat, narrow, permute, squeeze, unsqueeze } from '../../ops/movement.js';
import { softmax } from '../../ops/reduce.js';
import { matmul } from '../../ops/linalg.js';
import { associativeScan } from '../../scan/associative.js';
import type { Combine } from '../../scan/associative.js';
import { scanSequential } from '../../scan/sequential.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RecurrenceOutput } from '../sequence-layer.js';

/** Running softmax-attention state: max score m [...], denominator u [...], numerator w [..., dv]. */
export interface PrefixState {
  /** Running maximum score [...], the shift that keeps every exponent ≤ 0. */
  m: Tensor;
  /** Running softmax denominator Σ e^{s_i − m} [...]. */
  u: Tensor;
  /** Running numerator Σ e^{s_i − m} v_i [..., dv]. */
  w: Tensor;
}

/**
 * The Aaren combine on (m, u, w): "A then B" = (m, u_A e^{m_A-m} + u_B e^{m_B-m}, same for w),
 * m = max(m_A, m_B). Rescaling by the running max keeps every exponent ≤ 0, so scores of any size
 * never overflow. Associative, so prefix outputs come from a parallel scan.
 */
export const prefixCombine: Combine = ([mA, uA, wA], [mB, uB, wB]) => {
  const m = maximum(mA!, mB!);
  const ea = exp(sub(mA!, m)), eb = exp(sub(mB!, m));
  return [m, add(mul(uA!, ea), mul(uB!, eb)), add(mul(wA!, unsqueeze(ea, -1)), mul(wB!, unsqueeze(eb, -1)))];
};

/** How `prefixAttention` computes: a parallel prefix scan (default) or the recurrence. */
export type PrefixImpl = 'parallel' | 'recurrent';

/**
 * Causal softmax attention of one query per position group over every prefix: given scores
 * s [T, ...] and values v [T, ..., dv] (time first), o_t = Σ_{i≤t} softmax(s_0..s_t)_i v_i.
 * Optionally continues from `state` (the result of an earlier chunk). Returns all outputs
 * [T, ..., dv] and the final state.
 */
export function prefixAttention(s: Tensor, v: Tensor, opts: { state?: PrefixState | null; impl?: PrefixImpl } = {}): RecurrenceOutput<PrefixState> {
  const op = 'prefixAttention';
  if (v.rank !== s.rank + 1 || s.shape.some((d, i) => d !== v.shape[i])) {
    throw new ShapeError(op, `values ${fmtShape(v.shape)} must be scores ${fmtShape(s.shape)} plus a value axis`);
  }
  const T = s.shape[0]!;
  const impl = opts.impl ?? 'parallel';
  const state = opts.state ?? null;
  const u = onesLike(s);
  if (impl === 'recurrent') {
    const r = scanSequential((carry, [st, ut, vt]) => {
      const next = carry.length ? prefixCombine(carry, [st!, ut!, vt!]) : [st!, ut!, vt!];
      return { carry: next, y: [div(next[2]!, unsqueeze(next[1]!, -1))] };
    }, state ? [state.m, state.u, state.w] : [], [s, u, v]);
    return { o: r.ys[0]!, state: { m: r.carry[0]!, u: r.carry[1]!, w: r.carry[2]! } };
  }
  if (impl !== 'parallel') throw new ArgumentError(op, `impl must be parallel or recurrent, got '${String(impl)}'`);
  let elems = [s, u, v];
  if (state) {
    // Fold the carried state into the first leaf.
    const first = prefixCombine([state.m, state.u, state.w], elems.map((e) => squeeze(narrow(e, 0, 0, 1), 0)));
    elems = elems.map((e, k) => (T === 1 ? unsqueeze(first[k]!, 0) : concat([unsqueeze(first[k]!, 0), narrow(e, 0, 1, T - 1)], 0)));
  }
  const [m, uu, w] = associativeScan(prefixCombine, elems) as [Tensor, Tensor, Tensor];
  const last = (x: Tensor): Tensor => squeeze(narrow(x, 0, T - 1, 1), 0);
  return { o: div(w, unsqueeze(uu, -1)), state: { m: last(m), u: last(uu), w: last(w) } };
}

/**
 * The O(T²) oracle: every prefix's softmax written out with a causal mask (tests compare the scan
 * forms against it). Same shapes as `prefixAttention`; returns the outputs only.
 */
export function prefixAttentionQuadratic(s: Tensor, v: Tensor): Tensor {
  if (v.rank !== s.rank + 1 || s.shape.some((d, i) => d !== v.shape[i])) {
    throw new ShapeError('prefixAttentionQuadratic', `values ${fmtShape(v.shape)} must be scores ${fmtShape(s.shape)} plus a value axis`);
  }
  const T = s.shape[0]!;
  const r = s.rank - 1;
  const rest = s.shape.slice(1);
  const axes = Array.from({ length: r }, (_, i) => i + 1);
  // [..., T(query), T(key)] scores, -1e30 above the diagonal (no -inf: 0 * inf would make NaN).
  const scores = broadcastTo(unsqueeze(permute(s, [...axes, 0]), -2), [...rest, T, T]);
  const bias = new Float64Array(T * T);
  for (let t = 0; t < T; t++) for (let i = t + 1; i < T; i++) bias[t * T + i] = -1e30;
  const weights = softmax(add(scores, tensor(bias, [T, T], { dtype: s.dtype })), -1);
  const o = matmul(weights, permute(v, [...axes, 0, r + 1])); // [..., T, dv]
  return permute(o, [r, ...Array.from({ length: r }, (_, i) => i), r + 1]);
}

import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { record } from '../tensor/tape.js';
import { noGrad } from '../tensor/tape.js';
import { checkFloat, checkIndex, checkSame, checkTensor } from './util.js';
import { add, clamp, log, mul, neg, softplus, sub, square } from './elementwise.js';
import { logSoftmax, mean, sum } from './reduce.js';
import { gather, indexSelect, squeeze } from './movement.js';
import { tensor } from './creation.js';

/** How a loss combines its per-element values. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of crossEntropy. */
export interface CrossEntropyOptions {
  /** Targets equal to this class contribute nothing (e.g. padding, default none). */
  ignoreIndex?: number;
  /** Per-target weights (1 = count, 0 = ignore), same shape as target; float or int32. */
  mask?: Tensor;
  /** Mixes the one-hot target with a uniform distribution (0 = none). */
  labelSmoothing?: number;
  /** 'mean' (default) divides by the total weight of counted targets. */
  reduction?: Reduction;
}

/**
 * Softmax cross-entropy between logits [..., C] (classes on the LAST axis) and int32 class
 * indices [...]. With label smoothing ε the loss is (1-ε)·NLL + ε·mean_c(-log p_c), as PyTorch.
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  checkTensor(op, 'logits', logits);
  checkTensor(op, 'target', target);
  checkFloat(op, 'logits', logits);
  if (target.dtype !== 'int32') throw new DTypeError(op, `target must hold int32 class indices, got ${target.dtype}`);
  if (logits.rank < 1 || logits.rank !== target.rank + 1 || target.shape.some((d, i) => d !== logits.shape[i])) {
    throw new ShapeError(op, `logits ${fmtShape(logits.shape)} must be target ${fmtShape(target.shape)} plus a class axis`);
  }
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new ArgumentError(op, `labelSmoothing must be in [0, 1], got ${eps}`);
  const reduction = checkReduction(op, opts.reduction);
  const C = logits.shape[logits.rank - 1]!;
  const tdata = target.data();
  const w = new (logits.dtype === 'float64' ? Float64Array : Float32Array)(target.size).fill(1);
  const safe = new Int32Array(target.size);
  const mdata = opts.mask ? maskData(op, opts.mask, target) : null;
  for (let i = 0; i < tdata.length; i++) {
    const c = tdata[i]!;
    if (opts.ignoreIndex !== undefined && c === opts.ignoreIndex) {
      w[i] = 0;
      continue;
    }
    if (c < 0 || c >= C) throw new ArgumentError(op, `target value ${c} at position ${i} is out of range [0, ${C})`);
    safe[i] = c;
    if (mdata) w[i] = mdata[i]!;
  }
  const temps: Tensor[] = [];
  const tmp = (t: Tensor): Tensor => {
    temps.push(t);
    return t;
  };
  const weights = tmp(tensor(w, target.shape, { dtype: logits.dtype }));
  const idx = tmp(tensor(safe, [...target.shape, 1], { dtype: 'int32' }));
  const lp = tmp(logSoftmax(logits, -1));
  const nll = tmp(neg(tmp(squeeze(tmp(gather(lp, -1, idx)), -1))));
  let perItem = nll;
  if (eps > 0) {
    const smooth = tmp(neg(tmp(mean(lp, -1))));
    perItem = tmp(add(tmp(mul(nll, 1 - eps)), tmp(mul(smooth, eps))));
  }
  const weighted = mul(perItem, weights);
  let out: Tensor;
  if (reduction === 'none') out = weighted;
  else if (reduction === 'sum') out = sum(tmp(weighted));
  else {
    let total = 0;
    for (let i = 0; i < w.length; i++) total += w[i]!;
    // Mean over nothing is NaN in PyTorch; we return 0 so an all-padding batch does not poison training.
    out = mul(tmp(sum(tmp(weighted))), total > 0 ? 1 / total : 0);
  }
  for (const t of temps) t.dispose();
  return out;
}

function maskData(op: string, mask: Tensor, target: Tensor): ArrayLike<number> {
  checkTensor(op, 'mask', mask);
  if (mask.rank !== target.rank || mask.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(op, `mask ${fmtShape(mask.shape)} must have the target's shape ${fmtShape(target.shape)}`);
  }
  return mask.data();
}

function checkReduction(op: string, reduction: Reduction | undefined): Reduction {
  const r = reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(r)) throw new ArgumentError(op, `reduction must be 'mean', 'sum' or 'none', got ${String(r)}`);
  return r;
}

/** Reduces per-element losses `x`, then disposes `x` (unless returned) and the temporaries. */
function reduce(x: Tensor, reduction: Reduction, temps: Tensor[]): Tensor {
  const out = reduction === 'none' ? x : reduction === 'sum' ? sum(x) : mean(x);
  for (const t of [...temps, x]) if (t !== out) t.dispose();
  return out;
}

function checkPair(op: string, a: Tensor, b: Tensor, an: string, bn: string): void {
  checkTensor(op, an, a);
  checkTensor(op, bn, b);
  checkFloat(op, an, a);
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(op, `${an} ${fmtShape(a.shape)} and ${bn} ${fmtShape(b.shape)} must have the same shape`);
  }
  checkSame(op, [a, b]);
}

/** Mean squared error. */
export function mse(pred: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkPair('mse', pred, target, 'pred', 'target');
  const r = checkReduction('mse', opts.reduction);
  const d = sub(pred, target);
  return reduce(square(d), r, [d]);
}

/**
 * Binary cross-entropy on probabilities; logs are clamped at -100 and the gradient with respect
 * to `prob` is (prob - target) / max(prob (1 - prob), 1e-12), as in PyTorch, so both stay finite
 * at probabilities of exactly 0 or 1.
 */
export function bce(prob: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkPair('bce', prob, target, 'prob', 'target');
  const r = checkReduction('bce', opts.reduction);
  // Computed without recording; one 'bce' node carries the backward.
  const [per, lp, lq] = noGrad(() => {
    const logP = log(prob);
    const lp = clamp(logP, -100);
    const q = sub(1, prob);
    const logQ = log(q);
    const lq = clamp(logQ, -100);
    const a = mul(target, lp);
    const notT = sub(1, target);
    const b = mul(notT, lq);
    const s = add(a, b);
    const per = neg(s);
    for (const t of [logP, q, logQ, a, notT, b, s]) t.dispose();
    return [per, lp, lq];
  });
  return reduce(record('bce', [prob, target], per, { lp, lq }, [lp, lq]), r, []);
}

/** Binary cross-entropy on logits: softplus(x) - x·t, stable for any logit. */
export function bceWithLogits(logits: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkPair('bceWithLogits', logits, target, 'logits', 'target');
  const r = checkReduction('bceWithLogits', opts.reduction);
  const sp = softplus(logits);
  const xt = mul(logits, target);
  return reduce(sub(sp, xt), r, [sp, xt]);
}

/** Embedding lookup: rows of `weight` [V, D] picked by int32 `ids` of any shape -> [...ids, D]. */
export function embedding(ids: Tensor, weight: Tensor): Tensor {
  checkTensor('embedding', 'ids', ids);
  checkTensor('embedding', 'weight', weight);
  if (weight.rank !== 2) throw new ShapeError('embedding', `weight must be [numEmbeddings, dim], got ${fmtShape(weight.shape)}`);
  checkIndex('embedding', ids, weight.shape[0]!, 'ids');
  return indexSelect(weight, 0, ids);
}

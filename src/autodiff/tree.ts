import type { Tensor } from '../tensor/tensor.js';
import { isTensor } from '../tensor/tensor.js';

/** A nested structure of tensors: arrays and plain objects (e.g. a parameter tree). */
export type TensorTree = Tensor | readonly TensorTree[] | { readonly [key: string]: TensorTree };

/** The same structure with each tensor replaced by an R. */
export type MapTree<T, R> = T extends Tensor ? R
  : T extends readonly (infer U)[] ? MapTree<U, R>[]
  : T extends { readonly [key: string]: unknown } ? { [K in keyof T]: MapTree<T[K], R> }
  : never;

/** Leaves of a tree in a stable order (array order, then object key insertion order). */
export function treeLeaves(tree: unknown): Tensor[] {
  const out: Tensor[] = [];
  const walk = (v: unknown): void => {
    if (isTensor(v)) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(tree);
  return out;
}

/** Rebuilds a tree with `f` applied to each leaf. */
export function treeMap<T, R>(tree: T, f: (t: Tensor) => R): MapTree<T, R> {
  const walk = (v: unknown): unknown => {
    if (isTensor(v)) return f(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = walk(x);
      return o;
    }
    return v;
  };
  return walk(tree) as MapTree<T, R>;
}

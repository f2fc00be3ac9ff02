import type { Tensor } from '../tensor/tensor.js';
import { isTensor, nextTensorId } from '../tensor/tensor.js';
import { beginScope, collectTensors, endScope } from '../tensor/memory.js';
import { isFloat } from '../tensor/dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { Tape, activeTape, noGrad, popTape, pushTape, recordOp } from '../tensor/tape.js';
import type { TapeNode } from '../tensor/tape.js';
import { gradRules } from './rules.js';
import type { MapTree, TensorTree } from './tree.js';
import { treeLeaves, treeMap } from './tree.js';
import { add } from '../ops/elementwise.js';
import { full, zeros } from '../ops/creation.js';
import { clone } from '../ops/movement.js';

/** Result of `valueAndGrad`: the function's value and the gradient tree of its first argument. */
export interface ValueAndGrad<P> {
  /** The function's (scalar) value. */
  value: Tensor;
  /** Gradients with the structure of the differentiated argument. */
  grads: MapTree<P, Tensor>;
}

/**
 * Propagates cotangents backwards through the tape and returns the gradient of each leaf
 * (zeros for leaves the outputs do not depend on).
 */
function backprop(tape: Tape, outputs: Tensor[], cotangents: Tensor[], leaves: Tensor[]): Map<number, Tensor> {
  const grads = new Map<number, Tensor>();
  // Cotangents made here are freed as soon as nothing refers to them, so a long scan's backward
  // holds O(live cotangents), not every per-step contribution (a loop over narrow() would
  // otherwise keep T full-size zero-padded gradients). Tensors that existed before (the caller's
  // cotangents, forward values a rule hands back) are never freed here.
  const firstOwned = nextTensorId();
  const refs = new Map<Tensor, number>();
  const leafIds = new Set(leaves.map((l) => l.id));
  const release = (t: Tensor): void => {
    const c = (refs.get(t) ?? 0) - 1;
    if (c > 0) { refs.set(t, c); return; }
    refs.delete(t);
    if (t.id >= firstOwned) t.dispose();
  };
  const setGrad = (id: number, t: Tensor): void => {
    refs.set(t, (refs.get(t) ?? 0) + 1);
    const old = grads.get(id);
    grads.set(id, t);
    if (old) release(old);
  };
  outputs.forEach((o, i) => setGrad(o.id, cotangents[i]!));
  noGrad(() => {
    for (let n = tape.nodes.length - 1; n >= 0; n--) {
      const node = tape.nodes[n]!;
      const dys = node.outputs.map((o) => grads.get(o.id) ?? null);
      if (dys.every((d) => d === null)) continue;
      const gs = node.backward ? node.backward(dys) : ruleBackward(node, dys);
      const unused = new Set<Tensor>();
      node.inputs.forEach((inp, i) => {
        const g = gs[i];
        if (!g) return;
        if (!isFloat(inp.dtype) || !tape.isTracked(inp)) {
          unused.add(g);
          return;
        }
        if (g.shape.length !== inp.shape.length || g.shape.some((d, k) => d !== inp.shape[k])) {
          throw new ShapeError(`grad(${node.op})`, `rule returned a gradient of shape ${fmtShape(g.shape)} for input ${i} of shape ${fmtShape(inp.shape)}`);
        }
        const prev = grads.get(inp.id);
        setGrad(inp.id, prev ? add(prev, g) : g);
        if (prev) unused.add(g);
      });
      // This node's output cotangents are consumed (leaves keep theirs for the caller).
      for (const o of node.outputs) {
        const d = grads.get(o.id);
        if (d && !leafIds.has(o.id)) {
          grads.delete(o.id);
          release(d);
        }
      }
      for (const g of unused) if (!refs.has(g) && g.id >= firstOwned) g.dispose();
    }
  });
  // Each leaf gets its own tensor: rules may hand the same cotangent to two inputs (add(a, b)),
  // and callers (clipping, optimizers) may scale gradients in place.
  const out = new Map<number, Tensor>();
  const used = new Set<Tensor>();
  for (const leaf of leaves) {
    let g = grads.get(leaf.id) ?? zeros(leaf.shape, { dtype: leaf.dtype });
    if (used.has(g)) g = noGrad(() => clone(g!));
    used.add(g);
    out.set(leaf.id, g);
  }
  return out;
}

/** The backward of an op recorded by name: its row of the gradient-rule table. */
function ruleBackward(node: TapeNode, dys: (Tensor | null)[]): (Tensor | null)[] {
  const dy = dys[0];
  if (!dy) return node.inputs.map(() => null);
  const rule = gradRules[node.op];
  if (!rule) throw new ArgumentError(`grad(${node.op})`, `no gradient rule for op '${node.op}'`);
  return rule({ inputs: node.inputs, output: node.outputs[0]!, attrs: node.attrs, dy });
}

/**
 * Runs `f` with the leaves of its first argument watched, then backpropagates `cotangents(value)`.
 * Everything created inside is freed except the value and the gradients.
 */
function differentiate<A extends unknown[], R>(
  op: string,
  f: (...args: A) => R,
  args: A,
  outputsOf: (r: R) => Tensor[],
  cotangentsOf: (outs: Tensor[]) => Tensor[],
): { result: R; grads: Map<number, Tensor>; leaves: Tensor[] } {
  if (args.length === 0) throw new ArgumentError(op, 'the function must be called with at least one argument (the tensors to differentiate)');
  const leaves = treeLeaves(args[0]);
  if (leaves.length === 0) throw new ArgumentError(op, 'the first argument holds no tensors to differentiate with respect to');
  for (const l of leaves) {
    if (l.isDisposed) throw new ArgumentError(op, `an input tensor ${l.toString()} was disposed`);
    if (!isFloat(l.dtype)) throw new DTypeError(op, `cannot differentiate with respect to an ${l.dtype} tensor ${fmtShape(l.shape)}`);
  }
  const tape = new Tape();
  for (const l of leaves) tape.watch(l);
  beginScope();
  pushTape(tape);
  let survivors = new Set<Tensor>();
  try {
    const result = f(...args);
    const outs = outputsOf(result);
    const grads = backprop(tape, outs, cotangentsOf(outs), leaves);
    collectTensors(result, survivors, isTensor);
    for (const g of grads.values()) survivors.add(g);
    return { result, grads, leaves };
  } finally {
    popTape();
    endScope(survivors);
    for (const t of tape.deferred) if (!(survivors as Set<unknown>).has(t)) t.dispose();
    survivors = new Set();
  }
}

/**
 * Transforms `f(params, ...rest) -> scalar` into a function returning the value and the gradient of
 * every tensor in `params` (a tensor, array or object tree), in the same structure (jax-style).
 */
export function valueAndGrad<P extends TensorTree, R extends unknown[]>(
  f: (params: P, ...rest: R) => Tensor,
): (params: P, ...rest: R) => ValueAndGrad<P> {
  return (params: P, ...rest: R) => {
    const { result, grads } = differentiate('valueAndGrad', f, [params, ...rest] as [P, ...R], (v) => {
      if (!isTensor(v)) throw new ArgumentError('valueAndGrad', 'the function must return a scalar Tensor');
      if (v.size !== 1) throw new ShapeError('valueAndGrad', `the function must return a scalar, got shape ${fmtShape(v.shape)}; reduce it (e.g. mean) or use vjp`);
      return [v];
    }, ([v]) => [full(v!.shape, 1, { dtype: v!.dtype })]);
    return { value: result, grads: treeMap(params, (t) => grads.get(t.id)!) };
  };
}

/** Like `valueAndGrad` but returns only the gradient tree. */
export function grad<P extends TensorTree, R extends unknown[]>(
  f: (params: P, ...rest: R) => Tensor,
): (params: P, ...rest: R) => MapTree<P, Tensor> {
  const vg = valueAndGrad(f);
  return (params: P, ...rest: R) => {
    const { value, grads } = vg(params, ...rest);
    value.dispose();
    return grads;
  };
}

/**
 * Vector-Jacobian product for a tensor-valued function: returns f(params) and the gradient of
 * sum(f(params) * cotangent) with respect to each tensor in `params`.
 */
export function vjp<P extends TensorTree>(f: (params: P) => Tensor, params: P, cotangent: Tensor): ValueAndGrad<P> {
  const { result, grads } = differentiate('vjp', f, [params] as [P], (v) => {
    if (!isTensor(v)) throw new ArgumentError('vjp', 'the function must return a Tensor');
    if (v.shape.length !== cotangent.shape.length || v.shape.some((d, i) => d !== cotangent.shape[i])) {
      throw new ShapeError('vjp', `cotangent ${fmtShape(cotangent.shape)} must match the output ${fmtShape(v.shape)}`);
    }
    return [v];
  }, () => [cotangent]);
  return { value: result, grads: treeMap(params, (t) => grads.get(t.id)!) };
}

/** What a `customGrad` forward returns. */
export interface CustomGradResult {
  /** The output(s). */
  value: Tensor | Tensor[];
  /**
   * Given one cotangent per output (zeros where unused), one gradient per input (null: none).
   * `needs[i]` says whether input i gets a gradient at all, so costly ones can be skipped;
   * `given[j]` whether output j received a cotangent (false: `dys[j]` is zeros).
   */
  gradFunc: (dys: Tensor[], needs: boolean[], given: boolean[]) => (Tensor | null)[];
  /** Tensors the backward needs beyond inputs and outputs; kept alive with the tape. */
  save?: Tensor[];
}

/**
 * Wraps a forward computation with a hand-written backward (fused kernels use this). The forward
 * runs without recording; one node with `gradFunc` is recorded instead.
 */
export function customGrad<I extends Tensor[]>(name: string, f: (...inputs: I) => CustomGradResult): (...inputs: I) => CustomGradResult['value'] {
  return (...inputs: I) => {
    inputs.forEach((t, i) => {
      if (!isTensor(t)) throw new ArgumentError(`customGrad(${name})`, `input ${i} must be a Tensor`);
    });
    const tape = activeTape();
    const needs = inputs.map((t) => tape !== null && tape.isTracked(t));
    const r = noGrad(() => f(...inputs));
    const outs = Array.isArray(r.value) ? r.value : [r.value];
    recordOp(name, inputs, outs, (dys) => {
      const filled = dys.map((d, i) => d ?? zeros(outs[i]!.shape, { dtype: outs[i]!.dtype }));
      return r.gradFunc(filled, needs, dys.map((d) => d !== null));
    }, r.save ?? []);
    return r.value;
  };
}

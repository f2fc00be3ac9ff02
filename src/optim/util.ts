import { Tensor, isTensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import type { TypedArray } from '../tensor/dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';

/**
 * Parameters (or their gradients) handed to an optimizer or a clipping function: an array
 * (names are the indices as strings) or a record of named tensors such as `layers.0.weight`.
 */
export type ParamSet = Tensor[] | Record<string, Tensor>;

/** Host storage of a float tensor: what `Optimizer.update` reads and writes in place. */
export type FloatArray = Float32Array | Float64Array;

/** @internal A parameter (or gradient) with its name in the set. */
export interface Named {
  name: string;
  tensor: Tensor;
}

/** @internal Short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (isTensor(v)) return v.toString();
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v)})`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/** @internal True for `{...}` literals and `Object.create(null)` records (not class instances). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** @internal Flattens a ParamSet into (name, tensor) pairs; `arg` names it in messages. */
export function namedTensors(op: string, arg: string, set: unknown): { items: Named[]; isArray: boolean } {
  let items: Named[];
  let isArray: boolean;
  if (Array.isArray(set)) {
    items = set.map((t: unknown, i) => ({ name: String(i), tensor: t as Tensor }));
    isArray = true;
  } else if (isPlainObject(set)) {
    items = Object.entries(set).map(([name, t]) => ({ name, tensor: t as Tensor }));
    isArray = false;
  } else {
    throw new ArgumentError(op, `'${arg}' must be an array of tensors or a record of named tensors, got ${describe(set)}`);
  }
  for (const { name, tensor } of items) checkFloatTensor(op, `${arg}[${JSON.stringify(name)}]`, tensor);
  return { items, isArray };
}

/** @internal Throws unless `t` is a live float tensor. */
export function checkFloatTensor(op: string, what: string, t: unknown): asserts t is Tensor {
  if (!isTensor(t)) throw new ArgumentError(op, `${what} must be a Tensor, got ${describe(t)}`);
  if (t.isDisposed) throw new ArgumentError(op, `${what} ${t.toString()} was disposed`);
  if (!isFloat(t.dtype)) throw new DTypeError(op, `${what} must be float32 or float64, got ${t.dtype}`);
}

/**
 * @internal Matches `grads` to the parameters: same container kind, same length or names, same
 * shapes. Returns the gradients in parameter order. Validates everything before anything is
 * written, so a bad call leaves the parameters untouched.
 */
export function matchGrads(op: string, params: readonly Named[], paramsAreArray: boolean, grads: unknown): Tensor[] {
  if (paramsAreArray) {
    if (!Array.isArray(grads)) {
      throw new ArgumentError(op, `'grads' must be an array of ${params.length} tensors aligned with the parameters (which were given as an array), got ${describe(grads)}`);
    }
    if (grads.length !== params.length) {
      throw new ArgumentError(op, `'grads' has ${grads.length} tensors but there are ${params.length} parameters`);
    }
  } else {
    if (!isPlainObject(grads)) {
      throw new ArgumentError(op, `'grads' must be a record keyed by parameter name (the parameters were given as a record), got ${describe(grads)}`);
    }
    const missing = params.filter((p) => !Object.prototype.hasOwnProperty.call(grads, p.name)).map((p) => p.name);
    if (missing.length) throw new ArgumentError(op, `'grads' is missing gradients for parameters [${missing.join(', ')}]`);
    const known = new Set(params.map((p) => p.name));
    const extra = Object.keys(grads).filter((k) => !known.has(k));
    if (extra.length) throw new ArgumentError(op, `'grads' has entries for unknown parameters [${extra.join(', ')}]`);
  }
  const g = grads as Record<string, unknown>;
  return params.map((p, i) => {
    const t = paramsAreArray ? (grads as unknown[])[i] : g[p.name];
    checkFloatTensor(op, `grads[${JSON.stringify(p.name)}]`, t);
    if (p.tensor.isDisposed) throw new ArgumentError(op, `parameter '${p.name}' ${p.tensor.toString()} was disposed`);
    if (!sameShape(t.shape, p.tensor.shape)) {
      throw new ShapeError(op, `gradient for parameter '${p.name}' has shape ${fmtShape(t.shape)} but the parameter has shape ${fmtShape(p.tensor.shape)}`);
    }
    return t;
  });
}

/** @internal Shape equality. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * @internal A zero-filled tensor with the shape, dtype and backend of `like`. Built directly on
 * `like`'s backend (not the current one) so state lives next to the parameter it belongs to.
 */
export function zerosOn(like: Tensor): Tensor {
  const b = like.backend;
  const t = new Tensor(b, b.alloc(like.dtype, like.size), like.shape, like.dtype);
  b.fill(t.buffer, 0);
  return t;
}

/** @internal Zero-copy host view of a float tensor's storage (valid until the next allocation). */
export function floatView(t: Tensor): FloatArray {
  return t.backend.view(t.buffer) as FloatArray;
}

/** @internal Zero-copy host view of any tensor's storage. */
export function anyView(t: Tensor): TypedArray {
  return t.backend.view(t.buffer);
}

/** Range constraints of `checkNumber`; bounds are inclusive unless marked open. */
export interface NumberRange {
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
  integer?: boolean;
  /** Accept +Infinity (e.g. an infinity norm); NaN is never accepted. */
  allowInfinity?: boolean;
}

/** @internal Checks that `value` is a (finite unless allowed) number in a range; `label` names it. */
export function checkNumber(op: string, label: string, value: unknown, range: NumberRange = {}): number {
  const { min = -Infinity, max = Infinity, minOpen = false, maxOpen = false, integer = false, allowInfinity = false } = range;
  const ok = typeof value === 'number' && !Number.isNaN(value)
    && (Number.isFinite(value) || (allowInfinity && value === Infinity))
    && (minOpen ? value > min : value >= min) && (maxOpen ? value < max : value <= max)
    && (!integer || Number.isInteger(value));
  if (!ok) {
    const lo = Number.isFinite(min) ? `${minOpen ? '(' : '['}${min}` : '(-inf';
    const hi = Number.isFinite(max) ? `${max}${maxOpen ? ')' : ']'}` : 'inf)';
    const kind = integer ? 'an integer' : allowInfinity ? 'a number' : 'a finite number';
    throw new ArgumentError(op, `${label} must be ${kind} in ${lo}, ${hi}, got ${describe(value)}`);
  }
  return value as number;
}

/** @internal Checks that `value` is a boolean. */
export function checkBoolean(op: string, label: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ArgumentError(op, `${label} must be a boolean, got ${describe(value)}`);
  return value;
}

/** @internal Rejects option keys the optimizer does not know (catches `weight_decay` typos). */
export function checkOptionKeys(op: string, opts: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(opts)) throw new ArgumentError(op, `options must be a plain object, got ${describe(opts)}`);
  const unknown = Object.keys(opts).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new ArgumentError(op, `unknown option${unknown.length > 1 ? 's' : ''} [${unknown.join(', ')}]; expected some of [${allowed.join(', ')}]`);
  }
  return opts;
}

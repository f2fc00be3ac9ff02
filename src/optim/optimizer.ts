import type { Tensor } from '../tensor/tensor.js';
import { isTensor } from '../tensor/tensor.js';
import { keep } from '../tensor/memory.js';
import { isFloat } from '../tensor/dtype.js';
import type { TypedArray } from '../tensor/dtype.js';
import { ArgumentError, DTypeError, DisposedError, StateDictError, fmtShape } from '../errors.js';
import type { Schedule } from './schedule.js';
import type { FloatArray, Named, ParamSet } from './util.js';
import { anyView, checkNumber, describe, floatView, isPlainObject, matchGrads, namedTensors, sameShape, zerosOn } from './util.js';

/**
 * A serialisable snapshot of an optimizer. `slots` holds per-parameter state tensors keyed
 * `${paramName}.${slotName}` (e.g. `layers.0.weight.exp_avg`), ready for safetensors; the rest is
 * plain JSON. `hyper.lr` records the lr of the next step for reference only (see `loadStateDict`).
 */
export interface OptimizerState {
  /** Algorithm name ('SGD', 'Adam', 'AdamW', 'RAdam'); loading into another kind fails. */
  kind: string;
  /** Number of completed steps. */
  step: number;
  /** Hyperparameters, plus the current `lr` for reference. */
  hyper: Record<string, number | boolean>;
  /** Per-parameter state tensors keyed `${paramName}.${slotName}`. */
  slots: Record<string, Tensor>;
}

/** Hyperparameters of an algorithm other than lr: flat numbers and booleans (JSON-friendly). */
export type HyperParams = Record<string, number | boolean>;

/** Where a value being validated came from, for error messages. */
export type HyperSource = 'option' | 'hyper';

interface Entry {
  name: string;
  param: Tensor;
  /** Slot tensors in `slotNames(config)` order; kept, so no enclosing tidy frees them. */
  slots: Tensor[];
}

/**
 * Base class of the optimizers. Parameters are updated in place through the backend's host view,
 * so modules holding them see the new values and nothing is allocated per step. Update math is
 * done in float64 and rounded once when stored (state slots use the parameter's dtype).
 */
export abstract class Optimizer<C extends HyperParams = HyperParams> {
  /** Algorithm name, stored in state dicts ('SGD', 'Adam', 'AdamW', 'RAdam'). */
  readonly kind: string;
  /** Hyperparameters other than lr; replaced wholesale by `loadStateDict`. */
  protected config: C;
  private readonly entries: Entry[];
  private readonly paramsAreArray: boolean;
  private lrSpec: number | Schedule;
  private steps = 0;
  private disposed = false;

  protected constructor(kind: string, params: ParamSet, lr: number | Schedule, config: C) {
    this.kind = kind;
    const { items, isArray } = namedTensors(kind, 'params', params);
    if (items.length === 0) throw new ArgumentError(kind, "'params' is empty; there is nothing to optimize");
    const seen = new Map<Tensor, string>();
    for (const { name, tensor } of items) {
      // The same tensor twice would be updated twice per step with two sets of state.
      const prev = seen.get(tensor);
      if (prev !== undefined) throw new ArgumentError(kind, `parameters '${prev}' and '${name}' are the same tensor`);
      seen.set(tensor, name);
    }
    this.lrSpec = checkLrSpec(kind, lr);
    this.validateConfig(kind, config, 'option');
    this.config = { ...config };
    this.paramsAreArray = isArray;
    const slotNames = this.slotNames(this.config);
    this.entries = items.map(({ name, tensor }: Named) => ({
      name,
      param: tensor,
      slots: slotNames.map(() => keep(zerosOn(tensor))),
    }));
  }

  /** Validates a configuration (from constructor options or a loaded state); throws ArgumentError. */
  protected abstract validateConfig(op: string, config: C, source: HyperSource): void;

  /** Names of the per-parameter state slots the configuration needs, e.g. ['exp_avg', 'exp_avg_sq']. */
  protected abstract slotNames(config: C): readonly string[];

  /**
   * Updates one parameter in place. `slots` follow `slotNames(this.config)`; `step` is 1-based
   * (the step being taken, as PyTorch counts for bias correction).
   */
  protected abstract update(param: FloatArray, grad: TypedArray, slots: FloatArray[], lr: number, step: number): void;

  /**
   * Runs the step with a backend kernel when the backend has one for this optimizer and dtype;
   * returns false to fall back to `update`. The kernel must match `update` bit for bit.
   */
  protected fusedUpdate(_param: Tensor, _grad: Tensor, _slots: Tensor[], _lr: number, _step: number): boolean {
    return false;
  }

  /** Number of completed steps. */
  get stepCount(): number {
    return this.steps;
  }

  /** The learning rate the next `step` will use. */
  get lr(): number {
    return this.lrAt(`${this.kind}.lr`, this.steps);
  }

  /** Replaces the learning rate or schedule (schedules are evaluated at the current step count). */
  setLr(lr: number | Schedule): void {
    this.checkLive(`${this.kind}.setLr`);
    this.lrSpec = checkLrSpec(`${this.kind}.setLr`, lr);
  }

  /** Names of the parameters, in order (array indices as strings when given as an array). */
  get paramNames(): string[] {
    return this.entries.map((e) => e.name);
  }

  /**
   * Applies one update with `grads`, structured like the parameters (array aligned by index, or
   * record keyed by name). Everything is validated before any parameter is written.
   */
  step(grads: ParamSet): void {
    const op = `${this.kind}.step`;
    this.checkLive(op);
    const gs = matchGrads(op, this.entries.map((e) => ({ name: e.name, tensor: e.param })), this.paramsAreArray, grads);
    const lr = this.lrAt(op, this.steps);
    const t = this.steps + 1;
    this.entries.forEach((e, i) => {
      // Views are taken right before use and nothing is allocated in between (wasm memory may grow).
      const g = gs[i]!;
      if (!this.fusedUpdate(e.param, g, e.slots, lr, t)) this.update(floatView(e.param), anyView(g), e.slots.map(floatView), lr, t);
    });
    this.steps = t;
  }

  /**
   * A snapshot of the state. Slot tensors are fresh copies owned by the caller (dispose them, or
   * let a `tidy` do it, after writing a checkpoint); later steps do not change them.
   */
  stateDict(): OptimizerState {
    this.checkLive(`${this.kind}.stateDict`);
    const names = this.slotNames(this.config);
    const slots: Record<string, Tensor> = {};
    for (const e of this.entries) {
      e.slots.forEach((s, k) => {
        const copy = zerosOn(s);
        floatView(copy).set(floatView(s));
        slots[`${e.name}.${names[k]!}`] = copy;
      });
    }
    return { kind: this.kind, step: this.steps, hyper: { lr: this.lrValue(), ...this.config }, slots };
  }

  /**
   * Restores a `stateDict` snapshot: step count, hyperparameters and slot values (copied, so the
   * caller may dispose `state` afterwards). Like PyTorch, saved hyperparameters replace the
   * constructor's, except the learning rate: it stays as constructed (a number or schedule; a
   * schedule is code and cannot be saved, and changing lr on resume is common) — to resume
   * exactly, construct with the same lr or schedule. Validates everything before changing anything.
   */
  loadStateDict(state: OptimizerState): void {
    const op = `${this.kind}.loadStateDict`;
    this.checkLive(op);
    if (!isPlainObject(state)) throw new ArgumentError(op, `state must be an object from stateDict(), got ${describe(state)}`);
    if (state.kind !== this.kind) {
      throw new ArgumentError(op, `state was saved by a '${String(state.kind)}' optimizer; cannot load it into '${this.kind}'`);
    }
    const step = checkNumber(op, "state 'step'", state.step, { min: 0, integer: true });
    if (!isPlainObject(state.hyper)) throw new ArgumentError(op, `state 'hyper' must be an object, got ${describe(state.hyper)}`);
    if (!isPlainObject(state.slots)) throw new ArgumentError(op, `state 'slots' must be an object of tensors, got ${describe(state.slots)}`);

    // Hyperparameters: same keys and types as ours; `lr` is informational.
    const missing: string[] = [];
    const unexpected: string[] = [];
    const misshaped: string[] = [];
    const hyper = state.hyper as Record<string, unknown>;
    const config: HyperParams = {};
    for (const [k, v] of Object.entries(this.config)) {
      if (!Object.prototype.hasOwnProperty.call(hyper, k)) {
        missing.push(`hyper.${k}`);
      } else if (typeof hyper[k] !== typeof v) {
        throw new ArgumentError(op, `hyper '${k}' must be a ${typeof v}, got ${describe(hyper[k])}`);
      } else {
        config[k] = hyper[k] as number | boolean;
      }
    }
    for (const k of Object.keys(hyper)) if (k !== 'lr' && !(k in this.config)) unexpected.push(`hyper.${k}`);
    if (missing.length || unexpected.length) throw new StateDictError(op, missing, unexpected, []);
    this.validateConfig(op, config as C, 'hyper');

    // Slots: exactly the ones the loaded configuration needs, with the parameters' shapes.
    const names = this.slotNames(config as C);
    const slots = state.slots as Record<string, unknown>;
    const expected = new Set<string>();
    for (const e of this.entries) {
      for (const s of names) {
        const key = `${e.name}.${s}`;
        expected.add(key);
        if (!Object.prototype.hasOwnProperty.call(slots, key)) {
          missing.push(key);
          continue;
        }
        const t = slots[key];
        if (!isTensor(t)) throw new ArgumentError(op, `slot '${key}' must be a Tensor, got ${describe(t)}`);
        if (t.isDisposed) throw new ArgumentError(op, `slot '${key}' ${t.toString()} was disposed`);
        if (!isFloat(t.dtype)) throw new DTypeError(op, `slot '${key}' must be float32 or float64, got ${t.dtype}`);
        if (!sameShape(t.shape, e.param.shape)) misshaped.push(`${key}: expected ${fmtShape(e.param.shape)}, got ${fmtShape(t.shape)}`);
      }
    }
    for (const k of Object.keys(slots)) if (!expected.has(k)) unexpected.push(k);
    if (missing.length || unexpected.length || misshaped.length) throw new StateDictError(op, missing, unexpected, misshaped);

    // Commit. Reuse slot tensors whose name survives; allocate all before taking any view.
    const oldNames = this.slotNames(this.config);
    for (const e of this.entries) {
      const next = names.map((s) => {
        const k = oldNames.indexOf(s);
        return k >= 0 ? e.slots[k]! : keep(zerosOn(e.param));
      });
      e.slots.forEach((t) => {
        if (!next.includes(t)) t.dispose();
      });
      e.slots = next;
    }
    for (const e of this.entries) {
      // TypedArray.set converts if the saved dtype differs (float64 -> float32 rounds).
      names.forEach((s, k) => floatView(e.slots[k]!).set(anyView(slots[`${e.name}.${s}`] as Tensor)));
    }
    this.config = config as C;
    this.steps = step;
  }

  /** Frees the state slots. The optimizer cannot be used afterwards; parameters are untouched. */
  dispose(): void {
    if (this.disposed) return;
    for (const e of this.entries) for (const s of e.slots) s.dispose();
    this.disposed = true;
  }

  /** Lets `using opt = new Adam(...)` free the state at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  private checkLive(op: string): void {
    if (this.disposed) throw new DisposedError(op, 'the optimizer was disposed');
  }

  private lrValue(): number {
    return typeof this.lrSpec === 'number' ? this.lrSpec : this.lrSpec(this.steps);
  }

  private lrAt(op: string, step: number): number {
    if (typeof this.lrSpec === 'number') return this.lrSpec;
    const v = this.lrSpec(step);
    // A schedule is user code; a bad value would silently corrupt every parameter.
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ArgumentError(op, `the lr schedule returned ${describe(v)} at step ${step}; expected a finite number >= 0`);
    }
    return v;
  }
}

function checkLrSpec(op: string, lr: unknown): number | Schedule {
  if (typeof lr === 'function') return lr as Schedule;
  return checkNumber(op, "option 'lr'", lr, { min: 0 });
}

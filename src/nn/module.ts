import type { Tensor } from '../tensor/tensor.js';
import { isTensor } from '../tensor/tensor.js';
import { keep } from '../tensor/memory.js';
import type { HostArray } from '../tensor/dtype.js';
import { ArgumentError, DTypeError, StateDictError, fmtShape } from '../errors.js';

/** A tree of a module's parameters: nested plain objects keyed by attribute name. */
export interface ParameterTree {
  [name: string]: Tensor | ParameterTree;
}

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Require exactly the module's keys (default true). */
  strict?: boolean;
}

/**
 * Base class of layers and models. Parameters and sub-modules are registered by name, so state
 * dict keys follow PyTorch (`layers.0.weight`). Parameters are ordinary tensors exempt from
 * `tidy`; optimizers update them in place, so a module always sees current values.
 */
export abstract class Module {
  /** True in training mode (dropout active), false after `eval()`. */
  training = true;
  private readonly _params = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _children = new Map<string, Module>();

  /** Registers a trainable tensor under `name` and returns it. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.checkName(name);
    this._params.set(name, keep(t));
    return t;
  }

  /** Registers a non-trainable tensor that is saved in the state dict (e.g. running statistics). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.checkName(name);
    this._buffers.set(name, keep(t));
    return t;
  }

  /** Registers a sub-module under `name` and returns it. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.checkName(name);
    if (!(m instanceof Module)) throw new ArgumentError('Module.registerModule', `'${name}' is not a Module`);
    this._children.set(name, m);
    return m;
  }

  private checkName(name: string): void {
    if (!name || name.includes('.')) throw new ArgumentError('Module', `invalid name '${name}': must be non-empty without '.'`);
    if (this._params.has(name) || this._buffers.has(name) || this._children.has(name)) {
      throw new ArgumentError('Module', `name '${name}' is already registered`);
    }
  }

  /** Direct sub-modules by name. */
  namedChildren(): [string, Module][] {
    return [...this._children];
  }

  /** Parameters with dotted names, own first, then children in registration order (as PyTorch). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, t] of this._params) out.push([prefix + k, t]);
    for (const [k, m] of this._children) out.push(...m.namedParameters(`${prefix}${k}.`));
    return out;
  }

  /** Buffers with dotted names. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, t] of this._buffers) out.push([prefix + k, t]);
    for (const [k, m] of this._children) out.push(...m.namedBuffers(`${prefix}${k}.`));
    return out;
  }

  /** All trainable tensors, in `namedParameters` order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Parameters as a record keyed by dotted name (what optimizers and `valueAndGrad` accept). */
  parameterRecord(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters());
  }

  /** Parameters as a nested tree mirroring the module structure. */
  parameterTree(): ParameterTree {
    const tree: ParameterTree = {};
    for (const [k, t] of this._params) tree[k] = t;
    for (const [k, m] of this._children) tree[k] = m.parameterTree();
    return tree;
  }

  /** Total number of trainable scalars. */
  numParameters(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  /**
   * Parameters and buffers keyed by dotted name. The tensors are the live ones (not copies);
   * serialise them with `saveSafetensors`.
   */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into the parameters and buffers. With `strict` (default) the keys must match
   * exactly; any missing, unexpected or mis-shaped key raises one StateDictError listing all of them,
   * and nothing is modified. Values may be tensors or host arrays (as `parseSafetensors` returns).
   */
  loadStateDict(state: Record<string, Tensor | HostArray>, opts: LoadStateDictOptions = {}): void {
    if (state === null || typeof state !== 'object') throw new ArgumentError('loadStateDict', 'state must be an object of tensors');
    const strict = opts.strict ?? true;
    const own = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    const missing = [...own.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !own.has(k));
    const misshaped: string[] = [];
    for (const [k, t] of own) {
      const v = state[k];
      if (!v) continue;
      const shape = v.shape;
      if (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])) {
        misshaped.push(`${k}: expected ${fmtShape(t.shape)}, got ${fmtShape(shape)}`);
      }
    }
    if (misshaped.length || (strict && (missing.length || unexpected.length))) {
      throw new StateDictError('loadStateDict', strict ? missing : [], strict ? unexpected : [], misshaped);
    }
    for (const [k, t] of own) {
      const v = state[k];
      if (!v) continue;
      if ((v.dtype === 'int32') !== (t.dtype === 'int32')) {
        throw new DTypeError('loadStateDict', `${k}: cannot load ${v.dtype} values into a ${t.dtype} tensor`);
      }
    }
    for (const [k, t] of own) {
      const v = state[k];
      if (!v) continue;
      t.backend.write(t.buffer, isTensor(v) ? v.data() : v.data);
    }
  }

  /** Sets training mode on this module and all children (dropout on/off). */
  train(mode = true): this {
    this.training = mode;
    for (const m of this._children.values()) m.train(mode);
    return this;
  }

  /** Sets evaluation mode (same as `train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter and buffer of this module and its children. */
  dispose(): void {
    for (const [, t] of this.namedParameters()) t.dispose();
    for (const [, t] of this.namedBuffers()) t.dispose();
  }
}

/** Type guard for modules. */
export function isModule(v: unknown): v is Module {
  return v instanceof Module;
}

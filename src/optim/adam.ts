import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../errors.js';
import type { HyperSource } from './optimizer.js';
import { Optimizer } from './optimizer.js';
import type { Schedule } from './schedule.js';
import type { FloatArray, ParamSet } from './util.js';
import { checkBoolean, checkNumber, checkOptionKeys, describe } from './util.js';

/** Options of `Adam` and `AdamW` (PyTorch defaults). */
export interface AdamOptions {
  /** Learning rate or schedule (default 1e-3). */
  lr?: number | Schedule;
  /** Decay rates of the first and second moment averages, each in [0, 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
  /** Use the running maximum of the second moment (AMSGrad; default false). */
  amsgrad?: boolean;
}

/** @internal Adam-family hyperparameters as stored in state dicts (betas flattened). */
export type AdamConfig = { beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean };

/** Options of `RAdam`. */
export type RAdamOptions = Omit<AdamOptions, 'amsgrad'>;

/** @internal RAdam hyperparameters as stored in state dicts. */
export type RAdamConfig = { beta1: number; beta2: number; eps: number; weightDecay: number };

/** @internal Reads `betas` from options. */
function readBetas(op: string, betas: unknown): [number, number] {
  if (betas === undefined) return [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new ArgumentError(op, `option 'betas' must be a pair [beta1, beta2], got ${describe(betas)}`);
  }
  return [betas[0] as number, betas[1] as number];
}

/** @internal Message label of a hyperparameter: constructor options use `betas[i]`. */
function label(source: HyperSource, key: string): string {
  if (source === 'option' && key === 'beta1') return "option 'betas[0]'";
  if (source === 'option' && key === 'beta2') return "option 'betas[1]'";
  return `${source} '${key}'`;
}

/** @internal Range checks shared by Adam, AdamW and RAdam (PyTorch's). */
function validateAdamLike(op: string, c: RAdamConfig, source: HyperSource): void {
  checkNumber(op, label(source, 'beta1'), c.beta1, { min: 0, max: 1, maxOpen: true });
  checkNumber(op, label(source, 'beta2'), c.beta2, { min: 0, max: 1, maxOpen: true });
  checkNumber(op, label(source, 'eps'), c.eps, { min: 0 });
  checkNumber(op, label(source, 'weightDecay'), c.weightDecay, { min: 0 });
}

const ADAM_KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'] as const;

/**
 * @internal Shared implementation of Adam (L2 weight decay added to the gradient) and AdamW
 * (decoupled decay `p *= 1 - lr * weightDecay` before the Adam step).
 */
export abstract class AdamBase extends Optimizer<AdamConfig> {
  protected abstract readonly decoupled: boolean;

  protected constructor(kind: string, params: ParamSet, opts: AdamOptions, defaultWeightDecay: number) {
    const o = checkOptionKeys(kind, opts, ADAM_KEYS) as AdamOptions;
    const [beta1, beta2] = readBetas(kind, o.betas);
    super(kind, params, o.lr ?? 1e-3, {
      beta1,
      beta2,
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? defaultWeightDecay,
      amsgrad: o.amsgrad ?? false,
    });
  }

  protected override validateConfig(op: string, c: AdamConfig, source: HyperSource): void {
    validateAdamLike(op, c, source);
    checkBoolean(op, label(source, 'amsgrad'), c.amsgrad);
  }

  protected override slotNames(c: AdamConfig): readonly string[] {
    return c.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
  }

  protected override fusedUpdate(p: Tensor, g: Tensor, slots: Tensor[], lr: number, step: number): boolean {
    const kernel = p.backend.adamUpdate;
    if (!kernel || p.dtype !== 'float32' || g.dtype !== 'float32' || g.backend !== p.backend) return false;
    const { beta1, beta2, eps, weightDecay, amsgrad } = this.config;
    kernel.call(p.backend, {
      p: p.buffer, g: g.buffer, m: slots[0]!.buffer, v: slots[1]!.buffer, vmax: amsgrad ? slots[2]!.buffer : null,
      lr, beta1, beta2, eps, weightDecay, decoupled: this.decoupled,
      bc1: 1 - beta1 ** step, bc2Sqrt: Math.sqrt(1 - beta2 ** step),
    });
    return true;
  }

  protected override update(p: FloatArray, g: TypedArray, slots: FloatArray[], lr: number, step: number): void {
    const { beta1, beta2, eps, weightDecay, amsgrad } = this.config;
    const m = slots[0]!;
    const v = slots[1]!;
    const vmax = amsgrad ? slots[2]! : null;
    const bc1 = 1 - beta1 ** step;
    const invBc2 = 1 / Math.sqrt(1 - beta2 ** step);
    const stepSize = lr / bc1;
    const decay = this.decoupled ? 1 - lr * weightDecay : 1;
    const l2 = this.decoupled ? 0 : weightDecay;
    for (let i = 0; i < p.length; i++) {
      let pi = p[i]!;
      const gi = l2 !== 0 ? g[i]! + l2 * pi : g[i]!;
      pi *= decay;
      m[i] = beta1 * m[i]! + (1 - beta1) * gi;
      v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
      // Read back the stored moments so float32 state behaves like PyTorch's float32 tensors.
      let vi = v[i]!;
      if (vmax) {
        if (vi > vmax[i]! || Number.isNaN(vi)) vmax[i] = vi;
        vi = vmax[i]!;
      }
      // Multiply by 1/sqrt(1 - beta2^t) (one divide less per element; wasm's kernel does the same).
      const denom = Math.sqrt(vi) * invBc2 + eps;
      p[i] = pi - stepSize * (m[i]! / denom);
    }
  }
}

/**
 * Adam (torch.optim.Adam): bias-corrected first and second moment estimates, optional AMSGrad,
 * weight decay as an L2 term added to the gradient. Slots: `exp_avg`, `exp_avg_sq`, and
 * `max_exp_avg_sq` with amsgrad.
 */
export class Adam extends AdamBase {
  /** False: weight decay is an L2 term added to the gradient. */
  protected readonly decoupled = false;
  constructor(params: ParamSet, opts: AdamOptions = {}) {
    super('Adam', params, opts, 0);
  }
}

/**
 * AdamW (torch.optim.AdamW): Adam with decoupled weight decay, `p *= 1 - lr * weightDecay` before
 * the Adam step, so decay does not pass through the adaptive denominator. Default decay 1e-2.
 */
export class AdamW extends AdamBase {
  /** True: weight decay is applied to the parameter directly, outside the adaptive step. */
  protected readonly decoupled = true;
  constructor(params: ParamSet, opts: AdamOptions = {}) {
    super('AdamW', params, opts, 1e-2);
  }
}

const RADAM_KEYS = ['lr', 'betas', 'eps', 'weightDecay'] as const;

/**
 * Rectified Adam (torch.optim.RAdam, PyTorch 1.13 formula). With `rho_inf = 2 / (1 - beta2) - 1`
 * and `rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)`, steps with `rho_t > 5` use the
 * variance-rectified adaptive step `lr * r_t * m_hat * sqrt(1 - beta2^t) / (sqrt(v) + eps)`;
 * earlier steps (t <= 5 for beta2 = 0.999), where the variance estimate is unreliable, take the
 * un-adapted momentum step `lr * m_hat`. Weight decay is L2. Slots: `exp_avg`, `exp_avg_sq`.
 */
export class RAdam extends Optimizer<RAdamConfig> {
  constructor(params: ParamSet, opts: RAdamOptions = {}) {
    const o = checkOptionKeys('RAdam', opts, RADAM_KEYS) as RAdamOptions;
    const [beta1, beta2] = readBetas('RAdam', o.betas);
    super('RAdam', params, o.lr ?? 1e-3, { beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0 });
  }

  protected override validateConfig(op: string, c: RAdamConfig, source: HyperSource): void {
    validateAdamLike(op, c, source);
  }

  protected override slotNames(): readonly string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected override update(p: FloatArray, g: TypedArray, slots: FloatArray[], lr: number, step: number): void {
    const { beta1, beta2, eps, weightDecay } = this.config;
    const m = slots[0]!;
    const v = slots[1]!;
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * step * beta2 ** step) / bc2;
    const rect = rhoT > 5 ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
    const bc2Sqrt = Math.sqrt(bc2);
    for (let i = 0; i < p.length; i++) {
      const pi = p[i]!;
      const gi = weightDecay !== 0 ? g[i]! + weightDecay * pi : g[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * gi;
      v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
      const mHat = m[i]! / bc1;
      p[i] = rhoT > 5 ? pi - mHat * lr * (bc2Sqrt / (Math.sqrt(v[i]!) + eps)) * rect : pi - mHat * lr;
    }
  }
}

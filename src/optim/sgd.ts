import { ArgumentError } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { HyperSource } from './optimizer.js';
import { Optimizer } from './optimizer.js';
import type { Schedule } from './schedule.js';
import type { FloatArray, ParamSet } from './util.js';
import { checkBoolean, checkNumber, checkOptionKeys } from './util.js';

/** Options of `SGD` (PyTorch's torch.optim.SGD defaults). */
export interface SGDOptions {
  /** Learning rate or schedule (default 1e-3, as in PyTorch 2). */
  lr?: number | Schedule;
  /** Momentum factor (default 0: plain SGD, no state). */
  momentum?: number;
  /** Dampening of the gradient added to the momentum buffer (default 0). */
  dampening?: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient: g + weightDecay * p (default 0). */
  weightDecay?: number;
}

/** @internal SGD's hyperparameters as stored in state dicts. */
export type SGDConfig = { momentum: number; dampening: number; nesterov: boolean; weightDecay: number };

const SGD_KEYS = ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay'] as const;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 weight decay,
 * following torch.optim.SGD: the momentum buffer starts as the first (decayed) gradient, then
 * `buf = momentum * buf + (1 - dampening) * g`; the step is `buf` or, with Nesterov,
 * `g + momentum * buf`. State slot: `momentum_buffer` (only when momentum != 0).
 */
export class SGD extends Optimizer<SGDConfig> {
  constructor(params: ParamSet, opts: SGDOptions = {}) {
    const o = checkOptionKeys('SGD', opts, SGD_KEYS) as SGDOptions;
    super('SGD', params, o.lr ?? 1e-3, {
      momentum: o.momentum ?? 0,
      dampening: o.dampening ?? 0,
      nesterov: o.nesterov ?? false,
      weightDecay: o.weightDecay ?? 0,
    });
  }

  protected override validateConfig(op: string, c: SGDConfig, source: HyperSource): void {
    checkNumber(op, `${source} 'momentum'`, c.momentum, { min: 0 });
    checkNumber(op, `${source} 'dampening'`, c.dampening);
    checkBoolean(op, `${source} 'nesterov'`, c.nesterov);
    checkNumber(op, `${source} 'weightDecay'`, c.weightDecay, { min: 0 });
    if (c.nesterov && (c.momentum <= 0 || c.dampening !== 0)) {
      throw new ArgumentError(op, `Nesterov momentum requires momentum > 0 and dampening = 0, got momentum ${c.momentum}, dampening ${c.dampening}`);
    }
  }

  protected override slotNames(c: SGDConfig): readonly string[] {
    return c.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected override update(p: FloatArray, g: TypedArray, slots: FloatArray[], lr: number, step: number): void {
    const { momentum, dampening, nesterov, weightDecay } = this.config;
    const n = p.length;
    if (momentum === 0) {
      for (let i = 0; i < n; i++) {
        const d = weightDecay !== 0 ? g[i]! + weightDecay * p[i]! : g[i]!;
        p[i] = p[i]! - lr * d;
      }
      return;
    }
    const buf = slots[0]!;
    // PyTorch initialises the buffer to the first gradient itself (no dampening on step 1).
    const first = step === 1;
    for (let i = 0; i < n; i++) {
      const d = weightDecay !== 0 ? g[i]! + weightDecay * p[i]! : g[i]!;
      const b = first ? d : momentum * buf[i]! + (1 - dampening) * d;
      buf[i] = b;
      // Use the stored (rounded) buffer value, as PyTorch's float32 buffer would be.
      const bs = buf[i]!;
      p[i] = p[i]! - lr * (nesterov ? d + momentum * bs : bs);
    }
  }
}

import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { where } from '../../ops/elementwise.js';
import { tensor } from '../../ops/creation.js';
import { linear } from '../../ops/linalg.js';
import { dropout } from '../../ops/random.js';
import { narrow, squeeze, stack, transpose } from '../../ops/movement.js';
import { normal, uniform } from '../init.js';
import { Module } from '../module.js';
import { ModuleList } from '../module-list.js';
import { dropoutRate, dtypeOpt, positiveInt } from '../sequence-util.js';
import { oneOf } from '../../options.js';
import { globalGenerator } from '../../tensor/rng.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { scanSequential } from '../../scan/sequential.js';
import { gruDiagStep } from './gru-diag.js';
import { newtonGruDiag } from './newton.js';
import { newtonLstmDiag } from './newton-lstm.js';
import { lstmDiagStep } from './lstm-diag.js';
import type { NewtonOptions } from './newton.js';
import type { HState, LSTMState } from '../rnn/layers.js';
import type { RecurrentOutput } from '../rnn/layer.js';

/** Options of `ParaGRU`. */
export interface ParaGRUOptions {
  /** Features per input step I. */
  inputSize: number;
  /** Hidden width H of every layer. */
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** 'newton' (default): parallel in time; 'recurrent': the step through the tape (the spec). */
  impl?: 'newton' | 'recurrent';
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Newton iterations (default 3). */
  iterations?: number;
  /** Early-stop tolerance on max |residual| (default 0: always run every iteration). */
  tol?: number;
  /** Linear solver inside Newton: 'fused' (default) or 'parallel' (associative scan). */
  solver?: 'fused' | 'parallel';
  /**
   * Initial weights (default 'uniform'): 'uniform' draws A, P from U(-0.5, 0.5) and B, b from
   * U(±1/√H); 'paper' is ParaRNN's cell default (see `ParaInit`).
   */
  init?: ParaInit;
  /** Generator for the initial weights and dropout masks (default: the global one). */
  rng?: Rng;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/**
 * How a ParaRNN layer's weights start. 'paper' follows the official ParaRNN cells' defaults
 * (`a_init_fn='xlstm'`, `w_init_fn='xavier_uniform'`, `b_init_fn='bias_minus_linspace'`):
 * A and the peepholes P ~ N(0, (2/√(5H))²); B ~ U(±√(6/(I + H))); b = 0 except the first gate
 * (ParaGRU's update gate z, ParaLSTM's forget gate f), which is −linspace(0, 1, H).
 * 'uniform' is this library's original draw, kept so earlier runs rebuild identically.
 */
export type ParaInit = 'paper' | 'uniform';

/** The choices of `ParaInit`, for option checks. */
export const PARA_INITS: readonly ParaInit[] = ['paper', 'uniform'];

/**
 * One ParaRNN layer's parameters: A [3, H] (diagonal recurrences), B [3H, I], b [3H], and for
 * ParaLSTM the diagonal peepholes P [2, H] (f, o).
 */
export class ParaLayer extends Module {
  /** Diagonal recurrent weights [3, H], one row per gate. */
  readonly A: Tensor;
  /** Diagonal peepholes [2, H] (f, o) of ParaLSTM; null for ParaGRU. */
  readonly P: Tensor | null;
  /** Input weights [3H, I]. */
  readonly B: Tensor;
  /** Input bias [3H]. */
  readonly b: Tensor;
  constructor(I: number, H: number, peepholes: boolean, rng: Rng, dtype: DType | undefined, init: ParaInit = 'uniform') {
    super();
    const o = { rng, ...dtypeOpt(dtype) };
    if (init === 'paper') {
      // xLSTM's recurrent init: small diagonal weights (std 2/√(5H)), so |a| ≪ 1 and Newton
      // converges in few iterations; the first gate's bias spreads units over timescales.
      const std = 2 / Math.sqrt(5 * H);
      const w = Math.sqrt(6 / (I + H));
      this.A = this.registerParameter('A', normal([3, H], 0, std, o));
      this.P = peepholes ? this.registerParameter('P', normal([2, H], 0, std, o)) : null;
      this.B = this.registerParameter('B', uniform([3 * H, I], -w, w, o));
      const b = new Float64Array(3 * H);
      // 0 - x, not -x: the first unit gets +0, as torch.linspace gives.
      for (let j = 0; j < H; j++) b[j] = H === 1 ? 0 : 0 - j / (H - 1);
      this.b = this.registerParameter('b', tensor(b, [3 * H], { dtype: dtype ?? 'float32' }));
      return;
    }
    const k = 1 / Math.sqrt(H);
    // |a| < 1 keeps the diagonal recurrence contractive at the start, so Newton converges fast.
    this.A = this.registerParameter('A', uniform([3, H], -0.5, 0.5, o));
    this.P = peepholes ? this.registerParameter('P', uniform([2, H], -0.5, 0.5, o)) : null;
    this.B = this.registerParameter('B', uniform([3 * H, I], -k, k, o));
    this.b = this.registerParameter('b', uniform([3 * H], -k, k, o));
  }
}

/** What ParaGRU and ParaLSTM share: sizes, Newton settings, dropout, the layer list. */
abstract class ParaStack extends Module {
  /** Features per input step I. */
  readonly inputSize: number;
  /** Hidden width H. */
  readonly hiddenSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** How `forward` runs: Newton iterations parallel in time, or the step loop (the spec). */
  readonly impl: 'newton' | 'recurrent';
  /** The Newton settings `forward` uses (iterations, tol, solver). */
  readonly newton: NewtonOptions;
  /** The layers' parameters, in order (state-dict `layers.{i}`). */
  readonly layers: ModuleList<ParaLayer>;
  /** Dropout rate between layers, in training mode. */
  readonly dropoutP: number;
  /** Generator for the initial weights and inter-layer dropout masks. */
  protected readonly rng: Rng;
  /** How the weights were initialised. */
  readonly init: ParaInit;
  /** max |residual| after each Newton iteration of the last forward, per layer. */
  residuals: number[][] = [];

  protected constructor(op: string, opts: ParaGRUOptions, peepholes: boolean) {
    super();
    const impl = opts.impl ?? 'newton';
    oneOf(op, 'impl', impl, ['newton', 'recurrent'] as const);
    const tol = opts.tol ?? 0;
    if (!(tol >= 0)) throw new ArgumentError(op, `tol must be >= 0, got ${String(opts.tol)}`);
    this.inputSize = positiveInt(op, 'inputSize', opts.inputSize);
    this.hiddenSize = positiveInt(op, 'hiddenSize', opts.hiddenSize);
    this.numLayers = positiveInt(op, 'numLayers', opts.numLayers ?? 1);
    this.impl = impl;
    const solver = opts.solver ?? 'fused';
    oneOf(op, 'solver', solver, ['fused', 'parallel'] as const);
    this.newton = { iterations: positiveInt(op, 'iterations', opts.iterations ?? 3), tol, solver };
    this.dropoutP = dropoutRate(op, opts.dropout);
    this.rng = opts.rng ?? globalGenerator();
    this.init = opts.init ?? 'uniform';
    oneOf(op, 'init', this.init, PARA_INITS);
    this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: this.numLayers },
      (_, l) => new ParaLayer(l === 0 ? this.inputSize : this.hiddenSize, this.hiddenSize, peepholes, this.rng, opts.dtype, this.init))));
  }
}

/**
 * ParaGRU (ParaRNN, Danieli et al. 2025): a GRU whose recurrent matrices are diagonal, trained
 * parallel in time by Newton iterations over the whole sequence, each a parallel linear
 * recurrence solve. Batch-first: forward(x [B, T, I], state?, { lengths }) → output [B, T, H],
 * state { h: [numLayers, B, H] }. `residuals` holds max |h_t - f(h_{t-1})| after each Newton
 * iteration of the last forward (per layer).
 */
export class ParaGRU extends ParaStack {
  constructor(opts: ParaGRUOptions) {
    super('ParaGRU', opts, false);
  }

  /** x [B, T, I] → output [B, T, H] (zero past each length) and state h [numLayers, B, H], continuing from `state`. */
  forward(x: Tensor, state?: { h: Tensor } | null, opts: { lengths?: readonly number[] } = {}): RecurrentOutput<HState> {
    const op = 'ParaGRU';
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) throw new ShapeError(op, `x must be [batch, time, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const [B, T] = x.shape as [number, number];
    const H = this.hiddenSize;
    if (state && (state.h.rank !== 3 || state.h.shape[0] !== this.numLayers || state.h.shape[1] !== B || state.h.shape[2] !== H)) {
      throw new ShapeError(op, `state.h must be [${this.numLayers}, ${B}, ${H}], got ${fmtShape(state.h.shape)}`);
    }
    const valid = validMask(op, opts.lengths, B, T, x.dtype);
    let seq = transpose(x, 0, 1); // [T, B, I]
    const finals: Tensor[] = [];
    this.residuals = [];
    this.layers.list.forEach((layer, l) => {
      if (l > 0 && this.dropoutP > 0 && this.training) seq = dropout(seq, this.dropoutP, { rng: this.rng });
      const u = linear(seq, layer.B, layer.b); // [T, B, 3H]
      const h0 = state ? squeeze(narrow(state.h, 0, l, 1), 0) : null;
      if (this.impl === 'newton') {
        seq = newtonGruDiag(u, layer.A, h0, valid, { ...this.newton, onResidual: (r) => this.residuals.push(r) });
      } else {
        const init = h0 ?? tensor(new Float32Array(B * H), [B, H], { dtype: x.dtype });
        seq = scanSequential((carry, [ut, vt]) => {
          const hp = carry[0]!;
          const h = gruDiagStep(hp, ut!, layer.A).h;
          const next = vt ? where(vt, h, hp) : h;
          return { carry: [next], y: [next] };
        }, [init], valid ? [u, valid] : [u]).ys[0]!;
      }
      // Final state: the last step, which past a sequence's end holds its frozen state.
      finals.push(squeeze(narrow(seq, 0, T - 1, 1), 0));
      if (valid) seq = where(valid, seq, 0);
    });
    return { output: transpose(seq, 0, 1), state: { h: stack(finals, 0) } };
  }

  /** One streaming step: x [B, I] → output [B, H] (the recurrent cell, no Newton needed). */
  step(x: Tensor, state?: { h: Tensor } | null): RecurrentOutput<HState> {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) throw new ShapeError('ParaGRU.step', `x must be [batch, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const B = x.shape[0]!;
    let inp = x;
    const hs: Tensor[] = [];
    this.layers.list.forEach((layer, l) => {
      const hp = state ? squeeze(narrow(state.h, 0, l, 1), 0) : tensor(new Float32Array(B * this.hiddenSize), [B, this.hiddenSize], { dtype: x.dtype });
      inp = gruDiagStep(hp, linear(inp, layer.B, layer.b), layer.A).h;
      hs.push(inp);
    });
    return { output: inp, state: { h: stack(hs, 0) } };
  }
}

/** 1/0 per (t, b) as [T, B, 1] for sequences of `lengths` (0..T each), or null. */
function validMask(op: string, lengths: readonly number[] | undefined, B: number, T: number, dtype: DType): Tensor | null {
  if (!lengths) return null;
  const list = Array.from(lengths);
  if (list.length !== B) throw new ShapeError(op, `lengths has ${list.length} entries for a batch of ${B}`);
  list.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 0 || n > T) throw new ArgumentError(op, `lengths[${b}] = ${n} is not an integer in [0, ${T}]`);
  });
  const m = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) m[t * B + b] = t < list[b]! ? 1 : 0;
  return tensor(m, [T, B, 1], { dtype });
}

/** Options of `ParaLSTM` (as ParaGRU's). */
export type ParaLSTMOptions = ParaGRUOptions;

/**
 * ParaLSTM (ParaRNN): a CIFG LSTM with diagonal recurrences and peepholes whose (c, h) Jacobian is
 * 2×2 block-diagonal, trained parallel in time by Newton iterations over the whole sequence.
 * forward(x [B, T, I], state?, { lengths }) → output h [B, T, H], state { h, c: [numLayers, B, H] }.
 */
export class ParaLSTM extends ParaStack {
  constructor(opts: ParaLSTMOptions) {
    super('ParaLSTM', opts, true);
  }

  /** x [B, T, I] → output h [B, T, H] (zero past each length) and state h, c [numLayers, B, H], continuing from `state`. */
  forward(x: Tensor, state?: { h: Tensor; c?: Tensor } | null, opts: { lengths?: readonly number[] } = {}): RecurrentOutput<LSTMState> {
    const op = 'ParaLSTM';
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) throw new ShapeError(op, `x must be [batch, time, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const [B, T] = x.shape as [number, number];
    const H = this.hiddenSize;
    const want = [this.numLayers, B, H];
    for (const k of ['h', 'c'] as const) {
      const t = state?.[k];
      if (t && (t.rank !== 3 || t.shape.some((d, i) => d !== want[i]))) throw new ShapeError(op, `state.${k} must be [${want.join(', ')}], got ${fmtShape(t.shape)}`);
    }
    const valid = validMask(op, opts.lengths, B, T, x.dtype);
    let seq = transpose(x, 0, 1);
    const hs: Tensor[] = [], cs: Tensor[] = [];
    this.residuals = [];
    this.layers.list.forEach((layer, l) => {
      if (l > 0 && this.dropoutP > 0 && this.training) seq = dropout(seq, this.dropoutP, { rng: this.rng });
      const u = linear(seq, layer.B, layer.b);
      const at = (t: Tensor | undefined): Tensor | null => (t ? squeeze(narrow(t, 0, l, 1), 0) : null);
      const c0 = at(state?.c), h0 = at(state?.h);
      let cseq: Tensor;
      if (this.impl === 'newton') {
        [cseq, seq] = newtonLstmDiag(u, layer.A, layer.P!, c0, h0, valid, { ...this.newton, onResidual: (r) => this.residuals.push(r) });
      } else {
        const z = tensor(new Float32Array(B * H), [B, H], { dtype: x.dtype });
        const r = scanSequential((carry, [ut, vt]) => {
          const [cp, hp] = carry as [Tensor, Tensor];
          const s = lstmDiagStep(cp, hp, ut!, layer.A, layer.P!);
          const next = vt ? [where(vt, s.c, cp), where(vt, s.h, hp)] : [s.c, s.h];
          return { carry: next, y: next };
        }, [c0 ?? z, h0 ?? z], valid ? [u, valid] : [u]);
        [cseq, seq] = r.ys as [Tensor, Tensor];
      }
      cs.push(squeeze(narrow(cseq, 0, T - 1, 1), 0));
      hs.push(squeeze(narrow(seq, 0, T - 1, 1), 0));
      if (valid) seq = where(valid, seq, 0);
    });
    return { output: transpose(seq, 0, 1), state: { h: stack(hs, 0), c: stack(cs, 0) } };
  }

  /** One streaming step: x [B, I] → output [B, H]. */
  step(x: Tensor, state?: { h: Tensor; c?: Tensor } | null): RecurrentOutput<LSTMState> {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) throw new ShapeError('ParaLSTM.step', `x must be [batch, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const B = x.shape[0]!;
    const z = tensor(new Float32Array(B * this.hiddenSize), [B, this.hiddenSize], { dtype: x.dtype });
    let inp = x;
    const hs: Tensor[] = [], cs: Tensor[] = [];
    this.layers.list.forEach((layer, l) => {
      const at = (t: Tensor | undefined): Tensor => (t ? squeeze(narrow(t, 0, l, 1), 0) : z);
      const s = lstmDiagStep(at(state?.c), at(state?.h), linear(inp, layer.B, layer.b), layer.A, layer.P!);
      inp = s.h;
      hs.push(s.h); cs.push(s.c);
    });
    return { output: inp, state: { h: stack(hs, 0), c: stack(cs, 0) } };
  }
}

import type { CellKind } from '../../backend/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { LayerState } from '../sequence-layer.js';
import { isTensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import type { Rng } from '../../tensor/rng.js';
import { globalGenerator } from '../../tensor/rng.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../../errors.js';
import { tensor, zeros } from '../../ops/creation.js';
import { concat, narrow, reshape, stack, transpose } from '../../ops/movement.js';
import { add, exp, mul, reciprocal } from '../../ops/elementwise.js';
import { dropout } from '../../ops/random.js';
import { isRecording } from '../../tensor/tape.js';
import { tidy } from '../../tensor/scope.js';
import { CELL_SHAPE } from '../../backend/types.js';
import { Module } from '../module.js';
import { uniform } from '../init.js';
import { fusedSequence } from './fused.js';
import type { SequenceInputs } from './fused.js';
import { cellStep, recurrentSequence } from './recurrent.js';
import type { CellState, CellWeights } from './recurrent.js';
import { fastStepStack } from './step.js';
import { oneOf } from '../../options.js';

/** Options shared by the recurrent layers (PyTorch's names, camelCased). */
export interface RecurrentOptions {
  /** Features per input step I. */
  inputSize: number;
  /** Hidden width H of every layer. */
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [B, T, F] instead of [T, B, F] (states are always [L*D, B, H]). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Also run every layer backwards in time and concatenate both directions (default false). */
  bidirectional?: boolean;
  /** Block-diagonal recurrent matrix with this many heads (FlashRNN); 1 = dense (default). */
  heads?: number;
  /** 'fused' (default): whole-sequence kernels with a hand-written backward; 'recurrent': the tape. */
  impl?: 'fused' | 'recurrent';
  /** Generator for the initial weights (default: the global one). */
  rng?: Rng;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/** Per-call options of `forward`. */
export interface ForwardOptions {
  /** Valid length of each sequence (int32 tensor [B] or numbers); state freezes after it, outputs are 0. */
  lengths?: Tensor | readonly number[];
}

/** What `forward` and `step` return. */
export interface RecurrentOutput<S extends LayerState> {
  /** Top layer's outputs: [T, B, D·Hout] from `forward` ([B, T, D·Hout] with batchFirst), [B, Hout] from `step`. */
  output: Tensor;
  /** Final state of every layer and direction, each tensor [L·D, B, *]. */
  state: S;
}

interface LayerWeights extends CellWeights {
  mask: Tensor | null;
}

/**
 * Base of RNN, GRU, LSTM, SLSTM and LeakyRNN: registers PyTorch-named parameters per layer and
 * direction, runs layers and directions, handles batchFirst, lengths, dropout and state, and
 * dispatches each layer-direction to the fused kernels or the recurrent (tape) implementation, the spec.
 */
export abstract class RecurrentLayer<S extends LayerState> extends Module {
  /** Features per input step I. */
  readonly inputSize: number;
  /** Hidden width H. */
  readonly hiddenSize: number;
  /** Stacked layers L. */
  readonly numLayers: number;
  /** Whether the layers have biases b_ih and b_hh. */
  readonly bias: boolean;
  /** Input and output are [B, T, F] rather than [T, B, F]. */
  readonly batchFirst: boolean;
  /** Dropout rate between layers, in training mode. */
  readonly dropoutP: number;
  /** Whether every layer also runs backwards in time (D = 2). */
  readonly bidirectional: boolean;
  /** Heads of the block-diagonal recurrent matrix (1 = dense). */
  readonly heads: number;
  /** Which implementation `forward` runs; may be switched after construction. */
  impl: 'fused' | 'recurrent';
  /** Size of h (projSize for a projected LSTM). */
  readonly outSize: number;
  /** Generator for inter-layer dropout masks (and the initial weights). */
  protected readonly rng: Rng;
  private readonly blockMask: Tensor | null;

  /** GRU reset-before variant (Keras/tfjs reset_after=false); runs on the recurrent implementation. */
  protected resetBefore = false;

  protected constructor(
    /** Which cell the kernels run. */
    protected readonly kind: CellKind,
    /** Class name used in error messages. */
    readonly opName: string,
    opts: RecurrentOptions,
    /** Names of the state tensors besides h (e.g. `['c']` for LSTM). */
    protected readonly stateNames: string[],
    extra: { projSize?: number; peepholes?: boolean } = {}) {
    super();
    const o = opts;
    const posInt = (name: string, v: unknown): number => {
      if (!Number.isInteger(v) || (v as number) < 1) throw new ArgumentError(opName, `${name} must be a positive integer, got ${String(v)}`);
      return v as number;
    };
    if (o === null || typeof o !== 'object') throw new ArgumentError(opName, 'expected an options object { inputSize, hiddenSize, ... }');
    this.inputSize = posInt('inputSize', o.inputSize);
    this.hiddenSize = posInt('hiddenSize', o.hiddenSize);
    this.numLayers = posInt('numLayers', o.numLayers ?? 1);
    this.heads = posInt('heads', o.heads ?? 1);
    this.bias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    this.bidirectional = o.bidirectional ?? false;
    this.dropoutP = o.dropout ?? 0;
    this.impl = o.impl ?? 'fused';
    if (!(this.dropoutP >= 0 && this.dropoutP <= 1)) throw new ArgumentError(opName, `dropout must be in [0, 1], got ${this.dropoutP}`);
    oneOf(opName, 'impl', this.impl, ['fused', 'recurrent'] as const);
    const proj = extra.projSize ?? 0;
    if (!Number.isInteger(proj) || proj < 0 || proj >= this.hiddenSize) {
      throw new ArgumentError(opName, `projSize must be an integer in [0, hiddenSize), got ${proj}`);
    }
    if (this.hiddenSize % this.heads !== 0) throw new ArgumentError(opName, `hiddenSize ${this.hiddenSize} is not divisible by heads ${this.heads}`);
    if (this.heads > 1 && proj) throw new ArgumentError(opName, 'heads > 1 cannot be combined with projSize');
    this.outSize = proj || this.hiddenSize;
    this.rng = o.rng ?? globalGenerator();
    const dtype = o.dtype ?? 'float32';
    const H = this.hiddenSize;
    const G = CELL_SHAPE[kind].gates;
    const bound = 1 / Math.sqrt(H);
    const init = (shape: number[]): Tensor => uniform(shape, -bound, bound, { rng: this.rng, dtype });
    const D = this.bidirectional ? 2 : 1;
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d ? '_reverse' : ''}`;
        const inSize = l === 0 ? this.inputSize : this.outSize * D;
        this.registerParameter(`weight_ih${sfx}`, init([G * H, inSize]));
        const whh = init([G * H, this.outSize]);
        this.registerParameter(`weight_hh${sfx}`, this.heads > 1 ? mul(whh, this.makeBlockMask(G, dtype)) : whh);
        if (this.heads > 1) whh.dispose();
        if (this.bias) {
          this.registerParameter(`bias_ih${sfx}`, init([G * H]));
          this.registerParameter(`bias_hh${sfx}`, init([G * H]));
        }
        if (proj) this.registerParameter(`weight_hr${sfx}`, uniform([proj, H], -bound, bound, { rng: this.rng, dtype }));
        if (extra.peepholes) this.registerParameter(`weight_peep${sfx}`, init([3, H]));
        if (kind === 'leakyTanh' || kind === 'leakyRelu') {
          // Time constants tau = 1 + exp(log_tau) spread over [1.5, 10] steps.
          const data = new Float64Array(H);
          for (let j = 0; j < H; j++) data[j] = Math.log(0.5 + 8.5 * this.rng.uniform());
          this.registerParameter(`log_tau${sfx}`, tensor(data, [H], { dtype }));
        }
      }
    }
    this.blockMask = this.heads > 1 ? this.registerBuffer('head_mask', this.makeBlockMask(G, dtype)) : null;
  }

  private makeBlockMask(G: number, dtype: DType): Tensor {
    const H = this.hiddenSize;
    const d = H / this.heads;
    const data = new Float64Array(G * H * H);
    for (let g = 0; g < G; g++) {
      for (let r = 0; r < H; r++) {
        const head = Math.floor(r / d);
        for (let c = head * d; c < (head + 1) * d; c++) data[(g * H + r) * H + c] = 1;
      }
    }
    return tensor(data, [G * H, H], { dtype });
  }

  /** Number of directions (2 when bidirectional). */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  private paramCache: Map<string, Tensor> | null = null;

  private param(name: string): Tensor | null {
    // Parameters keep their identity (optimizers and loadStateDict write in place), so one lookup table serves.
    this.paramCache ??= new Map(this.namedParameters());
    return this.paramCache.get(name) ?? null;
  }

  private weights(l: number, d: number): LayerWeights {
    const sfx = `_l${l}${d ? '_reverse' : ''}`;
    const wHh = this.param(`weight_hh${sfx}`)!;
    let param = this.param(`weight_peep${sfx}`);
    const logTau = this.param(`log_tau${sfx}`);
    // alpha = 1 / tau = 1 / (1 + exp(log_tau)), differentiable through the tape.
    if (logTau) param = reciprocal(add(exp(logTau), 1));
    return {
      wIh: this.param(`weight_ih${sfx}`)!,
      wHh: this.blockMask ? mul(wHh, this.blockMask) : wHh,
      bIh: this.param(`bias_ih${sfx}`), bHh: this.param(`bias_hh${sfx}`),
      param, wHr: this.param(`weight_hr${sfx}`), mask: null, resetBefore: this.resetBefore,
    };
  }

  /** Zero state for a batch. */
  initialState(batch: number): S {
    const LD = this.numLayers * this.directions;
    const dtype = this.param('weight_ih_l0')!.dtype;
    const st: Record<string, Tensor> = { h: zeros([LD, batch, this.outSize], { dtype }) };
    for (const n of this.stateNames) st[n] = zeros([LD, batch, this.hiddenSize], { dtype });
    return st as S;
  }

  private checkState(state: S, batch: number): void {
    const LD = this.numLayers * this.directions;
    for (const [n, size] of [['h', this.outSize], ...this.stateNames.map((s) => [s, this.hiddenSize] as const)] as const) {
      const t = (state as Record<string, Tensor>)[n];
      const want = [LD, batch, size];
      if (!isTensor(t) || t.rank !== 3 || t.shape.some((v, i) => v !== want[i])) {
        throw new ShapeError(this.opName, `state.${n} must be ${fmtShape(want)}, got ${isTensor(t) ? fmtShape(t.shape) : String(t)}`);
      }
    }
  }

  private maskFor(lengths: Tensor | readonly number[], T: number, B: number, dtype: DType): Tensor {
    const list = isTensor(lengths) ? Array.from(lengths.data()) : Array.from(lengths);
    if (isTensor(lengths) && lengths.dtype !== 'int32') throw new DTypeError(this.opName, `lengths must be int32, got ${lengths.dtype}`);
    if (list.length !== B) throw new ShapeError(this.opName, `lengths has ${list.length} entries for a batch of ${B}`);
    const m = new Float64Array(T * B);
    list.forEach((len, b) => {
      if (!Number.isInteger(len) || len < 0 || len > T) throw new ArgumentError(this.opName, `lengths[${b}] = ${len} is not an integer in [0, ${T}]`);
      for (let t = 0; t < len; t++) m[t * B + b] = 1;
    });
    return tensor(m, [T, B], { dtype });
  }

  /**
   * Runs the whole sequence. x: [T, B, I] ([B, T, I] with batchFirst). Returns the top layer's
   * outputs [T, B, D*Hout] (zero past each sequence's length) and the final state of every
   * layer and direction, [L*D, B, *], in PyTorch's order.
   */
  forward(x: Tensor, state?: S | null, opts: ForwardOptions = {}): RecurrentOutput<S> {
    // Intermediates (per-direction outputs, picked states) are freed here; a recording tape keeps what it needs.
    return tidy(() => this.forwardInner(x, state, opts));
  }

  private forwardInner(x: Tensor, state: S | null | undefined, opts: ForwardOptions): RecurrentOutput<S> {
    if (!isTensor(x)) throw new ArgumentError(this.opName, `x must be a Tensor, got ${String(x)}`);
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) {
      throw new ShapeError(this.opName, `x must be ${this.batchFirst ? '[batch, time' : '[time, batch'}, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    }
    const w0 = this.param('weight_ih_l0')!;
    if (x.dtype !== w0.dtype) throw new DTypeError(this.opName, `x is ${x.dtype} but the layer's weights are ${w0.dtype}`);
    let seq = this.batchFirst ? transpose(x, 0, 1) : x;
    const [T, B] = seq.shape as [number, number];
    if (state) this.checkState(state, B);
    const st = state ?? this.initialState(B);
    const mask = opts.lengths !== undefined ? this.maskFor(opts.lengths, T, B, x.dtype) : null;
    const D = this.directions;
    const hs: Tensor[] = [];
    const ss: Tensor[][] = this.stateNames.map(() => []);
    // The reset-before GRU needs a GEMM between the gates, which the fused kernels do not do.
    const run = this.impl === 'fused' && !this.resetBefore ? fusedSequence : recurrentSequence;
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.dropoutP > 0 && this.training) seq = dropout(seq, this.dropoutP, { rng: this.rng });
      const ys: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const idx = l * D + d;
        const w = this.weights(l, d);
        const pick = (t: Tensor): Tensor => reshape(narrow(t, 0, idx, 1), t.shape.slice(1));
        const s0 = this.stateNames.length ? stack(this.stateNames.map((n) => pick((st as Record<string, Tensor>)[n]!)), 0) : null;
        const inp: SequenceInputs = { kind: this.kind, reverse: d === 1, x: seq, h0: pick(st.h), s0, ...w, mask };
        const out = run(inp);
        ys.push(out.y);
        hs.push(out.h);
        this.stateNames.forEach((_, k) => ss[k]!.push(reshape(narrow(out.s!, 0, k, 1), out.s!.shape.slice(1))));
      }
      seq = D === 1 ? ys[0]! : concat(ys, 2);
    }
    const finalState: Record<string, Tensor> = { h: stack(hs, 0) };
    this.stateNames.forEach((n, k) => (finalState[n] = stack(ss[k]!, 0)));
    mask?.dispose();
    return { output: this.batchFirst ? transpose(seq, 0, 1) : seq, state: finalState as S };
  }

  /**
   * One streaming step: x [B, I] -> output [B, Hout] and the next state; equal to `forward` on the
   * sequence one step at a time. Unidirectional layers only.
   */
  step(x: Tensor, state?: S | null): RecurrentOutput<S> {
    if (this.bidirectional) throw new ArgumentError(`${this.opName}.step`, 'a bidirectional layer needs the whole sequence; use forward');
    if (!isTensor(x) || x.rank !== 2 || x.shape[1] !== this.inputSize) {
      throw new ShapeError(`${this.opName}.step`, `x must be [batch, ${this.inputSize}], got ${isTensor(x) ? fmtShape(x.shape) : String(x)}`);
    }
    const B = x.shape[0]!;
    if (state) this.checkState(state, B);
    const st = state ?? this.initialState(B);
    const noDropout = this.dropoutP === 0 || !this.training || this.numLayers === 1;
    if (!isRecording() && this.kind !== 'slstm' && !this.resetBefore && noDropout && x.dtype === st.h.dtype) {
      const ws = Array.from({ length: this.numLayers }, (_, l) => this.weights(l, 0));
      const r = fastStepStack(this.kind, x, st.h, this.stateNames.length ? (st as Record<string, Tensor>)['c']! : null, ws);
      if (!state) for (const t of Object.values(st)) t.dispose();
      const next: Record<string, Tensor> = { h: r.h };
      if (r.c) next['c'] = r.c;
      return { output: r.output, state: next as S };
    }
    let inp = x;
    const hs: Tensor[] = [];
    const ss: Tensor[][] = this.stateNames.map(() => []);
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.dropoutP > 0 && this.training) inp = dropout(inp, this.dropoutP, { rng: this.rng });
      const w = this.weights(l, 0);
      const pick = (t: Tensor): Tensor => reshape(narrow(t, 0, l, 1), t.shape.slice(1));
      const cur: CellState = { h: pick(st.h), s: this.stateNames.map((n) => pick((st as Record<string, Tensor>)[n]!)) };
      const next = cellStep(this.kind, inp, cur, w);
      hs.push(next.h);
      next.s.forEach((t, k) => ss[k]!.push(t));
      inp = next.h;
    }
    const out: Record<string, Tensor> = { h: stack(hs, 0) };
    this.stateNames.forEach((n, k) => (out[n] = stack(ss[k]!, 0)));
    return { output: inp, state: out as S };
  }
}

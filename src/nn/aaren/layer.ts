import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { add, div, gelu, mul, where } from '../../ops/elementwise.js';
import { narrow, reshape, squeeze, stack, transpose, unsqueeze } from '../../ops/movement.js';
import { checkLengths, dropoutRate, lastValid, lengthMask, positiveInt } from '../sequence-util.js';
import { ModuleList } from '../module-list.js';
import { sum } from '../../ops/reduce.js';
import { dropout } from '../../ops/random.js';
import { normal } from '../init.js';
import { Module } from '../module.js';
import { LayerNorm, Linear } from '../layers.js';
import { globalGenerator } from '../../tensor/rng.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { prefixAttention } from './prefix.js';
import type { PrefixImpl, PrefixState } from './prefix.js';

/** Options of `Aaren`. */
export interface AarenOptions {
  inputSize: number;
  /** Model width d (split over `heads`). */
  hiddenSize: number;
  numLayers?: number;
  heads?: number;
  /** Feed-forward width as a multiple of d (default 2). */
  mlpRatio?: number;
  /** Dropout on the outputs of every block but the last, in training mode (default 0). */
  dropout?: number;
  /** 'parallel' (default): prefix scan; 'sequential': the recurrence. */
  impl?: PrefixImpl;
  rng?: Rng;
  dtype?: DType;
}

/** Aaren state: each layer's last output h [L, B, d] and its running (m [L,B,H], u [L,B,H], w [L,B,H,dh]). */
export type AarenState = { h: Tensor; m: Tensor; u: Tensor; w: Tensor };

/**
 * One Aaren block (pre-norm, residual): causal softmax pooling with a learned query per head —
 * attention computed as an RNN — then a GELU feed-forward. x is time-major [T, B, d].
 */
class AarenBlock extends Module {
  readonly norm1: LayerNorm;
  readonly query: Tensor;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly outProj: Linear;
  readonly norm2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(readonly d: number, readonly heads: number, ratio: number, rng: Rng, dtype: DType | undefined) {
    super();
    const o = { rng, ...(dtype ? { dtype } : {}) };
    this.norm1 = this.registerModule('norm1', new LayerNorm(d, dtype ? { dtype } : {}));
    this.query = this.registerParameter('query', normal([heads, d / heads], 0, 1, o));
    this.kProj = this.registerModule('k_proj', new Linear(d, d, { ...o, bias: false }));
    this.vProj = this.registerModule('v_proj', new Linear(d, d, { ...o, bias: false }));
    this.outProj = this.registerModule('out_proj', new Linear(d, d, o));
    this.norm2 = this.registerModule('norm2', new LayerNorm(d, dtype ? { dtype } : {}));
    this.fc1 = this.registerModule('fc1', new Linear(d, ratio * d, o));
    this.fc2 = this.registerModule('fc2', new Linear(ratio * d, d, o));
  }

  /** Scores [T, B, H] and values [T, B, H, dh] of x [T, B, d]. */
  private scoresValues(x: Tensor): [Tensor, Tensor] {
    const [T, B] = x.shape as [number, number];
    const H = this.heads, dh = this.d / H;
    const xn = this.norm1.forward(x);
    const k = reshape(this.kProj.forward(xn), [T, B, H, dh]);
    const v = reshape(this.vProj.forward(xn), [T, B, H, dh]);
    return [div(sum(mul(k, this.query), -1), Math.sqrt(dh)), v];
  }

  forward(x: Tensor, valid: Tensor | null, state: PrefixState | null, impl: PrefixImpl): { y: Tensor; state: PrefixState } {
    const [T, B] = x.shape as [number, number];
    let [s, v] = this.scoresValues(x);
    // Steps past a sequence's end get a score of -1e30: weight exactly 0, state unchanged.
    if (valid) s = where(valid, s, -1e30);
    const r = prefixAttention(s, v, { state, impl });
    const a = this.outProj.forward(reshape(r.o, [T, B, this.d]));
    const h = add(x, a);
    return { y: add(h, this.fc2.forward(gelu(this.fc1.forward(this.norm2.forward(h))))), state: r.state };
  }
}


/**
 * Aaren ("Attention as an RNN", Feng et al. 2024): a stack of blocks whose attention uses one
 * learned query per head, so every prefix's softmax attention is an associative scan (parallel in
 * time for training) and a constant-memory recurrence for streaming (`step`). Batch-first like
 * the recurrent layers: forward(x [B, T, inputSize], state?, { lengths }) → output [B, T, d].
 */
export class Aaren extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly heads: number;
  readonly impl: PrefixImpl;
  readonly inProj: Linear | null;
  readonly layers: ModuleList<AarenBlock>;
  readonly dropoutP: number;
  private readonly rng: Rng;

  constructor(opts: AarenOptions) {
    super();
    const op = 'Aaren';
    const int = (name: string, v: unknown): number => positiveInt(op, name, v);
    this.inputSize = int('inputSize', opts.inputSize);
    this.hiddenSize = int('hiddenSize', opts.hiddenSize);
    this.numLayers = int('numLayers', opts.numLayers ?? 1);
    this.heads = int('heads', opts.heads ?? 1);
    const ratio = int('mlpRatio', opts.mlpRatio ?? 2);
    if (this.hiddenSize % this.heads !== 0) throw new ArgumentError(op, `hiddenSize ${this.hiddenSize} must be divisible by heads ${this.heads}`);
    this.impl = opts.impl ?? 'parallel';
    if (this.impl !== 'parallel' && this.impl !== 'sequential') throw new ArgumentError(op, `impl must be parallel or sequential, got '${String(this.impl)}'`);
    const rng = opts.rng ?? globalGenerator();
    this.rng = rng;
    this.dropoutP = dropoutRate(op, opts.dropout);
    const o = { rng, ...(opts.dtype ? { dtype: opts.dtype } : {}) };
    this.inProj = this.inputSize !== this.hiddenSize ? this.registerModule('in_proj', new Linear(this.inputSize, this.hiddenSize, o)) : null;
    this.layers = this.registerModule('layers', new ModuleList(
      Array.from({ length: this.numLayers }, () => new AarenBlock(this.hiddenSize, this.heads, ratio, rng, opts.dtype))));
  }

  /** Runs x [B, T, inputSize]; the state carries every layer's running softmax across calls. */
  forward(x: Tensor, state?: AarenState | null, opts: { lengths?: readonly number[] } = {}): { output: Tensor; state: AarenState } {
    const op = 'Aaren';
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) throw new ShapeError(op, `x must be [batch, time, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const [B, T] = x.shape as [number, number];
    const lengths = opts.lengths ? checkLengths(op, opts.lengths, B, T) : null;
    const valid = lengths ? lengthMask(lengths, T, x.dtype) : null;
    let seq = transpose(this.inProj ? this.inProj.forward(x) : x, 0, 1); // [T, B, d]
    const ms: Tensor[] = [], us: Tensor[] = [], ws: Tensor[] = [], hs: Tensor[] = [];
    this.layers.list.forEach((blk, l) => {
      if (l > 0 && this.dropoutP > 0 && this.training) seq = dropout(seq, this.dropoutP, { rng: this.rng });
      const prev = state ? { m: squeeze(narrow(state.m, 0, l, 1), 0), u: squeeze(narrow(state.u, 0, l, 1), 0), w: squeeze(narrow(state.w, 0, l, 1), 0) } : null;
      const r = blk.forward(seq, valid, prev, this.impl);
      seq = r.y;
      ms.push(r.state.m); us.push(r.state.u); ws.push(r.state.w);
      hs.push(lastValid(seq, lengths));
    });
    let out = transpose(seq, 0, 1); // [B, T, d]
    // where, not a product: padding is exactly +0, as in the recurrent layers
    if (valid) out = where(transpose(valid, 0, 1), out, 0);
    return { output: out, state: { h: stack(hs, 0), m: stack(ms, 0), u: stack(us, 0), w: stack(ws, 0) } };
  }

  /** One streaming step: x [B, inputSize] → output [B, d], constant memory per step. */
  step(x: Tensor, state?: AarenState | null): { output: Tensor; state: AarenState } {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) throw new ShapeError('Aaren.step', `x must be [batch, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const r = this.forward(unsqueeze(x, 1), state ?? null);
    return { output: squeeze(r.output, 1), state: r.state };
  }
}

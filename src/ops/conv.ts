import type { Tensor } from '../tensor/tensor.js';
import type { Conv1dArgs } from '../backend/types.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { record } from '../tensor/tape.js';
import { checkFloat, checkSame, checkTensor, empty } from './util.js';

/** Options of conv1d. */
export interface Conv1dOptions {
  /** Zero padding: 'causal' pads (K-1)*dilation on the left only (output length = input length
   * for stride 1); a number pads both sides; default 0. */
  padding?: number | 'causal';
  /** Step between output positions (default 1). */
  stride?: number;
  /** Spacing between kernel taps (default 1). */
  dilation?: number;
  /** Channel groups; groups = channels is a depthwise convolution. */
  groups?: number;
}

/**
 * 1-D convolution (cross-correlation, as PyTorch's F.conv1d): x [B, Cin, L], weight
 * [Cout, Cin/groups, K], bias [Cout] -> [B, Cout, Lout].
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  const op = 'conv1d';
  checkTensor(op, 'x', x);
  checkTensor(op, 'weight', weight);
  if (bias) checkTensor(op, 'bias', bias);
  checkFloat(op, 'x', x);
  if (x.rank !== 3) throw new ShapeError(op, `x must be [batch, channels, length], got ${fmtShape(x.shape)}`);
  if (weight.rank !== 3) throw new ShapeError(op, `weight must be [out, in/groups, kernel], got ${fmtShape(weight.shape)}`);
  const groups = opts.groups ?? 1;
  const stride = opts.stride ?? 1;
  const dilation = opts.dilation ?? 1;
  for (const [k, v] of [['groups', groups], ['stride', stride], ['dilation', dilation]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(op, `${k} must be a positive integer, got ${v}`);
  }
  const [batch, cin, length] = x.shape as [number, number, number];
  const [cout, cpg, kernel] = weight.shape as [number, number, number];
  if (cin % groups !== 0 || cout % groups !== 0) throw new ShapeError(op, `channels in ${cin} and out ${cout} must be divisible by groups ${groups}`);
  if (cpg !== cin / groups) throw new ShapeError(op, `weight ${fmtShape(weight.shape)} needs ${cin / groups} input channels per group for x ${fmtShape(x.shape)}, groups ${groups}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== cout)) throw new ShapeError(op, `bias ${fmtShape(bias.shape)} must be [${cout}]`);
  checkSame(op, bias ? [x, weight, bias] : [x, weight]);
  const pad = opts.padding ?? 0;
  if (pad !== 'causal' && (!Number.isInteger(pad) || pad < 0)) throw new ArgumentError(op, `padding must be 'causal' or a non-negative integer, got ${String(pad)}`);
  const padLeft = pad === 'causal' ? (kernel - 1) * dilation : pad;
  const padRight = pad === 'causal' ? 0 : pad;
  const span = dilation * (kernel - 1) + 1;
  const outLength = Math.floor((length + padLeft + padRight - span) / stride) + 1;
  if (outLength < 1) throw new ShapeError(op, `input length ${length} is too short for kernel ${kernel} (dilation ${dilation}, padding ${String(pad)})`);
  const args: Conv1dArgs = { batch, cin, cout, length, outLength, kernel, groups, stride, padLeft, dilation };
  const y = empty([batch, cout, outLength], x.dtype, x.backend);
  x.backend.conv1d(x.buffer, weight.buffer, bias?.buffer ?? null, y.buffer, args);
  return record('conv1d', bias ? [x, weight, bias] : [x, weight], y, { args });
}

/**
 * Typed errors. Every message names the op (or function), the argument and, where shapes are
 * involved, the shapes, so a user can fix the call without reading our source.
 */

/** Base class of every error thrown on purpose by recurrent. */
export class RecurrentError extends Error {
  /** The op or function that rejected its input. */
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = new.target.name;
    this.op = op;
  }
}

/** Shapes do not fit together (broadcasting, matmul, concat, reshape, ...). */
export class ShapeError extends RecurrentError {}

/** A tensor has the wrong dtype for the op (e.g. float indices, int32 input to exp). */
export class DTypeError extends RecurrentError {}

/** A non-tensor argument is out of range or of the wrong kind. */
export class ArgumentError extends RecurrentError {}

/** A state dict does not match the module: lists missing, unexpected and mis-shaped keys. */
export class StateDictError extends RecurrentError {
  /** Keys expected (by the module or optimizer) but absent from the state dict. */
  readonly missing: string[];
  /** Keys in the state dict that nothing expects. */
  readonly unexpected: string[];
  /** Keys whose tensor has the wrong shape, as `key: expected [..], got [..]`. */
  readonly misshaped: string[];
  constructor(op: string, missing: string[], unexpected: string[], misshaped: string[]) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing keys [${missing.join(', ')}]`);
    if (unexpected.length) parts.push(`unexpected keys [${unexpected.join(', ')}]`);
    if (misshaped.length) parts.push(`mis-shaped keys [${misshaped.join('; ')}]`);
    super(op, parts.join('; '));
    this.missing = missing;
    this.unexpected = unexpected;
    this.misshaped = misshaped;
  }
}

/** Bytes that do not follow a file format (safetensors header, checkpoint, ...). */
export class FormatError extends RecurrentError {}

/** A tensor was used after it was disposed. */
export class DisposedError extends RecurrentError {}

/** Formats a shape as `[2, 3]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

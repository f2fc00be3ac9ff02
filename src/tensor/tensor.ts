import type { Backend, Buffer } from '../backend/types.js';
import { DisposedError, ShapeError } from '../errors.js';
import type { DType, TypedArray } from './dtype.js';
import { bytesPerElement, sizeOf } from './dtype.js';
import { claimedByTape, registerTensor, unregisterTensor } from './memory.js';

let nextId = 1;

/** @internal The id the next tensor will get (tensors with ids at or above it are newer). */
export function nextTensorId(): number {
  return nextId;
}

/** Nested arrays of numbers, as returned by `toArray`. */
export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array on a backend. Tensors are immutable values: every op returns a new
 * tensor with its own contiguous storage (no views), so there is no aliasing to reason about;
 * `reshape`, `transpose` and `slice` copy. Only optimizers write into existing tensors.
 * Free storage with `dispose()`, `using`, or by creating tensors inside `tidy`.
 */
export class Tensor {
  /** Unique id (used by the autodiff tape). */
  readonly id: number;
  /** Size of each dimension (frozen; `[]` for a scalar). */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** The backend that owns the storage. */
  readonly backend: Backend;
  private buf: Buffer | null;
  /** Set on parameters; a hint for users and `Module`, not needed by `grad`. */
  name: string | null = null;

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(backend: Backend, buf: Buffer, shape: readonly number[], dtype: DType) {
    this.id = nextId++;
    this.backend = backend;
    this.buf = buf;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    registerTensor(this, this.size * bytesPerElement(dtype));
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** True once the storage has been released. */
  get isDisposed(): boolean {
    return this.buf === null;
  }

  /** @internal The backend buffer; throws if disposed. */
  get buffer(): Buffer {
    if (this.buf === null) throw new DisposedError('Tensor', `tensor #${this.id} of shape [${this.shape.join(', ')}] was used after dispose()`);
    return this.buf;
  }

  /**
   * Releases the storage. Safe to call twice. While a gradient tape still needs the tensor,
   * release is deferred until the tape closes.
   */
  dispose(): void {
    if (this.buf === null || claimedByTape(this)) return;
    this.backend.free(this.buf);
    this.buf = null;
    unregisterTensor(this, this.size * bytesPerElement(this.dtype));
  }

  /** Lets `using t = ...` free the tensor at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** A copy of the elements as a flat typed array (Float32Array, Float64Array or Int32Array). */
  data(): TypedArray {
    return this.backend.read(this.buffer);
  }

  /** The elements as nested arrays matching the shape (a number for a scalar). */
  toArray(): NestedArray {
    const flat = this.data();
    if (this.shape.length === 0) return flat[0]!;
    let pos = 0;
    const build = (dim: number): NestedArray[] => {
      const n = this.shape[dim]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(dim === this.shape.length - 1 ? flat[pos++]! : build(dim + 1));
      return out;
    };
    return build(0);
  }

  /** The single element of a one-element tensor, as a number. */
  item(): number {
    if (this.size !== 1) {
      throw new ShapeError('item', `expected a tensor with one element, got shape [${this.shape.join(', ')}]`);
    }
    return this.data()[0]!;
  }

  /** Short description for logs: `Tensor(float32, [2, 3])`. */
  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}])`;
  }
}

/** Type guard for tensors. */
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

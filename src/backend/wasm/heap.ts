import type { DType, TypedArray } from '../../tensor/dtype.js';
import { bytesPerElement } from '../../tensor/dtype.js';
import type { Buffer } from '../types.js';
import { allocPoisoned } from '../ref/buffer.js';
import { ArgumentError } from '../../errors.js';

const PAGE = 65536;
const ALIGN = 64;

/**
 * Allocator over the wasm memory: blocks are rounded up to size classes (four per power of two)
 * and freed blocks go to a per-class free list, so a training loop that allocates the same shapes
 * every step reuses the same, already-faulted-in pages. Fresh space comes from a bump pointer;
 * the memory grows by at least a quarter at a time.
 */
export class Heap {
  private top: number;
  private readonly free = new Map<number, number[]>();
  /** Bumped whenever memory grows: buffers refresh their typed-array views on mismatch. */
  epoch = 0;
  /** Bytes handed out and not freed. */
  inUse = 0;

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.top = roundUp(base, ALIGN);
  }

  /** Bytes of the class that holds `bytes`. */
  static classOf(bytes: number): number {
    if (bytes <= ALIGN) return ALIGN;
    const p = 2 ** Math.floor(Math.log2(bytes));
    const step = Math.max(ALIGN, p / 4);
    return roundUp(bytes, step);
  }

  alloc(bytes: number): { ptr: number; cls: number } {
    const cls = Heap.classOf(bytes);
    const list = this.free.get(cls);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.inUse += cls;
      return { ptr: reused, cls };
    }
    const ptr = this.top;
    const end = ptr + cls;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const need = Math.ceil((end - have) / PAGE);
      const grow = Math.max(need, Math.ceil(have / PAGE / 4));
      try {
        this.memory.grow(grow);
      } catch {
        try {
          this.memory.grow(need);
        } catch {
          throw new ArgumentError('wasm', `out of wasm memory: cannot grow to ${end} bytes`);
        }
      }
      this.epoch++;
    }
    this.top = end;
    this.inUse += cls;
    return { ptr, cls };
  }

  release(ptr: number, cls: number): void {
    let list = this.free.get(cls);
    if (!list) {
      list = [];
      this.free.set(cls, list);
    }
    list.push(ptr);
    this.inUse -= cls;
  }

  /** Bytes reserved from the memory so far (the high-water mark of the bump pointer). */
  get reserved(): number {
    return this.top;
  }
}

function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** A tensor buffer inside the wasm memory; `data` is a typed-array view, refreshed after growth. */
export class WasmBuffer implements Buffer {
  private view: TypedArray | null = null;
  private viewEpoch = -1;
  freed = false;

  constructor(readonly heap: Heap, readonly dtype: DType, readonly size: number, readonly ptr: number, readonly cls: number) {
    if (allocPoisoned()) this.data.fill(dtype === 'int32' ? -1e9 : NaN);
  }

  get data(): TypedArray {
    if (this.freed) throw new ArgumentError('wasm', 'buffer used after free');
    if (this.viewEpoch !== this.heap.epoch || this.view === null) {
      const buf = this.heap.memory.buffer;
      this.view = this.dtype === 'float32' ? new Float32Array(buf, this.ptr, this.size)
        : this.dtype === 'float64' ? new Float64Array(buf, this.ptr, this.size)
          : new Int32Array(buf, this.ptr, this.size);
      this.viewEpoch = this.heap.epoch;
    }
    return this.view;
  }

  /** Bytes of payload. */
  get bytes(): number {
    return this.size * bytesPerElement(this.dtype);
  }
}

import type { DType, TypedArray } from '../../tensor/dtype.js';
import { typedArrayFor } from '../../tensor/dtype.js';
import type { Buffer } from '../types.js';

let poison = false;

/**
 * Test hook: fill fresh allocations with NaN (floats) or a huge negative number (int32), so a
 * kernel that reads memory it never wrote produces garbage a test will see, not lucky zeros.
 */
export function setAllocPoison(on: boolean): void {
  poison = on;
}

/** Whether fresh allocations are poisoned (shared with other backends). */
export function allocPoisoned(): boolean {
  return poison;
}

/** A buffer whose elements are reachable as a typed array on the host (ref and wasm). */
export interface HostBuffer extends Buffer {
  readonly data: TypedArray;
}

/** A ref-backend buffer: a plain typed array on the JS heap. */
export class RefBuffer implements Buffer {
  readonly dtype: DType;
  readonly size: number;
  data: TypedArray;
  constructor(dtype: DType, size: number) {
    this.dtype = dtype;
    this.size = size;
    this.data = typedArrayFor(dtype, size);
    if (poison) this.data.fill(dtype === 'int32' ? -1e9 : NaN);
  }
}

/** The typed array behind a host-visible buffer. */
export function arr(buf: Buffer): TypedArray {
  return (buf as HostBuffer).data;
}

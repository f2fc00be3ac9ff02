import type { DType, TypedArray } from '../../tensor/dtype.js';
import { typedArrayFor } from '../../tensor/dtype.js';
import type { Buffer } from '../types.js';

/** A ref-backend buffer: a plain typed array on the JS heap. */
export class RefBuffer implements Buffer {
  readonly dtype: DType;
  readonly size: number;
  data: TypedArray;
  constructor(dtype: DType, size: number) {
    this.dtype = dtype;
    this.size = size;
    this.data = typedArrayFor(dtype, size);
  }
}

/** The typed array behind a ref buffer. */
export function arr(buf: Buffer): TypedArray {
  return (buf as RefBuffer).data;
}

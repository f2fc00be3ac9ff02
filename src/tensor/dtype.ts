/** Element types a tensor can hold. float64 exists for gradient checks; int32 for indices. */
export type DType = 'float32' | 'float64' | 'int32';

/** The typed array that stores a dtype on the host. */
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** Host data of a tensor: what `read` returns and what loaders produce. */
export interface HostArray {
  /** Element type. */
  dtype: DType;
  /** Size of each dimension. */
  shape: number[];
  /** The elements, row-major (length = product of `shape`). */
  data: TypedArray;
}

/** Bytes per element of a dtype. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}

/** Allocates a zeroed typed array of the dtype. */
export function typedArrayFor(dtype: DType, size: number): TypedArray {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'float64') return new Float64Array(size);
  return new Int32Array(size);
}

/** True for float32 and float64. */
export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

import type { Tensor } from '../tensor/tensor.js';
import { isTensor } from '../tensor/tensor.js';
import { tensor } from '../ops/creation.js';
import { ArgumentError } from '../errors.js';
import type { HostArray } from '../tensor/dtype.js';
import { parseSafetensors, serializeSafetensors } from './safetensors.js';

/**
 * Reads safetensors bytes into tensors on the current backend. F16/BF16 become float32, I64/U8
 * become int32 (values outside int32 are a FormatError). The header is validated before any
 * tensor memory is allocated.
 */
export function loadSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  const { tensors } = parseSafetensors(bytes);
  const out: Record<string, Tensor> = {};
  for (const [name, h] of Object.entries(tensors)) out[name] = tensor(h.data, h.shape, { dtype: h.dtype });
  return out;
}

/** Reads the `__metadata__` string map of safetensors bytes. */
export function readSafetensorsMetadata(bytes: Uint8Array): Record<string, string> {
  return parseSafetensors(bytes).metadata;
}

/** Serialises named tensors (e.g. `module.stateDict()`) to safetensors bytes, keys sorted. */
export function saveSafetensors(record: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (record === null || typeof record !== 'object') throw new ArgumentError('saveSafetensors', 'expected an object of named tensors');
  const host: Record<string, HostArray> = {};
  for (const [name, t] of Object.entries(record)) {
    if (!isTensor(t)) throw new ArgumentError('saveSafetensors', `'${name}' is not a Tensor`);
    host[name] = { dtype: t.dtype, shape: [...t.shape], data: t.data() };
  }
  return serializeSafetensors(host, metadata);
}

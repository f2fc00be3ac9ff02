/**
 * Node-only file adapters (import from 'recurrent/node'). The core package stays browser-safe;
 * only this module touches the file system.
 *
 * @module recurrent/node
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from '../errors.js';
import { loadSafetensors, saveSafetensors } from './tensors.js';
import { writeFileAtomic, writeFileAtomicSync } from './atomic.js';

export { writeFileAtomic, writeFileAtomicSync };

/** Writes named tensors to a safetensors file atomically (temp file + rename). */
export async function saveSafetensorsFile(path: string, record: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, saveSafetensors(record, metadata));
}

/** Loads a safetensors file into tensors; errors name the file. */
export async function loadSafetensorsFile(path: string): Promise<Record<string, Tensor>> {
  const bytes = await readFile(path);
  return withPath(path, () => loadSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
}

/** Synchronous `loadSafetensorsFile`. */
export function loadSafetensorsFileSync(path: string): Record<string, Tensor> {
  const bytes = readFileSync(path);
  return withPath(path, () => loadSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
}

function withPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(e.op, `${path}: ${e.message.slice(e.op.length + 2)}`);
    throw e;
  }
}

import { setBackend } from './registry.js';
import { initWasm } from './wasm/index.js';

let failure: string | null = null;

/**
 * Loads the wasm backend and makes it current; if it cannot load (no WebAssembly SIMD, the .wasm
 * missing), stays on ref and remembers why (see `defaultBackendFailure`).
 */
export async function initDefaultBackend(): Promise<void> {
  try {
    await initWasm();
    setBackend('wasm');
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }
}

/** Why the wasm backend did not load at import time, or null if it did. */
export function defaultBackendFailure(): string | null {
  return failure;
}

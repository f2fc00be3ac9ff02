import type { Backend } from '../types.js';
import { registerBackend } from '../registry.js';
import { ArgumentError } from '../../errors.js';
import { canShareMemory, hardwareThreads, loadKernelModule } from './env.js';
import { ThreadPool } from './pool.js';
import type { KernelExports } from './kernels.js';
import { createWasmBackend } from './backend.js';
import type { Heap } from './heap.js';

/** How the wasm backend came up. */
export interface WasmInfo {
  /** Threads available to kernels (workers + the calling thread). */
  maxThreads: number;
  /** Threads used now (`setThreads`). */
  threads: number;
  /** Shared memory in use (false: one thread, e.g. a page without cross-origin isolation). */
  shared: boolean;
  /** Why threads are off, when they are. */
  note: string | null;
  /** Bytes of wasm memory reserved by tensors so far. */
  reservedBytes: number;
  /** Bytes of wasm memory in use by tensors now. */
  inUseBytes: number;
}

let backend: (Backend & { heap: Heap }) | null = null;
let pool: ThreadPool | null = null;
let note: string | null = null;
let shared = false;
let loading: Promise<Backend> | null = null;

/** Options of `initWasm`. */
export interface InitWasmOptions {
  /** Threads to start (default: the hardware's). 1 means no workers. */
  threads?: number;
}

/**
 * Loads the wasm kernels, starts the worker threads and registers the 'wasm' backend. Resolves to
 * the backend; calling it again returns the same one. Threads need shared memory: in a browser the
 * page must be cross-origin isolated (COOP/COEP headers), otherwise it runs on one thread and
 * `wasmInfo().note` says why.
 */
export function initWasm(opts: InitWasmOptions = {}): Promise<Backend> {
  loading ??= (async () => {
    const hw = await hardwareThreads();
    const want = opts.threads ?? hw;
    if (!Number.isInteger(want) || want < 1) throw new ArgumentError('initWasm', `threads must be a positive integer, got ${want}`);
    shared = canShareMemory();
    if (!shared) note = 'SharedArrayBuffer unavailable (page not cross-origin isolated): running on 1 thread';
    const module = await loadKernelModule(shared);
    const memory = new WebAssembly.Memory({ initial: 32, maximum: 32768, ...(shared ? { shared: true } : {}) });
    const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => { throw new Error('wasm kernel abort'); } } });
    const exports = instance.exports as unknown as KernelExports;
    if (shared && want > 1) {
      // The control block lives at the start of the heap region the backend will not hand out.
      const ctlPtr = (exports.heapBase() + 63) & ~63;
      pool = await ThreadPool.create(want, module, memory, ctlPtr, (d, t, n) => exports.task(d, t, n));
    }
    backend = createWasmBackend({ memory, exports: exportsAfterControl(exports, !!pool), pool, shared });
    registerBackend('wasm', () => backend!);
    return backend;
  })();
  return loading;
}

// When a pool exists, the first 64 bytes after heapBase hold its control block.
function exportsAfterControl(e: KernelExports, withPool: boolean): KernelExports {
  if (!withPool) return e;
  return { ...e, heapBase: () => ((e.heapBase() + 63) & ~63) + 64 };
}

/** Sets how many threads wasm kernels use (1 .. maxThreads). Results do not depend on it. */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError('setThreads', `n must be a positive integer, got ${n}`);
  if (!backend) throw new ArgumentError('setThreads', 'the wasm backend is not initialised (await initWasm() first)');
  if (pool) pool.threads = n;
}

/** State of the wasm backend, or null before `initWasm` resolved. */
export function wasmInfo(): WasmInfo | null {
  if (!backend) return null;
  return {
    maxThreads: pool?.size ?? 1,
    threads: pool?.threads ?? 1,
    shared,
    note,
    reservedBytes: backend.heap.reserved,
    inUseBytes: backend.heap.inUse,
  };
}

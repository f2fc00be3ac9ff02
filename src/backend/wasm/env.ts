/**
 * The one place the wasm backend touches its host: loading the .wasm bytes, counting cores and
 * starting workers. Node facilities are reached through dynamic imports, so this module also loads
 * in a browser (where it uses fetch, navigator and Web Workers).
 */

/** True when running under Node.js. */
export const isNode = typeof globalThis.process === 'object' && typeof (globalThis.process as { versions?: { node?: string } }).versions?.node === 'string';

/** True when shared wasm memory (and so worker threads) is available. */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  // Browsers expose SharedArrayBuffer only to cross-origin isolated pages.
  const iso = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isNode || iso === true;
}

/** Compiles the kernels: the shared-memory build for threads, the plain one otherwise. */
export async function loadKernelModule(shared: boolean): Promise<WebAssembly.Module> {
  const url = new URL(shared ? './kernels-mt.wasm' : './kernels.wasm', import.meta.url);
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url.href}: HTTP ${res.status}`);
  return WebAssembly.compile(await res.arrayBuffer());
}

/** Number of hardware threads. */
export async function hardwareThreads(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/** A started worker: post a message, hear its reply or its failure, stop it. */
export interface WorkerHandle {
  post(msg: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
  onError(cb: (err: unknown) => void): void;
  /** Drops the listeners and lets the process exit while the worker idles (Node). */
  detach(): void;
  terminate(): void;
}

/** Starts the kernel worker script (worker.js beside this file, plain JS in src/ and dist/). */
export async function spawnWorker(): Promise<WorkerHandle> {
  const url = new URL('./worker.js', import.meta.url);
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    // Plain `node` flags only: a TS loader in execArgv is not needed by the JS worker.
    const w = new Worker(url, { execArgv: [] });
    return {
      post: (m) => w.postMessage(m),
      onMessage: (cb) => w.on('message', cb),
      onError: (cb) => w.on('error', cb),
      detach: () => {
        // A message listener keeps the worker referenced; idle workers must not keep Node alive.
        w.removeAllListeners('message');
        w.removeAllListeners('error');
        w.unref();
      },
      terminate: () => void w.terminate(),
    };
  }
  const w = new Worker(url, { type: 'module' });
  return {
    post: (m) => w.postMessage(m),
    onMessage: (cb) => w.addEventListener('message', (e) => cb(e.data)),
    onError: (cb) => w.addEventListener('error', (e) => cb(e)),
    detach: () => undefined,
    terminate: () => w.terminate(),
  };
}

import type { WorkerHandle } from './env.js';
import { spawnWorker } from './env.js';

/** What a worker receives at start. */
export interface ControlMessage {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctlPtr: number;
  tid: number;
}

// Control block words (Int32 in shared memory).
const GEN = 0; // bumped per task; workers wait on it
const PENDING = 1; // workers still running the current task
const DESC = 2; // byte address of the task descriptor
const NTH = 3; // threads taking part (tids 0..NTH-1; tid 0 is the caller)
const STOP = 4;

/**
 * A fixed set of workers sharing the wasm memory. `run` hands a task descriptor to threads
 * 1..n-1 and runs share 0 on the calling thread, then spins until all are done. Spinning (not
 * Atomics.wait) keeps it legal on a browser's main thread.
 */
export class ThreadPool {
  private readonly ctl: Int32Array;
  private active: number;

  private constructor(private readonly workers: WorkerHandle[], memory: WebAssembly.Memory, ctlPtr: number,
    private readonly runLocal: (desc: number, tid: number, nth: number) => void) {
    this.ctl = new Int32Array(memory.buffer, ctlPtr, 8);
    this.active = workers.length + 1;
  }

  /** Starts `threads - 1` workers and waits until each has instantiated the kernels. */
  static async create(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, ctlPtr: number,
    runLocal: (desc: number, tid: number, nth: number) => void): Promise<ThreadPool> {
    const workers: WorkerHandle[] = [];
    try {
      for (let tid = 1; tid < threads; tid++) {
        const w = await spawnWorker();
        workers.push(w);
        await new Promise<void>((resolve, reject) => {
          w.onMessage(() => resolve());
          w.onError(reject);
          w.post({ module, memory, ctlPtr, tid } satisfies ControlMessage);
        });
        w.detach();
      }
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    return new ThreadPool(workers, memory, ctlPtr, runLocal);
  }

  /** Threads available (workers + the caller). */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Threads used per task. */
  get threads(): number {
    return this.active;
  }

  set threads(n: number) {
    this.active = Math.max(1, Math.min(n, this.size));
  }

  /** Runs task `desc` on `min(nth, threads)` threads and returns when all shares are done. */
  run(desc: number, nth = this.active): void {
    const n = Math.max(1, Math.min(nth, this.active));
    if (n === 1) {
      this.runLocal(desc, 0, 1);
      return;
    }
    const ctl = this.ctl;
    Atomics.store(ctl, DESC, desc);
    Atomics.store(ctl, NTH, n);
    Atomics.store(ctl, PENDING, n - 1);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    try {
      this.runLocal(desc, 0, n);
    } finally {
      while (Atomics.load(ctl, PENDING) !== 0) { /* spin: workers finish within the task's time */ }
    }
  }

  /** Stops the workers. */
  terminate(): void {
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) w.terminate();
  }
}

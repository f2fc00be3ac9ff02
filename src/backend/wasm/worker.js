// Kernel worker (plain JS so it runs unchanged from src/ and dist/, in Node and in browsers).
// It instantiates the kernels on the shared memory, then waits on the control block for tasks;
// for each task it runs its share through the kernels' `task(desc, tid, nthreads)` and decrements
// the pending count. Protocol: src/backend/wasm/pool.ts.

const SPIN = 20000;

async function start(msg, reply) {
  const instance = await WebAssembly.instantiate(msg.module, {
    env: { memory: msg.memory, abort: () => { throw new Error('wasm kernel abort'); } },
  });
  const task = instance.exports.task;
  const ctl = new Int32Array(msg.memory.buffer, msg.ctlPtr, 8);
  reply({ ready: true });
  let seen = Atomics.load(ctl, 0);
  for (;;) {
    let g = Atomics.load(ctl, 0);
    let spins = 0;
    // Spin briefly (tasks often come back to back), then sleep until notified.
    while (g === seen) {
      if (++spins > SPIN) {
        Atomics.wait(ctl, 0, seen);
        spins = 0;
      }
      g = Atomics.load(ctl, 0);
    }
    seen = g;
    if (Atomics.load(ctl, 4) !== 0) return;
    const nth = Atomics.load(ctl, 3);
    if (msg.tid < nth) {
      try {
        task(Atomics.load(ctl, 2), msg.tid, nth);
      } finally {
        Atomics.sub(ctl, 1, 1);
      }
    }
  }
}

if (typeof globalThis.process === 'object' && globalThis.process.versions?.node) {
  const { parentPort } = await import('node:worker_threads');
  parentPort.once('message', (m) => void start(m, (r) => parentPort.postMessage(r)));
} else {
  globalThis.onmessage = (e) => {
    globalThis.onmessage = null;
    void start(e.data, (r) => globalThis.postMessage(r));
  };
}

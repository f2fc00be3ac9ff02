// Shared helpers for the benchmarks: timing with warm-up, medians, machine description.
import os from 'node:os';

/** Runs fn `warmup` times, then `reps` timed runs; returns sorted ms timings and the median. */
export function time(fn, { warmup = 3, reps = 7 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], min: ms[0], max: ms[ms.length - 1] };
}

/** One line describing the machine and runtime. */
export function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.availableParallelism()} threads, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

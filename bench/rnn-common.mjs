// Shared by bench/rnn.mjs, bench/rnn-peers.mjs and the peer scripts in bench/peers/: the workload
// shapes, the timing policy and the result-line format.
//
// Every measurement is printed as one line "RESULT\t{json}" (unit "ms" per call or "us/step"),
// which bench/rnn-peers.mjs collects and turns into tables.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { machine } from './util.mjs';

/** W1-W3: one layer, input 64, hidden 256, batch 32, sequence 128. W4: input 64, hidden 128, batch 1. */
export const SHAPES = Object.freeze({ B: 32, T: 128, I: 64, H: 256, W4_I: 64, W4_H: 128, W4_STEPS: 1000 });
export const SWEEP_H = [64, 128, 256, 512, 1024];
export const SWEEP_T = [32, 128, 512, 2048];

export function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], n };
}

/**
 * Times `fn` (sync or async): one warm-up call (two when it took < 2 s), then
 * clamp(budgetMs / first call, minReps, maxReps) timed calls. Returns the timed ms samples.
 */
export async function timeAdaptive(fn, { minReps = 5, maxReps = 15, budgetMs = 3000, warmup } = {}) {
  let t0 = performance.now();
  await fn();
  const first = performance.now() - t0;
  const extra = warmup ?? (first < 2000 ? 1 : 0);
  for (let i = 0; i < extra; i++) await fn();
  const reps = Math.max(minReps, Math.min(maxReps, Math.ceil(budgetMs / Math.max(first, 1e-3))));
  const out = [];
  for (let i = 0; i < reps; i++) {
    t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Prints one result line. `samplesMs` are per call; for unit 'us/step' give `steps` per call. */
export function emitResult({ samplesMs, steps, ...rec }) {
  const vals = rec.unit === 'us/step' ? samplesMs.map((ms) => (ms * 1000) / steps) : samplesMs;
  const full = { node: process.version, ...rec, ...stats(vals), samples: vals.map((v) => +v.toFixed(3)) };
  if (rec.unit === 'ms' && rec.batch && rec.seq) full.tokens_per_s = (rec.batch * rec.seq * 1000) / full.median;
  if (process.env.GLIBC_TUNABLES) full.glibc_tunables = process.env.GLIBC_TUNABLES;
  console.log('RESULT\t' + JSON.stringify(full));
  return full;
}

export function emitError(rec) {
  console.log('RESULT\t' + JSON.stringify({ node: process.version, ...rec }));
}

/** --name=value from argv, or the default. */
export function arg(name, def) {
  const p = process.argv.find((a) => a.startsWith(`--${name}=`));
  return p ? p.slice(name.length + 3) : def;
}

export function flag(name) {
  return process.argv.includes(`--${name}`);
}

export function randomArray(n, scale = 1) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.random() || 1e-12, v = Math.random();
    const r = Math.sqrt(-2 * Math.log(u)) * scale;
    a[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) a[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return a;
}

/** Peak resident set size of this process so far, MiB. */
export function peakRssMiB() {
  return process.resourceUsage().maxRSS / 1024;
}

export function machineLine() {
  let isa = '';
  try {
    const m = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) isa = / avx512f/.test(m[1]) ? ', AVX-512' : / avx2/.test(m[1]) ? ', AVX2' : '';
  } catch { /* not Linux */ }
  return `${machine()}${isa}, ${os.type()} ${os.release()}`;
}

// GEMM throughput: recurrent's wasm backend (1 and 2 threads) beside tfjs-wasm (XNNPACK, SIMD,
// 1 thread: tfjs turns threads off under Node) in the same run. Square sizes 64-1024 and the
// skinny shapes of recurrent steps (M = 1, 8, 32). Prints a markdown table (or JSON lines).
// Usage: node bench/gemm.mjs [--json]
import { createRequire } from 'node:module';
import * as rc from 'recurrent';
import { machine } from './util.mjs';

const require = createRequire(import.meta.url);
const json = process.argv.includes('--json');

let tf = null;
try {
  tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) tf = null;
} catch (e) {
  console.error(`tfjs-wasm unavailable (${e.message}); its column is skipped`);
  tf = null;
}

/** Median GFLOP/s of `fn` over 7 timed batches of calls sized to roughly 20 ms each. */
function gflops(flops, fn) {
  for (let i = 0; i < 3; i++) fn();
  const per = Math.max(1, Math.round(6e8 / flops));
  const rates = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) fn();
    const ms = (performance.now() - t0) / per;
    rates.push(flops / ms / 1e6);
  }
  rates.sort((a, b) => a - b);
  return rates[3];
}

const shapes = [];
for (const s of [64, 128, 256, 512, 1024]) shapes.push([s, s, s]);
for (const m of [1, 8, 32]) for (const [k, n] of [[128, 128], [256, 1024], [512, 512], [1024, 1024], [1024, 256]]) shapes.push([m, k, n]);

rc.setBackend('wasm');
const rows = [];
for (const [m, k, n] of shapes) {
  const flops = 2 * m * k * n;
  const rng = new rc.Rng(m * 7 + k * 13 + n);
  const a = rc.randn([m, k], { rng });
  const b = rc.randn([k, n], { rng });
  const ours = {};
  for (const threads of [1, 2]) {
    rc.setThreads(threads);
    ours[threads] = gflops(flops, () => rc.matmul(a, b).dispose());
  }
  let tfj = null;
  if (tf) {
    const ta = tf.tensor2d(a.data(), [m, k]);
    const tb = tf.tensor2d(b.data(), [k, n]);
    tfj = gflops(flops, () => tf.matMul(ta, tb).dispose());
    ta.dispose();
    tb.dispose();
  }
  rc.dispose([a, b]);
  const row = { m, k, n, ours1: ours[1], ours2: ours[2], tfjsWasm1: tfj };
  rows.push(row);
  if (json) console.log(JSON.stringify(row));
}
rc.setThreads(rc.wasmInfo().maxThreads);

if (!json) {
  console.log(`GEMM GFLOP/s (median of 7) — ${machine()}; tfjs-wasm ${tf ? tf.version.tfjs : 'n/a'}`);
  console.log('');
  console.log('| M | K | N | recurrent wasm 1 thr | recurrent wasm 2 thr | tfjs-wasm 1 thr | ours 1 thr / tfjs |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const t = r.tfjsWasm1 === null ? 'n/a' : r.tfjsWasm1.toFixed(1);
    const ratio = r.tfjsWasm1 === null ? 'n/a' : (r.ours1 / r.tfjsWasm1).toFixed(2);
    console.log(`| ${r.m} | ${r.k} | ${r.n} | ${r.ours1.toFixed(1)} | ${r.ours2.toFixed(1)} | ${t} | ${ratio} |`);
  }
}

// LSSL's convolution kernel K = (CB̄, CĀB̄, …, CĀ^{T−1}B̄), forward + backward through the public
// API: the T matrix-vector products it was built with before (kept here as the reference) against
// Krylov squaring (⌈log₂ T⌉ batched matmuls, what `LSSLKernel.kernel` does now). H 32, N 64,
// bilinear, fixed A. Median of 5 timed calls after one warm-up.
//
// Usage: npm run build && node bench/lssl-kernel.mjs [--T=256,1024]
import * as rc from 'recurrent';
import { time, machine } from './util.mjs';
// The kernel class is internal to the SSM layer (not exported): taken from the build directly.
import { LSSLKernel } from '../dist/nn/ssm/lssl.js';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const Ts = arg('T', '256,1024').split(',').map(Number);
const H = 32, N = 64;
const k = new LSSLKernel(H, N, 'bilinear', false, new rc.Rng(1), undefined);
const params = { C: k.C, log_dt: k.log_dt };

// The T-step power form: v ← Ā v, one matrix-vector product per kernel tap.
function powers(T) {
  const { a, bb } = k.discretize();
  const taps = [];
  let v = bb;
  for (let i = 0; i < T; i++) {
    taps.push(rc.squeeze(v, -1));
    if (i + 1 < T) v = rc.matmul(a, v);
  }
  return rc.sum(rc.mul(rc.stack(taps, -1), rc.unsqueeze(k.C, -1)), 1);
}

console.log(`# ${machine()}, backend ${rc.getBackend().name}`);
console.log('| T | T matvecs (ms) | Krylov squaring (ms) | speed-up | max abs. difference of K |');
console.log('|---:|---:|---:|---:|---:|');
for (const T of Ts) {
  const diff = rc.tidy(() => {
    const a = powers(T).data(), b = k.kernel(T).data();
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  });
  const old = time(() => rc.tidy(() => { rc.valueAndGrad((p) => rc.mean(powers(T)))(params); }), { warmup: 1, reps: 5 });
  const now = time(() => rc.tidy(() => { rc.valueAndGrad((p) => rc.mean(k.kernel(T)))(params); }), { warmup: 1, reps: 5 });
  console.log(`| ${T} | ${old.median.toFixed(0)} | ${now.median.toFixed(0)} | ${(old.median / now.median).toFixed(1)}× | ${diff.toExponential(1)} |`);
}

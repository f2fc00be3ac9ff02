// The spec forms (`recurrent`: one autodiff op per token) at long T: forward alone, and forward +
// backward through the tape. Slicing step t out of a [.., T, ..] tensor with `narrow` gives each
// step a full-size zero-padded cotangent in backward (O(T²) work); scanning with `scanSequential`
// splits time once and concatenates the cotangents once (O(T)).
//
//   deltanet  deltaRule(q, k, v, β, { impl: 'recurrent' }), B 1, H 2, dk = dv = 16
//   gla       gatedLinearAttention(q, k, v, g, { impl: 'recurrent' }), per-key-channel gate, same sizes
//   mlstm     mlstm(q, k, v, i, f, { impl: 'recurrent' }), same sizes
//   lstm      LSTM layer, hidden 32, batch 2, impl 'recurrent' (called 'naive' before)
// Loss: sum of the outputs times a fixed random tensor. Medians of `--reps` runs (default 3).
//
// Usage: npm run build && node bench/spec-backward.mjs [--T=256,1024] [--reps=3]
import * as rc from 'recurrent';
import { machine, time } from './util.mjs';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const Ts = arg('T', '256,1024').split(',').map(Number);
const reps = Number(arg('reps', '3'));
const B = 1, H = 2, d = 16;

const median = (fn) => time(fn, { warmup: 1, reps }).median;

function lstmImpl() {
  try {
    new rc.nn.LSTM({ inputSize: 4, hiddenSize: 4, impl: 'recurrent' }).dispose?.();
    return 'recurrent';
  } catch {
    return 'naive';
  }
}

const CASES = {
  deltanet: (T, rng) => {
    const q = rc.randn([B, H, T, d], { rng }), k = rc.l2Normalize(rc.randn([B, H, T, d], { rng }), -1);
    const v = rc.randn([B, H, T, d], { rng }), beta = rc.sigmoid(rc.randn([B, H, T], { rng }));
    return { params: [q, k, v, beta], f: ([a, b, c, e]) => rc.nn.deltaRule(a, b, c, e, { impl: 'recurrent' }).o };
  },
  gla: (T, rng) => {
    const q = rc.randn([B, H, T, d], { rng }), k = rc.randn([B, H, T, d], { rng });
    const v = rc.randn([B, H, T, d], { rng }), g = rc.logSigmoid(rc.randn([B, H, T, d], { rng }));
    return { params: [q, k, v, g], f: ([a, b, c, e]) => rc.nn.gatedLinearAttention(a, b, c, e, { impl: 'recurrent' }).o };
  },
  mlstm: (T, rng) => {
    const q = rc.randn([B, H, T, d], { rng }), k = rc.randn([B, H, T, d], { rng }), v = rc.randn([B, H, T, d], { rng });
    const i = rc.randn([B, H, T], { rng }), f = rc.randn([B, H, T], { rng });
    return { params: [q, k, v, i, f], f: ([a, b, c, e, g]) => rc.nn.mlstm(a, b, c, e, g, { impl: 'recurrent' }).h };
  },
  lstm: (T, rng) => {
    const layer = new rc.nn.LSTM({ inputSize: 16, hiddenSize: 32, batchFirst: true, impl: lstmImpl(), rng });
    const x = rc.randn([2, T, 16], { rng });
    return { params: [x], f: ([a]) => layer.forward(a).output };
  },
};

console.log(`spec forms, forward and forward + backward (ms, median of ${reps}); ${machine()}; backend ${rc.getBackend().name}`);
console.log('| form | T | forward ms | forward + backward ms | backward ms |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, make] of Object.entries(CASES)) {
  for (const T of Ts) {
    const rng = new rc.Rng(1);
    const { params, f } = make(T, rng);
    const out = rc.noGrad(() => f(params));
    const w = rc.keep(rc.randn(out.shape, { rng }));
    out.dispose();
    const fwd = median(() => rc.tidy(() => rc.noGrad(() => rc.sum(rc.mul(f(params), w)))).dispose());
    const both = median(() => {
      const { value, grads } = rc.valueAndGrad((p) => rc.sum(rc.mul(f(p), w)))(params);
      rc.dispose([value, grads]);
    });
    console.log(`| ${name} | ${T} | ${fwd.toFixed(0)} | ${both.toFixed(0)} | ${(both - fwd).toFixed(0)} |`);
  }
}

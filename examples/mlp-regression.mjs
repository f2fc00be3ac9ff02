// The main job until the `recurrent` CLI lands: train a 2-layer MLP with AdamW on a seeded
// synthetic regression and print its loss curve. Run: npm run demo
import * as rc from 'recurrent';

const steps = Number(process.argv[2] ?? 300);
const rng = new rc.Rng(1);
const n = 256, d = 8;
const a = Array.from({ length: d }, () => rng.normal() / Math.sqrt(d));
const xs = new Float32Array(n * d), ys = new Float32Array(n);
for (let i = 0; i < n; i++) {
  let p = 0;
  for (let j = 0; j < d; j++) { const v = rng.normal(); xs[i * d + j] = v; p += v * a[j]; }
  ys[i] = Math.sin(2 * p) + 0.5 * p * p;
}
const x = rc.tensor(xs, [n, d]);
const y = rc.tensor(ys, [n, 1]);

const model = new rc.nn.Sequential(new rc.nn.Linear(d, 64, { rng }), new rc.nn.Tanh(), new rc.nn.Linear(64, 1, { rng }));
const opt = new rc.optim.AdamW(model.parameterRecord(), { lr: rc.optim.cosineLr(2e-2, steps, { warmupSteps: 20 }) });
const lossAndGrads = rc.valueAndGrad(() => rc.mse(model.forward(x), y));

console.log(`MLP ${d}->64->1 (${model.numParameters()} parameters), AdamW, ${steps} steps, backend ${rc.getBackend().name}`);
const t0 = performance.now();
const losses = [];
for (let step = 0; step < steps; step++) {
  const { value, grads } = lossAndGrads(model.parameterRecord());
  opt.step(grads);
  losses.push(value.item());
  rc.dispose([value, grads]);
}
const ms = performance.now() - t0;

// Loss curve: one row per tenth of training, bar length on a log scale.
const lo = Math.log(Math.min(...losses)), hi = Math.log(Math.max(...losses));
for (let k = 0; k <= 10; k++) {
  const s = Math.min(steps - 1, Math.round((k * (steps - 1)) / 10));
  const w = Math.round(2 + 48 * (Math.log(losses[s]) - lo) / Math.max(hi - lo, 1e-9));
  console.log(`step ${String(s).padStart(5)}  loss ${losses[s].toFixed(5).padStart(9)}  ${'#'.repeat(w)}`);
}
console.log(`final MSE ${losses[steps - 1].toFixed(5)} in ${(ms / 1000).toFixed(2)} s; live tensors ${rc.memory().numTensors}`);

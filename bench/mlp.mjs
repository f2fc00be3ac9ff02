// AdamW training step of an MLP (256 -> 512 -> 256, batch 64): ref vs wasm (1 and 2 threads).
// Usage: node bench/mlp.mjs [--json]
import * as rc from 'recurrent';
import { machine, time } from './util.mjs';

function step(backend, threads) {
  rc.setBackend(backend);
  if (backend === 'wasm') rc.setThreads(threads);
  const rng = new rc.Rng(0);
  const model = new rc.nn.Sequential(new rc.nn.Linear(256, 512, { rng }), new rc.nn.ReLU(), new rc.nn.Linear(512, 256, { rng }));
  const opt = new rc.optim.AdamW(model.parameterRecord(), { lr: 1e-3 });
  const x = rc.randn([64, 256], { rng });
  const y = rc.randn([64, 256], { rng });
  const lossAndGrads = rc.valueAndGrad(() => rc.mse(model.forward(x), y));
  const once = () => {
    const { value, grads } = lossAndGrads(model.parameterRecord());
    opt.step(grads);
    rc.dispose([value, grads]);
  };
  const t = time(once, { warmup: 3, reps: backend === 'ref' ? 5 : 21 });
  model.dispose();
  opt.dispose();
  rc.dispose([x, y]);
  return t;
}

const rows = [['ref', 1], ['wasm', 1], ['wasm', 2]].map(([b, n]) => ({ backend: b, threads: n, ...step(b, n) }));
const ref = rows[0].median;
if (process.argv.includes('--json')) console.log(JSON.stringify({ machine: machine(), rows }));
else {
  console.log(`MLP 256-512-256, batch 64, AdamW step — ${machine()}`);
  for (const r of rows) console.log(`${r.backend.padEnd(5)} ${r.threads} thr  median ${r.median.toFixed(2).padStart(8)} ms  (min ${r.min.toFixed(2)}, max ${r.max.toFixed(2)})  speed-up vs ref ${(ref / r.median).toFixed(1)}x`);
}

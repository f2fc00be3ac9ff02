// Modern linear-RNN layers: training throughput of the fused recurrence kernel and the chunkwise
// form against the token-by-token recurrence (the spec, op by op), and streaming latency of `step`,
// through the public API.
//
//   training   one layer (d_model 64, 2 heads where the layer has heads), batch 4, forward +
//              backward of mean(y²), T in {1024, 4096}: tokens/s = 4·T / median seconds per step
//   streaming  `step` on one token (batch 1) after a 64-token prefix: median µs per token
// Layers: deltanet, gated-deltanet, deltaproduct (n_h 2), gla, mamba2 (forms fused, chunk,
// recurrent), mlstm (chunk, parallel, recurrent); mamba (fused selective scan vs its sequential
// loop) for reference. Every (layer, form, T) runs in a fresh
// process (the wasm heap never shrinks); a form slower than 60 s per step at T = 1024 is not run
// at 4096.
//
// Usage: npm run build && node bench/linear-rnn.mjs [--T=1024,4096] [--only=deltanet,gla,...] [--no-stream]
import * as rc from 'recurrent';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const Ts = arg('T', '1024,4096').split(',').map(Number);
const LAYERS = {
  deltanet: (impl) => new rc.nn.DeltaNet({ inputSize: 64, hiddenSize: 64, heads: 2, impl, rng: new rc.Rng(1) }),
  'gated-deltanet': (impl) => new rc.nn.GatedDeltaNet({ inputSize: 64, hiddenSize: 64, heads: 2, impl, rng: new rc.Rng(1) }),
  deltaproduct: (impl) => new rc.nn.DeltaProduct({ inputSize: 64, hiddenSize: 64, heads: 2, householder: 2, impl, rng: new rc.Rng(1) }),
  gla: (impl) => new rc.nn.GLA({ inputSize: 64, hiddenSize: 64, heads: 2, impl, rng: new rc.Rng(1) }),
  mamba2: (impl) => new rc.nn.Mamba2({ inputSize: 64, hiddenSize: 64, impl, rng: new rc.Rng(1) }),
  mlstm: (impl) => new rc.nn.MLSTM({ inputSize: 64, hiddenSize: 64, heads: 2, impl, rng: new rc.Rng(1) }),
  mamba: (impl) => new rc.nn.Mamba({ inputSize: 64, hiddenSize: 64, impl: impl === 'recurrent' ? 'recurrent' : 'fused', rng: new rc.Rng(1) }),
};
const FORMS = { mlstm: ['chunk', 'parallel', 'recurrent'], mamba: ['fused', 'recurrent'] };
const formsOf = (layer) => FORMS[layer] ?? ['fused', 'chunk', 'recurrent'];
const only = arg('only', Object.keys(LAYERS).join(',')).split(',');
const stream = !process.argv.includes('--no-stream');
const pick = arg('form', null); // child mode: "layer|form|T"
const self = fileURLToPath(import.meta.url);

function median(fn, minReps = 3, budgetMs = 3000) {
  fn();
  const ts = [];
  let spent = 0;
  while (ts.length < minReps || (spent < budgetMs && ts.length < 15)) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    ts.push(dt);
    spent += dt;
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1];
}

function child(layer, form, T) {
  const rng = new rc.Rng(0);
  const m = LAYERS[layer](form === 'stream' ? formsOf(layer)[0] : form);
  if (form === 'stream') {
    const prefix = rc.randn([1, 64, 64], { rng });
    let state = m.forward(prefix).state;
    const x = rc.randn([1, 64], { rng });
    const ms = median(() => {
      const r = m.step(x, state);
      rc.dispose(state);
      state = r.state;
      r.output.dispose();
    }, 20, 1000);
    return [layer, 'step (streaming)', 1, (ms * 1000).toFixed(0) + ' µs/token', ''];
  }
  const x = rc.randn([4, T, 64], { rng });
  const f = rc.valueAndGrad(() => rc.mean(rc.square(m.forward(x).output)));
  const ms = median(() => { const { value, grads } = f(m.parameterRecord()); rc.dispose([value, grads]); }, 3, 4000);
  const name = layer === 'mamba' ? (form === 'fused' ? 'fused selective scan' : 'sequential loop') : form === 'recurrent' ? 'recurrent (spec)' : form;
  return [layer, name, T, ms.toFixed(0) + ' ms', Math.round((4 * T) / (ms / 1000)).toLocaleString('en')];
}

if (pick) {
  const [layer, form, T] = pick.split('|');
  console.log('ROW\t' + JSON.stringify(child(layer, form, Number(T))));
  process.exit(0);
}

const rows = [];
const slow = new Set();
function run(layer, form, T) {
  if (slow.has(`${layer}/${form}`)) { rows.push([layer, form, T, 'not run (over 60 s per step at a shorter T)', '']); return; }
  const r = spawnSync(process.execPath, [self, `--form=${layer}|${form}|${T}`], { encoding: 'utf8', timeout: 900000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('ROW\t'));
  const row = line ? JSON.parse(line.slice(4)) : [layer, form, T, `failed: ${(r.stderr || 'exit ' + r.status).split('\n').find((l) => /Error/.test(l)) ?? 'exit ' + r.status}`.slice(0, 90), ''];
  if (!line || parseFloat(row[3]) > 60000) slow.add(`${layer}/${form}`);
  rows.push(row);
  console.error(row.join('  '));
}
for (const layer of only) {
  for (const T of Ts) for (const form of formsOf(layer)) run(layer, form, T);
  if (stream) run(layer, 'stream', 1);
}
const cpu = os.cpus()[0]?.model ?? 'cpu';
console.log(`# linear-RNN layers: training tokens/s and streaming latency (${cpu}, ${os.cpus().length} threads, Node ${process.version}, ${rc.getBackend().name} backend)\n`);
console.log('| layer | form | T | median per step | tokens/s |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

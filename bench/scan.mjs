// Parallel-in-time forms against their sequential spec, forward + backward, through the public API.
//
//   linear  h_t = a_t h_{t-1} + b_t over [T, 512] lanes: fused kernel, sequential loop (tape),
//           associative scan, chunked scan (chunk 64)
//   paragru ParaGRU (hidden 64, batch 4): 3 Newton iterations vs the sequential step loop
//   lru     LRU (hidden 64, 32 modes, batch 4): parallel scan vs FFT convolution vs the loop
//   s4d     S4D (hidden 64, 32 modes, batch 4): FFT convolution vs parallel scan
// For T in {256, 1024, 4096, 16384}; forms whose single call exceeds ~20 s at a shorter T are
// skipped for longer ones. Reports the median of >= 3 timed calls (after one warm-up) and steps/s.
//
// Every (layer, form, T) runs in a fresh process: the wasm heap never shrinks, so one form's peak
// would otherwise limit the next.
//
// Usage: npm run build && node bench/scan.mjs [--T=256,1024,4096,16384] [--only=linear,paragru,lru,s4d]
import * as rc from 'recurrent';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const Ts = arg('T', '256,1024,4096,16384').split(',').map(Number);
const only = arg('only', 'linear,paragru,lru,s4d').split(',');
const rng = new rc.Rng(0);
const rows = [];
const slow = new Set();

function time(fn) {
  fn();
  const ts = [];
  let spent = 0;
  while (ts.length < 3 || (spent < 2000 && ts.length < 15)) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    ts.push(dt);
    spent += dt;
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1];
}

const pick = arg('form', null); // child mode: "group|form|T"
const self = fileURLToPath(import.meta.url);

function bench(group, form, T, make) {
  const key = `${group}/${form}`;
  if (pick && pick !== `${group}|${form}|${T}`) return;
  if (!pick) {
    if (slow.has(key)) { rows.push([group, form, T, 'skipped (slower than 20 s or failed at a shorter T)', '']); return; }
    const r = spawnSync(process.execPath, [self, `--form=${group}|${form}|${T}`, `--T=${T}`, `--only=${only.join(',')}`], { encoding: 'utf8', timeout: 600000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('ROW\t'));
    const row = line ? JSON.parse(line.slice(4)) : [group, form, T, `failed: ${(r.stderr || 'no output').split('\n').find((l) => /^\w*Error: /.test(l))?.replace(/^\w*Error: /, '') ?? 'exit ' + r.status}`.slice(0, 90), ''];
    if (!line || Number(row[3]) > 20000) slow.add(key);
    rows.push(row);
    console.error(row.join('  '));
    return;
  }
  if (slow.has(key)) { rows.push([group, form, T, 'skipped', '']); return; }
  const ms = time(() => rc.tidy(make));
  console.log('ROW\t' + JSON.stringify([group, form, T, ms.toFixed(ms < 10 ? 2 : 1), Math.round(T / (ms / 1000)).toLocaleString('en')]));
}

function trainStep(module, x, fwd) {
  const f = rc.valueAndGrad(() => rc.mean(rc.square(fwd(x))));
  return () => { const { value, grads } = f(module.parameterRecord()); rc.dispose([value, grads]); };
}

for (const T of Ts) {
  if (only.includes('linear')) {
    const a = rc.mul(rc.rand([T, 512], { rng }), 0.99), b = rc.randn([T, 512], { rng });
    for (const impl of ['fused', 'associative', 'chunked', 'recurrent']) {
      const f = rc.valueAndGrad(([aa, bb]) => rc.mean(rc.square(rc.scan.linearRecurrence(aa, bb, { impl, chunk: 64 }))));
      bench('linear [T, 512]', impl, T, () => { const { value, grads } = f([a, b]); rc.dispose([value, grads]); });
    }
    rc.dispose([a, b]);
  }
  if (only.includes('paragru')) {
    const x = rc.randn([4, T, 16], { rng });
    for (const impl of ['newton', 'recurrent']) {
      const m = new rc.nn.ParaGRU({ inputSize: 16, hiddenSize: 64, impl, rng: new rc.Rng(1) });
      bench('ParaGRU H=64 B=4', impl, T, trainStep(m, x, (v) => m.forward(v).output));
    }
    x.dispose();
  }
  for (const kind of ['lru', 's4d']) {
    if (!only.includes(kind)) continue;
    const x = rc.randn([4, T, 64], { rng });
    for (const impl of kind === 'lru' ? ['fused', 'scan', 'conv', 'recurrent'] : ['conv', 'fused', 'scan']) {
      const m = new rc.nn.SSM({ kind, inputSize: 64, hiddenSize: 64, stateSize: 32, impl, rng: new rc.Rng(1) });
      bench(`${kind.toUpperCase()} H=64 N=32 B=4`, impl, T, trainStep(m, x, (v) => m.forward(v).output));
    }
    x.dispose();
  }
}

if (pick) process.exit(0);
const cpu = os.cpus()[0]?.model ?? 'cpu';
console.log(`# scan forms, forward + backward (${cpu}, ${os.cpus().length} threads, Node ${process.version}, ${rc.getBackend().name} backend)\n`);
console.log('| layer | form | T | ms per call | steps/s |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

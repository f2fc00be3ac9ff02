// DeltaProduct on group word problems (the DeltaProduct paper's state-tracking experiment, small):
// one layer, trained on lengths 2-32, tested on 33-128. Rows: DeltaNet (n_h = 1) and DeltaProduct
// (n_h = 2), each with β ∈ (0, 1) and with β ∈ (0, 2) (--neg-eigval); an LSTM as the nonlinear
// reference. Prints token accuracy on the training lengths, the test lengths and at 64 and 128.
//
// Training: lengths drawn uniformly from 2-32 (no curriculum), batch 128, AdamW with warmup and
// cosine decay. Each finished run is appended to --out (JSON lines), so a grid can be split over
// processes (use --threads=1 for each of two at once) and tabulated with --table-from.
//
// Usage: npm run build && node bench/word-problems.mjs [--groups=S3,S4,A5] [--steps=1500]
//          [--batch=128] [--hidden=64] [--heads=4] [--lr=3e-3] [--schedule=cosine|constant]
//          [--seeds=0] [--only=dp2-neg,...]
//          [--threads=N] [--out=runs.jsonl]
//        node bench/word-problems.mjs --table-from=runs.jsonl
import * as rc from 'recurrent';
import os from 'node:os';
import { appendFileSync, readFileSync } from 'node:fs';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const groups = arg('groups', 'S3,S4,A5').split(',');
const steps = Number(arg('steps', '1500'));
const batch = Number(arg('batch', '128'));
const schedule = arg('schedule', 'cosine');
const out = arg('out', null);
const tableFrom = arg('table-from', null);
if (arg('threads', null)) rc.setThreads(Number(arg('threads', '1')));
const hidden = Number(arg('hidden', '64'));
const heads = Number(arg('heads', '4'));
const lr = Number(arg('lr', '3e-3'));
const seeds = arg('seeds', '0').split(',').map(Number);
const ROWS = [
  { id: 'dn', label: 'DeltaNet, n_h = 1, β ∈ (0, 1)', model: { name: 'deltanet' } },
  { id: 'dn-neg', label: 'DeltaNet, n_h = 1, β ∈ (0, 2)', model: { name: 'deltanet', options: { allowNegEigval: true } } },
  { id: 'dp2', label: 'DeltaProduct, n_h = 2, β ∈ (0, 1)', model: { name: 'deltaproduct', options: { householder: 2 } } },
  { id: 'dp2-neg', label: 'DeltaProduct, n_h = 2, β ∈ (0, 2)', model: { name: 'deltaproduct', options: { householder: 2, allowNegEigval: true } } },
  { id: 'lstm', label: 'LSTM (nonlinear reference)', model: { name: 'lstm' } },
];
const only = arg('only', ROWS.map((r) => r.id).join(',')).split(',');

const results = tableFrom ? readFileSync(tableFrom, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
for (const g of tableFrom ? [] : groups) {
  const base = rc.tasks.createTask(`group-${g.toLowerCase()}`);
  const task = { ...base, testLengths: [33, 128] };
  for (const row of ROWS.filter((r) => only.includes(r.id))) {
    for (const seed of seeds) {
      const heads_ = row.model.name === 'lstm' ? 1 : heads;
      const cfg = rc.train.trainConfig({ task: task.name, model: { ...row.model, hiddenSize: hidden, options: { ...row.model.options, heads: heads_ } }, steps, seed, lr, batchSize: batch, schedule,
        evalEvery: 0, checkpointEvery: 0, curriculum: 0, warmup: Math.min(100, Math.floor(steps / 10)) });
      const t0 = performance.now();
      const tr = new rc.train.Trainer(cfg, task);
      const r = tr.run();
      const at = (L) => r.curve.find((p) => p.length === L)?.accuracy ?? NaN;
      const res = { group: g, row: row.id, label: row.label, seed, train: r.train.accuracy, test: r.test.accuracy, at64: at(64), at128: at(128),
        seconds: (performance.now() - t0) / 1000, steps, batch, hidden, heads: heads_, lr, schedule };
      results.push(res);
      tr.model.dispose();
      tr.optimizer.dispose();
      if (out) appendFileSync(out, JSON.stringify(res) + '\n');
      console.error(`${g} ${row.id} seed ${seed}: train ${res.train.toFixed(3)} test ${res.test.toFixed(3)} (${res.seconds.toFixed(0)} s)`);
    }
  }
}
{
  const pct = (v) => (100 * v).toFixed(1);
  const r0 = results[0] ?? { steps, batch, hidden, heads, lr };
  console.log(`# group word problems: 1 layer, hidden ${r0.hidden}, ${r0.heads} heads, ${r0.steps} steps of batch ${r0.batch}, lr ${r0.lr} (${r0.schedule ?? 'cosine'})`);
  console.log(`# (${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${rc.getBackend().name} backend); token accuracy %, mean over seeds (min–max)\n`);
  console.log('| group | model | seeds | train 2–32 | test 33–128 | at 64 | at 128 | seconds |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
  const agg = (xs) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return xs.length === 1 ? pct(m) : `${pct(m)} (${pct(Math.min(...xs))}–${pct(Math.max(...xs))})`;
  };
  for (const g of [...new Set(results.map((x) => x.group))]) for (const row of ROWS) {
    const rs = results.filter((x) => x.group === g && x.row === row.id);
    if (rs.length === 0) continue;
    console.log(`| ${g} | ${row.label} | ${rs.length} | ${agg(rs.map((x) => x.train))} | ${agg(rs.map((x) => x.test))} | ${agg(rs.map((x) => x.at64))} | ${agg(rs.map((x) => x.at128))} | ${med(rs.map((x) => x.seconds)).toFixed(0)} |`);
  }
}

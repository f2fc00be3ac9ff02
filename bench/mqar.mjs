// MQAR (multi-query associative recall) at a fixed recurrent state size, with and without repeated
// context (Just Read Twice: the key-value block given numPasses = 2 times before the queries).
// Models (one layer, d_model 64, about 2k floats of recurrent state each): DeltaNet (2 heads,
// S 2×32×32), Mamba-2 (d_inner 128, d_state 16: 128×16), GLA (1 head, dk 32, dv 64: 32×64; also
// with fla's optional short convolutions) and an
// LSTM with hidden 512 (h and c: 1024 floats; an LSTM with a 2048-float state, hidden 1024, costs
// about 4 M parameters and is too slow to train here). Reports query accuracy on the training
// lengths and on longer test lengths (lengths count the query region; repeated context comes on
// top). Each finished run is appended to --out (JSON lines), so the grid can be split over
// processes (--threads=1 for each of two at once) and tabulated with --table-from.
//
// Usage: npm run build && node bench/mqar.mjs [--steps=1500] [--pairs=8] [--vocab=128]
//          [--only=deltanet,mamba2,gla,gla-conv,lstm] [--passes=1,2] [--seeds=0] [--threads=N] [--out=F]
//        node bench/mqar.mjs --table-from=F
import * as rc from 'recurrent';
import os from 'node:os';
import { appendFileSync, readFileSync } from 'node:fs';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const steps = Number(arg('steps', '1500'));
const pairs = Number(arg('pairs', '8'));
const vocab = Number(arg('vocab', '128'));
const lr = Number(arg('lr', '3e-3'));
const seeds = arg('seeds', '0').split(',').map(Number);
const passes = arg('passes', '1,2').split(',').map(Number);
const train = arg('train', '48,64').split(',').map(Number);
const test = arg('test', '64,96').split(',').map(Number);
const MODELS = {
  deltanet: { label: 'DeltaNet (2 heads)', model: { name: 'deltanet', hiddenSize: 64, options: { heads: 2 } }, state: 2 * 32 * 32 },
  mamba2: { label: 'Mamba-2 (d_state 16)', model: { name: 'mamba2', hiddenSize: 64 }, state: 128 * 16 },
  gla: { label: 'GLA (1 head)', model: { name: 'gla', hiddenSize: 64, options: { heads: 1 } }, state: 32 * 64 },
  'gla-conv': { label: 'GLA (1 head) + short convs', model: { name: 'gla', hiddenSize: 64, options: { heads: 1, shortConv: true } }, state: 32 * 64 },
  lstm: { label: 'LSTM (hidden 512)', model: { name: 'lstm', hiddenSize: 512, embedDim: 64 }, state: 2 * 512 },
};
const only = arg('only', Object.keys(MODELS).join(',')).split(',');
const out = arg('out', null);
const tableFrom = arg('table-from', null);
if (arg('threads', null)) rc.setThreads(Number(arg('threads', '1')));

const results = tableFrom ? readFileSync(tableFrom, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
for (const P of tableFrom ? [] : passes) {
  const base = rc.tasks.createTask('mqar', { vocabSize: vocab, numPairs: pairs, numPasses: P });
  // Lengths count the queries region only; the repeated context comes on top.
  const extra = 2 * pairs * (P - 1);
  const task = { ...base, trainLengths: [train[0] + extra, train[1] + extra], testLengths: [test[0] + extra, test[1] + extra] };
  for (const id of only) {
    const m = MODELS[id];
    for (const seed of seeds) {
      const cfg = rc.train.trainConfig({ task: 'mqar', taskOptions: { vocabSize: vocab, numPairs: pairs, numPasses: P }, model: m.model, steps, seed, lr,
        evalEvery: 0, checkpointEvery: 0, curriculum: 0, warmup: Math.min(100, Math.floor(steps / 10)) });
      const t0 = performance.now();
      const tr = new rc.train.Trainer(cfg, task);
      const r = tr.run();
      const res = { passes: P, model: id, label: m.label, state: m.state, seed, train: r.train.accuracy, test: r.test.accuracy,
        seconds: (performance.now() - t0) / 1000, params: r.parameters, steps, pairs, vocab, lr, trainL: train, testL: test };
      results.push(res);
      tr.model.dispose();
      tr.optimizer.dispose();
      if (out) appendFileSync(out, JSON.stringify(res) + '\n');
      console.error(`passes ${P} ${id} seed ${seed}: train ${res.train.toFixed(3)} test ${res.test.toFixed(3)} (${res.seconds.toFixed(0)} s)`);
    }
  }
}
{
  const pct = (v) => (100 * v).toFixed(1);
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
  const r0 = results[0] ?? { pairs, vocab, trainL: train, testL: test, steps, lr };
  console.log(`# MQAR: ${r0.pairs} pairs, vocab ${r0.vocab}, query region ${r0.trainL.join('-')} (train) / ${r0.testL.join('-')} (test), ${r0.steps} steps of batch 32, lr ${r0.lr}`);
  console.log(`# (${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${rc.getBackend().name} backend); query accuracy %, median over seeds\n`);
  console.log('| model | state floats | parameters | passes | seeds | train | test | seconds |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const id of Object.keys(MODELS)) for (const P of [1, 2, 3]) {
    const rs = results.filter((x) => x.model === id && x.passes === P);
    if (rs.length === 0) continue;
    console.log(`| ${MODELS[id].label} | ${MODELS[id].state} | ${rs[0].params} | ${P} | ${rs.length} | ${pct(med(rs.map((x) => x.train)))} | ${pct(med(rs.map((x) => x.test)))} | ${med(rs.map((x) => x.seconds)).toFixed(0)} |`);
  }
}

// ParaRNN's single-layer state-tracking comparison at CPU scale: dense GRU / LSTM against ParaLSTM,
// ParaGRU and a diagonal linear RNN (LRU), on cycle navigation, modular arithmetic and the A5 word problem.
// One layer, hidden 64, AdamW with the trainer's defaults (cosine schedule, length curriculum),
// the same steps and seed for every pair; reports accuracy on the training lengths and on the
// longer test lengths (per sequence for cycle-nav and mod-arith, per token for A5).
//
// Usage: npm run build && node bench/state-tracking.mjs [--steps=1500] [--seed=0] [--models=gru,lstm,paralstm,paragru,lru]
import * as rc from 'recurrent';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const steps = +arg('steps', '1500');
const seed = +arg('seed', '0');
const models = arg('models', 'gru,lstm,paralstm,paragru,lru').split(',');
const tasks = arg('tasks', 'cycle-nav,mod-arith,group-a5').split(',');
const out = [];
for (const task of tasks) {
  for (const cell of models) {
    const t0 = performance.now();
    const config = rc.train.trainConfig({ task, model: { name: cell, hiddenSize: 64 }, steps, seed, checkpointEvery: 0, evalEvery: 0 });
    const trainer = new rc.train.Trainer(config, rc.tasks.createTask(task));
    const r = trainer.run();
    const s = (performance.now() - t0) / 1000;
    out.push({ task, cell, train: r.train.accuracy, test: r.test.accuracy, seconds: s });
    console.error(`${task} ${cell}: train ${r.train.accuracy.toFixed(3)} test ${r.test.accuracy.toFixed(3)} (${s.toFixed(0)} s)`);
    trainer.model.dispose();
    trainer.optimizer.dispose();
  }
}
console.log(`# state tracking: ${steps} steps, seed ${seed}, hidden 64, one layer\n`);
console.log(`| model | ${tasks.map((t) => `${t} train / test`).join(' | ')} |`);
console.log(`|---|${tasks.map(() => '---:').join('|')}|`);
for (const cell of models) {
  console.log(`| ${cell} | ${tasks.map((t) => { const r = out.find((o) => o.task === t && o.cell === cell); return `${(100 * r.train).toFixed(1)} / ${(100 * r.test).toFixed(1)}`; }).join(' | ')} |`);
}

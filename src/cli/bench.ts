import { trainConfig } from '../train/config.js';
import { Trainer } from '../train/trainer.js';
import { createTask } from '../tasks/registry.js';
import { flagHelp, intFlag, parseFlags } from './args.js';
import type { FlagSpec } from './args.js';
import { ENGINE_FLAGS, MODEL_FLAGS, modelOptionsFromFlags, setupEngine } from './common.js';
import { metricColumns, renderTable } from './table.js';
import { fmtCount } from './progress.js';

const BENCH_FLAGS: Record<string, FlagSpec> = {
  tasks: { type: 'string', help: 'comma-separated tasks (default parity,cycle-nav,mod-arith)' },
  models: { type: 'string', help: 'comma-separated models (default lstm,gru,rnn)' },
  steps: { type: 'string', help: 'steps per run (default 300)' },
  hidden: { type: 'string', help: 'hidden units (default 64)' },
  seed: { type: 'string', help: 'seed (default 0)' },
  ...MODEL_FLAGS,
  json: { type: 'boolean', help: 'one JSON object per run' },
  ...ENGINE_FLAGS,
};

/** Usage text of `recurrent bench`. */
export const BENCH_HELP = `recurrent bench [flags]\n\nTrains every task × model pair briefly and prints test metrics and throughput.\n\n${flagHelp(BENCH_FLAGS)}`;

/** `recurrent bench`. */
export function benchCommand(argv: string[]): number {
  const v = parseFlags('bench', argv, BENCH_FLAGS);
  if (v.help) {
    process.stdout.write(BENCH_HELP + '\n');
    return 0;
  }
  const engine = setupEngine(v);
  const tasks = String(v.tasks ?? 'parity,cycle-nav,mod-arith').split(',');
  const models = String(v.models ?? 'lstm,gru,rnn').split(',');
  const steps = intFlag('steps', v.steps, 300, 1);
  const hidden = intFlag('hidden', v.hidden, 64, 1);
  const seed = intFlag('seed', v.seed, 0, 0);
  // Validate every name before the first (long) run.
  const taskObjs = tasks.map((t) => createTask(t));
  // Model options apply to every model of the grid (each must have them).
  const options = models.map((m) => modelOptionsFromFlags(m, v));
  const rows: string[][] = [];
  let header: string[] = [];
  for (const task of taskObjs) {
    for (const [i, model] of models.entries()) {
      const opts = options[i]!;
      const cfg = trainConfig({ task: task.name, model: { name: model, hiddenSize: hidden, ...(Object.keys(opts).length ? { options: opts } : {}) }, steps, seed, evalEvery: 0, checkpointEvery: 0, warmup: Math.min(50, Math.floor(steps / 10)) });
      const t = new Trainer(cfg, task);
      const r = t.run();
      t.model.dispose();
      t.optimizer.dispose();
      const cols = metricColumns(r.test);
      if (v.json) process.stdout.write(JSON.stringify({ event: 'bench', task: task.name, model, steps, train: r.train, test: r.test, trainSeconds: t.trainSeconds, tokensPerSec: t.tokensPerSec }) + '\n');
      header = ['task', 'model', ...cols.map(([h]) => `train ${h}`), ...cols.map(([h]) => `test ${h}`), 'tok/s', 'seconds'];
      rows.push([task.name, model, ...cols.map(([, f]) => f(r.train)), ...cols.map(([, f]) => f(r.test)), fmtCount(t.tokensPerSec), t.trainSeconds.toFixed(1)]);
      if (!v.json) process.stderr.write(`  ${task.name} × ${model}: done\n`);
    }
  }
  if (!v.json) process.stdout.write(`${steps} steps each, hidden ${hidden}, seed ${seed}, ${engine.backend} backend\n` + renderTable(header, rows) + '\n');
  return 0;
}

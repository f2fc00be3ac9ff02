import { createRequire } from 'node:module';
import { RecurrentError } from '../errors.js';
import { describeTask, listTasks } from '../tasks/registry.js';
import { describeModel, listModels } from '../models/registry.js';
import { UsageError } from './errors.js';
import { TRAIN_HELP, trainCommand } from './train.js';
import { EVAL_HELP, evalCommand } from './eval.js';
import { GENERATE_HELP, generateCommand } from './generate.js';
import { BENCH_HELP, benchCommand } from './bench.js';
import { REPRODUCE_HELP, reproduceCommand } from './reproduce.js';
import { renderTable } from './table.js';

const COMMANDS: Record<string, { help: string; run: (argv: string[]) => number; usage?: string }> = {
  train: { help: 'train a model on a task (progress, checkpoints, --resume, HTML report)', run: trainCommand, usage: TRAIN_HELP },
  eval: { help: 'evaluate a checkpoint on training and longer test lengths', run: evalCommand, usage: EVAL_HELP },
  generate: { help: 'sample text from a character language model checkpoint', run: generateCommand, usage: GENERATE_HELP },
  tasks: { help: 'list the tasks; `tasks NAME` shows a task\'s options and defaults', run: (argv) => describeCommand('tasks', argv, () => list('task', listTasks().map((t) => [t.name, t.description])), describeTask) },
  models: { help: 'list the models; `models NAME` shows a model\'s options and defaults', run: (argv) => describeCommand('models', argv, () => list('model', listModels().map((c) => [c.name, c.description])), describeModel) },
  reproduce: { help: 'run a seed paper\'s experiment and compare with the paper (--list for the experiments)', run: reproduceCommand, usage: REPRODUCE_HELP },
  bench: { help: 'train a task × model grid briefly and print a table', run: benchCommand, usage: BENCH_HELP },
};

/** `tasks` / `models`: the list, or with a NAME that entry's options (set with --task-opt / --model-opt). */
function describeCommand(what: 'tasks' | 'models', argv: string[], listAll: () => number, describe: (name: string) => string): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`recurrent ${what} [NAME]\n\nLists the ${what}, or shows one's options (set with --${what === 'tasks' ? 'task' : 'model'}-opt name=value) with their defaults and valid values.\n`);
    return 0;
  }
  if (argv.length > 1 || argv[0]?.startsWith('-')) throw new UsageError(`${what}: expected at most one name, got '${argv.join(' ')}'`);
  if (argv.length === 0) return listAll();
  process.stdout.write(describe(argv[0]!) + '\n');
  return 0;
}

function list(what: string, rows: string[][]): number {
  process.stdout.write(renderTable([what, 'description'], rows, 2) + '\n');
  return 0;
}

function usage(): string {
  return `recurrent — recurrent sequence models in JS\n\nusage: recurrent <command> [flags]    (recurrent <command> --help for its flags)\n\n`
    + Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(10)}${c.help}`).join('\n')
    + `\n\nexample: recurrent train --task parity --model lstm --steps 1000\n`;
}

/** Runs the CLI on `argv` (without node and script); returns the exit code. */
export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
      process.stdout.write(usage());
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version' || cmd === '-v') {
      process.stdout.write(String(createRequire(import.meta.url)('../../package.json').version) + '\n');
      return 0;
    }
    const c = COMMANDS[cmd];
    if (!c) throw new UsageError(`unknown command '${cmd}'; valid commands: ${Object.keys(COMMANDS).join(', ')}`);
    return c.run(rest);
  } catch (e) {
    // One line, no stack: a usage mistake exits 2, a rejected value or file 1.
    if (e instanceof UsageError) {
      process.stderr.write(`recurrent: ${e.message}\n`);
      return 2;
    }
    if (e instanceof RecurrentError) {
      process.stderr.write(`recurrent: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

import { ArgumentError } from '../errors.js';
import type { Task } from './types.js';
import { paddedParity, parity, runningParity } from './parity.js';
import { adding } from './adding.js';
import { nDms, nParity } from './nparity.js';
import { additionTask, copyTask, reverseTask } from './copy.js';
import { delayedRecall } from './recall.js';
import { mqar } from './mqar.js';
import { setDisjointness } from './disjoint.js';
import { passkey } from './passkey.js';
import { groupWords } from './groups.js';
import { cycleNav } from './cycle.js';
import { modArith } from './modarith.js';
import { reber } from './reber.js';
import { listOps } from './listops.js';
import { dfaLanguages } from './dfa.js';
import { lorenz } from './lorenz.js';
import { hmm } from './hmm.js';
import { textTask } from './text.js';

/** Task options as given on a command line or in a config (`numPairs: 8`, `text: '...'`). */
export type TaskOptions = Record<string, string | number | boolean>;

/** The type of a task option's value, as given on the command line. */
export type OptionType = 'number' | 'string' | 'boolean';

/** A named task factory with the options it accepts. */
export interface TaskSpec {
  /** Registry name, as passed to `createTask` and `--task`. */
  readonly name: string;
  /** One line for `recurrent tasks`. */
  readonly description: string;
  /** Accepted option names and types (validated by `createTask`). */
  readonly options: Readonly<Record<string, OptionType>>;
  /** Builds the task from validated options. */
  create(opts: TaskOptions): Task;
}

function entry(name: string, options: Record<string, OptionType>, make: (o: TaskOptions) => Task, description?: string): TaskSpec {
  return { name, options, create: make, description: description ?? make({}).description };
}

/** The numeric options among `keys` that are set (validated numbers by then). */
function nums(o: TaskOptions, ...keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = Number(o[k]);
  return out;
}

const SPECS: TaskSpec[] = [
  entry('parity', {}, () => parity()),
  entry('parity-running', {}, () => runningParity()),
  entry('parity-padded', {}, () => paddedParity()),
  entry('n-parity', {}, () => nParity()),
  entry('n-dms', {}, () => nDms()),
  entry('copy', {}, () => copyTask()),
  entry('reverse', {}, () => reverseTask()),
  entry('addition', {}, () => additionTask()),
  entry('adding', {}, () => adding()),
  entry('delayed-recall', { delay: 'number' }, (o) => delayedRecall(nums(o, 'delay'))),
  entry('mqar', { vocabSize: 'number', numPairs: 'number', numPasses: 'number' },
    (o) => mqar(nums(o, 'vocabSize', 'numPairs', 'numPasses'))),
  entry('set-disjointness', { vocabSize: 'number' }, (o) => setDisjointness(nums(o, 'vocabSize'))),
  entry('passkey', { depth: 'number' }, (o) => passkey(nums(o, 'depth'))),
  entry('group-s3', {}, () => groupWords({ group: 'S3' })),
  entry('group-s4', {}, () => groupWords({ group: 'S4' })),
  entry('group-a5', {}, () => groupWords({ group: 'A5' })),
  entry('group-s5', {}, () => groupWords({ group: 'S5' })),
  entry('cycle-nav', {}, () => cycleNav()),
  entry('mod-arith', {}, () => modArith()),
  entry('reber', {}, () => reber({ embedded: false })),
  entry('reber-embedded', {}, () => reber({ embedded: true })),
  entry('listops', { maxDepth: 'number', maxArgs: 'number' }, (o) => listOps(nums(o, 'maxDepth', 'maxArgs'))),
  entry('dfa-icl', {}, () => dfaLanguages()),
  entry('lorenz', { noise: 'number' }, (o) => lorenz(nums(o, 'noise'))),
  entry('hmm-chain', { stay: 'number' }, (o) => hmm({ topology: 'chain', ...nums(o, 'stay') })),
  entry('hmm-cyclic', { stay: 'number' }, (o) => hmm({ topology: 'cyclic', ...nums(o, 'stay') })),
  entry('hmm-full', { stay: 'number' }, (o) => hmm({ topology: 'full', ...nums(o, 'stay') })),
  entry('text', { text: 'string', path: 'string' }, (o) => {
    if (typeof o.text !== 'string') throw new ArgumentError('task text', 'needs the training text (CLI: --text FILE)');
    return textTask(o.text, { name: 'text' });
  }, 'character-level language model on a text file (--text FILE; bits per character)'),
];

/** Every registered task. */
export function listTasks(): readonly TaskSpec[] {
  return SPECS;
}

/** Creates task `name` with validated options; errors list the valid names and options. */
export function createTask(name: string, opts: TaskOptions = {}): Task {
  const s = SPECS.find((t) => t.name === name);
  if (!s) throw new ArgumentError('task', `unknown task '${name}'; valid tasks: ${SPECS.map((t) => t.name).join(', ')}`);
  const clean: TaskOptions = {};
  for (const [k, v] of Object.entries(opts)) {
    const type = s.options[k];
    if (!type) {
      const valid = Object.keys(s.options);
      throw new ArgumentError(`task ${name}`, `unknown option '${k}'; ${valid.length ? `valid options: ${valid.join(', ')}` : 'it takes no options'}`);
    }
    if (type === 'number') {
      const n = typeof v === 'number' ? v : Number(v);
      if (typeof v === 'boolean' || !Number.isFinite(n) || String(v).trim() === '') throw new ArgumentError(`task ${name}`, `option '${k}' must be a number, got '${String(v)}'`);
      clean[k] = n;
    } else if (type === 'boolean') {
      if (v !== true && v !== false && v !== 'true' && v !== 'false') throw new ArgumentError(`task ${name}`, `option '${k}' must be true or false, got '${String(v)}'`);
      clean[k] = v === true || v === 'true';
    } else {
      clean[k] = String(v);
    }
  }
  return s.create(clean);
}

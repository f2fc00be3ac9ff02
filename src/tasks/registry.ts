import { ArgumentError } from '../errors.js';
import { checkOptions, optionTable } from '../options.js';
import type { OptionSpec, OptionSpecs, OptionValue } from '../options.js';
import type { Task } from './types.js';
import { paddedParity, parity, runningParity } from './parity.js';
import { adding } from './adding.js';
import { nDms, nParity } from './nparity.js';
import { additionTask, copyTask, reverseTask } from './copy.js';
import { delayedRecall } from './recall.js';
import { glyphs } from './glyph.js';
import { mqar } from './mqar.js';
import { DISJOINT_ORDERS, setDisjointness, type DisjointOrder } from './disjoint.js';
import { passkey } from './passkey.js';
import { groupWords } from './groups.js';
import { cycleNav } from './cycle.js';
import { modArith } from './modarith.js';
import { reber } from './reber.js';
import { listOps } from './listops.js';
import { dfaLanguages } from './dfa.js';
import { lorenz } from './lorenz.js';
import { hmm } from './hmm.js';
import { sinusoids } from './sinusoids.js';
import { shapeInNoise } from './shapes.js';
import { textTask } from './text.js';

/** Task options as given on a command line or in a config (`numPairs: 8`, `text: '...'`). */
export type TaskOptions = Record<string, string | number | boolean>;

/** A named task factory with the options it accepts (type, default, range, one help line each). */
export interface TaskSpec {
  /** Registry name (`--task NAME`). */
  readonly name: string;
  /** One line for `recurrent tasks`. */
  readonly description: string;
  /** Accepted options, checked by `createTask`; `recurrent tasks NAME` lists them. */
  readonly options: OptionSpecs;
  /** Builds the task from the options that were set (checked and typed; the factory's defaults fill the rest). */
  create(opts: Readonly<Record<string, OptionValue>>): Task;
}

function entry(name: string, options: OptionSpecs, make: (o: Readonly<Record<string, OptionValue>>) => Task, description?: string): TaskSpec {
  return { name, options, create: make, description: description ?? make({}).description };
}

/** The numeric options among `keys` that are set. */
function nums(o: Readonly<Record<string, OptionValue>>, ...keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = Number(o[k]);
  return out;
}

// The defaults shown here are the factories' own (test/tasks/registry.test.ts pins them together).
const vocab = (fallback: number): OptionSpec => ({ type: 'int', default: fallback, min: 1, help: 'vocabulary size (the task checks its own lower bound)' });
const stay: OptionSpec = { type: 'number', default: 0.95, min: 0, max: 1, help: 'probability of staying in the current hidden state' };

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
  entry('delayed-recall', { delay: { type: 'int', default: 16, min: 1, help: 'steps between a value and its recall' } },
    (o) => delayedRecall(nums(o, 'delay'))),
  entry('glyphs', {
    size: { type: 'int', default: 12, min: 8, max: 64, help: 'side of the square glyph image in pixels' },
    mode: { type: 'choice', default: 'pixel', choices: ['pixel', 'row'], help: 'pixel: one pixel per step (T = size²); row: one row per step (T = size)' },
    noise: { type: 'number', default: 0.1, min: 0, help: 'standard deviation of the Gaussian pixel noise' },
  }, (o) => glyphs({ ...nums(o, 'size', 'noise'), ...(o.mode !== undefined ? { mode: o.mode as 'pixel' | 'row' } : {}) })),
  entry('mqar', {
    vocabSize: vocab(256),
    numPairs: { type: 'int', default: 8, min: 1, help: 'key-value pairs in the context' },
    numPasses: { type: 'int', default: 1, min: 1, help: 'times the pairs are shown before the queries' },
  }, (o) => mqar(nums(o, 'vocabSize', 'numPairs', 'numPasses'))),
  entry('set-disjointness', {
    vocabSize: vocab(2048),
    order: { type: 'choice', default: 'mixed', choices: DISJOINT_ORDERS, help: 'which list comes first: the shorter, the longer, or either (mixed)' },
    shortSize: { type: 'int', min: 1, help: 'size of the shorter list (unset: drawn per example from the length)' },
    longSize: { type: 'int', min: 1, help: 'size of the longer list (unset: drawn per example from the length)' },
    numPasses: { type: 'int', default: 1, min: 1, help: 'times the two lists are shown before the answer token (JRT prompting)' },
  }, (o) => setDisjointness({ ...nums(o, 'vocabSize', 'shortSize', 'longSize', 'numPasses'), ...(o.order !== undefined ? { order: o.order as DisjointOrder } : {}) })),
  entry('passkey', { depth: { type: 'number', min: 0, max: 1, help: 'relative position of the key in the prompt (unset: one of 0, 0.1, ..., 1 per example)' } },
    (o) => passkey(nums(o, 'depth'))),
  entry('group-s3', {}, () => groupWords({ group: 'S3' })),
  entry('group-s4', {}, () => groupWords({ group: 'S4' })),
  entry('group-a5', {}, () => groupWords({ group: 'A5' })),
  entry('group-s5', {}, () => groupWords({ group: 'S5' })),
  entry('cycle-nav', {}, () => cycleNav()),
  entry('mod-arith', {}, () => modArith()),
  entry('reber', {}, () => reber({ embedded: false })),
  entry('reber-embedded', {}, () => reber({ embedded: true })),
  entry('listops', {
    maxDepth: { type: 'int', default: 4, min: 1, help: 'deepest nesting of operators' },
    maxArgs: { type: 'int', default: 5, min: 2, help: 'most arguments per operator' },
  }, (o) => listOps(nums(o, 'maxDepth', 'maxArgs'))),
  entry('dfa-icl', {}, () => dfaLanguages()),
  entry('lorenz', { noise: { type: 'number', default: 0.05, min: 0, help: 'observation noise (standard deviation, in normalised units)' } },
    (o) => lorenz(nums(o, 'noise'))),
  entry('sinusoids', {
    regimes: { type: 'int', default: 3, min: 1, help: 'hidden regimes, each its own sum of sinusoids' },
    components: { type: 'int', default: 3, min: 1, help: 'sinusoids per regime (periods 10-100 steps, drawn per example)' },
    stay: { type: 'number', default: 0.98, min: 0, max: 1, help: 'probability of staying in the current regime at each step' },
    noise: { type: 'number', default: 0.05, min: 0, help: 'standard deviation of the AR(1) observation noise on the inputs' },
  }, (o) => sinusoids(nums(o, 'regimes', 'components', 'stay', 'noise'))),
  entry('shape-in-noise', {
    classes: { type: 'int', default: 4, min: 2, max: 6, help: 'shapes to tell apart (bump, square, sine, ramp-up, ramp-down, dip: the first N)' },
    width: { type: 'int', default: 16, min: 2, help: 'samples the shape spans' },
    noise: { type: 'number', default: 0.5, min: 0, help: 'standard deviation of the Gaussian background' },
  }, (o) => shapeInNoise(nums(o, 'classes', 'width', 'noise'))),
  entry('hmm-chain', { stay }, (o) => hmm({ topology: 'chain', ...nums(o, 'stay') })),
  entry('hmm-cyclic', { stay }, (o) => hmm({ topology: 'cyclic', ...nums(o, 'stay') })),
  entry('hmm-full', { stay }, (o) => hmm({ topology: 'full', ...nums(o, 'stay') })),
  entry('text', {
    text: { type: 'string', help: 'the training text itself' },
    path: { type: 'string', help: 'a text file to read it from (the CLI reads it; --text FILE)' },
  }, (o) => {
    if (typeof o.text !== 'string') throw new ArgumentError('task text', 'needs the training text (CLI: --text FILE)');
    return textTask(o.text, { name: 'text' });
  }, 'character-level language model on a text file (--text FILE; bits per character)'),
];

/** Every registered task. */
export function listTasks(): readonly TaskSpec[] {
  return SPECS;
}

/** The spec of task `name`; the error lists the valid names. */
export function getTask(name: string): TaskSpec {
  const s = SPECS.find((t) => t.name === name);
  if (!s) throw new ArgumentError('task', `unknown task '${name}'; valid tasks: ${SPECS.map((t) => t.name).join(', ')}`);
  return s;
}

/** Creates task `name` with validated options; errors list the valid names and options. */
export function createTask(name: string, opts: TaskOptions = {}): Task {
  const s = getTask(name);
  return s.create(checkOptions(`task ${name}`, s.options, opts));
}

/** `recurrent tasks NAME`: the task's description and its options (default, values, help). */
export function describeTask(name: string): string {
  const s = getTask(name);
  const table = optionTable(s.options);
  return [`${s.name}: ${s.description}`, '', ...(table.length ? ['options (--task-opt name=value):', ...table] : ['options: none'])].join('\n');
}

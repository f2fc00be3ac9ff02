// End-to-end tests of the `recurrent` command: spawns bin/recurrent.js (which runs dist/, built by
// `npm test` before the suite) in a fresh temporary folder per run, on the suite's backend.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeCheckpoint, encodeCheckpoint, readCheckpointMeta } from '../../src/train/checkpoint.js';
import { dispose } from '../../src/tensor/scope.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin', 'recurrent.js');
const DIST = join(ROOT, 'dist', 'cli', 'main.js');
const BACKEND = process.env.RECURRENT_BACKEND ? ['--backend', process.env.RECURRENT_BACKEND] : [];

/** Tiny, fast settings; the schedule does not depend on --steps, so a run may be extended exactly. */
const TINY = ['--task', 'parity', '--hidden', '8', '--eval-size', '16', '--checkpoint-every', '10', '--log-every', '5'];
const FIXED = [...TINY, '--schedule', 'constant', '--warmup', '2', '--eval-every', '5', '--curriculum', '0'];

interface Run { status: number | null; stdout: string; stderr: string }

const folders: string[] = [];

/** A fresh empty folder (removed after the file's tests). */
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-cli-'));
  folders.push(dir);
  return dir;
}

after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI (in a fresh working folder, so a stray default run folder never lands in the repo). */
function cli(args: string[], opts: { engine?: boolean } = {}): Run {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: build the package first (npm run build; npm test does it)`);
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, [BIN, ...args, ...(opts.engine === false ? [] : BACKEND)], {
    cwd: tmp(), env, encoding: 'utf8', timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `train` and asserts success. */
function train(args: string[]): Run {
  const r = cli(['train', ...args]);
  assert.equal(r.status, 0, `train ${args.join(' ')} failed:\n${r.stderr}`);
  return r;
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l.trim() !== '');
}

function lastLine(s: string): string {
  return lines(s).at(-1) ?? '';
}

/** Asserts a failed run: non-zero exit, exactly one stderr line from the CLI, no stack trace. */
function assertOneLineError(r: Run, re?: RegExp): void {
  assert.notEqual(r.status, 0, `expected a failure, got exit 0; stdout:\n${r.stdout}`);
  assert.notEqual(r.status, null, 'killed by the timeout');
  const err = lines(r.stderr);
  assert.equal(err.length, 1, `expected one stderr line, got:\n${r.stderr}`);
  assert.match(err[0]!, /^recurrent: /);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  if (re) assert.match(err[0]!, re);
}

/** result.json without the timings (which are the only non-deterministic part). */
function resultOf(dir: string): unknown {
  const { timings: _timings, ...rest } = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as Record<string, unknown>;
  return rest;
}

/** A finished 20-step run shared by several tests (never modified). */
let base: { dir: string; out: Run; final: Record<string, unknown> };

before(() => {
  const dir = tmp();
  const out = train([...FIXED, '--steps', '20', '--json', '--out', dir]);
  base = { dir, out, final: JSON.parse(lastLine(out.stdout)) as Record<string, unknown> };
});

describe('recurrent train', () => {
  test('--json prints JSON lines ending with the final metrics', () => {
    const events = lines(base.out.stdout).map((l) => JSON.parse(l) as { event: string });
    const kinds = new Set(events.map((e) => e.event));
    for (const k of ['step', 'eval', 'checkpoint', 'timing', 'final']) assert.ok(kinds.has(k), `no '${k}' event`);
    const final = base.final as { event: string; steps: number; task: string; model: string; train: { accuracy: number }; test: { accuracy: number }; curve: unknown[] };
    assert.equal(final.event, 'final');
    assert.equal(final.task, 'parity');
    assert.equal(final.model, 'lstm');
    assert.equal(final.steps, 20);
    for (const m of [final.train, final.test]) assert.ok(typeof m.accuracy === 'number' && m.accuracy >= 0 && m.accuracy <= 1);
    assert.ok(final.curve.length > 0);
    assert.equal(events.at(-2)!.event, 'timing');
  });

  test('the same command twice prints the same final line and result', () => {
    const dir = tmp();
    const again = train([...FIXED, '--steps', '20', '--json', '--out', dir]);
    assert.equal(lastLine(again.stdout), lastLine(base.out.stdout));
    assert.deepEqual(resultOf(dir), resultOf(base.dir));
  });

  test('the run folder holds the checkpoint, the log, the result and a self-contained report', () => {
    for (const f of ['checkpoint.safetensors', 'log.jsonl', 'result.json', 'report.html']) assert.ok(existsSync(join(base.dir, f)), `${f} missing`);
    const meta = readCheckpointMeta(readFileSync(join(base.dir, 'checkpoint.safetensors')));
    assert.equal(meta.step, 20);
    assert.equal(meta.config.task, 'parity');
    const log = lines(readFileSync(join(base.dir, 'log.jsonl'), 'utf8')).map((l) => JSON.parse(l) as { event: string });
    assert.equal(log.at(-1)!.event, 'final');
    assert.deepEqual(log.at(-1), base.final);
    assert.equal(log.filter((e) => e.event === 'step').length, 4);
    const result = JSON.parse(readFileSync(join(base.dir, 'result.json'), 'utf8')) as { steps: number; timings: { backend: string } };
    assert.equal(result.steps, 20);
    if (process.env.RECURRENT_BACKEND) assert.equal(result.timings.backend, process.env.RECURRENT_BACKEND);
    const html = readFileSync(join(base.dir, 'report.html'), 'utf8');
    assert.ok(html.includes('<script>'), 'inline script');
    assert.ok(html.includes('uPlot'), 'uPlot inlined');
    assert.doesNotMatch(html, /<script[^>]*\ssrc\s*=/i, 'no external script');
    assert.doesNotMatch(html, /<link[^>]*href\s*=\s*["']?https?:/i, 'no external stylesheet');
    assert.doesNotMatch(html, /src\s*=\s*["']?https?:\/\//i);
  });

  test('exact resume: 10 steps, then --steps 20 --resume in the same folder = 20 steps straight', () => {
    const dir = tmp();
    const first = train([...FIXED, '--steps', '10', '--json', '--out', dir]);
    assert.equal((JSON.parse(lastLine(first.stdout)) as { steps: number }).steps, 10);
    const second = train([...FIXED, '--steps', '20', '--resume', '--json', '--out', dir]);
    assert.equal(lastLine(second.stdout), lastLine(base.out.stdout));
    assert.deepEqual(resultOf(dir), resultOf(base.dir));
    const log = lines(readFileSync(join(dir, 'log.jsonl'), 'utf8'));
    assert.equal(log.at(-1), lastLine(base.out.stdout));
  });

  test('a killed run (checkpoint at step 10 of 20) is refused without --resume, then resumed exactly', () => {
    const dir = tmp();
    train([...FIXED, '--steps', '10', '--json', '--out', dir]);
    // Rewrite the finished 10-step checkpoint into what a 20-step run killed after step 10 leaves:
    // with a constant schedule and no curriculum the two states are the same.
    const file = join(dir, 'checkpoint.safetensors');
    const { meta, tensors } = decodeCheckpoint(readFileSync(file));
    writeFileSync(file, encodeCheckpoint(tensors, { ...meta, config: { ...meta.config, steps: 20 } }));
    dispose(Object.values(tensors));
    const bytes = readFileSync(file);

    const refused = cli(['train', ...FIXED, '--steps', '20', '--json', '--out', dir]);
    assert.equal(refused.status, 2);
    assertOneLineError(refused, /--resume/);
    assert.match(refused.stderr, /unfinished/);
    assert.deepEqual(readFileSync(file), bytes, 'checkpoint unchanged');

    const resumed = train([...FIXED, '--steps', '20', '--resume', '--json', '--out', dir]);
    assert.equal(lastLine(resumed.stdout), lastLine(base.out.stdout));
  });

  test('--resume with a larger --steps and default schedule flags is accepted', () => {
    // warmup and eval-every default to fractions of --steps; a larger --steps alone must not count as other settings
    const dir = tmp();
    train([...TINY, '--steps', '10', '--json', '--out', dir]);
    const r = train([...TINY, '--steps', '20', '--resume', '--json', '--out', dir]);
    const final = JSON.parse(lastLine(r.stdout)) as { steps: number };
    assert.equal(final.steps, 20);
    assert.equal(readCheckpointMeta(readFileSync(join(dir, 'checkpoint.safetensors'))).step, 20);
  });

  test('--resume with different flags is refused and leaves the checkpoint alone', () => {
    const dir = tmp();
    cpSync(base.dir, dir, { recursive: true });
    const file = join(dir, 'checkpoint.safetensors');
    const bytes = readFileSync(file);
    const r = cli(['train', ...FIXED.map((a) => (a === '8' ? '16' : a)), '--steps', '20', '--resume', '--json', '--out', dir]);
    assertOneLineError(r, /different settings/);
    assert.match(r.stderr, /hiddenSize/);
    assert.deepEqual(readFileSync(file), bytes);
  });

  test('a corrupted checkpoint is reported in one line and never replaced', () => {
    const dir = tmp();
    const file = join(dir, 'checkpoint.safetensors');
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 255);
    writeFileSync(file, garbage);
    const resumed = cli(['train', ...FIXED, '--steps', '20', '--resume', '--out', dir]);
    assertOneLineError(resumed, /not a readable checkpoint/);
    assert.deepEqual(new Uint8Array(readFileSync(file)), garbage);
    const fresh = cli(['train', ...FIXED, '--steps', '20', '--out', dir]);
    assertOneLineError(fresh, /not a readable checkpoint/);
    assert.deepEqual(new Uint8Array(readFileSync(file)), garbage);
  });
});

describe('recurrent eval', () => {
  test('--json prints the metrics of a checkpoint (the same as at the end of training)', () => {
    const r = cli(['eval', '--checkpoint', join(base.dir, 'checkpoint.safetensors'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.length, 1);
    const m = JSON.parse(out[0]!) as { event: string; task: string; step: number; train: { accuracy: number }; test: unknown; curve: unknown };
    assert.equal(m.event, 'eval');
    assert.equal(m.task, 'parity');
    assert.equal(m.step, 20);
    assert.equal(typeof m.train.accuracy, 'number');
    assert.deepEqual(m.train, base.final.train);
    assert.deepEqual(m.test, base.final.test);
    assert.deepEqual(m.curve, base.final.curve);
  });

  test('a missing, corrupted or absent checkpoint is one line and a non-zero exit', () => {
    const dir = tmp();
    const missing = join(dir, 'nope.safetensors');
    assertOneLineError(cli(['eval', '--checkpoint', missing]), /nope\.safetensors/);
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, 'not a checkpoint at all');
    assertOneLineError(cli(['eval', '--checkpoint', bad]), /not a readable checkpoint/);
    assertOneLineError(cli(['eval']), /--checkpoint/);
  });
});

describe('listing and usage', () => {
  test('tasks and models list their names', () => {
    const t = cli(['tasks'], { engine: false });
    assert.equal(t.status, 0);
    for (const name of ['parity', 'cycle-nav', 'group-s3', 'lorenz', 'text']) assert.match(t.stdout, new RegExp(`^${name}\\s`, 'm'));
    const m = cli(['models'], { engine: false });
    assert.equal(m.status, 0);
    for (const name of ['lstm', 'gru', 'rnn', 'slstm']) assert.match(m.stdout, new RegExp(`^${name}\\s`, 'm'));
  });

  test('models NAME lists the options with their defaults and valid values', () => {
    const r = cli(['models', 'deltaproduct'], { engine: false });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^deltaproduct: /);
    assert.match(r.stdout, /^\s+householder\s+2\s+integer >= 1\s+n_h/m);
    assert.match(r.stdout, /^\s+allowNegEigval\s+false\s+true\|false\s/m);
    assert.match(r.stdout, /^\s+impl\s+fused\s+fused\|chunk\|recurrent\s/m);
    const task = cli(['tasks', 'mqar'], { engine: false });
    assert.equal(task.status, 0, task.stderr);
    assert.match(task.stdout, /^\s+numPairs\s+8\s+integer >= 1\s/m);
    const none = cli(['models', 'paragru'], { engine: false });
    assert.match(none.stdout, /iterations\s+3/);
    const hybrid = cli(['models', 'gla+deltanet'], { engine: false });
    assert.match(hybrid.stdout, /shortConv\s+false\s.*\(per layer: gla false, deltanet true\)/);
  });

  test('help exits 0; no command prints the usage and exits 2', () => {
    const h = cli(['train', '--help']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /--steps/);
    const none = cli([], { engine: false });
    assert.equal(none.status, 2);
    assert.match(none.stdout, /usage: recurrent/);
  });

  const mistakes: [string, string[], RegExp][] = [
    ['unknown command', ['frobnicate'], /unknown command 'frobnicate'; valid commands: .*train.*eval/],
    ['unknown task', ['train', '--task', 'nope'], /unknown task 'nope'; valid tasks: .*parity.*cycle-nav/],
    ['unknown model', ['train', '--model', 'nope'], /unknown model 'nope'; valid models: .*lstm.*gru/],
    ['unknown flag', ['train', '--bogus'], /unknown flag '--bogus'; valid flags: .*--steps/],
    ['stray argument', ['train', 'parity'], /unexpected argument 'parity'/],
    ['malformed --steps', ['train', '--steps', 'abc'], /--steps must be an integer, got 'abc'/],
    ['--steps 0', ['train', '--steps', '0'], /--steps/],
    ['malformed --lr', ['train', '--lr', 'x'], /--lr must be a number, got 'x'/],
    ['bad --schedule', ['train', '--schedule', 'x'], /--schedule must be one of cosine, constant/],
    ['bad --backend', ['train', '--backend', 'gpu'], /--backend must be wasm or ref/],
    ['unknown task option', ['train', '--task', 'mqar', '--task-opt', 'bogus=1'], /unknown option 'bogus'; valid options: .*numPairs/],
    ['missing --text file', ['train', '--task', 'text', '--text', '/nonexistent/recurrent-corpus.txt'], /cannot read text file/],
    ['bidirectional per-step model', ['train', '--task', 'group-s3', '--bidirectional'], /bidirectional/],
    ['unknown eval flag', ['eval', '--nope'], /unknown flag '--nope'; valid flags: .*--checkpoint/],
    ['unknown bench model', ['bench', '--models', 'lstm,nope'], /valid models: .*lstm/],
    ['--householder 0', ['train', '--model', 'deltaproduct', '--householder', '0'], /model deltaproduct: option 'householder' must be integer >= 1, got '0'/],
    ['--householder on an LSTM', ['train', '--model', 'lstm', '--householder', '2'], /model lstm: unknown option 'householder'; valid options: heads, impl/],
    ['--neg-eigval on a GRU', ['train', '--model', 'gru', '--neg-eigval'], /model gru: unknown option 'allowNegEigval'; valid options: heads, impl/],
    ['unknown model in a hybrid', ['train', '--model', 'deltanet+nope'], /unknown model 'nope'/],
    ['bad --short-conv', ['train', '--model', 'gla', '--short-conv', 'maybe'], /model gla: option 'shortConv' must be true\|false, got 'maybe'/],
    ['--short-conv on an LSTM', ['train', '--model', 'lstm', '--short-conv', 'on'], /model lstm: unknown option 'shortConv'/],
    ['unknown --model-opt', ['train', '--model', 'deltaproduct', '--model-opt', 'nope=1'], /model deltaproduct: unknown option 'nope'; valid options: heads, allowNegEigval, shortConv, impl, chunk, householder/],
    ['bad --model-opt value', ['train', '--model', 'deltaproduct', '--model-opt', 'householder=x'], /option 'householder' must be integer >= 1, got 'x'/],
    ['bad --model-opt choice', ['train', '--model', 'gla', '--model-opt', 'impl=fast'], /option 'impl' must be fused\|chunk\|recurrent, got 'fast'/],
    ['malformed --model-opt', ['train', '--model-opt', 'heads'], /--model-opt expects key=value, got 'heads'/],
    ['alias contradicts --model-opt', ['train', '--model', 'gla', '--heads', '2', '--model-opt', 'heads=4'], /--heads 2 contradicts --model-opt heads=4/],
    ['--heads on a diagonal model', ['train', '--model', 'paragru', '--heads', '2'], /model paragru: unknown option 'heads'; valid options: impl, iterations/],
    ['bidirectional causal model', ['train', '--model', 'mamba', '--bidirectional'], /model mamba: is causal: bidirectional is not supported/],
    ['unknown model for models', ['models', 'nope'], /unknown model 'nope'; valid models/],
    ['unknown task for tasks', ['tasks', 'nope'], /unknown task 'nope'; valid tasks/],
    ['reversed --test-lengths', ['train', '--test-lengths', '9,3'], /--test-lengths expects LO <= HI, got '9,3'/],
    ['malformed --train-lengths', ['train', '--train-lengths', '3'], /--train-lengths expects LO,HI, got '3'/],
    ['bad --task-opt value', ['train', '--task', 'mqar', '--task-opt', 'numPairs=0'], /task mqar: option 'numPairs' must be integer >= 1, got '0'/],
    ['hybrid option a part rejects', ['train', '--model', 'mamba2+lstm', '--model-opt', 'impl=chunk'], /model mamba2\+lstm \(its lstm layers\): option 'impl' must be fused\|recurrent, got 'chunk'/],
    ['hybrid option nobody has', ['train', '--model', 'mamba2+lstm', '--model-opt', 'householder=2'], /model mamba2\+lstm: unknown option 'householder'; valid options: .*heads/],
    ['bench --model-opt a model lacks', ['bench', '--models', 'gla,lstm', '--model-opt', 'shortConv=on'], /model lstm: unknown option 'shortConv'/],
  ];
  for (const [name, args, re] of mistakes) {
    test(`mistake: ${name} → one line, non-zero exit, nothing written`, () => {
      const out = join(tmp(), 'run');
      const argv = args[0] === 'train' ? [...args, ...(args.includes('--steps') ? [] : ['--steps', '5']), '--out', out] : args;
      const r = cli(argv, { engine: !['frobnicate', 'models', 'tasks'].includes(args[0]!) && !args.includes('--backend') });
      assertOneLineError(r, re);
      assert.equal(r.stdout, '');
      assert.ok(!existsSync(out), 'no run folder created');
    });
  }
});

describe('recurrent generate', () => {
  const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(20);
  let ckpt = '';
  before(() => {
    const dir = tmp();
    const file = join(dir, 'corpus.txt');
    writeFileSync(file, TEXT);
    train(['--task', 'text', '--text', file, '--hidden', '8', '--steps', '20', '--eval-size', '16', '--checkpoint-every', '10', '--log-every', '5', '--json', '--out', join(dir, 'run')]);
    ckpt = join(dir, 'run', 'checkpoint.safetensors');
  });

  test('prints the prompt and then --length characters of the text\'s alphabet, the same for the same seed', () => {
    const args = ['generate', '--checkpoint', ckpt, '--prompt', 'the q', '--length', '20', '--seed', '1'];
    const a = cli(args);
    assert.equal(a.status, 0, a.stderr);
    assert.ok(a.stdout.endsWith('\n'));
    const text = a.stdout.slice(0, -1);
    assert.ok(text.startsWith('the q'), text);
    const chars = Array.from(text);
    assert.equal(chars.length, 5 + 20);
    const alphabet = new Set(TEXT);
    assert.ok(chars.every((c) => alphabet.has(c)), `characters outside the text: ${text}`);
    const b = cli(args);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(b.stdout, a.stdout);
  });

  test('refuses a checkpoint that is not a language model, and prompt characters outside the vocabulary', () => {
    assertOneLineError(cli(['generate', '--checkpoint', join(base.dir, 'checkpoint.safetensors'), '--length', '5']), /not a language model/);
    assertOneLineError(cli(['generate', '--checkpoint', ckpt, '--prompt', 'the Z', '--length', '5']), /'Z'.*vocabulary/);
  });
});

describe('recurrent bench', () => {
  test('prints a table with a row per task × model', () => {
    const r = cli(['bench', '--tasks', 'parity', '--models', 'lstm,gru', '--steps', '5', '--hidden', '8']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^task\s+model\s/m);
    assert.match(r.stdout, /^parity\s+lstm\s/m);
    assert.match(r.stdout, /^parity\s+gru\s/m);
    assert.match(r.stdout, /5 steps each, hidden 8/);
  });
});

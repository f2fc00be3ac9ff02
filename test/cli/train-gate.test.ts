// `recurrent train --curriculum-gate`: spawns bin/recurrent.js (runs dist/: build first).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpointMeta } from '../../src/train/checkpoint.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin', 'recurrent.js');
const BACKEND = process.env.RECURRENT_BACKEND ? ['--backend', process.env.RECURRENT_BACKEND] : [];
const dir = mkdtempSync(join(tmpdir(), 'recurrent-gate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: npm run build first');
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, [BIN, ...args, ...BACKEND], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const RUN = ['train', '--task', 'n-parity', '--model', 'leaky', '--hidden', '4', '--norm', 'none', '--eval-size', '8', '--curriculum-gate', '2,6',
  '--gate-every', '3', '--gate-threshold', '0.4', '--checkpoint-every', '3', '--no-report', '--out', 'run'];

test('train --curriculum-gate: config, summary line, and a resume that keeps the current N', () => {
  const a = cli([...RUN, '--steps', '6']);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /curriculum gate: /);
  const meta = readCheckpointMeta(readFileSync(join(dir, 'run', 'checkpoint.safetensors')));
  assert.deepEqual(meta.config.curriculumGate, { from: 2, to: 6, threshold: 0.4, every: 3 });
  assert.ok(meta.gate && meta.gate.length >= 2 && meta.gate.length <= 6);
  const b = cli([...RUN, '--steps', '9', '--resume']);
  assert.equal(b.status, 0, b.stderr);
  const meta2 = readCheckpointMeta(readFileSync(join(dir, 'run', 'checkpoint.safetensors')));
  assert.equal(meta2.step, meta2.gate!.done ? meta2.step : 9);
  assert.deepEqual(meta2.gate!.passed.slice(0, meta.gate!.passed.length), meta.gate!.passed, 'the passes before the resume are kept');
});

test('train: gate flags without --curriculum-gate, or a bad threshold, are usage errors', () => {
  const a = cli(['train', '--task', 'n-parity', '--gate-every', '5']);
  assert.notEqual(a.status, 0);
  assert.match(a.stderr, /--gate-every needs --curriculum-gate FROM,TO/);
  const b = cli(['train', '--task', 'n-parity', '--curriculum-gate', '2,4', '--gate-threshold', '1.5']);
  assert.notEqual(b.status, 0);
  assert.match(b.stderr, /--gate-threshold must be a fraction in \(0, 1\)/);
  const c = cli(['train', '--task', 'n-parity', '--curriculum-gate', '5,4']);
  assert.notEqual(c.status, 0);
  assert.match(c.stderr, /curriculum-gate/);
});

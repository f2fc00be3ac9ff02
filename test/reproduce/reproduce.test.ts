// `recurrent reproduce`: every registered experiment runs end to end at the smoke budget (a few
// steps, a tiny grid: wiring only; the real tables come from the command, docs/reproductions.md),
// writes its table (Markdown, JSON, HTML), reuses finished cells on a second run, and a training
// cell interrupted after a checkpoint resumes from it instead of starting over.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listExperiments, getExperiment } from '../../src/reproduce/registry.js';
import { aggregate, formatStat } from '../../src/reproduce/table.js';
import { ArgumentError } from '../../src/errors.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin', 'recurrent.js');
const BACKEND = process.env.RECURRENT_BACKEND ? ['--backend', process.env.RECURRENT_BACKEND] : [];
const folders: string[] = [];
after(() => { for (const d of folders) rmSync(d, { recursive: true, force: true }); });

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'recurrent-reproduce-'));
  folders.push(d);
  return d;
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, [BIN, ...args, ...BACKEND], { cwd: tmp(), env, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the experiment registry', () => {
  test('every experiment is complete: rows, columns, budgets, seeds, unique filesystem-safe cell ids at every budget', () => {
    for (const e of listExperiments()) {
      assert.ok(e.claim.length > 20 && e.paper && e.figure, e.name);
      for (const b of ['smoke', 'small', 'paper'] as const) {
        assert.ok(e.budgets[b] && e.seeds[b] >= 1, `${e.name} ${b}`);
        const cells = e.cells(b, e.seeds[b]);
        assert.ok(cells.length > 0, `${e.name} ${b} has cells`);
        assert.equal(new Set(cells.map((c) => c.id)).size, cells.length, `${e.name} ${b}: ids unique`);
        for (const c of cells) {
          assert.match(c.id, /^[a-z0-9.-]+$/, `${e.name}: id ${c.id}`);
          assert.ok(e.rows.includes(c.row), `${e.name}: row ${c.row} is declared`);
        }
      }
    }
    assert.throws(() => getExperiment('nope'), (x: unknown) => x instanceof ArgumentError && /unknown experiment 'nope'; valid experiments: .*selu-fixed-point/.test(x.message));
  });

  test('aggregate: mean and range over seeds per row and column', () => {
    const r = aggregate([{ id: 'a', row: 'r', seed: 0, values: { x: 1 } }, { id: 'b', row: 'r', seed: 1, values: { x: 3 } }]);
    assert.deepEqual(r.r!.x, { mean: 2, min: 1, max: 3, n: 2 });
    assert.equal(formatStat(r.r!.x, 1), '2.0 (1.0–3.0)');
    assert.equal(formatStat(undefined), '—');
  });
});

for (const e of listExperiments()) {
  test(`reproduce ${e.name} --budget smoke: a table, then every cell reused`, () => {
    const out = join(tmp(), 'exp');
    const a = cli(['reproduce', e.name, '--budget', 'smoke', '--out', out]);
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stdout, /\*\*Verdict\.\*\*/);
    for (const f of ['table.md', 'table.json', 'report.html']) assert.ok(existsSync(join(out, f)), f);
    const t = JSON.parse(readFileSync(join(out, 'table.json'), 'utf8'));
    assert.equal(t.experiment, e.name);
    assert.equal(t.cellsRun, e.cells('smoke', e.seeds.smoke).length);
    assert.ok(t.rows.length > 0 && t.rows.every((r: { ours: object }) => Object.keys(r.ours).length > 0));
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /uPlot/);
    const b = cli(['reproduce', e.name, '--budget', 'smoke', '--out', out, '--json']);
    assert.equal(b.status, 0, b.stderr);
    const t2 = JSON.parse(b.stdout);
    assert.equal(t2.cellsRun, 0);
    assert.equal(t2.cellsReused, t.cellsRun);
    assert.deepEqual(t2.rows, t.rows, 'reused cells give the same table');
  });
}

test('a training cell whose result is lost resumes from its checkpoint (no step retrained) and gives the same values', () => {
  const out = join(tmp(), 'exp');
  const first = cli(['reproduce', 'deltaproduct-groups', '--budget', 'smoke', '--out', out, '--json']);
  assert.equal(first.status, 0, first.stderr);
  const before = JSON.parse(first.stdout);
  // Forget one cell's result but keep its checkpoint (as after a kill between the last checkpoint and result.json).
  const cell = readdirSync(join(out, 'cells')).sort()[0]!;
  rmSync(join(out, 'cells', cell, 'result.json'));
  const r = cli(['reproduce', 'deltaproduct-groups', '--budget', 'smoke', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`${cell} .*\\n\\s+resuming from step 4`));
  const t = JSON.parse(readFileSync(join(out, 'table.json'), 'utf8'));
  assert.equal(t.cellsRun, 1);
  assert.equal(t.cellsReused, getExperiment('deltaproduct-groups').cells('smoke', 1).length - 1);
  assert.deepEqual(t.rows, before.rows, 'the resumed cell reports what the uninterrupted one did');
});

test('a cell folder holding a run with other settings is refused, and retrained with --overwrite', () => {
  const out = join(tmp(), 'exp');
  const id = getExperiment('deltaproduct-groups').cells('smoke', 1)[0]!.id;
  const other = cli(['train', '--task', 'group-s3', '--model', 'deltanet', '--hidden', '8', '--steps', '3', '--out', join(out, 'cells', id), '--no-report']);
  assert.equal(other.status, 0, other.stderr);
  const refused = cli(['reproduce', 'deltaproduct-groups', '--budget', 'smoke', '--out', out]);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /holds a checkpoint trained with other settings; pass --overwrite/);
  const r = cli(['reproduce', 'deltaproduct-groups', '--budget', 'smoke', '--out', out, '--overwrite', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).cellsRun, getExperiment('deltaproduct-groups').cells('smoke', 1).length);
});

test('bad input: an unknown experiment, budget or seeds is one line', () => {
  for (const [args, re] of [
    [['reproduce', 'nope'], /unknown experiment 'nope'/],
    [['reproduce', 'selu-fixed-point', '--budget', 'huge'], /--budget must be one of smoke, small, paper/],
    [['reproduce', 'selu-fixed-point', '--seeds', '0'], /--seeds must be an integer >= 1/],
    [['reproduce'], /name an experiment/],
  ] as const) {
    const r = cli([...args]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

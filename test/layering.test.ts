// The layering rule (.dependency-cruiser.cjs, run by `npm run lint:layers` in `npm test`) must
// catch what it exists for: a scratch tree with a planted back-import, a cycle and a Node
// built-in in a core layer fails it with those rules named; the same tree without them passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'node_modules', '.bin', 'depcruise');

function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-layers-'));
  try {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = spawnSync(bin, ['src', '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const clean: Record<string, string> = {
  'src/tensor/tensor.ts': 'export class Tensor {}\n',
  'src/ops/add.ts': "import { Tensor } from '../tensor/tensor.js';\nexport const add = (a: Tensor): Tensor => a;\n",
  'src/nn/module.ts': "import { add } from '../ops/add.js';\nexport class Module { f = add; }\n",
};

test('a tree that keeps the layering passes', () => {
  const r = cruise(clean);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /no dependency violations/);
});

test('a planted back-import, a cycle and a Node built-in below the CLI fail, each by name', () => {
  const r = cruise({
    ...clean,
    'src/ops/planted.ts': "import { Module } from '../nn/module.js';\nexport const m = Module;\n",
    'src/tensor/fs.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
    'src/nn/a.ts': "import { b } from './b.js';\nexport const a = (): number => b();\n",
    'src/nn/b.ts': "import { a } from './a.js';\nexport const b = (): number => a();\n",
    'src/models/m.ts': "import { t } from '../tasks/t.js';\nexport const m = t;\n",
    'src/tasks/t.ts': 'export const t = 1;\n',
  });
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /no-upward-from-ops: src\/ops\/planted\.ts → src\/nn\/module\.ts/);
  assert.match(r.out, /node-builtins-only-at-the-edge: src\/tensor\/fs\.ts → (node:)?fs/);
  assert.match(r.out, /no-circular: src\/nn\/(a|b)\.ts/);
  assert.match(r.out, /no-sibling-models: src\/models\/m\.ts → src\/tasks\/t\.ts/);
});

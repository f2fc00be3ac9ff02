import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// These tests check the built package (npm test builds first), as a user would import it.

test('the package imports itself by name and exposes the public names', async () => {
  const rc = await import('recurrent');
  for (const name of ['tensor', 'zeros', 'randn', 'matmul', 'grad', 'valueAndGrad', 'gradcheck', 'tidy',
    'setBackend', 'getBackend', 'loadSafetensors', 'saveSafetensors']) {
    assert.equal(typeof (rc as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(typeof rc.nn.Module, 'function');
  assert.equal(typeof rc.nn.Linear, 'function');
  assert.equal(typeof rc.optim.AdamW, 'function');
  const y = rc.matmul(rc.tensor([[1, 2]]), rc.tensor([[3], [4]]));
  assert.deepEqual(y.toArray(), [[11]]);
  const node = await import('recurrent/node');
  assert.equal(typeof node.saveSafetensorsFile, 'function');
});

test('the core build is browser-safe: only the Node adapters import node: modules', () => {
  const root = new URL('../dist/', import.meta.url).pathname;
  const nodeOnly = new Set(['io/node.js', 'io/atomic.js']);
  // The wasm backend's host adapter and worker reach Node only through guarded dynamic imports.
  const hostAdapters = new Set(['backend/wasm/env.js', 'backend/wasm/worker.js']);
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.js')) {
        const rel = p.slice(root.length);
        const src = readFileSync(p, 'utf8');
        // The command-line tool is Node-only by design.
        if (nodeOnly.has(rel) || rel.startsWith('cli/')) continue;
        const staticNode = /^import[^\n]*from ['"]node:/m.test(src) || /require\(/.test(src);
        const anyNode = /import\(['"]node:|\bprocess\./.test(src);
        if (staticNode || (anyNode && !hostAdapters.has(rel))) offenders.push(rel);
      }
    }
  };
  walk(root);
  assert.deepEqual(offenders, []);
});

test('the README example runs as written', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has a ts example');
  const { tmpdir } = await import('node:os');
  const { mkdtempSync, writeFileSync, symlinkSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-readme-'));
  // Resolve 'recurrent' from the example's folder through a node_modules link to this package.
  const nm = join(dir, 'node_modules');
  (await import('node:fs')).mkdirSync(nm);
  symlinkSync(new URL('..', import.meta.url).pathname, join(nm, 'recurrent'));
  writeFileSync(join(dir, 'example.mts'), block[1]!);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'example.mts')], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 4);
  const first = Number(lines[0]!.split(' ')[1]);
  const last = Number(lines[3]!.split(' ')[1]);
  assert.ok(last < first, `loss should fall: ${r.stdout}`);
});

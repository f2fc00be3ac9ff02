// Runs the test suite on each backend (ref, then wasm; the browser test only once, under wasm),
// then prints the totals per backend and overall. Exits non-zero if any test failed.
//
// Usage: node scripts/test.mjs [ref|wasm ...]      (default: both)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function testFiles(dir, browser) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'browser' && !browser) continue;
      out.push(...testFiles(p, browser));
    } else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const backends = process.argv.slice(2).length ? process.argv.slice(2) : ['ref', 'wasm'];
const scratch = mkdtempSync(join(tmpdir(), 'recurrent-test-'));
const rows = [];
for (const backend of backends) {
  if (backend !== 'ref' && backend !== 'wasm') {
    console.error(`scripts/test.mjs: unknown backend '${backend}'; valid: ref, wasm`);
    process.exit(2);
  }
  const totalsFile = join(scratch, `${backend}.json`);
  const args = ['--import', 'tsx', '--import', './test/setup.ts', '--test',
    '--test-reporter=dot', '--test-reporter-destination=stdout',
    '--test-reporter=./test/reporters/totals.mjs', '--test-reporter-destination=stdout',
    ...testFiles('test', backend === 'wasm')];
  console.log(`\n== ${backend} backend`);
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, RECURRENT_BACKEND: backend, TEST_TOTALS_FILE: totalsFile } });
  let counts;
  try {
    counts = JSON.parse(readFileSync(totalsFile, 'utf8'));
  } catch {
    counts = { backend, tests: 0, passed: 0, failed: 1, skipped: 0, seconds: 0, crashed: true };
  }
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1; // the runner failed outside any test
  rows.push({ ...counts, backend });
}
rmSync(scratch, { recursive: true, force: true });

const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
console.log('\ntotals');
for (const r of rows) {
  console.log(`  ${r.backend.padEnd(5)} ${String(r.tests).padStart(5)} tests  ${String(r.passed).padStart(5)} passed  ${String(r.failed).padStart(3)} failed  ${String(r.skipped).padStart(3)} skipped  ${r.seconds.toFixed(0).padStart(4)} s${r.crashed ? '  (the runner crashed)' : ''}`);
}
console.log(`  all   ${String(sum('tests')).padStart(5)} tests  ${String(sum('passed')).padStart(5)} passed  ${String(sum('failed')).padStart(3)} failed  ${String(sum('skipped')).padStart(3)} skipped`);
process.exit(sum('failed') > 0 ? 1 : 0);

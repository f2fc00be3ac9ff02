// A node:test reporter that counts tests (not suites) and ends the run with one line of totals:
//   "ref backend: 1210 tests, 1210 passed, 0 failed, 0 skipped (12 files, 203.4 s)"
// With TEST_TOTALS_FILE set it also writes the counts there as JSON, for scripts/test.mjs.
import { writeFileSync } from 'node:fs';

export default async function* totals(source) {
  const t0 = Date.now();
  let tests = 0, passed = 0, failed = 0, skipped = 0, todo = 0;
  const files = new Set();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    if (d.file) files.add(d.file);
    // Suites (describe) are containers and not counted, unless one failed by itself (a hook).
    if (d.details?.type === 'suite' && (event.type === 'test:pass' || d.details.error?.failureType === 'subtestsFailed')) continue;
    tests++;
    if (d.skip) skipped++;
    else if (d.todo) todo++;
    else if (event.type === 'test:pass') passed++;
    else failed++;
  }
  const name = process.env.RECURRENT_BACKEND ? `${process.env.RECURRENT_BACKEND} backend` : 'tests';
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const counts = { backend: process.env.RECURRENT_BACKEND ?? null, tests, passed, failed, skipped, todo, files: files.size, seconds: Number(seconds) };
  if (process.env.TEST_TOTALS_FILE) writeFileSync(process.env.TEST_TOTALS_FILE, JSON.stringify(counts) + '\n');
  yield `\n${name}: ${tests} tests, ${passed} passed, ${failed} failed, ${skipped} skipped${todo ? `, ${todo} todo` : ''} (${files.size} files, ${seconds} s)\n`;
}

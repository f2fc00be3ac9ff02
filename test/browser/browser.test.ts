// Loads the built package in real headless Chromium (Debian's, driven by playwright-core) from
// localhost: with cross-origin isolation the wasm backend runs 2 threads; without it, it falls
// back to 1 thread and says why. Both compare GEMM, softmax and a training step against ref.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = fileURLToPath(new URL('../..', import.meta.url));

interface PageResult {
  error?: string;
  backend: string;
  crossOriginIsolated: boolean;
  info: { threads: number; maxThreads: number; shared: boolean; note: string | null };
  gemm: number; softmax: number; train: number;
}

async function runPage(isolated: boolean): Promise<PageResult> {
  const { server, url } = await serve(root, isolated);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}/test/browser/page.html`);
    await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 60000 });
    const result = await page.evaluate(() => (window as unknown as { result: PageResult }).result);
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await browser.close();
    server.close();
  }
}

test('Chromium is installed (.ci/run installs Debian chromium)', () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}; set CHROMIUM_PATH or apt-get install chromium`);
});

test('cross-origin isolated page: wasm backend with 2 threads matches ref', { timeout: 120000 }, async () => {
  const r = await runPage(true);
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.crossOriginIsolated, true);
  assert.equal(r.backend, 'wasm');
  assert.equal(r.info.shared, true);
  assert.ok(r.info.threads >= 2, `threads: ${JSON.stringify(r.info)}`);
  assert.ok(r.gemm < 1e-5, `gemm rel err ${r.gemm}`);
  assert.ok(r.softmax < 1e-6, `softmax rel err ${r.softmax}`);
  assert.ok(r.train < 1e-4, `training rel err ${r.train}`);
});

test('page without isolation: wasm backend falls back to 1 thread and says so', { timeout: 120000 }, async () => {
  const r = await runPage(false);
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.crossOriginIsolated, false);
  assert.equal(r.backend, 'wasm');
  assert.equal(r.info.shared, false);
  assert.equal(r.info.threads, 1);
  assert.match(r.info.note ?? '', /cross-origin isolated/);
  assert.ok(r.gemm < 1e-5 && r.softmax < 1e-6 && r.train < 1e-4, JSON.stringify(r));
});

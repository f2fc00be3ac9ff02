import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';

test('same seed, same stream; different seeds differ', () => {
  const a = new rc.Rng(42);
  const b = new rc.Rng(42);
  const c = new rc.Rng(43);
  const xa = Array.from({ length: 5 }, () => a.nextU32());
  const xb = Array.from({ length: 5 }, () => b.nextU32());
  const xc = Array.from({ length: 5 }, () => c.nextU32());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
});

test('split gives an independent child and advances the parent deterministically', () => {
  const p1 = new rc.Rng(7);
  const p2 = new rc.Rng(7);
  const c1 = p1.split();
  const c2 = p2.split();
  assert.equal(c1.uniform(), c2.uniform());
  assert.equal(p1.uniform(), p2.uniform());
  assert.notEqual(c1.uniform(), p1.uniform());
});

test('state round-trips exactly, including the cached normal', () => {
  const r = new rc.Rng(3);
  r.normal();
  const s = r.getState();
  const next = [r.normal(), r.uniform(), r.normal()];
  const q = new rc.Rng(0);
  q.setState(s);
  assert.deepEqual([q.normal(), q.uniform(), q.normal()], next);
});

test('uniform and normal have the right moments', () => {
  const r = new rc.Rng(11);
  const n = 100000;
  let su = 0, sn = 0, sn2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    su += u;
    const z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  assert.ok(Math.abs(su / n - 0.5) < 0.01);
  assert.ok(Math.abs(sn / n) < 0.02);
  assert.ok(Math.abs(sn2 / n - 1) < 0.02);
});

test('randn with a seeded rng is reproducible; seed() resets the global generator', () => {
  const a = rc.randn([4], { rng: new rc.Rng(5) }).data();
  const b = rc.randn([4], { rng: new rc.Rng(5) }).data();
  assert.deepEqual(a, b);
  rc.seed(9);
  const c = rc.rand([3]).data();
  rc.seed(9);
  assert.deepEqual(rc.rand([3]).data(), c);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';
import { assertClose } from '../helpers.js';

const { nn } = rc;

class Block extends nn.Module {
  readonly proj: rc.nn.Linear;
  readonly norm: rc.nn.LayerNorm;
  constructor(rng: rc.Rng) {
    super();
    this.proj = this.registerModule('proj', new nn.Linear(3, 4, { rng }));
    this.norm = this.registerModule('norm', new nn.LayerNorm(4));
  }
  forward(x: rc.Tensor): rc.Tensor {
    return this.norm.forward(this.proj.forward(x));
  }
}

test('state dict keys and shapes follow PyTorch naming', () => {
  const model = new nn.Sequential(new nn.Linear(3, 5, { rng: new rc.Rng(0) }), new nn.ReLU(), new nn.Linear(5, 2, { bias: false, rng: new rc.Rng(1) }));
  const sd = model.stateDict();
  assert.deepEqual(Object.keys(sd), ['0.weight', '0.bias', '2.weight']);
  assert.deepEqual(sd['0.weight']!.shape, [5, 3]);
  assert.deepEqual(sd['2.weight']!.shape, [2, 5]);
  assert.equal(model.numParameters(), 15 + 5 + 10);
  const nested = new Block(new rc.Rng(0));
  assert.deepEqual(Object.keys(nested.stateDict()), ['proj.weight', 'proj.bias', 'norm.weight', 'norm.bias']);
  assert.deepEqual(Object.keys(nested.parameterTree()), ['proj', 'norm']);
});

test('loadStateDict copies values and round-trips through safetensors bytes', () => {
  const a = new Block(new rc.Rng(1));
  const b = new Block(new rc.Rng(2));
  const bytes = rc.saveSafetensors(a.stateDict());
  b.loadStateDict(rc.loadSafetensors(bytes));
  const x = rc.randn([2, 3], { rng: new rc.Rng(3) });
  assertClose(b.forward(x), a.forward(x).data(), 0, 0);
});

test('strict loadStateDict lists missing, unexpected and mis-shaped keys and changes nothing', () => {
  const m = new Block(new rc.Rng(1));
  const before = m.proj.weight.data();
  const sd: Record<string, rc.Tensor> = {
    'proj.weight': rc.zeros([4, 3]),
    'proj.bias': rc.zeros([5]),
    'norm.weight': rc.zeros([4]),
    extra: rc.zeros([1]),
  };
  assert.throws(() => m.loadStateDict(sd), (e: unknown) => {
    assert.ok(e instanceof rc.StateDictError);
    assert.deepEqual(e.missing, ['norm.bias']);
    assert.deepEqual(e.unexpected, ['extra']);
    assert.equal(e.misshaped.length, 1);
    assert.match(e.message, /proj\.bias: expected \[4\], got \[5\]/);
    return true;
  });
  assert.deepEqual(m.proj.weight.data(), before);
  // Non-strict loads the matching subset but still refuses wrong shapes.
  assert.throws(() => m.loadStateDict(sd, { strict: false }), rc.StateDictError);
  delete sd['proj.bias'];
  m.loadStateDict(sd, { strict: false });
  assertClose(m.proj.weight, new Array(12).fill(0));
});

test('train/eval toggles dropout in every child', () => {
  const model = new nn.Sequential(new nn.Dropout(0.5, { rng: new rc.Rng(4) }), new nn.Tanh());
  const x = rc.ones([100]);
  const trained = model.forward(x).data();
  assert.ok(Array.from(trained).some((v) => v === 0));
  model.eval();
  assert.equal(model.layers[0]!.training, false);
  assertClose(model.forward(x), new Array(100).fill(Math.tanh(1)));
});

test('Linear and Embedding match their functional definitions; Embedding gradients accumulate repeats', () => {
  const lin = new nn.Linear(4, 3, { rng: new rc.Rng(5) });
  const x = rc.randn([2, 5, 4], { rng: new rc.Rng(6) });
  const expected = rc.add(rc.matmul(x, rc.transpose(lin.weight)), lin.bias!);
  assertClose(lin.forward(x), expected.data(), 1e-6, 1e-6);
  const emb = new nn.Embedding(5, 2, { rng: new rc.Rng(7) });
  const ids = rc.tensor([1, 3, 1], [3], { dtype: 'int32' });
  const g = rc.grad((w: rc.Tensor) => rc.sum(rc.embedding(ids, w)))(emb.weight);
  assertClose(g, [0, 0, 2, 2, 0, 0, 1, 1, 0, 0]);
});

test('RMSNorm and LayerNorm layers normalise the last axis', () => {
  const x = rc.tensor([[1, 2, 3, 4]]);
  const ln = new nn.LayerNorm(4);
  const m = 2.5;
  const v = (1.5 ** 2 + 0.5 ** 2) / 2;
  assertClose(ln.forward(x), [1, 2, 3, 4].map((a) => (a - m) / Math.sqrt(v + 1e-5)), 1e-5);
  const rms = new nn.RMSNorm(4, { eps: 0 });
  const r = Math.sqrt((1 + 4 + 9 + 16) / 4);
  assertClose(rms.forward(x), [1, 2, 3, 4].map((a) => a / r), 1e-6);
});

test('layers reject bad constructor arguments and bad inputs with typed errors', () => {
  assert.throws(() => new nn.Linear(0, 3), rc.ArgumentError);
  assert.throws(() => new nn.Embedding(3, 1.5), rc.ArgumentError);
  assert.throws(() => new nn.Dropout(1.5), rc.ArgumentError);
  assert.throws(() => new nn.LayerNorm(-1), rc.ArgumentError);
  assert.throws(() => new nn.Linear(3, 2).forward(rc.ones([2, 4])), rc.ShapeError);
  assert.throws(() => new nn.Sequential({} as rc.nn.TensorLayer), rc.ArgumentError);
});

test('dispose frees every parameter', () => {
  const before = rc.memory().numTensors;
  const m = new Block(new rc.Rng(8));
  assert.equal(rc.memory().numTensors, before + 4);
  m.dispose();
  assert.equal(rc.memory().numTensors, before);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor } from '../../src/ops/creation.js';
import { square, sub } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { valueAndGrad } from '../../src/autodiff/grad.js';
import { memory } from '../../src/tensor/memory.js';
import { dispose, tidy } from '../../src/tensor/scope.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError, DisposedError, ShapeError, StateDictError } from '../../src/errors.js';
import { Adam, AdamW, RAdam, SGD, cosineLr, linearWarmup } from '../../src/optim/index.js';
import type { Optimizer, OptimizerState } from '../../src/optim/index.js';
import { bits, gradSeq, initial } from './ref.js';

const SHAPES: Record<string, number[]> = { 'layers.0.weight': [3, 2], 'layers.0.bias': [3], 'head.weight': [1, 3] };

function makeParams(dtype: DType): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  Object.entries(SHAPES).forEach(([name, shape], j) => {
    out[name] = tensor(initial(shape.reduce((a, b) => a * b, 1)).map((x) => x * (j + 1)), shape, { dtype });
  });
  return out;
}

function copyParams(ps: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(ps).map(([k, t]) => [k, tensor(t.data(), t.shape, { dtype: t.dtype })]));
}

/** Step k's gradients (a fixed sequence, independent of the parameters). */
function gradsAt(ps: Record<string, Tensor>, k: number): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(ps).map(([name, p], j) => [name, tensor(gradSeq(k + 1, p.size, j)[k]!, p.shape, { dtype: p.dtype })]));
}

/** What a checkpoint does: JSON for kind/step/hyper, fresh tensors (as from safetensors) for slots. */
function throughCheckpoint(s: OptimizerState): OptimizerState {
  const json = JSON.parse(JSON.stringify({ kind: s.kind, step: s.step, hyper: s.hyper })) as Omit<OptimizerState, 'slots'>;
  const slots = Object.fromEntries(Object.entries(s.slots).map(([k, t]) => [k, tensor(t.data(), t.shape, { dtype: t.dtype })]));
  dispose(s.slots);
  return { ...json, slots };
}

const CASES: [string, (ps: Record<string, Tensor>) => Optimizer][] = [
  ['SGD nesterov + weight decay', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['SGD dampening', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.7, dampening: 0.2 })],
  ['SGD plain', (ps) => new SGD(ps, { lr: 0.05 })],
  ['Adam amsgrad + L2', (ps) => new Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.1 })],
  ['AdamW with a warmup+cosine schedule', (ps) => new AdamW(ps, { lr: linearWarmup(0.01, 2, cosineLr(0.01, 10)), betas: [0.8, 0.99] })],
  ['RAdam (crosses rho_t > 5 after resuming)', (ps) => new RAdam(ps, { lr: 0.01, weightDecay: 0.05 })],
];

describe('optimizer state dicts', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [label, make] of CASES) {
      test(`${label} (${dtype}): 3 steps + save/load + 3 steps is bitwise identical to 6 steps`, () => {
        const a = makeParams(dtype);
        const b = copyParams(a);
        const optA = make(a);
        for (let k = 0; k < 6; k++) optA.step(gradsAt(a, k));

        const optB = make(b);
        for (let k = 0; k < 3; k++) optB.step(gradsAt(b, k));
        const saved = throughCheckpoint(optB.stateDict());
        const lrAfter3 = optB.lr;
        optB.dispose();

        const c = copyParams(b);
        const optC = make(c);
        optC.loadStateDict(saved);
        dispose(saved.slots);
        assert.equal(optC.stepCount, 3);
        assert.equal(optC.lr, lrAfter3, 'schedule resumes at the restored step');
        for (let k = 3; k < 6; k++) optC.step(gradsAt(c, k));

        for (const name of Object.keys(SHAPES)) assert.deepEqual(bits(c[name]!), bits(a[name]!), `param ${name}`);
        const sa = optA.stateDict();
        const sc = optC.stateDict();
        assert.deepEqual(Object.keys(sc.slots), Object.keys(sa.slots));
        for (const k of Object.keys(sa.slots)) assert.deepEqual(bits(sc.slots[k]!), bits(sa.slots[k]!), `slot ${k}`);
        assert.deepEqual(sc.hyper, sa.hyper);
        assert.equal(optC.lr, optA.lr);
      });
    }
  }

  test('stateDict layout: kind, step, flat hyper, slots keyed name.slot in the param dtype', () => {
    const ps = makeParams('float32');
    const opt = new Adam(ps, { lr: 0.01, betas: [0.85, 0.995] });
    opt.step(gradsAt(ps, 0));
    const s = opt.stateDict();
    assert.equal(s.kind, 'Adam');
    assert.equal(s.step, 1);
    assert.deepEqual(s.hyper, { lr: 0.01, beta1: 0.85, beta2: 0.995, eps: 1e-8, weightDecay: 0, amsgrad: false });
    assert.deepEqual(Object.keys(s.slots), [
      'layers.0.weight.exp_avg', 'layers.0.weight.exp_avg_sq', 'layers.0.bias.exp_avg', 'layers.0.bias.exp_avg_sq',
      'head.weight.exp_avg', 'head.weight.exp_avg_sq',
    ]);
    assert.deepEqual(s.slots['layers.0.weight.exp_avg']!.shape, [3, 2]);
    assert.equal(s.slots['head.weight.exp_avg_sq']!.dtype, 'float32');
    const arr = new SGD([tensor([1, 2], [2], { dtype: 'float64' })], { momentum: 0.9 }).stateDict();
    assert.deepEqual(Object.keys(arr.slots), ['0.momentum_buffer']);
    assert.equal(arr.slots['0.momentum_buffer']!.dtype, 'float64');
  });

  test('stateDict returns copies: later steps and disposing them do not interact', () => {
    const ps = makeParams('float32');
    const opt = new Adam(ps);
    opt.step(gradsAt(ps, 0));
    const s = opt.stateDict();
    const before = bits(s.slots['head.weight.exp_avg']!);
    opt.step(gradsAt(ps, 1));
    assert.deepEqual(bits(s.slots['head.weight.exp_avg']!), before);
    dispose(s.slots);
    opt.step(gradsAt(ps, 2));
    assert.equal(opt.stateDict().step, 3);
  });

  test('loadStateDict restores hyperparameters (incl. amsgrad) but keeps the constructed lr', () => {
    const a = makeParams('float64');
    const optA = new Adam(a, { lr: 0.01, amsgrad: true, betas: [0.7, 0.9] });
    for (let k = 0; k < 4; k++) optA.step(gradsAt(a, k));
    // Save after 2 steps, then load into an Adam constructed with default betas and no amsgrad.
    const c = makeParams('float64');
    const optC = new Adam(c, { lr: 0.01, amsgrad: true, betas: [0.7, 0.9] });
    for (let k = 0; k < 2; k++) optC.step(gradsAt(c, k));
    const saved = optC.stateDict();
    const d = copyParams(c);
    const optD = new Adam(d, { lr: 0.01 });
    optD.loadStateDict(saved);
    assert.equal(optD.stateDict().hyper.amsgrad, true);
    assert.ok('head.weight.max_exp_avg_sq' in optD.stateDict().slots);
    for (let k = 2; k < 4; k++) optD.step(gradsAt(d, k));
    for (const name of Object.keys(SHAPES)) assert.deepEqual(bits(d[name]!), bits(a[name]!), name);
    // lr is not part of the restored state: a changed lr on resume is honoured.
    const e = copyParams(c);
    const optE = new Adam(e, { lr: 0.5 });
    optE.loadStateDict(saved);
    assert.equal(optE.lr, 0.5);
  });

  test('wrong kind throws ArgumentError', () => {
    const ps = makeParams('float32');
    const s = new Adam(ps).stateDict();
    assert.throws(() => new AdamW(copyParams(ps)).loadStateDict(s),
      (e: unknown) => e instanceof ArgumentError && /AdamW.loadStateDict: state was saved by a 'Adam' optimizer/.test(e.message));
  });

  test('missing, unexpected and mis-shaped slots throw StateDictError listing them', () => {
    const ps = makeParams('float32');
    const opt = new Adam(ps);
    const s = opt.stateDict();
    const target = new Adam(copyParams(ps));

    const missing = { ...s, slots: { ...s.slots } };
    delete missing.slots['layers.0.bias.exp_avg_sq'];
    assert.throws(() => target.loadStateDict(missing), (e: unknown) =>
      e instanceof StateDictError && e.missing.join() === 'layers.0.bias.exp_avg_sq' && /Adam.loadStateDict: missing keys \[layers.0.bias.exp_avg_sq\]/.test(e.message));

    const extra = { ...s, slots: { ...s.slots, 'layers.1.weight.exp_avg': tensor([0], [1]) } };
    assert.throws(() => target.loadStateDict(extra), (e: unknown) => e instanceof StateDictError && e.unexpected.join() === 'layers.1.weight.exp_avg');

    const wrongShape = { ...s, slots: { ...s.slots, 'layers.0.weight.exp_avg': tensor([0, 0, 0, 0, 0, 0], [2, 3]) } };
    assert.throws(() => target.loadStateDict(wrongShape), (e: unknown) =>
      e instanceof StateDictError && /mis-shaped keys \[layers.0.weight.exp_avg: expected \[3, 2\], got \[2, 3\]\]/.test(e.message));

    // Loading into differently named parameters reports every key.
    const renamed = new Adam({ w: tensor([1], [1]) });
    assert.throws(() => renamed.loadStateDict(s), (e: unknown) => e instanceof StateDictError && e.missing.length === 2 && e.unexpected.length === 6);
  });

  test('bad step, hyper and slot values throw typed errors', () => {
    const ps = makeParams('float32');
    const s = new Adam(ps).stateDict();
    const target = new Adam(copyParams(ps));
    const cases: [unknown, (e: unknown) => boolean][] = [
      [{ ...s, step: -1 }, (e) => e instanceof ArgumentError && /state 'step' must be an integer/.test(e.message)],
      [{ ...s, step: 1.5 }, (e) => e instanceof ArgumentError && /state 'step'/.test(e.message)],
      [{ ...s, hyper: { ...s.hyper, beta1: 1.5 } }, (e) => e instanceof ArgumentError && /Adam.loadStateDict: hyper 'beta1' must be a finite number in \[0, 1\)/.test(e.message)],
      [{ ...s, hyper: { ...s.hyper, amsgrad: 1 } }, (e) => e instanceof ArgumentError && /hyper 'amsgrad' must be a boolean/.test(e.message)],
      [{ ...s, hyper: { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, amsgrad: false } }, (e) => e instanceof StateDictError && e.missing.join() === 'hyper.weightDecay'],
      [{ ...s, hyper: { ...s.hyper, momentum: 0.9 } }, (e) => e instanceof StateDictError && e.unexpected.join() === 'hyper.momentum'],
      [{ ...s, slots: { ...s.slots, 'head.weight.exp_avg': [0, 0, 0] } }, (e) => e instanceof ArgumentError && /slot 'head.weight.exp_avg' must be a Tensor/.test(e.message)],
      [{ ...s, slots: { ...s.slots, 'head.weight.exp_avg': tensor([0, 0, 0], [1, 3], { dtype: 'int32' }) } }, (e) => e instanceof DTypeError],
      [null, (e) => e instanceof ArgumentError],
      [{ ...s, slots: null }, (e) => e instanceof ArgumentError && /state 'slots'/.test(e.message)],
    ];
    for (const [state, check] of cases) assert.throws(() => target.loadStateDict(state as OptimizerState), check, JSON.stringify(state, (_k, v: unknown) => (v instanceof Object && 'dtype' in v ? String(v) : v)));
  });

  test('a failed load changes nothing', () => {
    const a = makeParams('float32');
    const b = copyParams(a);
    const optA = new Adam(a, { amsgrad: true });
    const optB = new Adam(b, { amsgrad: true });
    for (let k = 0; k < 2; k++) {
      optA.step(gradsAt(a, k));
      optB.step(gradsAt(b, k));
    }
    const other = new Adam(makeParams('float32')).stateDict();
    delete other.slots['head.weight.exp_avg'];
    assert.throws(() => optB.loadStateDict(other), StateDictError);
    assert.equal(optB.stepCount, 2);
    for (let k = 2; k < 4; k++) {
      optA.step(gradsAt(a, k));
      optB.step(gradsAt(b, k));
    }
    for (const name of Object.keys(SHAPES)) assert.deepEqual(bits(b[name]!), bits(a[name]!), name);
  });

  test('float64 slots load into float32 parameters with rounding', () => {
    const p = tensor([1, 2], [2]);
    const opt = new SGD([p], { momentum: 0.9 });
    opt.loadStateDict({ kind: 'SGD', step: 1, hyper: { momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }, slots: { '0.momentum_buffer': tensor([0.1, 0.2], [2], { dtype: 'float64' }) } });
    assert.deepEqual(Array.from(opt.stateDict().slots['0.momentum_buffer']!.data()), [Math.fround(0.1), Math.fround(0.2)]);
  });
});

describe('optimizer memory and lifetime', () => {
  test('no leaks: 20 steps inside tidy leave memory().numTensors unchanged', () => {
    const ps = makeParams('float32');
    const opt = new AdamW(ps, { amsgrad: true });
    const before = memory();
    for (let k = 0; k < 20; k++) tidy(() => opt.step(gradsAt(ps, k)));
    assert.deepEqual(memory(), before);
    tidy(() => {
      opt.stateDict();
    });
    assert.deepEqual(memory(), before);
  });

  test('state created inside tidy survives it (slots are kept); dispose frees them', () => {
    const ps = makeParams('float32');
    const before = memory().numTensors;
    const opt = tidy(() => new Adam(ps, { amsgrad: true }));
    assert.equal(memory().numTensors, before + 3 * 3);
    tidy(() => opt.step(gradsAt(ps, 0)));
    // A load that adds slots keeps the new ones too.
    const sgd = tidy(() => new SGD(ps));
    tidy(() => sgd.loadStateDict({ kind: 'SGD', step: 0, hyper: { momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 },
      slots: Object.fromEntries(Object.entries(ps).map(([k, p]) => [`${k}.momentum_buffer`, tensor(new Float32Array(p.size), p.shape)])) }));
    assert.equal(memory().numTensors, before + 9 + 3);
    tidy(() => sgd.step(gradsAt(ps, 0)));
    opt.dispose();
    sgd.dispose();
    assert.equal(memory().numTensors, before);
    assert.throws(() => tidy(() => opt.step(gradsAt(ps, 1))), (e: unknown) => e instanceof DisposedError && /Adam.step: the optimizer was disposed/.test(e.message));
    assert.throws(() => opt.stateDict(), DisposedError);
    opt.dispose();
  });

  test('`using` disposes the state', () => {
    const ps = makeParams('float32');
    const before = memory().numTensors;
    {
      using opt = new RAdam(ps);
      tidy(() => opt.step(gradsAt(ps, 0)));
      assert.equal(memory().numTensors, before + 6);
    }
    assert.equal(memory().numTensors, before);
  });
});

describe('optimizer argument checks', () => {
  test('grads must match the parameter structure', () => {
    const arr = [tensor([1, 2], [2]), tensor([3], [1])];
    const opt = new SGD(arr, { lr: 0.1 });
    const cases: [unknown, (e: unknown) => boolean][] = [
      [{ 0: tensor([1, 2], [2]), 1: tensor([1], [1]) }, (e) => e instanceof ArgumentError && /SGD.step: 'grads' must be an array of 2 tensors/.test(e.message)],
      [[tensor([1, 2], [2])], (e) => e instanceof ArgumentError && /'grads' has 1 tensors but there are 2 parameters/.test(e.message)],
      [[tensor([1, 2], [2]), tensor([1, 2], [2])], (e) => e instanceof ShapeError && /SGD.step: gradient for parameter '1' has shape \[2\] but the parameter has shape \[1\]/.test(e.message)],
      [[tensor([1, 2], [2]), 5], (e) => e instanceof ArgumentError && /grads\["1"\] must be a Tensor, got 5/.test(e.message)],
      [[tensor([1, 2], [2]), tensor([1], [1], { dtype: 'int32' })], (e) => e instanceof DTypeError],
    ];
    for (const [g, check] of cases) assert.throws(() => opt.step(g as Tensor[]), check);
    const used = tensor([1], [1]);
    used.dispose();
    assert.throws(() => opt.step([tensor([1, 2], [2]), used]), /grads\["1"\] Tensor\(float32, \[1\]\) was disposed/);

    const rec = { w: tensor([1, 2], [2]), b: tensor([3], [1]) };
    const opt2 = new Adam(rec);
    assert.throws(() => opt2.step([tensor([1, 2], [2]), tensor([1], [1])]), /Adam.step: 'grads' must be a record keyed by parameter name/);
    assert.throws(() => opt2.step({ w: tensor([1, 2], [2]) }), /Adam.step: 'grads' is missing gradients for parameters \[b\]/);
    assert.throws(() => opt2.step({ w: tensor([1, 2], [2]), b: tensor([1], [1]), c: tensor([1], [1]) }), /'grads' has entries for unknown parameters \[c\]/);
    assert.equal(opt.stepCount, 0);
    assert.equal(opt2.stepCount, 0);
  });

  test('a rejected step leaves every parameter untouched', () => {
    const ps = { a: tensor([1, 2], [2]), b: tensor([3], [1]) };
    const opt = new SGD(ps, { lr: 0.1, momentum: 0.9 });
    assert.throws(() => opt.step({ a: tensor([1, 1], [2]), b: tensor([1, 1], [2]) }), ShapeError);
    assert.deepEqual(Array.from(ps.a.data()), [1, 2]);
    assert.deepEqual(Array.from(opt.stateDict().slots['a.momentum_buffer']!.data()), [0, 0]);
  });

  test('parameters are validated', () => {
    const t = tensor([1], [1]);
    assert.throws(() => new SGD([]), /SGD: 'params' is empty/);
    assert.throws(() => new SGD({ a: t, b: t }), /SGD: parameters 'a' and 'b' are the same tensor/);
    assert.throws(() => new Adam([tensor([1], [1], { dtype: 'int32' })]), (e: unknown) => e instanceof DTypeError && /Adam: params\["0"\] must be float32 or float64/.test(e.message));
    assert.throws(() => new Adam(t as never), /Adam: 'params' must be an array of tensors or a record/);
    assert.throws(() => new Adam([{}] as never), /params\["0"\] must be a Tensor/);
    const gone = tensor([1], [1]);
    const opt = new SGD([gone]);
    gone.dispose();
    assert.throws(() => opt.step([tensor([1], [1])]), /SGD.step: parameter '0' .* was disposed/);
  });

  test('mixed float32/float64 parameters each keep their own dtype', () => {
    const ps = [tensor([1, 2], [2]), tensor([1, 2], [2], { dtype: 'float64' })];
    const opt = new Adam(ps);
    opt.step([tensor([0.5, -0.5], [2]), tensor([0.5, -0.5], [2], { dtype: 'float64' })]);
    const s = opt.stateDict();
    assert.equal(s.slots['0.exp_avg']!.dtype, 'float32');
    assert.equal(s.slots['1.exp_avg']!.dtype, 'float64');
    assert.equal(ps[0]!.dtype, 'float32');
    assert.deepEqual(Array.from(ps[0]!.data()), Array.from(ps[1]!.data()).map(Math.fround));
  });

  test('works with valueAndGrad on a record of parameters', () => {
    const params = { w: tensor([0, 0, 0], [3]), b: tensor([0], [1]) };
    const target = tensor([1, -2, 3], [3]);
    const loss = valueAndGrad((p: { w: Tensor; b: Tensor }) => sum(square(sub(sub(p.w, p.b), target))));
    const opt = new Adam(params, { lr: cosineLr(0.1, 500) });
    const before = memory().numTensors;
    let last = Infinity;
    for (let k = 0; k < 500; k++) {
      last = tidy(() => {
        const { value, grads } = loss(params);
        opt.step(grads);
        return value.item();
      });
    }
    assert.equal(memory().numTensors, before);
    assert.ok(last < 1e-6, `final loss ${last}`);
  });
});

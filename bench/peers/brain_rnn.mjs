// brain.js side of the recurrent-layer benchmark (plain-JS recurrent nets, batch size 1 only).
// Usage: node bench/peers/brain_rnn.mjs [--workloads=W1,W2,W3,W4] [--reps=N]
// brain.js cannot batch and has no Adam: W1/W3 train LSTMTimeStep/GRUTimeStep on 32 sequences of
// 128 steps (the 4096 tokens of one W1 batch) as 32 batch-1 updates with its own RMSProp-style rule
// and clipping, loss = next-step MSE at every step, plus its hidden->output layer. Slow (~10 s per
// W1 call), so by default: one warm-up call, then 1 timed call (W1/W3) or 3 (W2/W4).
import { createRequire } from 'node:module';
import { SHAPES, timeAdaptive, emitResult, arg } from '../rnn-common.mjs';

const require = createRequire(import.meta.url);
const brain = require('brain.js');
const version = `brain.js ${require('brain.js/package.json').version}`;
const want = arg('workloads', 'W1,W2,W3,W4').split(',');
const fixed = arg('reps', null);
const timing = (n) => ({ minReps: fixed ? +fixed : n, maxReps: fixed ? +fixed : n, warmup: 0 });
const { B, T, I, H, W4_I, W4_H, W4_STEPS } = SHAPES;
const base = { peer: 'brain.js', version, variant: 'CPU (plain JS), batch 1', threads: 1 };

function randSeq(len, dim) {
  return Array.from({ length: len }, () => Array.from({ length: dim }, () => Math.random() * 2 - 1));
}
const data = Array.from({ length: B }, () => randSeq(T, I));
const trainOpts = { iterations: 1, errorThresh: -1, log: false };

async function train(Cls, name, workload) {
  const net = new Cls({ inputSize: I, hiddenLayers: [H], outputSize: I });
  const samplesMs = await timeAdaptive(() => { net.train(data, trainOpts); }, timing(1));
  emitResult({ ...base, workload, hidden: H, seq: T, batch: B, input: I, unit: 'ms', samplesMs,
    config: `recurrent.${name}({inputSize:${I}, hiddenLayers:[${H}], outputSize:${I}}).train(${B} seqs x ${T} steps, iterations 1): batch 1, next-step MSE at every step, one update per sequence (brain.js's RMSProp-style rule, not Adam)` });
}

async function inference() {
  const net = new brain.recurrent.LSTMTimeStep({ inputSize: I, hiddenLayers: [H], outputSize: I });
  net.train([data[0]], trainOpts);
  const samplesMs = await timeAdaptive(() => { for (const s of data) net.run(s); }, timing(3));
  emitResult({ ...base, workload: 'W2', hidden: H, seq: T, batch: B, input: I, unit: 'ms', samplesMs,
    config: `recurrent.LSTMTimeStep({inputSize:${I}, hiddenLayers:[${H}], outputSize:${I}}).run(seq of ${T}) x ${B} seqs (batch 1, returns the last prediction)` });
}

async function streaming() {
  const net = new brain.recurrent.LSTMTimeStep({ inputSize: W4_I, hiddenLayers: [W4_H], outputSize: W4_I });
  net.train([randSeq(16, W4_I), randSeq(16, W4_I)], trainOpts);
  const seed = randSeq(1, W4_I);
  // forecast(seed, n): the seed step, then each output fed back as the next input, state carried
  const samplesMs = await timeAdaptive(() => { net.forecast(seed, W4_STEPS); }, timing(3));
  emitResult({ ...base, workload: 'W4', impl: 'forecast', hidden: W4_H, seq: 1, batch: 1, input: W4_I, unit: 'us/step', samplesMs, steps: W4_STEPS,
    config: `recurrent.LSTMTimeStep({inputSize:${W4_I}, hiddenLayers:[${W4_H}], outputSize:${W4_I}}).forecast(1-step seed, ${W4_STEPS}): autoregressive, state carried, includes the output layer` });
  // run() restarts from the initial state on every call: one step per call, state NOT carried
  const one = randSeq(1, W4_I);
  const samples2 = await timeAdaptive(() => { for (let t = 0; t < W4_STEPS; t++) net.run(one); }, timing(3));
  emitResult({ ...base, workload: 'W4r', impl: 'run', hidden: W4_H, seq: 1, batch: 1, input: W4_I, unit: 'us/step', samplesMs: samples2, steps: W4_STEPS,
    config: `same net, ${W4_STEPS}x .run([one ${W4_I}-vector]): one step per call, state NOT carried (brain.js cannot hand state across run calls)` });
}

console.log(`# ${version}`);
if (want.includes('W4')) await streaming();
if (want.includes('W2')) await inference();
if (want.includes('W1')) await train(brain.recurrent.LSTMTimeStep, 'LSTMTimeStep', 'W1');
if (want.includes('W3')) await train(brain.recurrent.GRUTimeStep, 'GRUTimeStep', 'W3');

// onnxruntime-node side of the recurrent-layer benchmark: W2 and W4 only (the Node package has no
// training API). CPU execution provider, graph optimisation 'all', sequential, 1 and 2 intra-op threads.
// Usage: node bench/peers/ort_rnn.mjs --models=DIR [--workloads=W2,W4]   (DIR from make_onnx.py)
import { createRequire } from 'node:module';
import path from 'node:path';
import { SHAPES, timeAdaptive, emitResult, arg, randomArray } from '../rnn-common.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const version = `onnxruntime-node ${require('onnxruntime-node/package.json').version}`;
const dir = arg('models', 'models');
const want = arg('workloads', 'W2,W4').split(',');
const { B, T, I, H, W4_I, W4_H, W4_STEPS } = SHAPES;

const opts = (threads) => ({ intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
const f32 = (dims) => new ort.Tensor('float32', randomArray(dims.reduce((a, b) => a * b, 1)), dims);

console.log(`# ${version}, models from ${dir}`);
if (want.includes('W2')) {
  for (const threads of [2, 1]) {
    const s = await ort.InferenceSession.create(path.join(dir, 'lstm_seq.onnx'), opts(threads));
    const feeds = { X: f32([T, B, I]) };
    const samplesMs = await timeAdaptive(async () => { await s.run(feeds); }, { minReps: 7 });
    emitResult({ peer: 'onnxruntime-node', version, variant: `cpu EP, ${threads} intra-op thread${threads > 1 ? 's' : ''}`, threads,
      workload: 'W2', hidden: H, seq: T, batch: B, input: I, unit: 'ms', samplesMs,
      config: `one ONNX LSTM node (opset 14), X[${T},${B},${I}] (seq-major), hidden ${H}, outputs Y (all steps), Y_h, Y_c; await session.run` });
    await s.release();
  }
}
if (want.includes('W4')) {
  for (const threads of [2, 1]) {
    const s = await ort.InferenceSession.create(path.join(dir, 'lstm_step.onnx'), opts(threads));
    const x = f32([1, 1, W4_I]);
    const zeros = () => new ort.Tensor('float32', new Float32Array(W4_H), [1, 1, W4_H]);
    const run = async () => {
      let h = zeros(), c = zeros();
      for (let t = 0; t < W4_STEPS; t++) {
        const r = await s.run({ X: x, H0: h, C0: c });
        h = r.Y_h; c = r.Y_c;
      }
      return h.data[0];
    };
    const samplesMs = await timeAdaptive(run, { minReps: 7 });
    emitResult({ peer: 'onnxruntime-node', version, variant: `cpu EP, ${threads} intra-op thread${threads > 1 ? 's' : ''}`, threads,
      workload: 'W4', hidden: W4_H, seq: 1, batch: 1, input: W4_I, unit: 'us/step', samplesMs, steps: W4_STEPS,
      config: `ONNX LSTM node seq 1 batch 1 input ${W4_I} hidden ${W4_H}, Y_h/Y_c fed back as H0/C0; ${W4_STEPS}x await session.run` });
    await s.release();
  }
}

// TensorFlow.js side of the recurrent-layer benchmark, backend 'wasm' (tfjs-backend-wasm: XNNPACK,
// SIMD, 1 thread; tfjs turns wasm threads off under Node) or 'cpu' (pure JS).
// Usage: node bench/peers/tfjs_rnn.mjs --backend=wasm|cpu [--workloads=W1,W2,W3,W4] [--reps=N]
//   --reps=N fixes the number of timed calls (after one warm-up call); default: adaptive, >= 5.
import { createRequire } from 'node:module';
import { SHAPES, timeAdaptive, emitResult, arg } from '../rnn-common.mjs';

const require = createRequire(import.meta.url);
const backend = arg('backend', 'wasm');
const want = arg('workloads', 'W1,W2,W3,W4').split(',');
const fixedReps = arg('reps', null);
const timing = fixedReps ? { minReps: +fixedReps, maxReps: +fixedReps, warmup: 0 } : { minReps: 5 };
const { B, T, I, H, W4_I, W4_H, W4_STEPS } = SHAPES;

const tf = require('@tensorflow/tfjs');
let version = `@tensorflow/tfjs ${tf.version.tfjs}`;
if (backend === 'wasm') version += `, tfjs-backend-wasm ${require('@tensorflow/tfjs-backend-wasm').version_wasm}`;
if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} failed to initialise`);
await tf.ready();
let variant = 'cpu (pure JS)';
if (backend === 'wasm') {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const thr = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  variant = `wasm (SIMD ${simd ? 'on' : 'off'}, threads ${thr ? 'on' : 'off'})`;
}
console.log(`# ${version}, backend ${tf.getBackend()}: ${variant}`);
const base = { peer: backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu', version, variant, threads: 1 };

function rnnModel(kind, { units, inputShape, batchInputShape, stateful = false, returnSequences = false }) {
  const model = tf.sequential();
  const Layer = kind === 'gru' ? tf.layers.gru : tf.layers.lstm;
  // glorotUniform for the recurrent kernel too: the default orthogonal init is a slow QR in JS
  const cfg = { units, returnSequences, stateful, kernelInitializer: 'glorotUniform', recurrentInitializer: 'glorotUniform' };
  if (batchInputShape) cfg.batchInputShape = batchInputShape; else cfg.inputShape = inputShape;
  model.add(Layer(cfg));
  return model;
}

async function train(kind, workload) {
  const model = rnnModel(kind, { units: H, inputShape: [T, I] });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  const x = tf.randomNormal([B, T, I]);
  const y = tf.randomNormal([B, H]);
  const samplesMs = await timeAdaptive(async () => { await model.trainOnBatch(x, y); }, timing);
  emitResult({ ...base, workload, hidden: H, seq: T, batch: B, input: I, unit: 'ms', samplesMs,
    config: `tf.layers.${kind}({units:${H}, returnSequences:false}) x[${B},${T},${I}], loss meanSquaredError vs [${B},${H}], adam(1e-3), model.trainOnBatch` });
  tf.dispose([x, y]);
  model.dispose();
}

async function inference() {
  const model = rnnModel('lstm', { units: H, inputShape: [T, I], returnSequences: true });
  const x = tf.randomNormal([B, T, I]);
  const samplesMs = await timeAdaptive(() => { const y = model.predict(x); y.dataSync(); y.dispose(); }, timing);
  emitResult({ ...base, workload: 'W2', hidden: H, seq: T, batch: B, input: I, unit: 'ms', samplesMs,
    config: `tf.layers.lstm({units:${H}, returnSequences:true}) x[${B},${T},${I}], model.predict + dataSync (all outputs)` });
  x.dispose();
  model.dispose();
}

async function streaming() {
  // (a) ops API: tf.basicLSTMCell in tf.tidy, state carried as tensors, h read back every step
  {
    const kernel = tf.randomNormal([W4_I + W4_H, 4 * W4_H], 0, 0.1);
    const bias = tf.zeros([4 * W4_H]);
    const forgetBias = tf.scalar(1.0);
    const x = tf.randomNormal([1, W4_I]);
    const run = () => {
      let c = tf.zeros([1, W4_H]), h = tf.zeros([1, W4_H]);
      for (let t = 0; t < W4_STEPS; t++) {
        const [c2, h2] = tf.tidy(() => tf.basicLSTMCell(forgetBias, kernel, bias, x, c, h));
        c.dispose(); h.dispose(); c = c2; h = h2;
        h.dataSync();
      }
      c.dispose(); h.dispose();
    };
    const samplesMs = await timeAdaptive(run, timing);
    emitResult({ ...base, workload: 'W4', impl: 'ops', hidden: W4_H, seq: 1, batch: 1, input: W4_I, unit: 'us/step', samplesMs, steps: W4_STEPS,
      config: `ops API: tf.basicLSTMCell hidden ${W4_H} input ${W4_I} batch 1, ${W4_STEPS} steps in tf.tidy + dataSync` });
    tf.dispose([kernel, bias, forgetBias, x]);
  }
  // (b) layers API: stateful tf.layers.lstm, one model.predict per step
  {
    const model = rnnModel('lstm', { units: W4_H, batchInputShape: [1, 1, W4_I], stateful: true });
    const x = tf.randomNormal([1, 1, W4_I]);
    const run = () => {
      model.resetStates();
      for (let t = 0; t < W4_STEPS; t++) { const y = model.predict(x); y.dataSync(); y.dispose(); }
    };
    const samplesMs = await timeAdaptive(run, timing);
    emitResult({ ...base, workload: 'W4', impl: 'layers', hidden: W4_H, seq: 1, batch: 1, input: W4_I, unit: 'us/step', samplesMs, steps: W4_STEPS,
      config: `layers API: stateful tf.layers.lstm units ${W4_H} input ${W4_I} batch 1, ${W4_STEPS}x model.predict([1,1,${W4_I}]) + dataSync` });
    x.dispose();
    model.dispose();
  }
}

if (want.includes('W4')) await streaming();
if (want.includes('W2')) await inference();
if (want.includes('W1')) await train('lstm', 'W1');
if (want.includes('W3')) await train('gru', 'W3');
console.log(`# tfjs tensors still alive: ${tf.memory().numTensors}`);

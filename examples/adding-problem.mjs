// The adding problem (Hochreiter & Schmidhuber 1997): a sequence of (value, marker) pairs, two
// markers set; the target is the sum of the two marked values. Predicting the mean gives MSE 1/6
// (about 0.167). A 2-layer LSTM learns it. Usage: node examples/adding-problem.mjs [steps] [T] [seed]
import * as rc from 'recurrent';

const steps = Number(process.argv[2] ?? 6000);
const T = Number(process.argv[3] ?? 100);
const seed = Number(process.argv[4] ?? 1);
const B = 32, H = 48;
const rng = new rc.Rng(seed);

function batch(n) {
  const x = new Float32Array(n * T * 2);
  const y = new Float32Array(n);
  for (let b = 0; b < n; b++) {
    const i = rng.int(T / 2), j = T / 2 + rng.int(T / 2);
    for (let t = 0; t < T; t++) x[(b * T + t) * 2] = rng.uniform();
    x[(b * T + i) * 2 + 1] = 1;
    x[(b * T + j) * 2 + 1] = 1;
    y[b] = x[(b * T + i) * 2] + x[(b * T + j) * 2];
  }
  return { x: rc.tensor(x, [n, T, 2]), y: rc.tensor(y, [n, 1]) };
}

const lstm = new rc.nn.LSTM({ inputSize: 2, hiddenSize: H, numLayers: 2, batchFirst: true, rng });
const head = new rc.nn.Linear(H, 1, { rng });
const params = { ...lstm.parameterRecord(), ...Object.fromEntries(Object.entries(head.parameterRecord()).map(([k, v]) => [`head.${k}`, v])) };
const opt = new rc.optim.Adam(params, { lr: rc.optim.cosineLr(3e-3, steps, { warmupSteps: 100, minLr: 3e-4 }) });
const predict = (x) => head.forward(rc.reshape(rc.narrow(lstm.forward(x).output, 1, T - 1, 1), [-1, H]));
const lossAndGrads = rc.valueAndGrad((_p, x, y) => rc.mse(predict(x), y));

const test = batch(512);
const evalMse = () => rc.tidy(() => rc.mse(predict(test.x), test.y).item());
console.log(`adding problem T=${T}: 2-layer LSTM(${H}) + Linear, batch ${B}, Adam, ${steps} steps, seed ${seed}, backend ${rc.getBackend().name}`);
const t0 = performance.now();
let last = NaN;
for (let s = 1; s <= steps; s++) {
  const { x, y } = batch(B);
  const { value, grads } = lossAndGrads(params, x, y);
  rc.optim.clipGradNorm(grads, 1);
  opt.step(grads);
  rc.dispose([value, grads, x, y]);
  if (s % 250 === 0 || s === steps) {
    last = evalMse();
    console.log(`step ${String(s).padStart(5)}  test MSE ${last.toFixed(5)}  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
}
console.log(JSON.stringify({ task: 'adding', T, seed, steps, testMse: last, baselineMse: 1 / 6, seconds: (performance.now() - t0) / 1000 }));

import * as rc from 'recurrent';
import { time } from './util.mjs';
for (const [kind, H] of [['LSTM', 256], ['GRU', 256]]) {
  const rng = new rc.Rng(0);
  const layer = new rc.nn[kind]({ inputSize: 64, hiddenSize: H, batchFirst: true, rng });
  const x = rc.randn([32, 128, 64], { rng });
  const target = rc.randn([32, H], { rng });
  const opt = new rc.optim.Adam(layer.parameterRecord(), { lr: 1e-3 });
  const lg = rc.valueAndGrad(() => rc.mse(rc.squeeze(layer.forward(x).state.h, 0), target));
  const t = time(() => { const { value, grads } = lg(layer.parameterRecord()); opt.step(grads); rc.dispose([value, grads]); }, { warmup: 2, reps: 5 });
  const inf = time(() => rc.tidy(() => layer.forward(x).output), { warmup: 2, reps: 5 });
  console.log(kind, 'train', t.median.toFixed(1), 'ms; infer', inf.median.toFixed(1), 'ms');
}

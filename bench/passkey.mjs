// Passkey retrieval with Mamba-2 beyond the training length, and a state-norm probe (Stuffed
// Mamba: a recurrent state trained on short contexts can blow up or collapse past them).
// Trains Mamba-2 (layers × d_model, d_state 16) on character-level passkey prompts of --train
// lengths, then reports exact-match passkey accuracy (all 5 digits) at longer lengths and the
// Frobenius norm of each layer's SSM state along a long prompt (mean over a batch), measured by
// running the stack over 64-character segments and carrying the state.
//
// Usage: npm run build && node bench/passkey.mjs [--steps=800] [--batch=16] [--hidden=64]
//          [--layers=2] [--train=224,320] [--lengths=320,640,1280,2048] [--threads=N]
import * as rc from 'recurrent';
import os from 'node:os';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const steps = Number(arg('steps', '800'));
const batch = Number(arg('batch', '16'));
const hidden = Number(arg('hidden', '64'));
const layers = Number(arg('layers', '2'));
const lr = Number(arg('lr', '3e-3'));
const trainL = arg('train', '224,320').split(',').map(Number);
const lengths = arg('lengths', '320,640,1280,2048').split(',').map(Number);
if (arg('threads', null)) rc.setThreads(Number(arg('threads', '1')));

const base = rc.tasks.createTask('passkey');
const task = { ...base, trainLengths: [trainL[0], trainL[1]], testLengths: [trainL[1], lengths.at(-1)] };
const cfg = rc.train.trainConfig({ task: 'passkey', model: { name: 'mamba2', hiddenSize: hidden, numLayers: layers }, steps, batchSize: batch, lr,
  evalEvery: 0, checkpointEvery: 0, curriculum: 0, evalSize: 64, warmup: Math.min(100, Math.floor(steps / 10)) });
const t0 = performance.now();
const tr = new rc.train.Trainer(cfg, task);
const r = tr.run();
const seconds = (performance.now() - t0) / 1000;
console.error(`trained ${steps} steps in ${seconds.toFixed(0)} s: train exact match ${r.train.seqAccuracy}`);

const acc = lengths.map((L) => tr.evaluate(L));
// State-norm probe on one batch of the longest prompts.
const rng = new rc.Rng(123);
const L = lengths.at(-1);
const exs = Array.from({ length: 8 }, () => task.example(rng, L));
const T = Math.min(...exs.map((e) => e.input.length));
const model = tr.model.eval();
const norms = [];
rc.noGrad(() => {
  let state = null;
  for (let s = 0; s + 64 <= T; s += 64) {
    const ids = rc.tensor(exs.flatMap((e) => e.input.slice(s, s + 64)), [exs.length, 64], { dtype: 'int32' });
    const out = model.rnn.forward(model.embed.forward(ids), state);
    if (state) rc.dispose(state);
    state = out.state;
    out.output.dispose();
    ids.dispose();
    const ssm = state.ssm; // [L, B, heads, d_state, headdim]
    const per = [];
    for (let l = 0; l < layers; l++) {
      const sl = rc.narrow(ssm, 0, l, 1);
      const n = rc.mean(rc.sqrt(rc.sum(rc.square(rc.reshape(sl, [exs.length, -1])), -1)));
      per.push(n.item());
      rc.dispose([sl, n]);
    }
    norms.push({ position: s + 64, norms: per });
  }
});

console.log(`# passkey, Mamba-2 ${layers} × ${hidden} (d_state 16), trained on ${trainL.join('-')} characters, ${steps} steps of batch ${batch}, lr ${lr}`);
console.log(`# (${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${rc.getBackend().name} backend), ${seconds.toFixed(0)} s of training\n`);
console.log('| prompt length | exact match (5 digits) | digit accuracy |');
console.log('|---:|---:|---:|');
console.log(`| train ${trainL.join('–')} | ${(100 * r.train.seqAccuracy).toFixed(1)} | ${(100 * r.train.accuracy).toFixed(1)} |`);
lengths.forEach((len, i) => console.log(`| ${len} | ${(100 * acc[i].seqAccuracy).toFixed(1)} | ${(100 * acc[i].accuracy).toFixed(1)} |`));
console.log('\n| position | ' + Array.from({ length: layers }, (_, l) => `‖S‖ layer ${l}`).join(' | ') + ' |');
console.log('|---:|' + '---:|'.repeat(layers));
for (const p of norms.filter((x, i) => (x.position & (x.position - 1)) === 0 || i === norms.length - 1)) console.log(`| ${p.position} | ${p.norms.map((v) => v.toFixed(3)).join(' | ')} |`);

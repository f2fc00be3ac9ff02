// Classic recurrent layers (rc.nn.LSTM / rc.nn.GRU) through the public API of the built package.
//
//   W1  LSTM training step: forward, MSE(last h, random target), backward, Adam(1e-3)
//   W2  LSTM inference: forward over the whole sequence, no tape
//   W3  GRU training step (as W1)
//       (W1-W3: input 64, hidden 256, batch 32, sequence 128, batchFirst)
//   W4  streaming: LSTM input 64, hidden 128, batch 1, 1000 single `step` calls, state carried; us/step
//   SH  W1 over hidden size {64, 128, 256, 512, 1024} (sequence 128), 2 threads
//   ST  W1 over sequence length {32, 128, 512, 2048} (hidden 256), 2 threads
//
// W1-W4 run with 2 threads (the default) and 1 thread (rc.setThreads(1)). Every configuration runs
// in a fresh child process (this script with --one), so its memory figures are its own: growth of
// rc.wasmInfo().reservedBytes (wasm heap reserved by tensors; the heap never shrinks, so this is the
// peak) and the process's peak RSS. Timing: one or two warm-up calls, then >= 5 timed calls
// (more for fast ones, about 3 s of work); median, min, max.
//
// Usage: npm run build && node bench/rnn.mjs [--workloads=W1,W2,W3,W4,SH,ST] [--threads=2,1] [--procs=1] [--json]
//   --procs=N runs every configuration in N fresh processes and reports the fastest (the others kept)
//   --json prints only the RESULT lines (one JSON object each); bench/rnn-peers.mjs runs this
//   script beside PyTorch, tfjs, onnxruntime-node and brain.js and prints the combined tables.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SHAPES, SWEEP_H, SWEEP_T, timeAdaptive, emitResult, emitError, arg, flag, peakRssMiB, machineLine } from './rnn-common.mjs';
import { renderOurs } from './rnn-report.mjs';

const { B, T, I, H, W4_I, W4_H, W4_STEPS } = SHAPES;
const MiB = 2 ** 20;

if (flag('one')) await one();
else orchestrate();

function orchestrate() {
  const want = arg('workloads', 'W1,W2,W3,W4,SH,ST').split(',');
  const threadList = arg('threads', '2,1').split(',').map(Number);
  const json = flag('json');
  const plan = [];
  for (const threads of threadList) {
    for (const w of ['W1', 'W2', 'W3']) if (want.includes(w)) plan.push({ workload: w, hidden: H, seq: T, threads, sweep: '' });
    if (want.includes('W4')) plan.push({ workload: 'W4', hidden: W4_H, seq: 1, threads, sweep: '' });
  }
  const sweepThreads = threadList[0];
  if (want.includes('SH')) for (const h of SWEEP_H) plan.push({ workload: 'W1', hidden: h, seq: T, threads: sweepThreads, sweep: 'hidden' });
  if (want.includes('ST')) for (const t of SWEEP_T) plan.push({ workload: 'W1', hidden: H, seq: t, threads: sweepThreads, sweep: 'seq' });

  const records = [];
  const done = new Map();
  const self = fileURLToPath(import.meta.url);
  if (!json) console.log(`# recurrent: classic recurrent layers — ${machineLine()}`);
  for (const p of plan) {
    const key = `${p.workload}/${p.hidden}/${p.seq}/${p.threads}`;
    if (p.sweep && done.has(key)) {
      // the (hidden 256, seq 128) point is W1 itself: measured once, listed in both sweeps
      const rec = { ...done.get(key), sweep: p.sweep };
      console.log('RESULT\t' + JSON.stringify(rec));
      records.push(rec);
      continue;
    }
    const procs = Math.max(1, +arg('procs', '1'));
    const got3 = [];
    let err = '';
    for (let i = 0; i < procs; i++) {
      const r = spawnSync(process.execPath, [self, '--one', `--workload=${p.workload}`, `--hidden=${p.hidden}`, `--seq=${p.seq}`,
        `--threads=${p.threads}`, `--sweep=${p.sweep}`], { encoding: 'utf8', maxBuffer: 64 * MiB });
      let one = null;
      for (const line of (r.stdout ?? '').split('\n')) {
        if (line.startsWith('RESULT\t')) one = JSON.parse(line.slice(7));
        else if (line && !json) console.log(line);
      }
      if (one && !one.error) got3.push(one);
      else err = one?.error ?? `exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`;
    }
    let got;
    if (!got3.length) got = { peer: 'recurrent', ...p, error: err };
    else {
      // as for PyTorch: the fastest of `procs` fresh processes, every process's median kept
      got = got3.reduce((a, b) => (b.median < a.median ? b : a));
      if (procs > 1) got = { ...got, process_medians: got3.map((x) => +x.median.toFixed(3)), process_note: `fastest of ${got3.length} fresh processes` };
    }
    console.log('RESULT\t' + JSON.stringify(got));
    if (!got.error) done.set(key, got);
    records.push(got);
  }
  if (!json) {
    console.log('');
    console.log(renderOurs(records));
  }
}

async function one() {
  const workload = arg('workload', 'W1');
  const hidden = +arg('hidden', String(workload === 'W4' ? W4_H : H));
  const seq = +arg('seq', String(workload === 'W4' ? 1 : T));
  const threads = +arg('threads', '2');
  const sweep = arg('sweep', '');
  const batch = workload === 'W4' ? 1 : B;
  const input = workload === 'W4' ? W4_I : I;
  const base = { peer: 'recurrent', workload, hidden, seq, batch, input, threads, sweep };
  let rc;
  try {
    rc = await import('recurrent');
  } catch (e) {
    emitError({ ...base, error: `import('recurrent') failed (run npm run build): ${e.message}` });
    return;
  }
  const pkg = createRequire(import.meta.url)('recurrent/package.json');
  const backend = rc.getBackend().name ?? String(rc.getBackend());
  const info0 = rc.wasmInfo();
  if (info0) rc.setThreads(threads);
  const info = rc.wasmInfo();
  const version = `recurrent ${pkg.version}`;
  const variant = info ? `wasm backend, ${info.threads} thread${info.threads > 1 ? 's' : ''}` : `${backend} backend`;
  const reserved0 = info?.reservedBytes ?? 0;
  const peak0 = peakRssMiB();
  const rss0 = process.memoryUsage().rss / MiB;
  if (typeof rc.nn.LSTM !== 'function' || typeof rc.nn.GRU !== 'function') {
    emitError({ ...base, version, variant, error: 'rc.nn.LSTM / rc.nn.GRU not in this build' });
    return;
  }

  const rng = new rc.Rng(0);
  let fn, cleanup, config, unit = 'ms', steps = 1;
  let lastLoss = null;
  if (workload === 'W1' || workload === 'W3') {
    const Cls = workload === 'W1' ? rc.nn.LSTM : rc.nn.GRU;
    const layer = new Cls({ inputSize: input, hiddenSize: hidden, batchFirst: true, rng });
    const x = rc.randn([batch, seq, input], { rng });
    const target = rc.randn([batch, hidden], { rng });
    const opt = new rc.optim.Adam(layer.parameterRecord(), { lr: 1e-3 });
    const lossAndGrads = rc.valueAndGrad(() => rc.mse(rc.squeeze(lastH(layer.forward(x).state), 0), target));
    fn = () => {
      const { value, grads } = lossAndGrads(layer.parameterRecord());
      opt.step(grads);
      lastLoss = value.item();
      rc.dispose([value, grads]);
    };
    cleanup = () => { layer.dispose(); opt.dispose?.(); rc.dispose([x, target]); };
    config = `nn.${workload === 'W1' ? 'LSTM' : 'GRU'}({inputSize:${input}, hiddenSize:${hidden}, batchFirst}) x[${batch},${seq},${input}], mse(last h, random target), valueAndGrad, Adam(1e-3).step`;
  } else if (workload === 'W2') {
    const layer = new rc.nn.LSTM({ inputSize: input, hiddenSize: hidden, batchFirst: true, rng });
    const x = rc.randn([batch, seq, input], { rng });
    fn = () => rc.noGrad(() => rc.tidy(() => { layer.forward(x); }));
    cleanup = () => { layer.dispose(); x.dispose(); };
    config = `nn.LSTM({inputSize:${input}, hiddenSize:${hidden}, batchFirst}).forward(x[${batch},${seq},${input}]) in noGrad + tidy (all outputs)`;
  } else if (workload === 'W4') {
    const layer = new rc.nn.LSTM({ inputSize: input, hiddenSize: hidden, batchFirst: true, rng });
    const xt = rc.randn([1, input], { rng });
    fn = () => rc.noGrad(() => {
      let state;
      for (let t = 0; t < W4_STEPS; t++) {
        const r = layer.step(xt, state);
        disposeExcept([state, r.output], r.state);
        state = r.state;
      }
      rc.dispose(state);
    });
    cleanup = () => { layer.dispose(); xt.dispose(); };
    unit = 'us/step';
    steps = W4_STEPS;
    config = `nn.LSTM({inputSize:${input}, hiddenSize:${hidden}}).step(x[1,${input}], state) x ${W4_STEPS}, state carried, noGrad, old states disposed`;
  } else {
    emitError({ ...base, error: `unknown workload ${workload}` });
    return;
  }

  try {
    const live0 = rc.memory().numTensors;
    fn(); // first call outside the timer too, so the leak check below compares steady states
    const live1 = rc.memory().numTensors;
    const samplesMs = await timeAdaptive(fn, { minReps: 5, maxReps: 15 });
    const live2 = rc.memory().numTensors;
    const info2 = rc.wasmInfo();
    const rec = {
      ...base, version, variant, unit, samplesMs, steps, config,
      wasm_reserved_growth_mib: info2 ? (info2.reservedBytes - reserved0) / MiB : null,
      wasm_in_use_mib: info2 ? info2.inUseBytes / MiB : null,
      rss_start_mib: rss0, peak_rss_mib: peakRssMiB(), peak_rss_growth_mib: peakRssMiB() - peak0,
    };
    if (lastLoss !== null) rec.last_loss = lastLoss;
    if (live2 !== live1) rec.leak = `live tensors ${live0} -> ${live1} after 1 call -> ${live2} after ${samplesMs.length + 2} more calls`;
    emitResult(rec);
  } catch (e) {
    emitError({ ...base, version, variant, config, error: `${e.name}: ${e.message}`.slice(0, 400) });
  } finally {
    try { cleanup(); } catch { /* best effort */ }
  }

  function lastH(state) {
    // LSTM state {h, c}; GRU state {h} (or a bare tensor)
    return rc.isTensor(state) ? state : state.h;
  }

  /** Disposes every tensor in `values` that is not also in `keep` (the new state may alias). */
  function disposeExcept(values, keep) {
    const kept = new Set();
    collect(keep, kept);
    const all = new Set();
    collect(values, all);
    for (const t of all) if (!kept.has(t) && !t.isDisposed) t.dispose();
  }

  function collect(v, out) {
    if (v == null) return;
    if (rc.isTensor(v)) out.add(v);
    else if (Array.isArray(v)) for (const e of v) collect(e, out);
    else if (typeof v === 'object') for (const e of Object.values(v)) collect(e, out);
  }
}

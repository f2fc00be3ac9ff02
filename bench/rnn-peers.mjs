// Classic recurrent layers: recurrent beside PyTorch, tfjs (wasm, cpu), onnxruntime-node and brain.js,
// one after another in the same run (never two at once: the machine has 2 cores).
//
//   npm run build && bench/peers/install.sh      # once: the peers live in bench/peers/node_modules
//   node bench/rnn-peers.mjs                      # everything (~15-20 min); tables on stdout
//   node bench/rnn-peers.mjs --only=ours,torch --no-sweeps
//   node bench/rnn-peers.mjs --from=bench/peers/results/rnn-....jsonl   # tables from saved records
//
// Options:
//   --only=ours,torch,tfjs-wasm,tfjs-cpu,ort,brain   which to run (default all; missing peers are skipped with a note)
//   --no-sweeps           skip the W1 sweeps over hidden size and sequence length (ours and PyTorch)
//   --torch=openblas,openblas1,skx,refblas   PyTorch variants: OpenBLAS 2 threads (the anchor, also runs the sweeps),
//                         OpenBLAS 1 thread, OpenBLAS with OPENBLAS_CORETYPE=SkylakeX, reference BLAS
//   --tfjs-cpu-reps=N     timed calls per workload for tfjs-cpu (default 2; ~19 s per W1 call)
//   --brain-reps=N        fix brain.js's timed calls (default 1 for W1/W3, 3 for W2/W4)
//   --out=FILE            where the raw RESULT records go (default bench/peers/results/rnn-<time>.jsonl)
//   --no-wait             do not wait for other busy processes before each step
// Environment: PYTHON (default /usr/bin/python3, the Debian interpreter that sees python3-torch).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, flag, machineLine } from './rnn-common.mjs';
import { renderAll } from './rnn-report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const peersDir = path.join(here, 'peers');
const log = (...a) => console.error(...a);

const from = process.argv.filter((a) => a.startsWith('--from=')).map((a) => a.slice(7));
if (from.length) {
  const records = from.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  const meta = records.find((r) => r.peer === 'meta');
  console.log(renderAll(records.filter((r) => r.peer !== 'meta'), { header: meta ? header(meta) : '' }));
  process.exit(0);
}

const only = arg('only', 'ours,torch,tfjs-wasm,tfjs-cpu,ort,brain').split(',');
const sweeps = !flag('no-sweeps');
const torchVariants = arg('torch', 'openblas,openblas1,skx,refblas').split(',');
const PYTHON = process.env.PYTHON || '/usr/bin/python3';
const started = new Date();
const out = arg('out', path.join(peersDir, 'results', `rnn-${started.toISOString().replace(/[:.]/g, '-')}.jsonl`));
mkdirSync(path.dirname(out), { recursive: true });
const records = [];
const notes = [];

const meta = { peer: 'meta', machine: machineLine(), started: started.toISOString(), notes };
const multiarch = spawnSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).stdout?.trim() || 'x86_64-linux-gnu';
const libdir = `/usr/lib/${multiarch}`;

/** Runs one benchmark process, streaming its output; RESULT lines are recorded. */
function step(name, cmd, args, { env = {}, cwd = root } = {}) {
  waitIdle(name);
  log(`=== ${name}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '', n = 0;
    const onLine = (line) => {
      if (line.startsWith('RESULT\t')) {
        const r = JSON.parse(line.slice(7));
        records.push(r);
        appendFileSync(out, JSON.stringify(r) + '\n');
        n++;
        log(`    ${r.workload}${r.impl && r.impl !== r.workload ? `/${r.impl}` : ''} ${r.peer} ${r.variant ?? ''} ${r.threads ?? ''}thr` +
          `${r.sweep ? ` ${r.sweep}=${r.sweep === 'hidden' ? r.hidden : r.seq}` : ''}: ${r.error ? `ERROR ${r.error}` : `${r.median.toFixed(3)} ${r.unit}`}`);
      } else if (line.trim()) {
        log(`    | ${line}`);
      }
    };
    child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
    });
    child.stderr.on('data', (d) => { for (const l of String(d).split('\n')) if (l.trim()) log(`    ! ${l}`); });
    child.on('close', (code) => {
      if (buf) onLine(buf);
      const s = ((Date.now() - t0) / 1000).toFixed(0);
      log(`    rc=${code}, ${s} s, ${n} results`);
      if (code !== 0) notes.push(`${name}: exited with code ${code} after ${s} s (${n} results)`);
      resolve(code);
    });
  });
}

/** CPU seconds used by every process except this one and its children, over `ms`. */
function othersBusy(ms = 1500) {
  const sample = () => {
    const m = new Map();
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        m.set(pid, { ppid: f[1], cpu: +f[11] + +f[12], comm: st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')) });
      } catch { /* gone */ }
    }
    return m;
  };
  const a = sample();
  spawnSync('sleep', [String(ms / 1000)]);
  const b = sample();
  const hz = 100;
  let busy = 0;
  const who = [];
  for (const [pid, x] of b) {
    if (pid === String(process.pid) || x.ppid === String(process.pid)) continue;
    const d = (x.cpu - (a.get(pid)?.cpu ?? x.cpu)) / hz / (ms / 1000);
    if (d > 0.05) { busy += d; who.push(`${x.comm}(${pid}) ${(d * 100).toFixed(0)}%`); }
  }
  return { busy, who };
}

function waitIdle(name) {
  if (flag('no-wait')) return;
  const deadline = Date.now() + 10 * 60 * 1000;
  for (;;) {
    const { busy, who } = othersBusy();
    if (busy < 0.3) return;
    if (Date.now() > deadline) {
      notes.push(`${name}: ran while other processes were busy (${who.join(', ')})`);
      return;
    }
    log(`    (waiting: other processes busy before ${name}: ${who.join(', ')})`);
    spawnSync('sleep', ['20']);
  }
}

function has(pkg) {
  return existsSync(path.join(peersDir, 'node_modules', pkg, 'package.json'));
}

function pyOk(mod) {
  return spawnSync(PYTHON, ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;
}

log(`# ${meta.machine}; results -> ${out}`);

// 1. ours
if (only.includes('ours')) {
  const built = existsSync(path.join(root, 'dist', 'index.js'));
  if (!built) notes.push('recurrent: dist/ missing (run npm run build first); skipped');
  else await step('recurrent', process.execPath, [path.join(here, 'rnn.mjs'), '--json', `--workloads=W1,W2,W3,W4${sweeps ? ',SH,ST' : ''}`]);
}

// 2. PyTorch (Debian python3-torch), BLAS pinned with LD_LIBRARY_PATH
if (only.includes('torch')) {
  if (!pyOk('torch')) notes.push(`PyTorch: ${PYTHON} cannot import torch (apt-get install python3-torch); skipped`);
  else {
    const ob = `${libdir}/openblas-openmp`;
    const ref = `${libdir}/blas`;
    const haveOb = existsSync(`${ob}/libblas.so.3`);
    const haveRef = existsSync(`${ref}/libblas.so.3`);
    if (!haveOb) notes.push('PyTorch: libopenblas0-openmp not installed (no OpenBLAS variants; the anchor is missing)');
    const script = path.join(peersDir, 'torch_rnn.py');
    const wl = 'W1,W2,W3,W4';
    for (const v of torchVariants) {
      if (v === 'openblas' && haveOb) {
        await step('torch-openblas', PYTHON, [script, '--workloads', `${wl}${sweeps ? ',SH,ST' : ''}`, '--threads', '2', '--label', 'OpenBLAS'],
          { env: { LD_LIBRARY_PATH: ob } });
      } else if (v === 'openblas1' && haveOb) {
        await step('torch-openblas-1thr', PYTHON, [script, '--workloads', wl, '--threads', '1', '--label', 'OpenBLAS'],
          { env: { LD_LIBRARY_PATH: ob, OMP_NUM_THREADS: '1' } });
      } else if (v === 'skx' && haveOb) {
        await step('torch-openblas-skx', PYTHON, [script, '--workloads', wl, '--threads', '2', '--label', 'OpenBLAS-SKX'],
          { env: { LD_LIBRARY_PATH: ob, OPENBLAS_CORETYPE: 'SkylakeX' } });
      } else if (v === 'refblas' && haveRef) {
        await step('torch-refblas', PYTHON, [script, '--workloads', wl, '--threads', '2', '--label', 'refBLAS', '--max-reps', '5'],
          { env: { LD_LIBRARY_PATH: ref } });
      }
    }
  }
}

// 3. tfjs
for (const [name, backend] of [['tfjs-wasm', 'wasm'], ['tfjs-cpu', 'cpu']]) {
  if (!only.includes(name)) continue;
  if (!has('@tensorflow/tfjs') || (backend === 'wasm' && !has('@tensorflow/tfjs-backend-wasm'))) {
    notes.push(`${name}: not installed in bench/peers (run bench/peers/install.sh); skipped`);
    continue;
  }
  const extra = backend === 'cpu' ? [`--reps=${arg('tfjs-cpu-reps', '2')}`] : [];
  if (backend === 'cpu') notes.push(`tfjs-cpu: one warm-up call, then ${arg('tfjs-cpu-reps', '2')} timed calls per workload (a W1 call takes ~20 s)`);
  await step(name, process.execPath, [path.join(peersDir, 'tfjs_rnn.mjs'), `--backend=${backend}`, ...extra]);
}

// 4. onnxruntime-node (inference only: W2, W4)
if (only.includes('ort')) {
  const models = path.join(peersDir, 'models');
  if (!has('onnxruntime-node')) notes.push('onnxruntime-node: not installed in bench/peers (run bench/peers/install.sh); skipped');
  else {
    if (pyOk('onnx')) await step('onnx-models', PYTHON, [path.join(peersDir, 'make_onnx.py'), models]);
    if (!existsSync(path.join(models, 'lstm_seq.onnx'))) notes.push(`onnxruntime-node: no ONNX models (${PYTHON} cannot import onnx: apt-get install python3-onnx); skipped`);
    else await step('onnxruntime-node', process.execPath, [path.join(peersDir, 'ort_rnn.mjs'), `--models=${models}`]);
  }
}

// 5. brain.js
if (only.includes('brain')) {
  if (!has('brain.js')) notes.push('brain.js: not installed in bench/peers (run bench/peers/install.sh); skipped');
  else {
    const r = arg('brain-reps', null);
    await step('brain.js', process.execPath, [path.join(peersDir, 'brain_rnn.mjs'), ...(r ? [`--reps=${r}`] : [])]);
  }
}

meta.finished = new Date().toISOString();
const torchRec = records.find((r) => r.peer === 'pytorch' && !r.error && r.variant === 'OpenBLAS');
if (torchRec) meta.torch_blas = torchRec.blas;
appendFileSync(out, JSON.stringify(meta) + '\n');
console.log(renderAll(records, { header: header(meta) }));
log(`# raw records: ${out}`);

function header(m) {
  const lines = [`Machine: ${m.machine}. Run ${m.started} – ${m.finished ?? '?'}, one benchmark process at a time.`];
  if (m.torch_blas) lines.push(`PyTorch anchor BLAS: ${m.torch_blas.join(', ')}.`);
  for (const n of m.notes ?? []) lines.push(`- ${n}`);
  return lines.join('\n');
}

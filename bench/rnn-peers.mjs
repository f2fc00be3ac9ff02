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
//   --torch=openblas,tuned,openblas1,skx,refblas   PyTorch variants: OpenBLAS 2 threads (the anchor, also runs the
//                         sweeps), the same with glibc malloc tunables (also the sweeps), OpenBLAS 1 thread,
//                         OpenBLAS with OPENBLAS_CORETYPE=SkylakeX, reference BLAS
//   --procs=N             ours and 2-thread PyTorch: every configuration in N fresh processes, the fastest
//                         reported (default 3: 2-thread PyTorch is bimodal per process on this VM)
//   --tfjs-cpu-reps=N     timed calls per workload for tfjs-cpu (default 2; ~19 s per W1 call)
//   --brain-reps=N        fix brain.js's timed calls (default 1 for W1/W3, 3 for W2/W4)
//   --out=FILE            where the raw RESULT records go (default bench/peers/results/rnn-<time>.jsonl)
//   --no-wait             do not wait for other busy processes before each step
// Environment: PYTHON (default /usr/bin/python3, the Debian interpreter that sees python3-torch).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, appendFileSync, readdirSync, statSync } from 'node:fs';
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
  // several files: a later record of the same configuration replaces an earlier one (partial reruns)
  const runs = from.map((f) => {
    const rs = readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const meta = rs.find((r) => r.peer === 'meta') ?? { notes: [] };
    const recs = rs.filter((r) => r.peer !== 'meta');
    meta.steps ??= [...new Set(recs.map((r) => r.peer))];
    return { file: f, meta, recs };
  });
  const byKey = new Map();
  for (const { recs } of runs) {
    for (const r of recs) {
      byKey.delete(configKey(r));
      byKey.set(configKey(r), r);
    }
  }
  // notes about a step that a later run repeated no longer apply
  const notes = runs.flatMap(({ meta }, i) => (meta.notes ?? []).filter((n) =>
    !runs.slice(i + 1).some((later) => later.meta.steps.some((s) => n.startsWith(`${s}:`)))));
  const header0 = [`Machine: ${runs[0].meta.machine ?? '?'}. One benchmark process at a time; ` +
    (runs.length > 1 ? `runs ${runs.map(({ meta }) => `${meta.started} – ${meta.finished} (${meta.steps.join(', ')})`).join('; ')}; a later run's figures replace the earlier ones.` :
      `run ${runs[0].meta.started} – ${runs[0].meta.finished}.`)];
  const blas = runs.map(({ meta }) => meta.torch_blas).find(Boolean);
  if (blas) header0.push(`PyTorch anchor BLAS: ${blas.join(', ')}.`);
  for (const n of notes) header0.push(`- ${n}`);
  console.log(renderAll([...byKey.values()], { header: header0.join('\n') }));
  process.exit(0);
}

const only = arg('only', 'ours,torch,tfjs-wasm,tfjs-cpu,ort,brain').split(',');
const sweeps = !flag('no-sweeps');
const procs = +arg('procs', '3');
const torchVariants = arg('torch', 'openblas,tuned,openblas1,skx,refblas').split(',');
const TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296:glibc.malloc.top_pad=67108864';
const PYTHON = process.env.PYTHON || '/usr/bin/python3';
const started = new Date();
const out = arg('out', path.join(peersDir, 'results', `rnn-${started.toISOString().replace(/[:.]/g, '-')}.jsonl`));
mkdirSync(path.dirname(out), { recursive: true });
const records = [];
const notes = [];

const meta = { peer: 'meta', machine: machineLine(), started: started.toISOString(), notes, steps: [] };
const multiarch = spawnSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).stdout?.trim() || 'x86_64-linux-gnu';
const libdir = `/usr/lib/${multiarch}`;

/**
 * Runs one benchmark process, streaming its output; RESULT lines are recorded. While it runs, the
 * CPU time of every process outside this one's tree is sampled: on this 2-core VM anything else
 * running (even one busy core) wrecks 2-thread timings (OpenMP / worker barriers). A step during
 * which others used more than 0.15 cores on average is run once more after waiting for idle; if
 * the rerun is contended too, its records are kept and marked with `others_cpu`.
 */
async function step(name, cmd, args, opts = {}) {
  meta.steps.push(name);
  for (let attempt = 1; ; attempt++) {
    waitIdle(name);
    const stamp0 = name === 'recurrent' ? distStamp() : 0;
    const { code, recs, others } = await runOnce(name, cmd, args, opts);
    if (stamp0 !== (name === 'recurrent' ? distStamp() : 0)) {
      notes.push(`${name}: dist/ was rebuilt while it ran; ${attempt === 1 ? 'ran it again' : 'kept the second attempt'}`);
      log(`    dist/ changed during ${name}`);
      if (attempt === 1) continue;
    }
    const contended = others > 0.15;
    if (contended && attempt === 1 && !flag('no-wait')) {
      log(`    other processes used ${others.toFixed(2)} cores on average during ${name}: running it again`);
      notes.push(`${name}: first attempt discarded (other processes used ${others.toFixed(2)} cores during it)`);
      continue;
    }
    if (contended) notes.push(`${name}: other processes used ${others.toFixed(2)} cores on average during the kept run (marked † in the tables)`);
    for (const r of recs) {
      if (contended) r.others_cpu = +others.toFixed(2);
      records.push(r);
      appendFileSync(out, JSON.stringify(r) + '\n');
    }
    if (code !== 0) notes.push(`${name}: exited with code ${code} (${recs.length} results)`);
    return code;
  }
}

function runOnce(name, cmd, args, { env = {}, cwd = root } = {}) {
  log(`=== ${name}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const recs = [];
  let othersCpu = 0;
  let prev = cpuSample();
  const timer = setInterval(() => {
    const cur = cpuSample();
    othersCpu += othersDelta(prev, cur);
    prev = cur;
  }, 1000);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const onLine = (line) => {
      if (line.startsWith('RESULT\t')) {
        const r = JSON.parse(line.slice(7));
        recs.push(r);
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
      clearInterval(timer);
      othersCpu += othersDelta(prev, cpuSample());
      if (buf) onLine(buf);
      const sec = (Date.now() - t0) / 1000;
      const others = othersCpu / Math.max(sec, 1e-3);
      log(`    rc=${code}, ${sec.toFixed(0)} s, ${recs.length} results, other processes: ${others.toFixed(2)} cores on average`);
      resolve({ code, recs, others });
    });
  });
}

/** CPU jiffies and parent of every process now. */
function cpuSample() {
  const m = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      m.set(pid, { ppid: f[1], cpu: +f[11] + +f[12], comm: st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')) });
    } catch { /* gone */ }
  }
  return m;
}

/** Pids of this process and all its descendants in a sample. */
function ownTree(sample) {
  const mine = new Set([String(process.pid)]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, x] of sample) if (!mine.has(pid) && mine.has(x.ppid)) { mine.add(pid); grew = true; }
  }
  return mine;
}

/** CPU seconds used between two samples by processes outside this one's tree. */
function othersDelta(a, b, who) {
  const mine = ownTree(b);
  let s = 0;
  for (const [pid, x] of b) {
    if (mine.has(pid)) continue;
    const before = a.get(pid);
    const d = (x.cpu - (before ? before.cpu : x.cpu)) / 100; // USER_HZ = 100 on Linux
    if (d > 0) {
      s += d;
      if (who && d > 0.02) who.push(`${x.comm}(${pid})`);
    }
  }
  return s;
}

/** Average cores used by other processes over `ms`. */
function othersBusy(ms = 1500) {
  const a = cpuSample();
  spawnSync('sleep', [String(ms / 1000)]);
  const who = [];
  const busy = othersDelta(a, cpuSample(), who) / (ms / 1000);
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

/** Latest modification time of the built package (a rebuild during our step mixes two builds). */
function distStamp() {
  let t = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  try { walk(path.join(root, 'dist')); } catch { /* no dist */ }
  return t;
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
  else await step('recurrent', process.execPath, [path.join(here, 'rnn.mjs'), '--json', `--procs=${procs}`, `--workloads=W1,W2,W3,W4${sweeps ? ',SH,ST' : ''}`]);
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
        await step('torch-openblas', PYTHON, [script, '--workloads', `${wl}${sweeps ? ',SH,ST' : ''}`, '--threads', '2', '--label', 'OpenBLAS', '--procs', String(procs)],
          { env: { LD_LIBRARY_PATH: ob } });
      } else if (v === 'openblas1' && haveOb) {
        await step('torch-openblas-1thr', PYTHON, [script, '--workloads', wl, '--threads', '1', '--label', 'OpenBLAS'],
          { env: { LD_LIBRARY_PATH: ob, OMP_NUM_THREADS: '1' } });
      } else if (v === 'skx' && haveOb) {
        await step('torch-openblas-skx', PYTHON, [script, '--workloads', wl, '--threads', '2', '--label', 'OpenBLAS-SKX', '--procs', String(procs)],
          { env: { LD_LIBRARY_PATH: ob, OPENBLAS_CORETYPE: 'SkylakeX' } });
      } else if (v === 'tuned' && haveOb) {
        // glibc keeps freed memory instead of unmapping it: first-touch page faults cost ~12 us per 4 KiB
        // page in this VM, which makes PyTorch's long-sequence steps bimodal (see bench/peers/README.md)
        await step('torch-openblas-tuned', PYTHON, [script, '--workloads', `${wl}${sweeps ? ',SH,ST' : ''}`, '--threads', '2', '--label', 'OpenBLAS, malloc tuned', '--procs', String(procs)],
          { env: { LD_LIBRARY_PATH: ob, GLIBC_TUNABLES: TUNABLES } });
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
  if (backend === 'cpu') notes.push(`tfjs-cpu: one warm-up call, then ${arg('tfjs-cpu-reps', '2')} timed calls per workload (a W1 call takes 13-20 s)`);
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

function configKey(r) {
  return [r.peer, r.variant, r.threads, r.workload, r.impl ?? '', r.hidden, r.seq, r.sweep ?? ''].join('|');
}

function header(m) {
  const lines = [`Machine: ${m.machine}. Run ${m.started} – ${m.finished ?? '?'}, one benchmark process at a time.`];
  if (m.torch_blas) lines.push(`PyTorch anchor BLAS: ${m.torch_blas.join(', ')}.`);
  for (const n of m.notes ?? []) lines.push(`- ${n}`);
  return lines.join('\n');
}

// Markdown tables from the RESULT records of bench/rnn.mjs and the peer scripts.
// Ratios are "time / time of the anchor" (> 1 = slower than the anchor); the anchor is PyTorch with
// OpenBLAS on 2 threads (nn.LSTMCell for W4), as in ../shared/bench/peers/RESULTS.md.

const WORKLOADS = ['W1', 'W2', 'W3', 'W4'];
const TITLES = {
  W1: 'W1 LSTM train step (ms)',
  W2: 'W2 LSTM inference (ms)',
  W3: 'W3 GRU train step (ms)',
  W4: 'W4 streaming step (µs/step)',
};

/** A short name for the implementation a record measured (one table row). */
export function rowLabel(r) {
  const thr = r.threads ? `${r.threads} thr` : '';
  switch (r.peer) {
    case 'recurrent': return `recurrent (${r.variant?.startsWith('wasm') ? 'wasm' : r.variant ?? '?'}, ${thr})`;
    case 'pytorch': return `PyTorch 1.13 ${r.variant}, ${thr}`;
    case 'onnxruntime-node': return `onnxruntime-node 1.30 (CPU EP, ${thr})`;
    case 'tfjs-wasm': return 'tfjs-wasm 4.22 (SIMD, 1 thr)';
    case 'tfjs-cpu': return 'tfjs-cpu 4.22 (pure JS)';
    case 'brain.js': return 'brain.js 2.0.0-beta.24 (batch 1)';
    default: return `${r.peer} ${r.variant ?? ''}`;
  }
}

const VARIANTS = ['OpenBLAS', 'OpenBLAS, malloc tuned', 'OpenBLAS-SKX', 'refBLAS'];
const ORDER = ['recurrent', 'pytorch', 'onnxruntime-node', 'tfjs-wasm', 'tfjs-cpu', 'brain.js'];
const IMPL_NAMES = { W4: 'LSTMCell', 'W4-layer': 'nn.LSTM seq 1', ops: 'basicLSTMCell', layers: 'stateful layer', forecast: 'forecast' };

export function fmt(x) {
  if (x == null || !Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
}
const ratio = (x, a) => (x != null && a ? `${fmt(x / a)}x` : '');
/** The median, marked † when other processes competed for the CPU during the measurement. */
const med = (r) => `${fmt(r.median)}${r.others_cpu ? '†' : ''}`;

function isAnchor(r) {
  return r.peer === 'pytorch' && /^OpenBLAS$/i.test(r.variant) && r.threads === 2;
}

/** The anchor record for a workload (and sweep point). */
function anchorFor(records, w, { hidden, seq, sweep } = {}) {
  const cands = records.filter((r) => !r.error && r.peer === 'pytorch' && r.workload === w &&
    (hidden == null || r.hidden === hidden) && (seq == null || r.seq === seq) && (sweep == null || (r.sweep ?? '') === sweep));
  const pick = (rs) => rs.find((r) => (w !== 'W4' || r.impl === 'W4'));
  return pick(cands.filter(isAnchor)) ?? null;
}

/** The main comparison: rows = implementations, columns = W1..W4, cells "median (ratio)". */
export function mainTable(records) {
  const main = records.filter((r) => !r.sweep && WORKLOADS.includes(r.workload));
  const rows = new Map();
  for (const r of main) {
    const k = rowLabel(r);
    if (!rows.has(k)) rows.set(k, { label: k, peer: r.peer, threads: r.threads, anchor: isAnchor(r), cands: {} });
    (rows.get(k).cands[r.workload] ??= []).push(r);
  }
  for (const row of rows.values()) {
    row.cells = {};
    for (const [w, rs] of Object.entries(row.cands)) {
      // one cell per workload: the anchor's LSTMCell for W4, otherwise the fastest implementation
      const ok = rs.filter((r) => !r.error).sort((a, b) => a.median - b.median);
      row.cells[w] = (row.anchor && ok.find((r) => r.impl === 'W4')) || ok[0] || rs[0];
    }
  }
  const vrank = (row) => { const r = Object.values(row.cells)[0] ?? {}; const i = VARIANTS.indexOf(r.variant); return i < 0 ? 99 : i; };
  const sorted = [...rows.values()].sort((a, b) =>
    ORDER.indexOf(a.peer) - ORDER.indexOf(b.peer) || vrank(a) - vrank(b) || (b.threads ?? 0) - (a.threads ?? 0) || a.label.localeCompare(b.label));
  const anchors = Object.fromEntries(WORKLOADS.map((w) => [w, anchorFor(main, w, { sweep: '' })]));
  const out = [];
  out.push(`| implementation | ${WORKLOADS.map((w) => TITLES[w]).join(' | ')} |`);
  out.push(`|---|${WORKLOADS.map(() => '---:').join('|')}|`);
  for (const row of sorted) {
    const cells = WORKLOADS.map((w) => {
      const r = row.cells[w];
      if (!r) return '—';
      if (r.error) return 'failed';
      const impl = w === 'W4' && r.impl && r.peer !== 'recurrent' ? ` [${IMPL_NAMES[r.impl] ?? r.impl}]` : '';
      const rt = ratio(r.median, anchors[w]?.median);
      return `${med(r)}${rt ? ` (${rt})` : ''}${impl}`;
    });
    const name = row.anchor ? `**${row.label}** (anchor)` : row.label;
    out.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return out.join('\n');
}

/** Every record of W1-W4 with its spread and configuration. */
export function detailTable(records) {
  const main = records.filter((r) => !r.sweep && (WORKLOADS.includes(r.workload) || r.workload === 'W4r'));
  const out = [];
  out.push('| workload | implementation | what ran | median | min–max | n | medians of the fresh processes | vs anchor |');
  out.push('|---|---|---|---:|---|---:|---|---:|');
  const sorted = [...main].sort((a, b) => a.workload.localeCompare(b.workload) ||
    ORDER.indexOf(a.peer) - ORDER.indexOf(b.peer) || (b.threads ?? 0) - (a.threads ?? 0));
  for (const r of sorted) {
    const unit = r.unit === 'us/step' ? 'µs/step' : 'ms';
    const a = anchorFor(main, r.workload === 'W4r' ? 'none' : r.workload, { sweep: '' });
    if (r.error) {
      out.push(`| ${r.workload} | ${rowLabel(r)} | ${r.config ?? ''} | failed: ${String(r.error).replace(/\|/g, '/')} | | | | |`);
      continue;
    }
    out.push(`| ${r.workload} | ${rowLabel(r)} | ${r.config} | ${med(r)} ${unit} | ${fmt(r.min)}–${fmt(r.max)} | ${r.n} | ${(r.process_medians ?? []).map(fmt).join(', ')} | ${ratio(r.median, a?.median)} |`);
  }
  return out.join('\n');
}

function mem(r) {
  if (!r || r.error) return '';
  return `${fmt(r.peak_rss_mib)} (+${fmt(r.peak_rss_growth_mib)})`;
}

/** W1 sweep over hidden size or sequence length: ours (first thread count found) beside PyTorch. */
export function sweepTable(records, sweep) {
  const key = sweep === 'hidden' ? 'hidden' : 'seq';
  const ours = records.filter((r) => r.peer === 'recurrent' && r.sweep === sweep);
  const torch = records.filter((r) => r.peer === 'pytorch' && r.sweep === sweep && isAnchor(r));
  const tuned = records.filter((r) => r.peer === 'pytorch' && r.sweep === sweep && r.variant === 'OpenBLAS, malloc tuned' && r.threads === 2);
  const points = [...new Set([...ours, ...torch, ...tuned].map((r) => r[key]))].sort((a, b) => a - b);
  if (!points.length) return '';
  const any = ours[0] ?? torch[0] ?? tuned[0];
  const fixed = sweep === 'hidden' ? `sequence ${any.seq}` : `hidden ${any.hidden}`;
  const out = [];
  out.push(`W1 (LSTM train step, batch 32, input 64, ${fixed}) over ${sweep === 'hidden' ? 'hidden size' : 'sequence length'}; ` +
    `ours: ${ours[0] ? rowLabel(ours[0]) : 'n/a'}; PyTorch: ${torch[0] ? rowLabel(torch[0]) : 'n/a'}` +
    `${tuned.length ? ', and the same with glibc malloc tunables that keep freed memory mapped ("tuned")' : ''}. ` +
    'Memory in MiB: wasm heap = growth of rc.wasmInfo().reservedBytes; peak RSS of the process (+ growth over its value before the model was built).');
  out.push('');
  const tcols = tuned.length ? ' PyTorch tuned ms | ours / tuned |' : '';
  out.push(`| ${key === 'hidden' ? 'H' : 'T'} | ours ms | PyTorch ms | ours / PyTorch |${tcols} ours tokens/s | PyTorch tokens/s | ours wasm heap | ours peak RSS | PyTorch peak RSS |`);
  out.push(`|---:|---:|---:|---:|${tuned.length ? '---:|---:|' : ''}---:|---:|---:|---:|---:|`);
  const ms = (r) => (!r ? '—' : r.error ? 'failed' : med(r));
  const tps = (r) => (!r || r.error ? '' : fmt(r.tokens_per_s));
  const rt = (a, b) => (a && b && !a.error && !b.error ? ratio(a.median, b.median) : '');
  for (const p of points) {
    const o = ours.find((r) => r[key] === p);
    const t = torch.find((r) => r[key] === p);
    const u = tuned.find((r) => r[key] === p);
    const tc = tuned.length ? ` ${ms(u)} | ${rt(o, u)} |` : '';
    out.push(`| ${p} | ${ms(o)} | ${ms(t)} | ${rt(o, t)} |${tc} ${tps(o)} | ${tps(t)} | ` +
      `${o && !o.error ? fmt(o.wasm_reserved_growth_mib) : ''} | ${mem(o)} | ${mem(t)} |`);
  }
  const errs = [...ours, ...torch, ...tuned].filter((r) => r.error);
  for (const e of errs) out.push(`\n${rowLabel(e)} at ${key} ${e[key]} failed: ${e.error}`);
  return out.join('\n');
}

/** Only our records (bench/rnn.mjs on its own). */
export function renderOurs(records) {
  const out = [];
  const main = records.filter((r) => !r.sweep);
  if (main.length) {
    out.push('| workload | implementation | median | min–max | n | wasm heap MiB | peak RSS MiB | note |');
    out.push('|---|---|---:|---|---:|---:|---:|---|');
    for (const r of main) {
      const unit = r.unit === 'us/step' ? 'µs/step' : 'ms';
      if (r.error) out.push(`| ${r.workload} | ${rowLabel(r)} | failed | | | | | ${r.error} |`);
      else out.push(`| ${r.workload} | ${rowLabel(r)} | ${med(r)} ${unit} | ${fmt(r.min)}–${fmt(r.max)} | ${r.n} | ${fmt(r.wasm_reserved_growth_mib)} | ${fmt(r.peak_rss_mib)} | ${r.leak ?? ''} |`);
    }
  }
  for (const s of ['hidden', 'seq']) {
    const t = sweepTable(records, s);
    if (t) out.push('', t);
  }
  return out.join('\n');
}

/** Everything, for docs/benchmarks.md. */
export function renderAll(records, { header = '' } = {}) {
  const out = [];
  if (header) out.push(header, '');
  out.push(mainTable(records), '');
  out.push('Cells: median (ratio to PyTorch OpenBLAS 2 threads; > 1 = slower). W4: the fastest per-step API of each peer, named in brackets; the anchor is nn.LSTMCell.' +
    (records.some((r) => r.process_medians) ? ' Where a configuration ran in several fresh processes (ours, and PyTorch on 2 threads), the fastest process\'s median is shown; all of them are in "Every measurement".' : ''), '');
  for (const s of ['hidden', 'seq']) {
    const t = sweepTable(records, s);
    if (t) out.push(t, '');
  }
  out.push('<details><summary>Every measurement</summary>', '', detailTable(records), '', '</details>');
  if (records.some((r) => r.others_cpu)) out.push('', '† other processes used CPU during this measurement (see the notes above); treat it as noisy.');
  const leaks = records.filter((r) => r.leak);
  for (const r of leaks) out.push('', `Note: ${rowLabel(r)} ${r.workload}: ${r.leak}`);
  return out.join('\n');
}

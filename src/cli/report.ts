import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { TrainConfig } from '../train/config.js';
import type { ModelConfig } from '../models/sequence-model.js';
import type { EvalRecord, StepRecord } from '../train/history.js';
import type { TrainResult } from '../train/trainer.js';

/** Everything the HTML report shows. */
export interface ReportData {
  result: TrainResult;
  config: TrainConfig;
  modelConfig: ModelConfig;
  history: { steps: StepRecord[]; evals: EvalRecord[] };
  timings: { trainSeconds: number; tokensPerSec: number; wallSeconds: number; backend: string; threads: number };
  trainLengths: readonly number[];
  testLengths: readonly number[];
}

/**
 * A self-contained HTML page (no network): uPlot and its stylesheet are inlined, the data is a JSON
 * literal. Charts: training loss, evaluation metric against steps, metric against sequence length.
 */
export function renderReport(d: ReportData): string {
  const req = createRequire(import.meta.url);
  const js = readFileSync(req.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(req.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const title = `${d.result.task} · ${d.result.model} · seed ${d.result.seed}`;
  // '<' escaped so no string in the data can close the script element.
  const data = JSON.stringify(d).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>recurrent: ${escapeHtml(title)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:20px} h2{font-size:16px;margin-top:28px} table{border-collapse:collapse}
td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right} td:first-child,th:first-child{text-align:left}
.chart{margin:8px 0 20px}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<div id="summary"></div>
<h2>Training loss</h2><div class="chart" id="loss"></div>
<h2>Evaluation during training</h2><div class="chart" id="evals"></div>
<h2>Against sequence length</h2><div class="chart" id="curve"></div>
<h2>Final metrics</h2><div id="final"></div>
<h2>Configuration</h2><div id="config"></div>
<h2>Timings</h2><div id="timings"></div>
<script>${js}</script>
<script>
const D = ${data};
const metric = D.result.train.mse !== undefined ? 'mse' : 'accuracy';
const fmt = (v) => typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v);
const table = (rows) => '<table>' + rows.map((r, i) => '<tr>' + r.map((c) => i === 0 ? '<th>' + c + '</th>' : '<td>' + c + '</td>').join('') + '</tr>').join('') + '</table>';
const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
document.getElementById('summary').innerHTML = '<p>' + esc(D.result.steps + ' steps, ' + D.result.parameters + ' parameters' + (D.result.stoppedEarly ? ', stopped early' : '')) + '</p>';
const W = Math.min(960, window.innerWidth - 48);
const line = (label, color, scale) => ({ label, stroke: color, width: 2, scale: scale || 'y' });
// Loss on a log axis (it spans decades); accuracy on [0, 1].
const yScale = metric === 'accuracy' ? { range: [0, 1.02] } : { distr: 3 };
new uPlot({ width: W, height: 260, scales: { x: { time: false }, y: { distr: 3 } }, axes: [{ label: 'step' }, { label: 'loss (log scale)' }],
  series: [{ label: 'step' }, line('train loss (mean per log interval)', '#1f77b4')] },
  [D.history.steps.map((s) => s.step), D.history.steps.map((s) => s.loss)], document.getElementById('loss'));
new uPlot({ width: W, height: 260, scales: { x: { time: false }, y: yScale }, axes: [{ label: 'step' }, { label: metric }],
  series: [{ label: 'step' }, line(metric + ' at training lengths', '#2ca02c'), line(metric + ' at test lengths', '#d62728')] },
  [D.history.evals.map((e) => e.step), D.history.evals.map((e) => e.train[metric]), D.history.evals.map((e) => e.test[metric])], document.getElementById('evals'));
new uPlot({ width: W, height: 260, scales: { x: { time: false }, y: yScale }, axes: [{ label: 'sequence length (task size)' }, { label: metric }],
  series: [{ label: 'length' }, Object.assign(line(metric, '#9467bd'), { points: { show: true, size: 7 } })] },
  [D.result.curve.map((p) => p.length), D.result.curve.map((p) => p[metric])], document.getElementById('curve'));
const cols = Object.keys(D.result.train).filter((k) => k !== 'examples');
document.getElementById('final').innerHTML = table([['evaluated on', ...cols],
  ['train lengths ' + D.trainLengths.join('-'), ...cols.map((c) => fmt(D.result.train[c]))],
  ['test lengths ' + D.testLengths.join('-'), ...cols.map((c) => fmt(D.result.test[c]))],
  ...D.result.curve.map((p) => ['length ' + p.length, ...cols.map((c) => fmt(p[c]))])]);
const flat = Object.assign({}, D.config, { model: undefined, taskOptions: JSON.stringify(D.config.taskOptions) }, D.modelConfig);
document.getElementById('config').innerHTML = table([['key', 'value'], ...Object.entries(flat).filter(([, v]) => v !== undefined).map(([k, v]) => [esc(k), esc(fmt(v))])]);
document.getElementById('timings').innerHTML = table([['key', 'value'], ...Object.entries(D.timings).map(([k, v]) => [esc(k), esc(fmt(v))])]);
</script></body></html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReproductionTable } from '../reproduce/table.js';
import { renderMarkdown } from '../reproduce/table.js';
import type { Series } from '../reproduce/types.js';

/** One cell's curves for the page. */
export interface PageCell { id: string; row: string; seed: number; series: readonly Series[] }

/**
 * A self-contained HTML page for one experiment run (no network; uPlot inlined as in the run
 * report): the claim, the paper-vs-ours table, the verdict, and one chart per kind of curve with a
 * line per cell (training runs: the metric during training; measure cells: their own curves).
 */
export function renderReproductionPage(t: ReproductionTable, cells: readonly PageCell[]): string {
  const req = createRequire(import.meta.url);
  const js = readFileSync(req.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(req.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  // Charts by series name: x is the union of the cells' x, missing points are gaps.
  const names = [...new Set(cells.flatMap((c) => c.series.map((s) => s.name)))];
  const charts = names.map((name) => {
    const members = cells.flatMap((c) => c.series.filter((s) => s.name === name).map((s) => ({ label: `${c.row} · seed ${c.seed}`, s })));
    const xs = [...new Set(members.flatMap((m) => m.s.x))].sort((a, b) => a - b);
    const ys = members.map((m) => xs.map((x) => { const i = m.s.x.indexOf(x); return i >= 0 ? m.s.y[i]! : null; }));
    return { name, xLabel: members[0]!.s.xLabel, yLabel: members[0]!.s.yLabel, labels: members.map((m) => m.label), data: [xs, ...ys] };
  });
  const data = JSON.stringify({ charts, markdown: renderMarkdown(t) }).replace(/</g, '\\u003c');
  const title = `recurrent reproduce ${t.experiment} (${t.budget})`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px} h2{font-size:16px;margin-top:28px} table{border-collapse:collapse;margin:8px 0}
td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right;vertical-align:top} td:first-child,th:first-child{text-align:left}
.chart{margin:8px 0 24px}
</style></head><body>
<h1>${esc(title)}</h1>
<div id="table"></div>
<div id="charts"></div>
<script>${js}</script>
<script>
const D = ${data};
const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
// The Markdown table, rendered: headings, paragraphs with **bold**, and one pipe table.
const html = [];
let rows = [];
const flush = () => { if (rows.length) { html.push('<table>' + rows.map((r, i) => '<tr>' + r.map((c) => i === 0 ? '<th>' + esc(c) + '</th>' : '<td>' + esc(c) + '</td>').join('') + '</tr>').join('') + '</table>'); rows = []; } };
for (const line of D.markdown.split('\\n')) {
  if (line.startsWith('|')) { if (!/^\\|[-:|]+\\|$/.test(line)) rows.push(line.slice(1, -1).split('|').map((c) => c.trim())); continue; }
  flush();
  if (line.startsWith('### ')) html.push('<h2>' + esc(line.slice(4)) + '</h2>');
  else if (line.trim()) html.push('<p>' + esc(line).replace(/\\*\\*([^*]+)\\*\\*/g, '<b>$1</b>') + '</p>');
}
flush();
document.getElementById('table').innerHTML = html.join('');
const W = Math.min(1040, window.innerWidth - 48);
const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
for (const c of D.charts) {
  const div = document.createElement('div');
  div.className = 'chart';
  const h = document.createElement('h2');
  h.textContent = c.name;
  document.getElementById('charts').append(h, div);
  new uPlot({ width: W, height: 300, scales: { x: { time: false } }, axes: [{ label: c.xLabel }, { label: c.yLabel }],
    series: [{ label: c.xLabel }, ...c.labels.map((l, i) => ({ label: l, stroke: palette[i % palette.length], width: 2, spanGaps: true }))] },
    c.data, div);
}
</script></body></html>
`;
}

function esc(s: string): string {
  return s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

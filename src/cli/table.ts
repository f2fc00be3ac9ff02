import type { Metrics } from '../train/metrics.js';
import type { TrainResult } from '../train/trainer.js';

/** Renders rows as an aligned text table (the first `leftColumns` left-aligned, others right). */
export function renderTable(header: string[], rows: string[][], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('   '), ...rows.map(line)].join('\n');
}

/** Metric columns for a result's head kind. */
export function metricColumns(m: Metrics): [string, (m: Metrics) => string][] {
  if (m.mse !== undefined) return [['mse', (x) => (x.mse ?? NaN).toPrecision(4)]];
  const cols: [string, (m: Metrics) => string][] = [['accuracy', (x) => (x.accuracy ?? NaN).toFixed(3)]];
  if (m.seqAccuracy !== undefined) cols.push(['seq acc', (x) => (x.seqAccuracy ?? NaN).toFixed(3)]);
  cols.push(['loss', (x) => x.loss.toFixed(4)]);
  if (m.seqAccuracy !== undefined) cols.push(['bits/char', (x) => (x.bitsPerChar ?? NaN).toFixed(3)]);
  return cols;
}

/** The final table of `train` and `eval`: training range, test range, then the length curve. */
export function resultTable(r: Pick<TrainResult, 'train' | 'test' | 'curve'>, trainLengths: readonly number[], testLengths: readonly number[]): string {
  const cols = metricColumns(r.train);
  const row = (label: string, m: Metrics): string[] => [label, ...cols.map(([, f]) => f(m))];
  const rows = [row(`train lengths ${trainLengths[0]}-${trainLengths[1]}`, r.train), row(`test lengths ${testLengths[0]}-${testLengths[1]}`, r.test)];
  for (const p of r.curve) rows.push(row(`  length ${p.length}`, p));
  return renderTable(['evaluated on', ...cols.map(([h]) => h)], rows);
}

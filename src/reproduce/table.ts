import type { Budget, Column, Experiment, Results, Stat, Verdict } from './types.js';

/** What one finished cell contributed: its values by column key. */
export interface CellValues {
  /** The cell's id (its folder name). */
  readonly id: string;
  /** Its table row. */
  readonly row: string;
  /** Its seed. */
  readonly seed: number;
  /** Its numbers by column key. */
  readonly values: Readonly<Record<string, number>>;
}

/** Mean, min and max over the seeds of each row and column (non-finite values count as NaN). */
export function aggregate(cells: readonly CellValues[]): Results {
  const acc: Record<string, Record<string, number[]>> = {};
  for (const c of cells) {
    const row = (acc[c.row] ??= {});
    for (const [k, v] of Object.entries(c.values)) (row[k] ??= []).push(v);
  }
  const out: Record<string, Record<string, Stat>> = {};
  for (const [row, cols] of Object.entries(acc)) {
    out[row] = {};
    for (const [k, vs] of Object.entries(cols)) {
      out[row]![k] = { mean: vs.reduce((a, b) => a + b, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs), n: vs.length };
    }
  }
  return out;
}

/** The finished table of one run of an experiment (what `--json` prints and table.json holds). */
export interface ReproductionTable {
  /** Experiment name. */
  readonly experiment: string;
  /** The paper, its table or figure, and the claim (copied from the experiment). */
  readonly paper: string;
  /** The paper, its table or figure, and the claim (copied from the experiment). */
  readonly figure: string;
  /** The paper, its table or figure, and the claim (copied from the experiment). */
  readonly claim: string;
  /** The budget run, and what it means for this experiment. */
  readonly budget: Budget;
  /** The budget run, and what it means for this experiment. */
  readonly budgetText: string;
  /** Seeds per row. */
  readonly seeds: number;
  /** Table columns. */
  readonly columns: readonly Column[];
  /** One entry per row that ran: the paper's numbers and ours. */
  readonly rows: readonly TableRow[];
  /** The experiment's verdict rule applied to our numbers. */
  readonly verdict: Verdict;
  /** Seconds spent computing cells in this invocation (finished cells that were reused cost nothing). */
  readonly seconds: number;
  /** Cells computed now and cells reused from an earlier, interrupted or finished run. */
  readonly cellsRun: number;
  /** Cells computed now and cells reused from an earlier, interrupted or finished run. */
  readonly cellsReused: number;
}

/** One row of a reproduction table. */
export interface TableRow {
  /** Row label. */
  readonly row: string;
  /** The paper's numbers by column key. */
  readonly paper: Readonly<Record<string, number | string>>;
  /** Ours by column key, over seeds. */
  readonly ours: Readonly<Record<string, Stat>>;
}

/** Builds the table from the experiment and the aggregated results. */
export function buildTable(exp: Experiment, budget: Budget, seeds: number, results: Results,
  run: { seconds: number; cellsRun: number; cellsReused: number }): ReproductionTable {
  return {
    experiment: exp.name, paper: exp.paper, figure: exp.figure, claim: exp.claim, budget, budgetText: exp.budgets[budget], seeds,
    columns: exp.columns,
    rows: exp.rows.filter((r) => results[r]).map((row) => ({ row, paper: exp.paperNumbers[row] ?? {}, ours: results[row]! })),
    verdict: exp.verdict(results, budget), ...run,
  };
}

/** A value over seeds: the mean, and (min–max) when more than one seed ran. */
export function formatStat(s: Stat | undefined, digits = 1): string {
  if (!s) return '—';
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
  return s.n > 1 ? `${f(s.mean)} (${f(s.min)}–${f(s.max)})` : f(s.mean);
}

/** The table as Markdown: the claim, then paper vs ours per column, then the verdict. */
export function renderMarkdown(t: ReproductionTable): string {
  const head = ['row', ...t.columns.flatMap((c) => [`${c.label} (paper)`, `${c.label} (ours)`])];
  const lines = [
    `### ${t.experiment} — ${t.paper}, ${t.figure}`, '',
    `**Claim.** ${t.claim}`, '',
    `**Budget.** ${t.budget}: ${t.budgetText}; ${t.seeds} seed${t.seeds > 1 ? 's' : ''} per row (ours: mean, and the range over seeds).`, '',
    `| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    // A '|' inside a cell would end it: row labels and values are written without one.
    ...t.rows.map((r) => `| ${[r.row, ...t.columns.flatMap((c) => {
      const p = r.paper[c.key];
      return [p === undefined ? '—' : typeof p === 'number' ? p.toFixed(c.digits ?? 1) : p, formatStat(r.ours[c.key], c.digits ?? 1)];
    })].join(' | ')} |`),
    '', `**Verdict.** ${t.verdict.reproduced === null ? 'not judged' : t.verdict.reproduced ? 'reproduces' : 'does not reproduce'}: ${t.verdict.text}`,
  ];
  return lines.join('\n') + '\n';
}

export { listExperiments, getExperiment } from './registry.js';
export { aggregate, buildTable, formatStat, renderMarkdown } from './table.js';
export type { CellValues, ReproductionTable, TableRow } from './table.js';
export { BUDGETS } from './types.js';
export type {
  Budget, Cell, Column, Experiment, MeasureCell, MeasureOutput, Probe, ProbeContext, MetricRef, Results, Series, Stat, TrainCell, Verdict,
} from './types.js';

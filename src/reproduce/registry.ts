import { ArgumentError } from '../errors.js';
import { aarenTimeseries } from './aaren-timeseries.js';
import { seluFixedPoint } from './selu-fixed-point.js';
import { deltaproductGroups } from './deltaproduct-groups.js';
import { dfaIcl } from './dfa-icl.js';
import { jrtPromptMqar } from './jrt-prompt-mqar.js';
import { jrtSetDisjointness } from './jrt-set-disjointness.js';
import { listopsSurvey } from './listops-survey.js';
import { lsslRecall } from './lssl-recall.js';
import { stuffedMamba } from './stuffed-mamba.js';
import { pararnnStateTracking } from './pararnn-state-tracking.js';
import { timescales } from './timescales.js';
import type { Experiment } from './types.js';

const EXPERIMENTS: Experiment[] = [aarenTimeseries, deltaproductGroups, dfaIcl, jrtPromptMqar, jrtSetDisjointness, listopsSurvey, lsslRecall, pararnnStateTracking, seluFixedPoint, stuffedMamba, timescales];

/** Every registered experiment. */
export function listExperiments(): readonly Experiment[] {
  return EXPERIMENTS;
}

/** Looks an experiment up by name; the error lists the valid names. */
export function getExperiment(name: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (!e) throw new ArgumentError('reproduce', `unknown experiment '${name}'; valid experiments: ${EXPERIMENTS.map((x) => x.name).join(', ')}`);
  return e;
}

import { ArgumentError } from '../errors.js';
import { seluFixedPoint } from './selu-fixed-point.js';
import { deltaproductGroups } from './deltaproduct-groups.js';
import { jrtPromptMqar } from './jrt-prompt-mqar.js';
import { listopsSurvey } from './listops-survey.js';
import type { Experiment } from './types.js';

const EXPERIMENTS: Experiment[] = [deltaproductGroups, jrtPromptMqar, listopsSurvey, seluFixedPoint];

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

import { FormatError } from '../errors.js';
import { upgradeModelOptions } from '../models/sequence-model.js';
import type { ModelConfig } from '../models/sequence-model.js';
import { loadSafetensors, readSafetensorsMetadata, saveSafetensors } from '../io/tensors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TrainConfig } from './config.js';
import type { GateState, History } from './history.js';

const KEY = 'recurrent.checkpoint';

/** The JSON part of a training checkpoint (stored in the safetensors metadata). */
export interface CheckpointMeta {
  /** Format version. */
  version: 1;
  /** The run's configuration. */
  config: TrainConfig;
  /** The model's full configuration; a resume checks it against the task's. */
  modelConfig: ModelConfig;
  /** Steps done. */
  step: number;
  /** The optimizer's state apart from its tensors (those are stored as `optim.*`). */
  optimizer: {
    /** Algorithm name. */
    kind: string;
    /** The optimizer's step count. */
    step: number;
    /** Its hyperparameters. */
    hyper: Record<string, number | boolean>;
  };
  /** States of the random streams. */
  rng: {
    /** The model's stream (initialisation, dropout). */
    model: number[];
    /** The training-data stream. */
    data: number[];
  };
  /** The trainer's running counters. */
  counters: {
    /** Loss summed since the last record (null: NaN, which JSON cannot hold). */
    lossSum: number | null;
    /** Steps summed in `lossSum`. */
    lossCount: number;
    /** Best train-length evaluation loss so far (null: none yet, as JSON writes Infinity). */
    best: number | null;
    /** Evaluations since the best one (early stopping). */
    badEvals: number;
    /** Whether early stopping ended the run. */
    stoppedEarly: boolean;
    /** Input steps trained on. */
    tokens: number;
  };
  /** Loss records and evaluations so far. */
  history: History;
  /** The accuracy-gated curriculum's state (runs with `curriculumGate` only). */
  gate?: GateState;
  /** The task's token names (so a language model can be sampled without its text file). */
  tokens?: string[];
}

/** Model and optimizer tensors (`model.*`, `optim.*`) plus the metadata, as safetensors bytes. */
export function encodeCheckpoint(tensors: Record<string, Tensor>, meta: CheckpointMeta): Uint8Array {
  return saveSafetensors(tensors, { [KEY]: JSON.stringify(meta) });
}

/** Only the metadata (cheap: reads the header). Throws `FormatError` if it is not a checkpoint. */
export function readCheckpointMeta(bytes: Uint8Array): CheckpointMeta {
  const md = readSafetensorsMetadata(bytes);
  const raw = md[KEY];
  if (raw === undefined) throw new FormatError('checkpoint', 'not a recurrent training checkpoint (no recurrent.checkpoint metadata)');
  let meta: unknown;
  try {
    meta = JSON.parse(raw);
  } catch {
    throw new FormatError('checkpoint', 'checkpoint metadata is not valid JSON');
  }
  const m = meta as Partial<CheckpointMeta>;
  const ok = typeof m === 'object' && m !== null && m.version === 1 && typeof m.step === 'number' && typeof m.config === 'object'
    && typeof m.modelConfig === 'object' && typeof m.optimizer === 'object' && Array.isArray(m.rng?.model) && Array.isArray(m.rng?.data)
    && typeof m.counters === 'object' && Array.isArray(m.history?.steps) && Array.isArray(m.history?.evals);
  if (!ok) throw new FormatError('checkpoint', `unsupported checkpoint metadata (version ${String(m?.version)})`);
  // Checkpoints from before models owned their options load with their knobs moved into `options`.
  const meta1 = m as CheckpointMeta;
  return {
    ...meta1,
    config: { ...meta1.config, model: upgradeModelOptions(meta1.config.model as Record<string, unknown>) },
    modelConfig: upgradeModelOptions(meta1.modelConfig as unknown as Record<string, unknown>) as unknown as ModelConfig,
  };
}

/** Decodes and validates a checkpoint. */
export function decodeCheckpoint(bytes: Uint8Array): {
  /** The checkpoint's metadata. */
  meta: CheckpointMeta;
  /** Its tensors: `model.*` (the state dict) and `optim.*` (optimizer slots). */
  tensors: Record<string, Tensor>;
} {
  const meta = readCheckpointMeta(bytes);
  return { meta, tensors: loadSafetensors(bytes) };
}

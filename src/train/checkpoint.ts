import { FormatError } from '../errors.js';
import { upgradeModelOptions } from '../models/sequence-model.js';
import type { ModelConfig } from '../models/sequence-model.js';
import { loadSafetensors, readSafetensorsMetadata, saveSafetensors } from '../io/tensors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TrainConfig } from './config.js';
import type { History } from './history.js';

const KEY = 'recurrent.checkpoint';

/** The JSON part of a training checkpoint (stored in the safetensors metadata). */
export interface CheckpointMeta {
  version: 1;
  config: TrainConfig;
  modelConfig: ModelConfig;
  step: number;
  optimizer: { kind: string; step: number; hyper: Record<string, number | boolean> };
  rng: { model: number[]; data: number[] };
  counters: { lossSum: number | null; lossCount: number; best: number | null; badEvals: number; stoppedEarly: boolean; tokens: number };
  history: History;
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
export function decodeCheckpoint(bytes: Uint8Array): { meta: CheckpointMeta; tensors: Record<string, Tensor> } {
  const meta = readCheckpointMeta(bytes);
  return { meta, tensors: loadSafetensors(bytes) };
}

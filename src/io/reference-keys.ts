import { ArgumentError, StateDictError } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

/** What `loadReferenceLayers` did: the checkpoint keys it loaded and the ones it left alone. */
export interface ReferenceLoadReport {
  /** Checkpoint key → our key, for every loaded tensor. */
  loaded: Record<string, string>;
  /** Checkpoint keys outside our stack (embedding, final norm, head, MLPs our blocks lack). */
  ignored: string[];
}

// The block prefixes of the reference model classes: fla `model.layers.{i}.`, mamba_ssm and HF
// `backbone.layers.{i}.`, xLSTM Large `backbone.blocks.{i}.`.
const BLOCK = /^(?:model\.|backbone\.)?(?:layers|blocks)\.(\d+)\.(.+)$/;

/**
 * Loads the per-layer weights of an fla, mamba_ssm or xLSTM Large checkpoint (`model.layers.{i}.…`,
 * `backbone.layers.{i}.…`, `backbone.blocks.{i}.…`) into one of our stacks (`layers.{i}.…`; the
 * names below the block are the references'). Every parameter of `stack` must be found, with its
 * shape (else a StateDictError and nothing is loaded); checkpoint keys with no counterpart
 * (embeddings, final norm, lm_head, fla's MLP halves) are reported, not loaded.
 */
export function loadReferenceLayers(stack: Module, checkpoint: Record<string, Tensor>): ReferenceLoadReport {
  if (checkpoint === null || typeof checkpoint !== 'object') throw new ArgumentError('loadReferenceLayers', 'checkpoint must be an object of tensors');
  const own = new Set(Object.keys(stack.stateDict()));
  const mapped: Record<string, Tensor> = {};
  const loaded: Record<string, string> = {};
  const ignored: string[] = [];
  for (const [key, t] of Object.entries(checkpoint)) {
    const m = BLOCK.exec(key);
    const ours = m ? `layers.${m[1]}.${m[2]}` : null;
    if (ours && own.has(ours)) {
      if (ours in mapped) throw new ArgumentError('loadReferenceLayers', `two checkpoint keys map to '${ours}' (one is '${key}')`);
      mapped[ours] = t;
      loaded[key] = ours;
    } else {
      ignored.push(key);
    }
  }
  const missing = [...own].filter((k) => !(k in mapped));
  if (missing.length) throw new StateDictError('loadReferenceLayers', missing, [], []);
  stack.loadStateDict(mapped);
  return { loaded, ignored };
}

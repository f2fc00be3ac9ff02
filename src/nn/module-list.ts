import { Module } from './module.js';

/** Sub-modules registered by index (state-dict keys `0.…`, `1.…`), like torch.nn.ModuleList. */
export class ModuleList<M extends Module> extends Module {
  constructor(
    /** The sub-modules, in index order. */
    readonly list: readonly M[],
  ) {
    super();
    list.forEach((m, i) => this.registerModule(String(i), m));
  }
}

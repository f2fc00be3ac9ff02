// The layering rule of src/ (checked by `npm run lint:layers`, part of `npm test`).
// Layers, lowest first; a module may import its own layer's folder and any lower layer, never a
// higher one, and sibling folders on one level do not import each other:
//   tensor · backend · ops · autodiff · scan · nn | optim · io | models | tasks · train · reproduce · cli
// (errors.ts sits below everything; index.ts, the public facade, above everything but cli). The
// tape lives in tensor/ so that ops can record without importing autodiff: the gradient rules are
// looked up only when autodiff/grad.ts runs the tape backward. The one exception to the order is
// tensor.ts's type-only import of the Backend interface its tensors point to.
const LAYERS = [
  ['tensor'],
  ['backend'],
  ['ops'],
  ['autodiff'],
  ['scan'],
  ['nn', 'optim'],
  ['io', 'models', 'tasks'],
  ['train'],
  ['reproduce'],
  ['index.ts'],
  ['cli'],
];

const esc = (s) => s.replace(/\./g, '\\.');
const path = (names) => `^src/(${names.map(esc).join('|')})($|/)`;
const TYPE_ONLY_EXCEPTIONS = { tensor: '^src/backend/types\\.ts$' };
const rules = [];
LAYERS.forEach((level, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  if (higher.length) {
    const allowed = level.map((l) => TYPE_ONLY_EXCEPTIONS[l]).filter(Boolean);
    rules.push({
      name: `no-upward-from-${level.join('-')}`,
      comment: `${level.join(', ')} must not import the layers above it (${higher.join(', ')})`,
      severity: 'error',
      from: { path: path(level) },
      to: { path: path(higher), ...(allowed.length ? { pathNot: allowed.join('|') } : {}) },
    });
    for (const p of allowed) {
      rules.push({
        name: `type-only-from-${level.join('-')}`,
        comment: `${level.join(', ')} may import ${p} for types only`,
        severity: 'error',
        from: { path: path(level) },
        to: { path: p, dependencyTypesNot: ['type-only'] },
      });
    }
  }
  for (const a of level) {
    const siblings = level.filter((b) => b !== a);
    if (siblings.length) {
      rules.push({
        name: `no-sibling-${a}`,
        comment: `${a} must not import its siblings on the same level (${siblings.join(', ')})`,
        severity: 'error',
        from: { path: path([a]) },
        to: { path: path(siblings) },
      });
    }
  }
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles in src/',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'node-builtins-only-at-the-edge',
      comment: 'Node built-ins only in the CLI, the Node io adapter (src/io/node.ts, src/io/atomic.ts) and the wasm backend\'s host shim (src/backend/wasm/env.ts, which loads them dynamically and only under Node)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli/|io/node\\.ts$|io/atomic\\.ts$|backend/wasm/env\\.ts$|backend/wasm/worker\\.js$)' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'every import resolves',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'backends-behind-their-interface',
      comment: 'outside src/backend/, kernels are reached through backend/types.ts and the registry; only the facade (index.ts) imports the wasm backend\'s public entry',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(backend/|index\\.ts$)' },
      to: { path: '^src/backend/(ref|wasm)/' },
    },
    {
      name: 'root-helpers-import-nothing',
      comment: 'src/errors.ts (and any other root helper) sits below every layer',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/index\\.ts$' },
      to: { path: '^src/.+/' },
    },
    ...rules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};

import { ArgumentError } from './errors.js';

/**
 * One option of a registry entry (a model's knob): its type, default, valid range and one help
 * line. Values arrive typed (from code or a config) or as strings (from `--model-opt k=v`).
 */
export type OptionSpec =
  | { readonly type: 'int'; readonly default: number; readonly min?: number; readonly max?: number; readonly help: string }
  | { readonly type: 'number'; readonly default: number; readonly min?: number; readonly max?: number; readonly help: string }
  | { readonly type: 'boolean'; readonly default: boolean; readonly help: string }
  | { readonly type: 'choice'; readonly default: string; readonly choices: readonly string[]; readonly help: string };

/** A parsed option value. */
export type OptionValue = number | boolean | string;

/** The options of one registry entry, by name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The typed values of a set of option specs (what a factory receives once defaults are filled). */
export type OptionValues<S extends OptionSpecs> = {
  -readonly [K in keyof S]: S[K] extends { type: 'boolean' } ? boolean
    : S[K] extends { type: 'choice'; choices: readonly (infer C)[] } ? C
    : number;
};

/** The valid values of an option in words: `int >= 1`, `true|false`, `fused|chunk|recurrent`. */
export function describeOption(spec: OptionSpec): string {
  switch (spec.type) {
    case 'boolean': return 'true|false';
    case 'choice': return spec.choices.join('|');
    default: {
      const range = spec.min !== undefined && spec.max !== undefined ? ` in [${spec.min}, ${spec.max}]`
        : spec.min !== undefined ? ` >= ${spec.min}` : spec.max !== undefined ? ` <= ${spec.max}` : '';
      return `${spec.type === 'int' ? 'integer' : 'number'}${range}`;
    }
  }
}

/** One value checked against its spec; `owner` (e.g. "model deltaproduct") names the error. */
export function parseOption(owner: string, name: string, spec: OptionSpec, v: unknown): OptionValue {
  const bad = (): never => {
    const shown = typeof v === 'string' ? `'${v.length > 40 ? v.slice(0, 40) + '…' : v}'` : String(v);
    throw new ArgumentError(owner, `option '${name}' must be ${describeOption(spec)}, got ${shown}`);
  };
  switch (spec.type) {
    case 'boolean':
      if (v === true || v === 'true' || v === 'on') return true;
      if (v === false || v === 'false' || v === 'off') return false;
      return bad();
    case 'choice':
      if (typeof v !== 'string' || !spec.choices.includes(v)) return bad();
      return v;
    default: {
      if (typeof v !== 'number' && (typeof v !== 'string' || v.trim() === '')) return bad();
      const n = Number(v);
      if (!Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) return bad();
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return bad();
      return n;
    }
  }
}

/**
 * Checks `given` against `specs`: an unknown name lists the valid ones, a bad value names its
 * range. Returns the given options typed (defaults are not filled in: see `withDefaults`).
 */
export function checkOptions(owner: string, specs: OptionSpecs, given: Readonly<Record<string, unknown>>): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue;
    const spec = Object.hasOwn(specs, k) ? specs[k] : undefined;
    if (!spec) {
      const valid = Object.keys(specs);
      throw new ArgumentError(owner, `unknown option '${k}'; ${valid.length ? `valid options: ${valid.join(', ')}` : 'it takes no options'}`);
    }
    out[k] = parseOption(owner, k, spec, v);
  }
  return out;
}

/** `given` (already checked) with every missing option at its default. */
export function withDefaults<S extends OptionSpecs>(specs: S, given: Readonly<Record<string, OptionValue>>): OptionValues<S> {
  const out: Record<string, OptionValue> = {};
  for (const [k, spec] of Object.entries(specs)) out[k] = Object.hasOwn(given, k) ? given[k]! : spec.default;
  return out as OptionValues<S>;
}

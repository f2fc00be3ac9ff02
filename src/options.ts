import { ArgumentError } from './errors.js';

/**
 * One option of a registry entry (a model's knob, a task's setting): its type, default, valid
 * range and one help line. Values arrive typed (from code or a config) or as strings (from
 * `--model-opt k=v`, `--task-opt k=v`). A number or string without a default is left to the
 * entry when unset (the help line says what happens then).
 */
export type OptionSpec = NumberOptionSpec | BooleanOptionSpec | ChoiceOptionSpec | StringOptionSpec;

/** A numeric option: an integer ('int') or any finite number ('number'), optionally bounded. */
export interface NumberOptionSpec {
  /** 'int' accepts integers only, 'number' any finite number. */
  readonly type: 'int' | 'number';
  /** Value when unset; without one the entry decides (its help line says how). */
  readonly default?: number;
  /** Smallest valid value (inclusive). */
  readonly min?: number;
  /** Largest valid value (inclusive). */
  readonly max?: number;
  /** One line for the command's help. */
  readonly help: string;
}

/** An on/off option (`true`/`false`, `on`/`off` as strings). */
export interface BooleanOptionSpec {
  /** The kind of option. */
  readonly type: 'boolean';
  /** Value when unset. */
  readonly default: boolean;
  /** One line for the command's help. */
  readonly help: string;
}

/** An option that takes one of a fixed list of names (e.g. an `impl`). */
export interface ChoiceOptionSpec {
  /** The kind of option. */
  readonly type: 'choice';
  /** Value when unset; one of `choices`. */
  readonly default: string;
  /** The valid values. */
  readonly choices: readonly string[];
  /** One line for the command's help. */
  readonly help: string;
}

/** A free-text option. */
export interface StringOptionSpec {
  /** The kind of option. */
  readonly type: 'string';
  /** Value when unset; without one the entry decides (its help line says how). */
  readonly default?: string;
  /** One line for the command's help. */
  readonly help: string;
}

/** A parsed option value. */
export type OptionValue = number | boolean | string;

/** The options of one registry entry, by name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The typed values of a set of option specs (what a factory receives once defaults are filled). */
export type OptionValues<S extends OptionSpecs> = {
  -readonly [K in keyof S]: S[K] extends { type: 'boolean' } ? boolean
    : S[K] extends { type: 'choice'; choices: readonly (infer C)[] } ? C
    : S[K] extends { type: 'string' } ? string
    : number;
};

/** The valid values of an option in words: `int >= 1`, `true|false`, `fused|chunk|recurrent`. */
export function describeOption(spec: OptionSpec): string {
  switch (spec.type) {
    case 'boolean': return 'true|false';
    case 'choice': return spec.choices.join('|');
    case 'string': return 'text';
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
    case 'string':
      if (typeof v !== 'string') return bad();
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

/** `given` (already checked) with every missing option at its default (options without one stay unset). */
export function withDefaults<S extends OptionSpecs>(specs: S, given: Readonly<Record<string, OptionValue>>): OptionValues<S> {
  const out: Record<string, OptionValue> = {};
  for (const [k, spec] of Object.entries(specs)) {
    const v = Object.hasOwn(given, k) ? given[k] : spec.default;
    if (v !== undefined) out[k] = v;
  }
  return out as OptionValues<S>;
}

/**
 * One line per option for a command's help: name, default ('-' when unset), valid values, help;
 * `none` when there are none.
 */
export function optionTable(specs: OptionSpecs): string[] {
  const rows = Object.entries(specs).map(([k, o]) => [k, o.default === undefined ? '-' : String(o.default), describeOption(o), o.help]);
  if (!rows.length) return [];
  const head = ['option', 'default', 'values', 'meaning'];
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), head[i]!.length));
  const fmt = (r: string[]): string => `  ${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]}`.trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

/** `v` if it is one of `choices`, else an ArgumentError listing them (the "impl must be …" check). */
export function oneOf<const C extends string>(op: string, name: string, v: unknown, choices: readonly C[]): C {
  if (!choices.includes(v as C)) {
    const list = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}` : choices[0];
    throw new ArgumentError(op, `${name} must be ${list}, got '${String(v)}'`);
  }
  return v as C;
}

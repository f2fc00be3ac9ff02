import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** A flag of a command: its type, default and one-line help. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  help: string;
  multiple?: boolean;
  short?: string;
}

/** Parses argv for a command; unknown flags or stray arguments list the valid flags. */
export function parseFlags(command: string, argv: string[], flags: Record<string, FlagSpec>): Record<string, string | boolean | string[] | undefined> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [k, f] of Object.entries(flags)) options[k] = { type: f.type, ...(f.multiple ? { multiple: true } : {}), ...(f.short ? { short: f.short } : {}) };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    if (positionals.length) throw new UsageError(`${command}: unexpected argument '${positionals[0]}'; valid flags: ${validList(flags)}`);
    return values as Record<string, string | boolean | string[] | undefined>;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const msg = (e as Error).message;
    const m = /Unknown option '([^']+)'/.exec(msg);
    if (m) throw new UsageError(`${command}: unknown flag '${m[1]}'; valid flags: ${validList(flags)}`);
    throw new UsageError(`${command}: ${msg.split('\n')[0]}`);
  }
}

function validList(flags: Record<string, FlagSpec>): string {
  return Object.keys(flags).map((k) => `--${k}`).join(', ');
}

/** An integer flag value (>= min), or `fallback` when absent. */
export function intFlag(name: string, v: unknown, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const s = String(v).trim();
  if (!/^-?\d+$/.test(s)) throw new UsageError(`--${name} must be an integer, got '${String(v)}'`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${String(v)}'`);
  return n;
}

/** A finite number flag value (>= min), or `fallback` when absent. */
export function numFlag(name: string, v: unknown, fallback: number, min = -Infinity): number {
  if (v === undefined) return fallback;
  const s = String(v).trim();
  const n = Number(s);
  if (s === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${String(v)}'`);
  if (n < min) throw new UsageError(`--${name} must be >= ${min}, got '${String(v)}'`);
  return n;
}

/** One of `choices`, or `fallback` when absent. */
export function choiceFlag<T extends string>(name: string, v: unknown, choices: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!choices.includes(v as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${String(v)}'`);
  return v as T;
}

/** `key=value` pairs of a repeatable flag. */
export function keyValues(name: string, v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (v as string[] | undefined) ?? []) {
    const i = item.indexOf('=');
    if (i <= 0) throw new UsageError(`--${name} expects key=value, got '${item}'`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

/** Help text for a command's flags. */
export function flagHelp(flags: Record<string, FlagSpec>): string {
  return Object.entries(flags).map(([k, f]) => `  --${k}${f.type === 'string' ? ' <value>' : ''}`.padEnd(30) + f.help).join('\n');
}

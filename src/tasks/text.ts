import { ArgumentError } from '../errors.js';
import type { LengthRange, Task } from './types.js';
import { checkLength } from './util.js';

/** Options of {@link textTask}. */
export interface TextTaskOptions {
  /** Task name (default `'text'`). */
  name?: string;
}

/**
 * Character-level language modelling on `text`. Characters are Unicode code points; the
 * vocabulary is the distinct ones sorted by code point (token id = rank). An example is a random
 * window of `length` + 1 consecutive characters: input = the first `length`, target at t = the
 * character at t+1, so every step is labelled. Train windows 32-128, test 128-512, both capped at
 * the text's length − 1. The text comes in as a string (the CLI reads files).
 */
export function textTask(text: string, options: TextTaskOptions = {}): Task {
  const name = options.name ?? 'text';
  if (typeof text !== 'string') throw new ArgumentError('textTask', `text must be a string, got ${typeof text}`);
  const chars = Array.from(text);
  if (chars.length < 2) throw new ArgumentError('textTask', `text must have at least 2 characters (one input and its next), got ${chars.length}`);
  const vocab = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const index = new Map(vocab.map((c, i) => [c, i]));
  const ids = Int32Array.from(chars, (c) => index.get(c)!);
  const longest = ids.length - 1;
  const cap = (lo: number, hi: number): LengthRange => [Math.min(lo, longest), Math.min(hi, longest)];
  return {
    name, description: `character-level language modelling on ${ids.length} characters (${vocab.length} distinct): predict the next character`,
    kind: 'tag', perStep: true, vocabSize: vocab.length, numClasses: vocab.length, tokens: vocab,
    trainLengths: cap(32, 128), testLengths: cap(128, 512),
    example(rng, length) {
      checkLength(name, length, 1);
      if (length > longest) throw new ArgumentError(`task ${name}`, `length ${length} needs ${length + 1} characters, the text has ${ids.length}`);
      const start = rng.int(ids.length - length);
      const window = Array.from(ids.subarray(start, start + length + 1));
      return { input: window.slice(0, length), target: window.slice(1) };
    },
  };
}

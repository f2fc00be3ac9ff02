import { ArgumentError } from '../errors.js';
import { IGNORE, type Task } from './types.js';
import { checkLength } from './util.js';

/**
 * The characters of {@link passkey} prompts, in code-point order (token id = index): newline, space, '.', the
 * digits, '?', and the letters of the fixed texts below. Nothing else can occur.
 */
export const PASSKEY_CHARS = '\n .0123456789?FHRTWabcdefghiklmnoprstuvwxyz';

const PREFIX = 'There is an important info hidden inside a lot of irrelevant text. Find it and memorize it.\n\n';
const FILLER = 'The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n';
// The source's suffix ends at "is" and the answer starts with a space; at the character level we put that
// space in the prompt, so the step after the prompt is the first digit.
const SUFFIX = '\nWhat is the pass key? The passkey is ';
const MIN_LENGTH = PREFIX.length + FILLER.length + SUFFIX.length;

/**
 * The prompt (A.6, `PasskeyDataGenerator` of Stuffed Mamba) for about `length` characters: prefix, then
 * n = ⌊(length − prefix − suffix) / filler⌋ blocks of which block ⌊depth·(n−1)⌋ is the passkey block instead of
 * filler, then the question. The passkey block is shorter than a filler block, so the prompt is shorter than
 * `length` by up to one block plus 33 characters.
 */
export function passkeyPrompt(length: number, depth: number, key: string): string {
  checkLength('passkeyPrompt', length, MIN_LENGTH);
  if (!(depth >= 0 && depth <= 1)) throw new ArgumentError('passkeyPrompt', `depth must be in [0, 1], got ${depth}`);
  if (!/^[0-9]{5}$/.test(key)) throw new ArgumentError('passkeyPrompt', `key must be 5 digits, got '${key}'`);
  const n = Math.floor((length - PREFIX.length - SUFFIX.length) / FILLER.length);
  // The epsilon keeps e.g. 0.7·90 = 62.999… from moving the block one place early.
  const at = Math.floor(depth * (n - 1) + 1e-9);
  const blocks = Array.from({ length: n }, (_, i) => (i === at ? `The passkey is ${key}. Remember it. ${key} is the passkey.\n` : FILLER));
  return PREFIX + blocks.join('') + SUFFIX;
}

/**
 * Character-level passkey retrieval (A.6): a 5-digit key (uniform) hidden at depth d ∈ {0, 0.1, …, 1} of
 * repeated filler. The input is the prompt followed by the key (teacher forcing); a tag task whose target is
 * the next character's id at the 5 steps whose next character is a key digit (the prompt's last step and the
 * first four digits), IGNORE elsewhere, so exact match is "all 5 right". `length` is the approximate prompt
 * length in characters (see `passkeyPrompt` in src/tasks/passkey.ts), at least 221: train 256-512, test 512-2048. Pass `depth`
 * to fix it (for accuracy-by-depth tables).
 */
export function passkey({ depth }: { depth?: number } = {}): Task {
  if (depth !== undefined && !(depth >= 0 && depth <= 1)) throw new ArgumentError('passkey', `depth must be in [0, 1], got ${depth}`);
  const name = 'passkey';
  return {
    name, description: 'recall a 5-digit passkey hidden in repeated filler text, character level (train 256-512 chars, test 512-2048)',
    kind: 'tag', perStep: true, vocabSize: PASSKEY_CHARS.length, numClasses: PASSKEY_CHARS.length, tokens: [...PASSKEY_CHARS],
    trainLengths: [256, 512], testLengths: [512, 2048],
    example(rng, length) {
      checkLength(name, length, MIN_LENGTH);
      const key = Array.from({ length: 5 }, () => rng.int(10)).join('');
      const prompt = passkeyPrompt(length, depth ?? rng.int(11) / 10, key);
      const input = [...prompt + key].map((c) => PASSKEY_CHARS.indexOf(c));
      const target = new Array<number>(input.length).fill(IGNORE);
      for (let j = 0; j < 5; j++) target[prompt.length - 1 + j] = input[prompt.length + j]!;
      return { input, target };
    },
  };
}

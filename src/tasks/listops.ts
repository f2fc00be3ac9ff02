import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import type { Task } from './types.js';
import { checkLength, intBetween } from './util.js';

/** ListOps tokens: digits 0-9 are their own ids, then the four opening operators and `]`. */
export const LISTOPS_TOKENS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '[MAX', '[MIN', '[MED', '[SM', ']'];

const MAX = 10, MIN = 11, MED = 12, SM = 13, CLOSE = 14;

function apply(op: number, args: number[]): number {
  if (op === MAX) return Math.max(...args);
  if (op === MIN) return Math.min(...args);
  if (op === MED) {
    // LRA computes int(np.median(args)), which truncates the mean of the two middle values.
    const s = [...args].sort((a, b) => a - b);
    const h = s.length >> 1;
    return s.length % 2 ? s[h]! : Math.floor((s[h - 1]! + s[h]!) / 2);
  }
  return args.reduce((a, b) => a + b, 0) % 10; // SM
}

/**
 * Value of a ListOps expression given as token ids (0-9 the digits, 10 `[MAX`, 11 `[MIN`, 12 `[MED`,
 * 13 `[SM`, 14 `]`; `LISTOPS_TOKENS` in src/tasks/listops.ts): MAX, MIN, MED
 * (median; the mean of the two middle values rounded down for an even count, as LRA's
 * `int(np.median)`) and SM (sum mod 10) of one or more arguments. A bare digit is its own value.
 */
export function evalListOps(tokens: readonly number[]): number {
  const op = 'evalListOps';
  let i = 0;
  const expr = (): number => {
    const t = tokens[i++];
    if (t === undefined) throw new ArgumentError(op, 'expression ends early');
    if (Number.isInteger(t) && t >= 0 && t <= 9) return t;
    if (t < MAX || t > SM) throw new ArgumentError(op, `expected a digit or an operator at position ${i - 1}, got token ${t}`);
    const args: number[] = [];
    while (tokens[i] !== CLOSE) args.push(expr());
    i++;
    if (args.length === 0) throw new ArgumentError(op, `operator at position ${i - 2} has no arguments`);
    return apply(t, args);
  };
  const v = expr();
  if (i !== tokens.length) throw new ArgumentError(op, `extra tokens after position ${i - 1}`);
  return v;
}

/** Token ids of an expression written as text, e.g. `'[MAX 2 9 [MIN 4 7] 0]'` (spaces optional). */
export function parseListOps(text: string): number[] {
  const out: number[] = [];
  const re = /\s*(\[MAX|\[MIN|\[MED|\[SM|\]|[0-9])\s*/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) throw new ArgumentError('parseListOps', `cannot read "${text.slice(pos, pos + 10)}" at character ${pos}`);
    out.push(LISTOPS_TOKENS.indexOf(m[1]!));
    pos = re.lastIndex;
  }
  return out;
}

/** Options of {@link listOps}. */
export interface ListOpsOptions {
  /** Maximum nesting of operators; the root operator is depth 1 (default 4; LRA's `max_depth` is this + 1). */
  maxDepth?: number;
  /** Maximum arguments per operator; every operator has at least 2 (default 5). */
  maxArgs?: number;
}

// Expected token count of a tree whose non-root argument slots are operators with probability p
// (below maxDepth) and arities uniform in [2, maxArgs].
function expectedSize(p: number, maxDepth: number, maxArgs: number): number {
  const arity = (2 + maxArgs) / 2;
  let s = 2 + arity; // an operator at maxDepth has only digits
  for (let d = maxDepth - 1; d >= 1; d--) s = 2 + arity * (1 - p + p * s);
  return s;
}

// One random tree with root operator, or null once it grows past `budget` tokens.
function drawTree(rng: Rng, p: number, maxDepth: number, maxArgs: number, budget: number): number[] | null {
  const out: number[] = [];
  const node = (depth: number): boolean => {
    out.push(MAX + rng.int(4));
    const n = intBetween(rng, 2, maxArgs);
    for (let k = 0; k < n; k++) {
      if (depth < maxDepth && rng.uniform() < p) {
        if (!node(depth + 1)) return false;
      } else {
        out.push(rng.int(10));
      }
      if (out.length > budget) return false;
    }
    out.push(CLOSE);
    return out.length <= budget;
  };
  return node(1) ? out : null;
}

/**
 * ListOps (Appendix A.10, LRA): a random expression tree over MAX, MIN, MED, SM with digit leaves
 * and brackets as tokens; the label is its value (10 classes, see {@link evalListOps}). `length`
 * is the maximum token count. Like LRA, which keeps trees inside a length window, a tree is kept
 * when it has between ⌈length/2⌉ and `length` tokens, so longer test lengths do mean longer
 * inputs: the operator probability of an argument slot is set per length so the expected tree
 * size is ¾·length (LRA fixes it at 0.25), and after 200 draws the largest tree that fits is
 * used (small `maxDepth`/`maxArgs` cannot reach large lengths). Train 8-128, test 129-512.
 */
export function listOps(options: ListOpsOptions = {}): Task {
  const maxDepth = options.maxDepth ?? 4;
  const maxArgs = options.maxArgs ?? 5;
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new ArgumentError('listOps', `maxDepth must be an integer >= 1, got ${maxDepth}`);
  if (!Number.isInteger(maxArgs) || maxArgs < 2) throw new ArgumentError('listOps', `maxArgs must be an integer >= 2, got ${maxArgs}`);
  return {
    name: 'listops', description: `ListOps: value of a nested MAX/MIN/MED/SM expression (depth <= ${maxDepth}, <= ${maxArgs} args; train 8-128 tokens, test 129-512)`,
    kind: 'classify', perStep: false, vocabSize: LISTOPS_TOKENS.length, numClasses: 10, tokens: LISTOPS_TOKENS,
    trainLengths: [8, 128], testLengths: [129, 512],
    example(rng, length) {
      checkLength('listops', length, 4);
      const target = 0.75 * length;
      let p = 1;
      if (expectedSize(1, maxDepth, maxArgs) > target) {
        let lo = 0, hi = 1;
        for (let k = 0; k < 40; k++) {
          const mid = (lo + hi) / 2;
          if (expectedSize(mid, maxDepth, maxArgs) > target) hi = mid;
          else lo = mid;
        }
        p = lo;
      }
      const minSize = Math.ceil(length / 2);
      let best: number[] | null = null;
      for (let attempt = 0; attempt < 200; attempt++) {
        const tree = drawTree(rng, p, maxDepth, maxArgs, length);
        if (tree === null) continue;
        if (tree.length >= minSize) return { input: tree, target: evalListOps(tree) };
        if (best === null || tree.length > best.length) best = tree;
      }
      // Every draw overflowed (cannot happen for the smallest trees, but stay total): digits only.
      best ??= drawTree(rng, 0, 1, Math.min(maxArgs, length - 2), length)!;
      return { input: best, target: evalListOps(best) };
    },
  };
}

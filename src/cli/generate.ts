import { noGrad } from '../tensor/tape.js';
import { tensor } from '../ops/creation.js';
import { Rng } from '../tensor/rng.js';
import { dispose, tidy } from '../tensor/scope.js';
import { keep } from '../tensor/memory.js';
import type { LayerState } from '../nn/sequence-layer.js';
import { flagHelp, intFlag, numFlag, parseFlags } from './args.js';
import type { FlagSpec } from './args.js';
import { ENGINE_FLAGS, setupEngine } from './common.js';
import { UsageError } from './errors.js';
import { loadRun } from './eval.js';

const GEN_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint of a character language model (--task text)' },
  prompt: { type: 'string', help: 'text to condition on (default: a random first character)' },
  length: { type: 'string', help: 'characters to generate (default 200)' },
  temperature: { type: 'string', help: 'sampling temperature, 0 = greedy (default 0.8)' },
  seed: { type: 'string', help: 'sampling seed (default 0)' },
  ...ENGINE_FLAGS,
};

/** Usage text of `recurrent generate`. */
export const GENERATE_HELP = `recurrent generate --checkpoint FILE [flags]\n\nSamples text from a character language model, one streaming step per character.\n\n${flagHelp(GEN_FLAGS)}`;

/** `recurrent generate`. */
export function generateCommand(argv: string[]): number {
  const v = parseFlags('generate', argv, GEN_FLAGS);
  if (v.help) {
    process.stdout.write(GENERATE_HELP + '\n');
    return 0;
  }
  setupEngine(v);
  const length = intFlag('length', v.length, 200, 1);
  const temperature = numFlag('temperature', v.temperature, 0.8, 0);
  const rng = new Rng(intFlag('seed', v.seed, 0, 0));
  const run = loadRun(v.checkpoint);
  const tokens = run.task.tokens;
  const cfg = run.modelConfig;
  if (!tokens || cfg.head !== 'tag' || cfg.vocabSize !== cfg.outputs) {
    throw new UsageError(`${String(v.checkpoint)} is not a language model (task '${run.task.name}'); train one with --task text --text FILE`);
  }
  const index = new Map(tokens.map((t, i) => [t, i]));
  const prompt = v.prompt !== undefined ? [...String(v.prompt)] : [tokens[rng.int(tokens.length)]!];
  const bad = prompt.find((ch) => !index.has(ch));
  if (bad !== undefined) throw new UsageError(`--prompt contains '${bad}', which is not in the model's vocabulary`);
  const model = run.model.eval();
  let state: LayerState | null = null;
  let logits: Float32Array | Float64Array = new Float32Array(0);
  const feed = (id: number): void => {
    noGrad(() => tidy(() => {
      const r = model.step(tensor([id], [1], { dtype: 'int32' }), state);
      const old = state;
      for (const t of Object.values(r.state)) keep(t);
      state = r.state;
      // the new state may reuse tensors of the old one
      if (old) dispose(Object.values(old as LayerState).filter((t) => !Object.values(r.state).includes(t)));
      logits = r.output.data() as Float32Array;
    }));
  };
  process.stdout.write(prompt.join(''));
  for (const ch of prompt) feed(index.get(ch)!);
  for (let i = 0; i < length; i++) {
    const id = sample(logits, temperature, rng);
    process.stdout.write(tokens[id]!);
    feed(id);
  }
  process.stdout.write('\n');
  if (state) dispose(state);
  return 0;
}

/** Samples from softmax(logits / temperature) (argmax at temperature 0). */
function sample(logits: ArrayLike<number>, temperature: number, rng: Rng): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  if (temperature === 0) return best;
  const w = Array.from(logits, (l) => Math.exp((l - logits[best]!) / temperature));
  let u = rng.uniform() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < w.length; i++) if ((u -= w[i]!) <= 0) return i;
  return w.length - 1;
}

import { FormatError } from '../errors.js';
import { valueAndGrad } from '../autodiff/grad.js';
import { noGrad } from '../tensor/tape.js';
import { SequenceModel, modelConfigFor } from '../models/sequence-model.js';
import type { ModelConfig } from '../models/sequence-model.js';
import { AdamW } from '../optim/adam.js';
import { clipGradNorm } from '../optim/clip.js';
import { constantLr, cosineLr, linearWarmup } from '../optim/schedule.js';
import { dispose, tidy } from '../tensor/scope.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Task } from '../tasks/types.js';
import { collate, disposeBatch, sampleExamples } from './batch.js';
import type { TrainConfig } from './config.js';
import { MetricAccumulator, batchLoss } from './metrics.js';
import type { Metrics } from './metrics.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import type { CheckpointMeta } from './checkpoint.js';
import type { EvalRecord, GateState, History, StepRecord } from './history.js';
import { ArgumentError } from '../errors.js';

/** Metrics at one sequence length (the length-extrapolation curve). */
export type CurvePoint = Metrics & {
  /** The sequence length evaluated. */
  length: number;
};

/** What `Trainer.run` reports at the end; deterministic for a given config (no timings). */
export interface TrainResult {
  /** Task name. */
  task: string;
  /** Model name (`ModelConfig.name`). */
  model: string;
  /** The run's seed. */
  seed: number;
  /** Steps done. */
  steps: number;
  /** Number of trainable scalars. */
  parameters: number;
  /** True when `patience`, or a finished curriculum gate, ended the run before `steps`. */
  stoppedEarly: boolean;
  /** The curriculum gate's final state (only with `curriculumGate`). */
  gate?: GateState;
  /** Final metrics on the training length range. */
  train: Metrics;
  /** Final metrics on the test length range. */
  test: Metrics;
  /** Metrics per length, from the training range to the end of the test range. */
  curve: CurvePoint[];
}

/** Progress notifications of `Trainer.run`. */
export type TrainEvent =
  | {
    /** A loss record was logged (every `logEvery` steps). */
    event: 'step';
    /** Steps done. */
    step: number;
    /** Steps the run is configured for. */
    steps: number;
    /** Mean training loss since the previous record. */
    loss: number;
    /** Learning rate of the next step. */
    lr: number;
    /** Training throughput so far (input steps per second). */
    tokensPerSec: number;
    /** Seconds spent in training steps so far (this process). */
    elapsedSec: number;
  }
  | {
    /** An evaluation finished. */
    event: 'eval';
    /** Steps done. */
    step: number;
    /** Metrics on the training length range. */
    train: Metrics;
    /** Metrics on the test length range. */
    test: Metrics;
  }
  | {
    /** The curriculum gate evaluated the current length. */
    event: 'gate';
    /** Steps done. */
    step: number;
    /** The length evaluated. */
    length: number;
    /** Its accuracy. */
    accuracy: number;
    /** Whether the accuracy exceeded the threshold (then the next length follows, or the run ends at `to`). */
    passed: boolean;
  }
  | {
    /** A checkpoint was handed to `onCheckpoint`. */
    event: 'checkpoint';
    /** Steps done. */
    step: number;
  };

/** Callbacks of `Trainer.run`; `checkpoint` receives the encoded bytes to store. */
export interface TrainHooks {
  /** Called on every progress event. */
  onEvent?(e: TrainEvent): void;
  /** Called with the encoded checkpoint (safetensors bytes) to store, and the step it was taken at. */
  onCheckpoint?(bytes: Uint8Array, step: number): void;
}

const EVAL_BATCH = 64;
/** Tokens per evaluation batch at most: long test lengths get smaller batches (activation memory). */
const EVAL_TOKENS = 8192;

/**
 * Trains a `SequenceModel` on a task with AdamW, gradient clipping and a warmup + cosine schedule,
 * evaluating on the training and on longer test lengths. All randomness comes from `config.seed`
 * through separate streams (model, training data, evaluation), and a checkpoint holds every
 * stream's state, so a resumed run reproduces the uninterrupted one exactly.
 */
export class Trainer {
  /** The task, with the config's length ranges when it sets them. */
  readonly task: Task;
  /** The model being trained. */
  readonly model: SequenceModel;
  /** The model's full configuration (the options completed from the task). */
  readonly modelConfig: ModelConfig;
  /** The AdamW optimizer over the model's parameters. */
  readonly optimizer: AdamW;
  /** Steps done. */
  step = 0;
  /** Loss records and evaluations so far (including those before a resume). */
  readonly history: History = { steps: [], evals: [] };
  /** Set when `patience` evaluations passed without a better train-length loss, or the curriculum gate finished. */
  stoppedEarly = false;
  /** The accuracy-gated curriculum's state (null without `curriculumGate`). */
  readonly gate: GateState | null;
  private readonly modelRng: Rng;
  private readonly dataRng: Rng;
  private readonly evalState: number[];
  private lossSum = 0;
  private lossCount = 0;
  private best = Infinity;
  private badEvals = 0;
  private tokens = 0;
  private trainMs = 0;
  private readonly lossAndGrads: (p: Record<string, Tensor>) => { value: Tensor; grads: Record<string, Tensor> };
  private currentBatch: ReturnType<typeof collate> | null = null;

  /**
   * @param config The run's configuration (see `trainConfig`).
   * @param task The task to train on.
   * @param resume Checkpoint contents to continue from (see `Trainer.fromCheckpoint`).
   */
  constructor(readonly config: TrainConfig, task: Task, resume?: { meta: CheckpointMeta; tensors: Record<string, Tensor> }) {
    // Length ranges from the config replace the task's own (an experiment's train/test split).
    this.task = !config.trainLengths && !config.testLengths ? task : {
      ...task,
      ...(config.trainLengths ? { trainLengths: [...config.trainLengths] as const } : {}),
      ...(config.testLengths ? { testLengths: [...config.testLengths] as const } : {}),
    };
    const root = new Rng(config.seed);
    this.modelRng = root.split();
    this.dataRng = root.split();
    this.evalState = root.split().getState();
    this.modelConfig = modelConfigFor(task, config.model);
    const g = config.curriculumGate;
    if (g && this.modelConfig.head === 'regress') {
      throw new ArgumentError('train', `curriculumGate needs a task with an accuracy (classify or tag); ${task.name} is a regression task`);
    }
    this.gate = g ? { length: g.from, passed: [], done: false } : null;
    this.model = new SequenceModel(this.modelConfig, { rng: this.modelRng });
    const c = config;
    const main = c.schedule === 'cosine' ? cosineLr(c.lr, Math.max(1, c.steps - c.warmup), { minLr: c.lr * 0.1 }) : constantLr(c.lr);
    this.optimizer = new AdamW(this.model.parameterRecord(), { lr: c.warmup > 0 ? linearWarmup(c.lr, c.warmup, main) : main, weightDecay: c.weightDecay });
    this.lossAndGrads = valueAndGrad(() => {
      const b = this.currentBatch!;
      const pred = this.model.forward(b.x, b.lengths);
      return batchLoss(this.modelConfig, pred, b);
    }) as never;
    if (resume) this.restore(resume.meta, resume.tensors);
  }

  /** Number of trainable scalars. */
  get parameters(): number {
    return this.model.numParameters();
  }

  /** One optimisation step on a fresh batch; returns its loss. */
  trainStep(): number {
    const t0 = performance.now();
    const c = this.config;
    const batch = collate(this.task, sampleExamples(this.task, this.dataRng, c.batchSize, this.trainRange()));
    this.currentBatch = batch;
    let loss = NaN;
    tidy(() => {
      const { value, grads } = this.lossAndGrads(this.model.parameterRecord());
      loss = value.item();
      if (c.clip > 0) clipGradNorm(grads, c.clip);
      this.optimizer.step(grads);
      dispose([value, grads]);
    });
    this.currentBatch = null;
    this.tokens += batch.tokens;
    disposeBatch(batch);
    this.step++;
    this.lossSum += loss;
    this.lossCount++;
    this.trainMs += performance.now() - t0;
    return loss;
  }

  /** Training lengths at the current step (the curriculum widens the range over time; a gate trains at its one length). */
  trainRange(): readonly [number, number] {
    if (this.gate) return [this.gate.length, this.gate.length];
    const [lo, hi] = this.task.trainLengths;
    const span = this.config.curriculum * this.config.steps;
    if (span <= 0) return [lo, hi];
    return [lo, Math.min(hi, lo + Math.floor((hi - lo) * (this.step + 1) / span))];
  }

  /** Metrics on a fixed evaluation set: 'train' or 'test' length range, or one length. */
  evaluate(which: 'train' | 'test' | number): Metrics {
    const rng = new Rng(0);
    rng.setState(this.evalState);
    // Fixed, disjoint streams per set so every evaluation sees the same examples.
    const sets = [rng.split(), rng.split()];
    let gen: Rng;
    let range: readonly [number, number];
    let size = this.config.evalSize;
    if (which === 'train') { gen = sets[0]!; range = this.task.trainLengths; }
    else if (which === 'test') { gen = sets[1]!; range = this.task.testLengths; }
    else {
      // One stream per length, derived from a third split.
      const s = rng.split().getState();
      gen = new Rng([(s[0]! ^ which) >>> 0, s[1]!, s[2]!, s[3]!]);
      range = [which, which];
      size = Math.max(1, Math.ceil(size / 2));
    }
    const acc = new MetricAccumulator(this.modelConfig);
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      const per = Math.max(1, Math.min(EVAL_BATCH, Math.floor(EVAL_TOKENS / range[1])));
      for (let done = 0; done < size; done += per) {
        const batch = collate(this.task, sampleExamples(this.task, gen, Math.min(per, size - done), range));
        noGrad(() => tidy(() => acc.add(this.model.forward(batch.x, batch.lengths), batch)));
        disposeBatch(batch);
      }
    } finally {
      this.model.train(wasTraining);
    }
    return acc.result();
  }

  /** Lengths of the extrapolation curve: from the training range to the end of the test range. */
  curveLengths(): number[] {
    const [a, b] = this.task.trainLengths;
    const top = this.task.testLengths[1];
    const pts = [a, Math.round((a + b) / 2), b, 2 * b, 4 * b, top].filter((v) => v >= 1 && v <= top);
    return [...new Set(pts)].sort((x, y) => x - y);
  }

  /** Trains until `config.steps` (or early stop), evaluating and checkpointing on schedule. */
  run(hooks: TrainHooks = {}): TrainResult {
    const c = this.config;
    while (this.step < c.steps && !this.stoppedEarly) {
      this.trainStep();
      if (this.step % c.logEvery === 0 || this.step === c.steps) this.flushLog(hooks);
      if (c.evalEvery > 0 && this.step % c.evalEvery === 0 && this.step < c.steps) this.evalNow(hooks);
      if (this.gate && this.step % c.curriculumGate!.every === 0) this.gateNow(hooks);
      if (c.checkpointEvery > 0 && this.step % c.checkpointEvery === 0 && this.step < c.steps) {
        hooks.onCheckpoint?.(this.checkpoint(), this.step);
        hooks.onEvent?.({ event: 'checkpoint', step: this.step });
      }
    }
    this.flushLog(hooks);
    const last = this.history.evals.at(-1);
    const final = last && last.step === this.step ? last : this.evalNow(hooks);
    const result: TrainResult = {
      task: this.task.name, model: this.modelConfig.name, seed: c.seed, steps: this.step, parameters: this.parameters,
      stoppedEarly: this.stoppedEarly, train: final.train, test: final.test,
      ...(this.gate ? { gate: cloneGate(this.gate) } : {}),
      curve: this.curveLengths().map((length) => ({ length, ...this.evaluate(length) })),
    };
    hooks.onCheckpoint?.(this.checkpoint(), this.step);
    hooks.onEvent?.({ event: 'checkpoint', step: this.step });
    return result;
  }

  /** Training throughput so far (input steps per second of training time). */
  get tokensPerSec(): number {
    return this.trainMs > 0 ? this.tokens / (this.trainMs / 1000) : 0;
  }

  /** Seconds spent in training steps (this process only). */
  get trainSeconds(): number {
    return this.trainMs / 1000;
  }

  private flushLog(hooks: TrainHooks): void {
    if (this.lossCount === 0) return;
    const rec: StepRecord = { step: this.step, loss: this.lossSum / this.lossCount, lr: this.optimizer.lr };
    this.history.steps.push(rec);
    this.lossSum = 0;
    this.lossCount = 0;
    hooks.onEvent?.({ event: 'step', steps: this.config.steps, ...rec, tokensPerSec: this.tokensPerSec, elapsedSec: this.trainSeconds });
  }

  /** Evaluates the gate's length; above the threshold it advances, or at the last length ends the run. */
  private gateNow(hooks: TrainHooks): void {
    const g = this.gate!;
    const cfg = this.config.curriculumGate!;
    const accuracy = this.evaluate(g.length).accuracy ?? NaN;
    const passed = accuracy > cfg.threshold;
    hooks.onEvent?.({ event: 'gate', step: this.step, length: g.length, accuracy, passed });
    if (!passed) return;
    g.passed.push({ length: g.length, step: this.step, accuracy });
    if (g.length < cfg.to) g.length++;
    else { g.done = true; this.stoppedEarly = true; }
  }

  private evalNow(hooks: TrainHooks): EvalRecord {
    const rec: EvalRecord = { step: this.step, train: this.evaluate('train'), test: this.evaluate('test') };
    this.history.evals.push(rec);
    hooks.onEvent?.({ event: 'eval', ...rec });
    if (this.config.patience > 0) {
      if (rec.train.loss < this.best) { this.best = rec.train.loss; this.badEvals = 0; }
      else if (++this.badEvals >= this.config.patience) this.stoppedEarly = true;
    }
    return rec;
  }

  /** Encodes model, optimizer, every random stream, counters and history as one safetensors file. */
  checkpoint(): Uint8Array {
    const opt = this.optimizer.stateDict();
    const tensors: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(this.model.stateDict())) tensors[`model.${k}`] = v;
    for (const [k, v] of Object.entries(opt.slots)) tensors[`optim.${k}`] = v;
    const meta: CheckpointMeta = {
      version: 1, config: this.config, modelConfig: this.modelConfig, step: this.step,
      optimizer: { kind: opt.kind, step: opt.step, hyper: opt.hyper },
      rng: { model: this.modelRng.getState(), data: this.dataRng.getState() },
      counters: { lossSum: this.lossSum, lossCount: this.lossCount, best: this.best, badEvals: this.badEvals, stoppedEarly: this.stoppedEarly, tokens: this.tokens },
      history: this.history,
      ...(this.gate ? { gate: cloneGate(this.gate) } : {}),
      ...(this.task.tokens ? { tokens: [...this.task.tokens] } : {}),
    };
    try {
      return encodeCheckpoint(tensors, meta);
    } finally {
      dispose(Object.values(opt.slots));
    }
  }

  /** Rebuilds a trainer from checkpoint bytes (the task must be the checkpoint's). */
  static fromCheckpoint(bytes: Uint8Array, task: Task): Trainer {
    const { meta, tensors } = decodeCheckpoint(bytes);
    try {
      return new Trainer(meta.config, task, { meta, tensors });
    } finally {
      dispose(Object.values(tensors));
    }
  }

  private restore(meta: CheckpointMeta, tensors: Record<string, Tensor>): void {
    const op = 'checkpoint';
    if (canonicalJson(meta.modelConfig) !== canonicalJson(this.modelConfig)) {
      throw new FormatError(op, `model config ${JSON.stringify(meta.modelConfig)} does not match the task's ${JSON.stringify(this.modelConfig)}`);
    }
    const model: Record<string, Tensor> = {};
    const slots: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(tensors)) {
      if (k.startsWith('model.')) model[k.slice(6)] = v;
      else if (k.startsWith('optim.')) slots[k.slice(6)] = v;
      else throw new FormatError(op, `unexpected tensor '${k}'`);
    }
    this.model.loadStateDict(model);
    this.optimizer.loadStateDict({ kind: meta.optimizer.kind, step: meta.optimizer.step, hyper: meta.optimizer.hyper, slots });
    this.modelRng.setState(meta.rng.model);
    this.dataRng.setState(meta.rng.data);
    this.step = meta.step;
    const k = meta.counters;
    // JSON stores a NaN running sum (a diverged step) as null
    this.lossSum = k.lossSum ?? NaN;
    this.lossCount = k.lossCount;
    this.best = k.best ?? Infinity;
    this.badEvals = k.badEvals;
    this.stoppedEarly = k.stoppedEarly;
    this.tokens = k.tokens;
    this.history.steps.push(...meta.history.steps);
    this.history.evals.push(...meta.history.evals);
    if (this.gate) {
      if (!meta.gate) throw new FormatError(op, 'the config has a curriculumGate but the checkpoint holds no gate state');
      const cfg = this.config.curriculumGate!;
      if (!Number.isInteger(meta.gate.length) || meta.gate.length < cfg.from || meta.gate.length > cfg.to) {
        throw new FormatError(op, `gate length ${String(meta.gate.length)} is outside the curriculum ${cfg.from}..${cfg.to}`);
      }
      Object.assign(this.gate, cloneGate(meta.gate));
    }
  }
}


function cloneGate(g: GateState): GateState {
  return { length: g.length, passed: g.passed.map((p) => ({ ...p })), done: g.done };
}

/** JSON with object keys sorted, so configs compare by content whatever order they were built in. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : x));
}

import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import type { Task } from './types.js';
import { checkLength } from './util.js';

/** Shortest and longest period (in steps) a component sinusoid is drawn with (P5's stand-in: 10–100). */
export const SINUSOID_PERIODS = [10, 100] as const;
/** Coefficient of the AR(1) observation noise e_t = 0.5·e_{t−1} + innovation. */
export const SINUSOID_AR = 0.5;

/** Options of {@link sinusoids}. */
export interface SinusoidsOptions {
  /** Hidden regimes, each its own sum of sinusoids (default 3). */
  regimes?: number;
  /** Sinusoids summed in each regime (default 3). */
  components?: number;
  /** Probability of staying in the current regime at each step (default 0.98; else a uniformly chosen other one). */
  stay?: number;
  /** Stationary standard deviation of the AR(1) observation noise on the inputs (default 0.05, as Lorenz's). */
  noise?: number;
}

/** One regime: amplitude, angular frequency and phase of each of its sinusoids. */
interface Regime {
  readonly amp: readonly number[];
  readonly omega: readonly number[];
  readonly phase: readonly number[];
}

/** The clean signal of `regime` at time t: Σ_j amp_j · sin(omega_j · t + phase_j). */
export function regimeValue(regime: Readonly<{ amp: readonly number[]; omega: readonly number[]; phase: readonly number[] }>, t: number): number {
  let s = 0;
  for (let j = 0; j < regime.amp.length; j++) s += regime.amp[j]! * Math.sin(regime.omega[j]! * t + regime.phase[j]!);
  return s;
}

function drawRegime(rng: Rng, components: number): Regime {
  const [lo, hi] = SINUSOID_PERIODS;
  const amp: number[] = [], omega: number[] = [], phase: number[] = [];
  for (let j = 0; j < components; j++) {
    // Amplitudes scaled by 1/√components keep the signal's variance about the same for any count.
    amp.push((0.5 + rng.uniform()) / Math.sqrt(components));
    omega.push((2 * Math.PI) / (lo + (hi - lo) * rng.uniform()));
    phase.push(2 * Math.PI * rng.uniform());
  }
  return { amp, omega, phase };
}

/**
 * Regime-switching sinusoid forecasting (P5's time-series stand-in, an HMM over sinusoid mixtures).
 * Each example draws `regimes` regimes, each a sum of `components` sinusoids with periods uniform in
 * [10, 100] steps, amplitudes uniform in [0.5, 1.5]/√components and uniform phases. A hidden Markov
 * chain picks the regime: it starts uniformly and at each step stays with `stay`, else jumps to a
 * uniformly chosen other regime. The clean signal at t is the current regime's sum evaluated at the
 * global time t (every regime keeps its own clock, so returning to a regime resumes its wave).
 * Input at t = signal(t) + e_t, with AR(1) noise e_t = 0.5·e_{t−1} + N(0, noise²·(1 − 0.5²)) (stationary
 * standard deviation `noise`); target at t = the clean signal at t+1 (next-value regression, MSE).
 * The frequencies are new in every example, so the model must read them from the context.
 */
export function sinusoids(options: SinusoidsOptions = {}): Task {
  const op = 'sinusoids';
  const regimes = options.regimes ?? 3, components = options.components ?? 3;
  const stay = options.stay ?? 0.98, noise = options.noise ?? 0.05;
  if (!Number.isInteger(regimes) || regimes < 1) throw new ArgumentError(op, `regimes must be an integer >= 1, got ${regimes}`);
  if (!Number.isInteger(components) || components < 1) throw new ArgumentError(op, `components must be an integer >= 1, got ${components}`);
  if (!(stay >= 0 && stay <= 1)) throw new ArgumentError(op, `stay must be in [0, 1], got ${stay}`);
  if (!Number.isFinite(noise) || noise < 0) throw new ArgumentError(op, `noise must be a finite number >= 0, got ${noise}`);
  const innovation = noise * Math.sqrt(1 - SINUSOID_AR * SINUSOID_AR);
  return {
    name: 'sinusoids',
    description: `regime-switching sinusoids: ${regimes} hidden regimes of ${components} sinusoids (periods 10-100), stay ${stay}, AR(1) noise ${noise}; predict the next clean value (train T 96-160, test 160-320)`,
    kind: 'regress', perStep: true, inputDim: 1, outputDim: 1,
    trainLengths: [96, 160], testLengths: [160, 320],
    example(rng, length) {
      checkLength('sinusoids', length, 1);
      const rs = Array.from({ length: regimes }, () => drawRegime(rng, components));
      let r = rng.int(regimes);
      const clean: number[] = [];
      for (let t = 0; t <= length; t++) {
        if (t > 0 && regimes > 1 && rng.uniform() >= stay) r = (r + 1 + rng.int(regimes - 1)) % regimes;
        clean.push(regimeValue(rs[r]!, t));
      }
      // The AR(1) noise starts from its stationary distribution.
      let e = noise * rng.normal();
      const input: number[][] = [];
      for (let t = 0; t < length; t++) {
        if (t > 0) e = SINUSOID_AR * e + innovation * rng.normal();
        input.push([clean[t]! + e]);
      }
      return { input, target: clean.slice(1).map((v) => [v]) };
    },
  };
}

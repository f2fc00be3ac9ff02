import { ArgumentError } from '../errors.js';
import type { Task } from './types.js';
import { checkLength } from './util.js';

/** Lorenz-63 parameters σ, ρ, β (the chaotic regime). */
export const LORENZ_PARAMS = { sigma: 10, rho: 28, beta: 8 / 3 } as const;
/** Integration step. */
export const LORENZ_DT = 0.01;
/** Steps integrated and thrown away so a random start settles onto the attractor. */
export const LORENZ_TRANSIENT = 1000;
/**
 * Fixed z-scoring constants (x, y, z): mean and standard deviation on the attractor, measured
 * with this integrator over 4 trajectories of 2·10⁷ steps (runs agreed to ±0.005). The x and y
 * means are 0 by the (x, y) → (−x, −y) symmetry.
 */
export const LORENZ_MEAN: readonly number[] = [0, 0, 23.55];
/** See {@link LORENZ_MEAN}. */
export const LORENZ_STD: readonly number[] = [7.92, 9.01, 8.62];

/** Lorenz-63 vector field (ẋ, ẏ, ż) at `s`. */
export function lorenzField(s: readonly number[]): [number, number, number] {
  const [x, y, z] = s as [number, number, number];
  const { sigma, rho, beta } = LORENZ_PARAMS;
  return [sigma * (y - x), x * (rho - z) - y, x * y - beta * z];
}

/** One classical Runge-Kutta (RK4) step of Lorenz-63 from state `s` over `dt` (default 0.01). */
export function rk4Step(s: readonly number[], dt = LORENZ_DT): [number, number, number] {
  if (s.length !== 3) throw new ArgumentError('rk4Step', `state must have 3 components, got ${s.length}`);
  const at = (k: readonly number[], h: number): number[] => s.map((v, i) => v + h * k[i]!);
  const k1 = lorenzField(s);
  const k2 = lorenzField(at(k1, dt / 2));
  const k3 = lorenzField(at(k2, dt / 2));
  const k4 = lorenzField(at(k3, dt));
  const out = s.map((v, i) => v + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
  return out as [number, number, number];
}

/** Options of {@link lorenz}. */
export interface LorenzOptions {
  /** Observation noise on the inputs, as a fraction of each coordinate's standard deviation (default 0.05). */
  noise?: number;
}

/**
 * Lorenz-63 one-step prediction (Appendix A.12, P31): from a random start (x, y ~ U[−20, 20],
 * z ~ U[0, 50]) integrate with RK4 (dt 0.01), drop 1000 transient steps, z-score with fixed attractor
 * statistics (mean (0, 0, 23.55), std (7.92, 9.01, 8.62): `LORENZ_MEAN` / `LORENZ_STD`). Input at t = the z-scored state plus N(0, noise²) noise
 * per coordinate (noise 0.05 = P31's 5%); target at t = the clean z-scored state at t+1. `length`
 * is T; train 100-200 (GTF's sequence length is 200), test 200-1000.
 */
export function lorenz(options: LorenzOptions = {}): Task {
  const noise = options.noise ?? 0.05;
  if (!Number.isFinite(noise) || noise < 0) throw new ArgumentError('lorenz', `noise must be a finite number >= 0, got ${noise}`);
  const zscore = (s: readonly number[]): number[] => s.map((v, i) => (v - LORENZ_MEAN[i]!) / LORENZ_STD[i]!);
  return {
    name: 'lorenz', description: `Lorenz-63: predict the next z-scored state from noisy observations (noise ${noise}; train T 100-200, test 200-1000)`,
    kind: 'regress', perStep: true, inputDim: 3, outputDim: 3,
    trainLengths: [100, 200], testLengths: [200, 1000],
    example(rng, length) {
      checkLength('lorenz', length, 1);
      let s: readonly number[] = [40 * rng.uniform() - 20, 40 * rng.uniform() - 20, 50 * rng.uniform()];
      for (let i = 0; i < LORENZ_TRANSIENT; i++) s = rk4Step(s);
      const clean: number[][] = [zscore(s)];
      for (let t = 0; t < length; t++) clean.push(zscore((s = rk4Step(s))));
      const input = clean.slice(0, length).map((v) => v.map((x) => x + noise * rng.normal()));
      return { input, target: clean.slice(1) };
    },
  };
}

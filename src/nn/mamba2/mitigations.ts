import { ArgumentError } from '../../errors.js';
import { add, div, exp, maximum, mul, sqrt, sub } from '../../ops/elementwise.js';
import { zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { concat, narrow, squeeze, unsqueeze } from '../../ops/movement.js';
import { cumsum, sum } from '../../ops/reduce.js';
import { scanSequential } from '../../scan/sequential.js';
import type { Tensor } from '../../tensor/tensor.js';
import { gatedLinearAttention } from '../gla/gated-linear-attention.js';
import type { GLAImpl } from '../gla/gated-linear-attention.js';

/**
 * The training-free state-collapse mitigations of Stuffed Mamba (Chen et al., 2024, §5) as options of the
 * SSD recurrence. Each is off at its default, and off leaves the recurrence exactly as it was.
 */
export interface SSDMitigations {
  /**
   * Decay rescaling ("forget more"): the log-decay Δ_t·A is multiplied by this factor, so the per-step
   * decay a_t = exp(Δ_t A) becomes a_t^γ; the input term Δ_t B_t x_t is unchanged. Default 1 (off);
   * > 1 forgets faster.
   */
  decayScale?: number;
  /**
   * State normalisation: after every token's update, each head's state S [N, P] is scaled down to
   * Frobenius norm at most this value (S ← S · min(1, τ / ‖S‖)). Default 0 (off).
   */
  stateNormMax?: number;
  /**
   * Sliding window by state difference: the readout uses h_t − (Π_{i=t−r+1..t} a_i)·h_{t−r}, the part of
   * the state written by the last r tokens (h_τ = 0 before the first token). Default 0 (off).
   */
  stateWindow?: number;
}

/** The extra carried state of the sliding window: the state r tokens back and the last r tokens' inputs. */
export interface SSDWindowState {
  /** h_{t−r} [B, H, N, P]. */
  lag: Tensor;
  /** Keys (B_t) of the last r tokens [B, H, r, N], oldest first. */
  ringK: Tensor;
  /** Values (Δ_t x_t) of the last r tokens [B, H, r, P]. */
  ringV: Tensor;
  /** Log-decays of the last r tokens [B, H, r]. */
  ringG: Tensor;
}

/** What `ssdScan` returns: outputs, the final state and, with a window, its extra state. */
export interface SSDScanOutput {
  /** o [B, H, T, P]. */
  o: Tensor;
  /** The final (unwindowed, or normalised) state [B, H, N, P]. */
  state: Tensor;
  /** The window's carried state (only when `stateWindow` > 0). */
  window?: SSDWindowState;
}

/** Checks the mitigation options; returns them with defaults filled. */
export function checkMitigations(op: string, m: SSDMitigations): Required<SSDMitigations> {
  const decayScale = m.decayScale ?? 1, stateNormMax = m.stateNormMax ?? 0, stateWindow = m.stateWindow ?? 0;
  if (!(Number.isFinite(decayScale) && decayScale > 0)) throw new ArgumentError(op, `decayScale must be a positive number, got ${String(decayScale)}`);
  if (!(Number.isFinite(stateNormMax) && stateNormMax >= 0)) throw new ArgumentError(op, `stateNormMax must be a number >= 0 (0 = off), got ${String(stateNormMax)}`);
  if (!(Number.isInteger(stateWindow) && stateWindow >= 0)) throw new ArgumentError(op, `stateWindow must be an integer >= 0 (0 = off), got ${String(stateWindow)}`);
  if (stateNormMax > 0 && stateWindow > 0) throw new ArgumentError(op, 'stateNormMax and stateWindow cannot both be on (the window is a difference of unnormalised states)');
  return { decayScale, stateNormMax, stateWindow };
}

/**
 * The Mamba-2 SSD recurrence with the Stuffed Mamba mitigations, per batch and head:
 *   S_t = exp(γ g_t) S_{t−1} + k_t v_tᵀ  (then S_t ← S_t · min(1, τ/‖S_t‖) with stateNormMax τ),
 *   o_t = S_tᵀ q_t,  or with stateWindow r:  o_t = (S_t − exp(γ Σ_{i=t−r+1..t} g_i) S_{t−r})ᵀ q_t.
 * q, k [B, H, T, N], v [B, H, T, P], g [B, H, T] (log-decays ≤ 0). `state` / `window` continue a
 * previous call (null: zeros), so a sequence cut into pieces gives the same outputs as in one piece.
 * With every mitigation off this is exactly `gatedLinearAttention(q, k, v, g, {impl, chunk, state})`.
 */
export function ssdScan(q: Tensor, k: Tensor, v: Tensor, g: Tensor, opts: SSDMitigations & {
  impl?: GLAImpl; chunk?: number; state?: Tensor | null; window?: SSDWindowState | null;
} = {}): SSDScanOutput {
  const { decayScale, stateNormMax, stateWindow } = checkMitigations('ssdScan', opts);
  const impl = opts.impl ?? 'chunk', chunk = opts.chunk ?? 16, state = opts.state ?? null;
  const gs = decayScale === 1 ? g : mul(g, decayScale);
  if (stateNormMax > 0) return normScan(q, k, v, gs, stateNormMax, state);
  const r = gatedLinearAttention(q, k, v, gs, { impl, chunk, state });
  if (stateWindow === 0) return { o: r.o, state: r.state };
  const [B, H, T, N] = q.shape as [number, number, number, number];
  const P = v.shape[3]!, w = stateWindow;
  const win = opts.window ?? {
    lag: zeros([B, H, N, P], { dtype: q.dtype }), ringK: zeros([B, H, w, N], { dtype: q.dtype }),
    ringV: zeros([B, H, w, P], { dtype: q.dtype }), ringG: zeros([B, H, w], { dtype: q.dtype }),
  };
  if (win.ringK.shape[2] !== w) throw new ArgumentError('ssdScan', `the carried window holds ${String(win.ringK.shape[2])} tokens, stateWindow is ${w}`);
  // The inputs r steps back: the carried last r tokens, then this piece. Running the same recurrence
  // on them from h_{−r} gives h_{t−r} for every t of this piece.
  const allK = concat([win.ringK, k], 2), allV = concat([win.ringV, v], 2), allG = concat([win.ringG, gs], 2);
  const lag = gatedLinearAttention(q, narrow(allK, 2, 0, T), narrow(allV, 2, 0, T), narrow(allG, 2, 0, T), { impl, chunk, state: win.lag });
  // Σ of the log-decays over the window (t−r, t]: a difference of prefix sums local to this piece.
  const c = cumsum(allG, 2);
  const decay = exp(sub(narrow(c, 2, w, T), narrow(c, 2, 0, T))); // [B, H, T]
  const o = sub(r.o, mul(unsqueeze(decay, -1), lag.o));
  return {
    o, state: r.state,
    window: { lag: lag.state, ringK: narrow(allK, 2, T, w), ringV: narrow(allV, 2, T, w), ringG: narrow(allG, 2, T, w) },
  };
}

/** The token loop with the state's norm capped at τ after every update (the recurrence is no longer linear). */
function normScan(q: Tensor, k: Tensor, v: Tensor, g: Tensor, tau: number, state: Tensor | null): SSDScanOutput {
  const [B, H, , N] = q.shape as [number, number, number, number];
  const S0 = state ?? zeros([B, H, N, v.shape[3]!], { dtype: q.dtype });
  const r = scanSequential(([s], [qt, kt, vt, gt]) => {
    const a = unsqueeze(unsqueeze(exp(gt!), -1), -1); // [B, H, 1, 1]
    const upd = add(mul(a, s!), matmul(unsqueeze(kt!, -1), unsqueeze(vt!, -2)));
    const norm = sqrt(sum(mul(upd, upd), [-2, -1], { keepDims: true })); // [B, H, 1, 1]
    // S · τ / max(‖S‖, τ): unchanged below the cap, scaled onto it above.
    const St = div(mul(upd, tau), maximum(norm, tau));
    return { carry: [St], y: [squeeze(matmul(unsqueeze(qt!, -2), St), -2)] };
  }, [S0], [q, k, v, g], { axis: 2 });
  return { o: r.ys[0]!, state: r.carry[0]! };
}

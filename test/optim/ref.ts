/**
 * Independent reference implementations of the PyTorch update rules, written directly from the
 * torch.optim pseudo-code over plain JS number arrays (one flat parameter). `round` is applied
 * wherever PyTorch stores a tensor (parameter and state), so Math.fround emulates float32 state
 * and the identity gives float64.
 */
import assert from 'node:assert/strict';
import { tensor } from '../../src/ops/creation.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { Optimizer } from '../../src/optim/index.js';

export type Round = (x: number) => number;
export const f64: Round = (x) => x;
export const f32: Round = Math.fround;

/** Deterministic gradient sequence: grads[step][i], mixed signs and magnitudes, some zeros. */
export function gradSeq(steps: number, n: number, seed = 0): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < steps; k++) {
    out.push(Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : Math.sin(1.3 * k + 0.7 * i + seed) * (1 + (i % 4)))));
  }
  return out;
}

export interface SGDRef { lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }

/** torch.optim.SGD; returns the parameter after each step. */
export function refSGD(p0: number[], grads: number[][], o: SGDRef, round: Round): number[][] {
  const { lr, momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = o;
  let p = p0.map(round);
  let buf: number[] | null = null;
  const hist: number[][] = [];
  for (const gk of grads) {
    const g = gk.map(round);
    let d = g.map((x, i) => x + weightDecay * p[i]!);
    if (momentum !== 0) {
      if (buf === null) buf = d.map(round);
      else buf = buf.map((b, i) => round(momentum * b + (1 - dampening) * d[i]!));
      const b = buf;
      d = nesterov ? d.map((x, i) => x + momentum * b[i]!) : b.slice();
    }
    p = p.map((x, i) => round(x - lr * d[i]!));
    hist.push(p);
  }
  return hist;
}

export interface AdamRef { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; amsgrad?: boolean; decoupled?: boolean }

/** torch.optim.Adam (decoupled: false) and torch.optim.AdamW (decoupled: true). */
export function refAdam(p0: number[], grads: number[][], o: AdamRef, round: Round): number[][] {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, amsgrad = false, decoupled = false } = o;
  let p = p0.map(round);
  let m = p.map(() => 0);
  let v = p.map(() => 0);
  let vmax = p.map(() => 0);
  const hist: number[][] = [];
  grads.forEach((gk, k) => {
    const t = k + 1;
    let g = gk.map(round);
    if (decoupled) p = p.map((x) => x * (1 - lr * weightDecay));
    else g = g.map((x, i) => x + weightDecay * p[i]!);
    m = m.map((x, i) => round(beta1 * x + (1 - beta1) * g[i]!));
    v = v.map((x, i) => round(beta2 * x + (1 - beta2) * g[i]! * g[i]!));
    vmax = vmax.map((x, i) => Math.max(x, v[i]!));
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    const second = amsgrad ? vmax : v;
    p = p.map((x, i) => round(x - (lr / bc1) * (m[i]! / (Math.sqrt(second[i]!) / Math.sqrt(bc2) + eps))));
    hist.push(p);
  });
  return hist;
}

/** RAdam's rho_t (length of the approximated SMA) at 1-based step t. */
export function radamRho(t: number, beta2: number): number {
  const rhoInf = 2 / (1 - beta2) - 1;
  return rhoInf - (2 * t * beta2 ** t) / (1 - beta2 ** t);
}

export interface RAdamRef { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }

/** torch.optim.RAdam as in PyTorch 1.13. */
export function refRAdam(p0: number[], grads: number[][], o: RAdamRef, round: Round): number[][] {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = o;
  let p = p0.map(round);
  let m = p.map(() => 0);
  let v = p.map(() => 0);
  const hist: number[][] = [];
  const rhoInf = 2 / (1 - beta2) - 1;
  grads.forEach((gk, k) => {
    const t = k + 1;
    const g = gk.map((x, i) => round(x) + weightDecay * p[i]!);
    m = m.map((x, i) => round(beta1 * x + (1 - beta1) * g[i]!));
    v = v.map((x, i) => round(beta2 * x + (1 - beta2) * g[i]! * g[i]!));
    const mHat = m.map((x) => x / (1 - beta1 ** t));
    const rho = radamRho(t, beta2);
    if (rho > 5) {
      const r = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
      p = p.map((x, i) => round(x - (mHat[i]! * lr * r * Math.sqrt(1 - beta2 ** t)) / (Math.sqrt(v[i]!) + eps)));
    } else {
      p = p.map((x, i) => round(x - mHat[i]! * lr));
    }
    hist.push(p);
  });
  return hist;
}

/** Starting values for a flat parameter of n elements. */
export function initial(n: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 37) % 11) / 4 - 1.3);
}

/**
 * Runs an optimizer on two parameters ([2, 3] and [4]) over `steps` steps of `gradSeq` and returns
 * each parameter's history, so it can be compared with a reference on the flattened values.
 */
export function runOpt(make: (ps: Tensor[]) => Optimizer, steps: number, dtype: DType): { hist: number[][][]; p0: number[][]; grads: number[][][] } {
  const shapes = [[2, 3], [4]];
  const p0 = shapes.map((s, j) => initial(s.reduce((a, b) => a * b, 1)).map((x) => x + j));
  const grads = shapes.map((s, j) => gradSeq(steps, s.reduce((a, b) => a * b, 1), j));
  const ps = shapes.map((s, j) => tensor(p0[j]!, s, { dtype }));
  const opt = make(ps);
  const hist: number[][][] = ps.map(() => []);
  for (let k = 0; k < steps; k++) {
    opt.step(ps.map((p, j) => tensor(grads[j]![k]!, p.shape, { dtype })));
    ps.forEach((p, j) => hist[j]!.push(Array.from(p.data())));
  }
  opt.dispose();
  return { hist, p0, grads };
}

/** Asserts |a - e| <= tol * max(1, |e|) elementwise for whole histories. */
export function assertHistClose(actual: number[][], expected: number[][], tol: number, msg: string): void {
  assert.equal(actual.length, expected.length, `${msg}: step count`);
  actual.forEach((row, k) => {
    row.forEach((a, i) => {
      const e = expected[k]![i]!;
      assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${msg}: step ${k + 1} element ${i}: got ${a}, expected ${e}`);
    });
  });
}

/** Runs `make` on both parameters and compares with `ref` applied to each flattened parameter. */
export function checkAgainstRef(
  make: (ps: Tensor[]) => Optimizer,
  ref: (p0: number[], grads: number[][], round: Round) => number[][],
  steps: number, dtype: DType, tol: number, msg: string,
): number[][][] {
  const { hist, p0, grads } = runOpt(make, steps, dtype);
  const round = dtype === 'float32' ? f32 : f64;
  hist.forEach((h, j) => assertHistClose(h, ref(p0[j]!, grads[j]!, round), tol, `${msg} param ${j}`));
  return hist;
}

/** The exact bytes of a tensor's storage, for bitwise comparisons. */
export function bits(t: Tensor): number[] {
  const d = t.data();
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}

import { add, mul, sigmoid, sub, tanh } from '../../ops/elementwise.js';
import { narrow, split, squeeze } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';

/** One diagonal-GRU step's outputs for a batch of previous states (any leading shape, last axis H). */
export interface GruDiagStep {
  h: Tensor;
  /** ∂h/∂h_prev, elementwise (the Jacobian is diagonal). */
  J: Tensor;
  z: Tensor; r: Tensor; n: Tensor;
}

/** The rows of A [3, H]: update, reset and candidate recurrences. */
export function rowsOf(A: Tensor): [Tensor, Tensor, Tensor] {
  return [0, 1, 2].map((i) => squeeze(narrow(A, 0, i, 1), 0)) as [Tensor, Tensor, Tensor];
}

/**
 * ParaGRU's cell (ParaRNN's GRUDiagMH): the GRU with diagonal recurrences, so every unit depends
 * only on its own previous value and the Jacobian is diagonal:
 *   z = σ(a_z h + u_z),  r = σ(a_r h + u_r),  n = tanh(a_h (h r) + u_h),  h' = z n + (1 - z) h
 *   J = (1 - z) + (n - h) z(1 - z) a_z + z (1 - n²) a_h (r + h r(1 - r) a_r)
 * u [..., 3H] holds the input projections (z, r, n blocks). Built from ops, so it also serves as
 * the differentiable step of the recurrent form (the spec).
 */
export function gruDiagStep(hPrev: Tensor, u: Tensor, A: Tensor): GruDiagStep {
  const [az, ar, ah] = rowsOf(A);
  const [uz, ur, uh] = split(u, 3, -1) as [Tensor, Tensor, Tensor];
  const z = sigmoid(add(mul(az, hPrev), uz));
  const r = sigmoid(add(mul(ar, hPrev), ur));
  const hr = mul(hPrev, r);
  const n = tanh(add(mul(ah, hr), uh));
  const h = add(mul(z, n), mul(sub(1, z), hPrev));
  const dz = mul(mul(sub(n, hPrev), mul(z, sub(1, z))), az);
  const dn = mul(mul(mul(z, sub(1, mul(n, n))), ah), add(r, mul(mul(hr, sub(1, r)), ar)));
  return { h, J: add(add(sub(1, z), dz), dn), z, r, n };
}

/**
 * Given λ = dL/dh' per step, the cotangents of the step's inputs (excluding h_prev, whose part is
 * the Jacobian): d(pre-activations) [..., 3H] (= du) and the per-element terms of dA (summed by
 * the caller): [dpre_z h, dpre_r h, dpre_n (h r)].
 */
export function gruDiagInputGrads(lambda: Tensor, hPrev: Tensor, s: GruDiagStep, A: Tensor): { du: Tensor[]; dA: Tensor[] } {
  const [, , ah] = rowsOf(A);
  const dn = mul(lambda, s.z);
  const dz = mul(lambda, sub(s.n, hPrev));
  const preZ = mul(dz, mul(s.z, sub(1, s.z)));
  const preN = mul(dn, sub(1, mul(s.n, s.n)));
  const preR = mul(mul(mul(preN, ah), hPrev), mul(s.r, sub(1, s.r)));
  return { du: [preZ, preR, preN], dA: [mul(preZ, hPrev), mul(preR, hPrev), mul(preN, mul(hPrev, s.r))] };
}

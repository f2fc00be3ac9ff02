// Elementwise kernels on f32: unary, broadcast binary, strided copy, Adam. Op codes are the indices
// of UNARY_CODES / BINARY_CODES in src/backend/wasm/kernels.ts.
import { addr, block, float, word } from './descriptor';
import { SELU_ALPHA, SELU_SCALE, erf, gelu, geluGrad, sigmoid, softplus } from './math';

// @ts-ignore: decorator
@inline
function unaryScalar(op: i32, x: f64, alpha: f64): f64 {
  switch (op) {
    case 0: return -x;
    case 1: return Math.abs(x);
    case 2: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case 3: return Math.exp(x);
    case 4: return Math.log(x);
    case 5: return Math.log1p(x);
    case 6: return Math.sqrt(x);
    case 7: return 1 / Math.sqrt(x);
    case 8: return x * x;
    case 9: return 1 / x;
    case 10: return sigmoid(x);
    case 11: return -softplus(-x);
    case 12: return Math.tanh(x);
    case 13: return x > 0 || isNaN(x) ? x : 0;
    case 14: return x > 0 ? x : alpha * x;
    case 15: return x > 0 ? x : alpha * Math.expm1(x);
    case 16: return SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
    case 17: return softplus(x);
    case 18: return x * sigmoid(x);
    case 19: return gelu(x);
    case 20: return geluGrad(x);
    case 21: return erf(x);
    case 22: return x > 0 ? 1 : 0;
    default: return NaN;
  }
}

/** out[i] = f(x[i]) for i in [i0, i1). Cheap ops run 4 lanes at a time. */
export function unaryRange(op: i32, x: usize, out: usize, i0: i32, i1: i32, alpha: f32): void {
  let i = i0;
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const al = f32x4.splat(alpha);
  if (op == 0 || op == 1 || op == 6 || op == 8 || op == 9 || op == 13 || op == 14 || op == 22) {
    for (; i + 4 <= i1; i += 4) {
      const v = v128.load(x + <usize>i * 4);
      let r: v128;
      if (op == 0) r = f32x4.neg(v);
      else if (op == 1) r = f32x4.abs(v);
      else if (op == 6) r = f32x4.sqrt(v);
      else if (op == 8) r = f32x4.mul(v, v);
      else if (op == 9) r = f32x4.div(one, v);
      // relu keeps NaN: select x where x > 0 or x != x.
      else if (op == 13) r = v128.bitselect(v, zero, v128.or(f32x4.gt(v, zero), f32x4.ne(v, v)));
      else if (op == 14) r = v128.bitselect(v, f32x4.mul(v, al), f32x4.gt(v, zero));
      else r = v128.and(f32x4.gt(v, zero), one);
      v128.store(out + <usize>i * 4, r);
    }
  }
  const a = <f64>alpha;
  for (; i < i1; i++) store<f32>(out + <usize>i * 4, <f32>unaryScalar(op, <f64>load<f32>(x + <usize>i * 4), a));
}

/** Task.Unary over elements [lo, hi). Descriptor words: 1 elements, 2 op, 3 x, 4 out, 5 alpha (f32). */
export function unaryTask(d: usize, lo: i32, hi: i32): void {
  unaryRange(word(d, 2), addr(d, 3), addr(d, 4), lo, hi, float(d, 5));
}

// @ts-ignore: decorator
@inline
function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return <f32>Math.pow(<f64>a, <f64>b);
    case 5: return isNaN(a) || isNaN(b) ? NaN : a > b ? a : b;
    case 6: return isNaN(a) || isNaN(b) ? NaN : a < b ? a : b;
    case 7: return a > b ? 1 : 0;
    case 8: return a >= b ? 1 : 0;
    case 9: return a < b ? 1 : 0;
    case 10: return a <= b ? 1 : 0;
    case 11: return a == b ? 1 : 0;
    default: return NaN;
  }
}

// @ts-ignore: decorator
@inline
function binaryVec(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case 0: return f32x4.add(a, b);
    case 1: return f32x4.sub(a, b);
    case 2: return f32x4.mul(a, b);
    case 3: return f32x4.div(a, b);
    // wasm's f32x4.max/min propagate NaN, as the scalar definition does.
    case 5: return f32x4.max(a, b);
    case 6: return f32x4.min(a, b);
    case 7: return v128.and(f32x4.gt(a, b), f32x4.splat(1));
    case 8: return v128.and(f32x4.ge(a, b), f32x4.splat(1));
    case 9: return v128.and(f32x4.lt(a, b), f32x4.splat(1));
    case 10: return v128.and(f32x4.le(a, b), f32x4.splat(1));
    default: return v128.and(f32x4.eq(a, b), f32x4.splat(1));
  }
}

/**
 * One row of a broadcast binary op: out[j] = a[j*sa] op b[j*sb], j < n. Contiguous and
 * scalar-broadcast operands take the SIMD path (pow stays scalar).
 */
// @ts-ignore: decorator
@inline
function binaryRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let j = 0;
  if (op != 4 && (sa == 1 || sa == 0) && (sb == 1 || sb == 0)) {
    const as = f32x4.splat(load<f32>(a));
    const bs = f32x4.splat(load<f32>(b));
    for (; j + 4 <= n; j += 4) {
      const va = sa == 1 ? v128.load(a + <usize>j * 4) : as;
      const vb = sb == 1 ? v128.load(b + <usize>j * 4) : bs;
      v128.store(out + <usize>j * 4, binaryVec(op, va, vb));
    }
  }
  for (; j < n; j++) {
    store<f32>(out + <usize>j * 4, binaryScalar(op, load<f32>(a + <usize>j * sa * 4), load<f32>(b + <usize>j * sb * 4)));
  }
}

/**
 * Broadcast binary op over rows [r0, r1) of the output viewed as [rows, n] (n = last dim).
 * shape/aStrides/bStrides point at `rank` i32s (element strides; 0 broadcasts).
 */
export function binaryRows(op: i32, rank: i32, shape: usize, a: usize, aStrides: usize, b: usize, bStrides: usize,
  out: usize, r0: i32, r1: i32): void {
  const last = rank - 1;
  const n = rank == 0 ? 1 : load<i32>(shape + <usize>last * 4);
  const sa = rank == 0 ? 0 : load<i32>(aStrides + <usize>last * 4);
  const sb = rank == 0 ? 0 : load<i32>(bStrides + <usize>last * 4);
  for (let r = r0; r < r1; r++) {
    // Decompose the row index into the leading coordinates.
    let rem = r;
    let oa: usize = 0, ob: usize = 0;
    for (let d = last - 1; d >= 0; d--) {
      const dim = load<i32>(shape + <usize>d * 4);
      const idx = rem % dim;
      rem /= dim;
      oa += <usize>idx * load<i32>(aStrides + <usize>d * 4);
      ob += <usize>idx * load<i32>(bStrides + <usize>d * 4);
    }
    binaryRow(op, a + oa * 4, sa, b + ob * 4, sb, out + <usize>r * n * 4, n);
  }
}

/**
 * Task.Binary over output rows [lo, hi). Descriptor words: 1 rows, 2 op, 3 rank, 4 a, 5 b, 6 out;
 * the shape at words 16-23, a's strides at 24-31, b's at 32-39.
 */
export function binaryTask(d: usize, lo: i32, hi: i32): void {
  binaryRows(word(d, 2), word(d, 3), block(d, 16), addr(d, 4), block(d, 24), addr(d, 5), block(d, 32), addr(d, 6), lo, hi);
}

/**
 * Element offset of row r of `shape` viewed as [rows, last] through `strides` (leading dims only):
 * the row index decomposed into coordinates, dotted with the strides.
 */
// @ts-ignore: decorator
@inline
export function rowOffset(rank: i32, shape: usize, strides: usize, r: i32): usize {
  let rem = r;
  let o: usize = 0;
  for (let d = rank - 2; d >= 0; d--) {
    const dim = load<i32>(shape + <usize>d * 4);
    o += <usize>(rem % dim) * load<i32>(strides + <usize>d * 4);
    rem /= dim;
  }
  return o;
}

/** Strided gather of rows [r0, r1): out (contiguous) = src through `strides` over `shape`. */
export function copyRows(rank: i32, shape: usize, src: usize, strides: usize, out: usize, r0: i32, r1: i32, elem: i32): void {
  const last = rank - 1;
  const n = rank == 0 ? 1 : load<i32>(shape + <usize>last * 4);
  const s = rank == 0 ? 1 : load<i32>(strides + <usize>last * 4);
  for (let r = r0; r < r1; r++) {
    const o = rowOffset(rank, shape, strides, r);
    const dst = out + <usize>r * n * elem;
    const from = src + o * elem;
    if (s == 1) {
      memory.copy(dst, from, <usize>n * elem);
    } else if (elem == 4) {
      for (let j = 0; j < n; j++) store<u32>(dst + <usize>j * 4, load<u32>(from + <usize>j * s * 4));
    } else {
      for (let j = 0; j < n; j++) store<u64>(dst + <usize>j * 8, load<u64>(from + <usize>j * s * 8));
    }
  }
}

/**
 * Task.Copy over rows [lo, hi). Descriptor words: 1 rows, 2 rank, 3 src, 4 out, 5 bytes per element
 * (4 or 8); the shape at words 16-23, src's strides at 24-31.
 */
export function copyTask(d: usize, lo: i32, hi: i32): void {
  copyRows(word(d, 2), block(d, 16), addr(d, 3), block(d, 24), addr(d, 4), lo, hi, word(d, 5));
}

/**
 * Adam / AdamW update of elements [i0, i1), the same f64 arithmetic as the JS definition in
 * src/optim/adam.ts (moments stored as f32 and read back), so both backends agree bit for bit.
 * h points at f64s: lr, beta1, beta2, eps, weightDecay, bc1, bc2Sqrt; flags: 1 decoupled, 2 amsgrad.
 * Without amsgrad, two elements go through each f64x2 sqrt and divide (the costly part).
 */
export function adamRange(p: usize, g: usize, m: usize, v: usize, vmax: usize, h: usize, flags: i32, i0: i32, i1: i32): void {
  const lr = load<f64>(h), beta1 = load<f64>(h, 8), beta2 = load<f64>(h, 16), eps = load<f64>(h, 24);
  const wd = load<f64>(h, 32), bc1 = load<f64>(h, 40), bc2Sqrt = load<f64>(h, 48);
  const decoupled = (flags & 1) != 0, amsgrad = (flags & 2) != 0;
  const stepSize = lr / bc1;
  const invBc2 = 1 / bc2Sqrt;
  const decay: f64 = decoupled ? 1 - lr * wd : 1;
  const l2: f64 = decoupled ? 0 : wd;
  let i = i0;
  if (!amsgrad) {
    const vb1 = f64x2.splat(beta1), vc1 = f64x2.splat(1 - beta1), vb2 = f64x2.splat(beta2), vc2 = f64x2.splat(1 - beta2);
    const vl2 = f64x2.splat(l2), vdecay = f64x2.splat(decay), vinv = f64x2.splat(invBc2), veps = f64x2.splat(eps), vstep = f64x2.splat(stepSize);
    for (; i + 2 <= i1; i += 2) {
      const o = <usize>i * 4;
      let pi = f64x2.promote_low_f32x4(v128.load64_zero(p + o));
      let gi = f64x2.promote_low_f32x4(v128.load64_zero(g + o));
      if (l2 != 0) gi = f64x2.add(gi, f64x2.mul(vl2, pi));
      pi = f64x2.mul(pi, vdecay);
      const m32 = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(vb1, f64x2.promote_low_f32x4(v128.load64_zero(m + o))), f64x2.mul(vc1, gi)));
      v128.store64_lane(m + o, m32, 0);
      const v32 = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(vb2, f64x2.promote_low_f32x4(v128.load64_zero(v + o))), f64x2.mul(f64x2.mul(vc2, gi), gi)));
      v128.store64_lane(v + o, v32, 0);
      const denom = f64x2.add(f64x2.mul(f64x2.sqrt(f64x2.promote_low_f32x4(v32)), vinv), veps);
      const upd = f64x2.mul(vstep, f64x2.div(f64x2.promote_low_f32x4(m32), denom));
      v128.store64_lane(p + o, f32x4.demote_f64x2_zero(f64x2.sub(pi, upd)), 0);
    }
  }
  for (; i < i1; i++) {
    const o = <usize>i * 4;
    let pi = <f64>load<f32>(p + o);
    const gi: f64 = l2 != 0 ? <f64>load<f32>(g + o) + l2 * pi : <f64>load<f32>(g + o);
    pi *= decay;
    const mi = <f32>(beta1 * <f64>load<f32>(m + o) + (1 - beta1) * gi);
    store<f32>(m + o, mi);
    let vi = <f32>(beta2 * <f64>load<f32>(v + o) + (1 - beta2) * gi * gi);
    store<f32>(v + o, vi);
    if (amsgrad) {
      const vm = load<f32>(vmax + o);
      if (vi > vm || isNaN(vi)) store<f32>(vmax + o, vi);
      vi = load<f32>(vmax + o);
    }
    const denom = Math.sqrt(<f64>vi) * invBc2 + eps;
    store<f32>(p + o, <f32>(pi - stepSize * (<f64>mi / denom)));
  }
}

/**
 * Task.Adam over elements [lo, hi). Descriptor words: 1 elements, 2 p, 3 g, 4 m, 5 v, 6 vmax,
 * 7 flags; from word 16 the seven f64s adamRange reads (h).
 */
export function adamTask(d: usize, lo: i32, hi: i32): void {
  adamRange(addr(d, 2), addr(d, 3), addr(d, 4), addr(d, 5), addr(d, 6), block(d, 16), word(d, 7), lo, hi);
}

// Elementwise kernels on f32. Op codes match UNARY_OPS / BINARY_OPS in src/backend/wasm/codes.ts.
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

/** Strided gather of rows [r0, r1): out (contiguous) = src through `strides` over `shape`. */
export function copyRows(rank: i32, shape: usize, src: usize, strides: usize, out: usize, r0: i32, r1: i32, elem: i32): void {
  const last = rank - 1;
  const n = rank == 0 ? 1 : load<i32>(shape + <usize>last * 4);
  const s = rank == 0 ? 1 : load<i32>(strides + <usize>last * 4);
  for (let r = r0; r < r1; r++) {
    let rem = r;
    let o: usize = 0;
    for (let d = last - 1; d >= 0; d--) {
      const dim = load<i32>(shape + <usize>d * 4);
      o += <usize>(rem % dim) * load<i32>(strides + <usize>d * 4);
      rem /= dim;
    }
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

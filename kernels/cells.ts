// Pointwise recurrent-cell steps on f32x4 (see src/backend/ref/cells.ts for the definitions, which
// these follow to float32 rounding). Transcendentals use a Cephes-style exp: |rel err| < 2e-7.
// Descriptor words: 1 B (threads split the batch rows), 2 cell (0 rnnTanh, 1 rnnRelu, 2 lstm,
// 3 gru); from word 16 the step's block (`a` below), read as word(a, i): 0 B, 1 H, 2 gx, 3 gh, 4 h,
// 5 hPrevOff*, 6 hOutOff*, 7 s, 8 sPrevOff*, 9 sNextOff*, 10 cache, 11 cacheOff*, 12 mask,
// 13 maskOff*, then for backward 14 dh, 15 dhOff*, 16 ds, 17 dsOff*, 18 dgx, 19 dgxOff*, 20 dgh,
// 21 dghOff*, 22 dhPrev, 23 dhPrevOff*, and for forward 24 gxOff*, 25 ghOff*, 26 hDst, 27 sDst
// (0: write into h, s). * = element offsets; pointers are byte addresses, 0 = absent.
import { block, word } from './descriptor';

// @ts-ignore: decorator
@inline function at(base: i32, off: i32): usize { return <usize>base + <usize>off * 4; }

// @ts-ignore: decorator
@inline
function expv(x: v128): v128 {
  // pmin/pmax are single instructions (the NaN-propagating min/max expand to several); a NaN
  // input still yields NaN through the polynomial below.
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.3)), f32x4.splat(88.3));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  // 2^n for integral n in [-126, 128]: adding 1.5 * 2^23 puts n in the low mantissa bits.
  const bits = f32x4.add(n, f32x4.splat(12582912.0));
  const pow2 = i32x4.shl(i32x4.add(bits, i32x4.splat(127 - 0x4B400000)), 23);
  return f32x4.mul(p, pow2);
}

// @ts-ignore: decorator
@inline function sigv(x: v128): v128 { return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expv(f32x4.neg(x)))); }
// @ts-ignore: decorator
@inline function tanhv(x: v128): v128 {
  return f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(expv(f32x4.add(x, x)), f32x4.splat(1))));
}

/**
 * dst[0..H) = act(a + b) (act: 0 sigmoid, 1 tanh) over one row. A separate short loop per gate
 * lets the CPU overlap iterations: one long dependent exp/divide chain per element otherwise
 * leaves the core waiting on latency.
 */
// @ts-ignore: decorator
@inline
function actRow(act: i32, a: usize, b: usize, dst: usize, H: i32): void {
  for (let j = 0; j < H; j += 4) {
    const o = <usize>j * 4;
    const x = f32x4.add(v128.load(a + o), v128.load(b + o));
    v128.store(dst + o, act == 0 ? sigv(x) : tanhv(x));
  }
}

/** Forward step for batch rows [b0, b1) (threads split rows). kind: 0 rnnTanh, 1 rnnRelu, 2 lstm, 3 gru. Requires H % 4 == 0. */
export function cellForward(kind: i32, a: usize, b0: i32, b1: i32): void {
  const B = word(a, 0), H = word(a, 1);
  const gx = word(a, 2), gh = word(a, 3), h = word(a, 4), hPrev = word(a, 5), hOut = word(a, 6);
  const s = word(a, 7), sPrev = word(a, 8), sNext = word(a, 9), cache = word(a, 10), cacheOff = word(a, 11);
  const mask = word(a, 12), maskOff = word(a, 13);
  const gxOff = word(a, 24), ghOff = word(a, 25);
  // Optional separate destinations for the new h and cell state (streaming steps).
  const hw = word(a, 26) != 0 ? word(a, 26) : h;
  const sw = word(a, 27) != 0 ? word(a, 27) : s;
  const G = kind == 2 ? 4 : kind == 3 ? 3 : 1;
  const C = kind == 2 || kind == 3 ? 4 : 1;
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  for (let b = b0; b < b1; b++) {
    const active = mask == 0 || load<f32>(at(mask, maskOff + b)) != 0;
    if (active && kind == 2) {
      // LSTM: the four gate activations as separate passes over the row, then the state update.
      const gxr = gxOff + b * G * H, ghr = ghOff + b * G * H, cr = cacheOff + b * C * H;
      for (let k = 0; k < 4; k++) actRow(k == 2 ? 1 : 0, at(gx, gxr + k * H), at(gh, ghr + k * H), at(cache, cr + k * H), H);
      for (let j = 0; j < H; j += 4) {
        const e = b * H + j, cb = cr + j;
        const c = f32x4.add(f32x4.mul(v128.load(at(cache, cb + H)), v128.load(at(s, sPrev + e))),
          f32x4.mul(v128.load(at(cache, cb)), v128.load(at(cache, cb + 2 * H))));
        v128.store(at(sw, sNext + e), c);
        v128.store(at(hw, hOut + e), f32x4.mul(v128.load(at(cache, cb + 3 * H)), tanhv(c)));
      }
      continue;
    }
    for (let j = 0; j < H; j += 4) {
      const e = b * H + j;
      const hp = v128.load(at(h, hPrev + e));
      if (!active) {
        v128.store(at(hw, hOut + e), hp);
        if (kind == 2) v128.store(at(sw, sNext + e), v128.load(at(s, sPrev + e)));
        continue;
      }
      const gxb = gxOff + b * G * H + j, ghb = ghOff + b * G * H + j, cb = cacheOff + b * C * H + j;
      if (kind <= 1) {
        const x = f32x4.add(v128.load(at(gx, gxb)), v128.load(at(gh, ghb)));
        const v = kind == 0 ? tanhv(x) : f32x4.max(x, zero);
        v128.store(at(cache, cb), v);
        v128.store(at(hw, hOut + e), v);
      } else if (kind == 2) {
        const i = sigv(f32x4.add(v128.load(at(gx, gxb)), v128.load(at(gh, ghb))));
        const f = sigv(f32x4.add(v128.load(at(gx, gxb + H)), v128.load(at(gh, ghb + H))));
        const g = tanhv(f32x4.add(v128.load(at(gx, gxb + 2 * H)), v128.load(at(gh, ghb + 2 * H))));
        const o = sigv(f32x4.add(v128.load(at(gx, gxb + 3 * H)), v128.load(at(gh, ghb + 3 * H))));
        const c = f32x4.add(f32x4.mul(f, v128.load(at(s, sPrev + e))), f32x4.mul(i, g));
        v128.store(at(cache, cb), i);
        v128.store(at(cache, cb + H), f);
        v128.store(at(cache, cb + 2 * H), g);
        v128.store(at(cache, cb + 3 * H), o);
        v128.store(at(sw, sNext + e), c);
        v128.store(at(hw, hOut + e), f32x4.mul(o, tanhv(c)));
      } else {
        const r = sigv(f32x4.add(v128.load(at(gx, gxb)), v128.load(at(gh, ghb))));
        const z = sigv(f32x4.add(v128.load(at(gx, gxb + H)), v128.load(at(gh, ghb + H))));
        const ghn = v128.load(at(gh, ghb + 2 * H));
        const n = tanhv(f32x4.add(v128.load(at(gx, gxb + 2 * H)), f32x4.mul(r, ghn)));
        v128.store(at(cache, cb), r);
        v128.store(at(cache, cb + H), z);
        v128.store(at(cache, cb + 2 * H), n);
        v128.store(at(cache, cb + 3 * H), ghn);
        v128.store(at(hw, hOut + e), f32x4.add(f32x4.mul(f32x4.sub(one, z), n), f32x4.mul(z, hp)));
      }
    }
  }
}

/** Task.CellForward over batch rows [lo, hi) (descriptor in the header). */
export function cellForwardTask(d: usize, lo: i32, hi: i32): void {
  cellForward(word(d, 2), block(d, 16), lo, hi);
}

/** Backward step (same kinds). */
export function cellBackward(kind: i32, a: usize, b0: i32, b1: i32): void {
  const B = word(a, 0), H = word(a, 1);
  const h = word(a, 4), hPrev = word(a, 5);
  const s = word(a, 7), sPrev = word(a, 8), sNext = word(a, 9), cache = word(a, 10), cacheOff = word(a, 11);
  const mask = word(a, 12), maskOff = word(a, 13);
  const dh = word(a, 14), dhOff = word(a, 15), ds = word(a, 16), dsOff = word(a, 17);
  const dgx = word(a, 18), dgxOff = word(a, 19), dgh = word(a, 20), dghOff = word(a, 21), dhp = word(a, 22), dhpOff = word(a, 23);
  const G = kind == 2 ? 4 : kind == 3 ? 3 : 1;
  const C = kind == 2 || kind == 3 ? 4 : 1;
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  // Callers alias dgh to dgx when both gradients are equal (every cell but GRU): store once.
  const sameG = dgh == dgx && dghOff == dgxOff;
  for (let b = b0; b < b1; b++) {
    const active = mask == 0 || load<f32>(at(mask, maskOff + b)) != 0;
    for (let j = 0; j < H; j += 4) {
      const e = b * H + j;
      const d = v128.load(at(dh, dhOff + e));
      const xb = dgxOff + b * G * H + j, hb = dghOff + b * G * H + j, cb = cacheOff + b * C * H + j;
      if (!active) {
        for (let k = 0; k < G; k++) {
          v128.store(at(dgx, xb + k * H), zero);
          v128.store(at(dgh, hb + k * H), zero);
        }
        v128.store(at(dhp, dhpOff + e), d);
        continue;
      }
      if (kind <= 1) {
        const v = v128.load(at(cache, cb));
        const da = kind == 0 ? f32x4.mul(d, f32x4.sub(one, f32x4.mul(v, v))) : v128.and(d, f32x4.gt(v, zero));
        v128.store(at(dgx, xb), da);
        if (!sameG) v128.store(at(dgh, hb), da);
        v128.store(at(dhp, dhpOff + e), zero);
      } else if (kind == 2) {
        const i = v128.load(at(cache, cb)), f = v128.load(at(cache, cb + H));
        const g = v128.load(at(cache, cb + 2 * H)), o = v128.load(at(cache, cb + 3 * H));
        const cPrev = v128.load(at(s, sPrev + e)), c = v128.load(at(s, sNext + e));
        const tc = tanhv(c);
        const dO = f32x4.mul(d, tc);
        const dAo = f32x4.mul(f32x4.mul(dO, o), f32x4.sub(one, o));
        const dc = f32x4.add(v128.load(at(ds, dsOff + e)), f32x4.mul(f32x4.mul(d, o), f32x4.sub(one, f32x4.mul(tc, tc))));
        const dAi = f32x4.mul(f32x4.mul(f32x4.mul(dc, g), i), f32x4.sub(one, i));
        const dAf = f32x4.mul(f32x4.mul(f32x4.mul(dc, cPrev), f), f32x4.sub(one, f));
        const dAg = f32x4.mul(f32x4.mul(dc, i), f32x4.sub(one, f32x4.mul(g, g)));
        v128.store(at(ds, dsOff + e), f32x4.mul(dc, f));
        v128.store(at(dgx, xb), dAi); v128.store(at(dgx, xb + H), dAf); v128.store(at(dgx, xb + 2 * H), dAg); v128.store(at(dgx, xb + 3 * H), dAo);
        if (!sameG) {
          v128.store(at(dgh, hb), dAi); v128.store(at(dgh, hb + H), dAf); v128.store(at(dgh, hb + 2 * H), dAg); v128.store(at(dgh, hb + 3 * H), dAo);
        }
        v128.store(at(dhp, dhpOff + e), zero);
      } else {
        const r = v128.load(at(cache, cb)), z = v128.load(at(cache, cb + H));
        const n = v128.load(at(cache, cb + 2 * H)), ghn = v128.load(at(cache, cb + 3 * H));
        const hp = v128.load(at(h, hPrev + e));
        const dAn = f32x4.mul(f32x4.mul(d, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
        const dAz = f32x4.mul(f32x4.mul(f32x4.mul(d, f32x4.sub(hp, n)), z), f32x4.sub(one, z));
        const dAr = f32x4.mul(f32x4.mul(f32x4.mul(dAn, ghn), r), f32x4.sub(one, r));
        v128.store(at(dgx, xb), dAr); v128.store(at(dgx, xb + H), dAz); v128.store(at(dgx, xb + 2 * H), dAn);
        v128.store(at(dgh, hb), dAr); v128.store(at(dgh, hb + H), dAz); v128.store(at(dgh, hb + 2 * H), f32x4.mul(dAn, r));
        v128.store(at(dhp, dhpOff + e), f32x4.mul(d, z));
      }
    }
  }
}

/** Task.CellBackward over batch rows [lo, hi) (descriptor in the header). */
export function cellBackwardTask(d: usize, lo: i32, hi: i32): void {
  cellBackward(word(d, 2), block(d, 16), lo, hi);
}

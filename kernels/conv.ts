// Grouped 1-D convolution (cross-correlation, as PyTorch) forward and backward on f32, with
// f64 accumulation. Each output element is produced by one thread in a fixed order. All three
// tasks carry the same shape block at descriptor word 16 (`a` below), read as word(a, i):
// 0 batch, 1 cin, 2 cout, 3 length, 4 outLength, 5 kernel, 6 groups, 7 stride, 8 padLeft, 9 dilation.
import { addr, block, word } from './descriptor';

/** y rows [r0, r1) of the [batch * cout] rows of length outLength. bias may be 0. */
export function conv1dRows(x: usize, w: usize, bias: usize, y: usize, a: usize, r0: i32, r1: i32): void {
  const cin = word(a, 1), cout = word(a, 2), length = word(a, 3), outLength = word(a, 4), kernel = word(a, 5);
  const groups = word(a, 6), stride = word(a, 7), padLeft = word(a, 8), dilation = word(a, 9);
  const cpg = cin / groups, opg = cout / groups;
  for (let r = r0; r < r1; r++) {
    const b = r / cout, co = r % cout;
    const g = co / opg;
    for (let t = 0; t < outLength; t++) {
      let acc: f64 = bias ? <f64>load<f32>(bias + <usize>co * 4) : 0;
      for (let c = 0; c < cpg; c++) {
        const xrow = x + (<usize>(b * cin + g * cpg + c) * length) * 4;
        const wrow = w + (<usize>(co * cpg + c) * kernel) * 4;
        for (let k = 0; k < kernel; k++) {
          const s = t * stride + k * dilation - padLeft;
          if (s >= 0 && s < length) acc += <f64>load<f32>(wrow + <usize>k * 4) * <f64>load<f32>(xrow + <usize>s * 4);
        }
      }
      store<f32>(y + (<usize>r * outLength + t) * 4, <f32>acc);
    }
  }
}

/** Task.Conv over y rows [lo, hi). Descriptor words: 1 rows (batch × cout), 2 x, 3 w, 4 bias, 5 y; 16-25 the shape. */
export function convTask(d: usize, lo: i32, hi: i32): void {
  conv1dRows(addr(d, 2), addr(d, 3), addr(d, 4), addr(d, 5), block(d, 16), lo, hi);
}

/** dx rows [r0, r1) of the [batch * cin] rows of length `length`. */
export function conv1dDxRows(w: usize, dy: usize, dx: usize, a: usize, r0: i32, r1: i32): void {
  const cin = word(a, 1), cout = word(a, 2), length = word(a, 3), outLength = word(a, 4), kernel = word(a, 5);
  const groups = word(a, 6), stride = word(a, 7), padLeft = word(a, 8), dilation = word(a, 9);
  const cpg = cin / groups, opg = cout / groups;
  for (let r = r0; r < r1; r++) {
    const b = r / cin, ci = r % cin;
    const g = ci / cpg, c = ci % cpg;
    const row = dx + (<usize>r * length) * 4;
    for (let s = 0; s < length; s++) {
      let acc: f64 = 0;
      for (let co = g * opg; co < (g + 1) * opg; co++) {
        const wrow = w + (<usize>(co * cpg + c) * kernel) * 4;
        const drow = dy + (<usize>(b * cout + co) * outLength) * 4;
        for (let k = 0; k < kernel; k++) {
          const num = s + padLeft - k * dilation;
          if (num < 0 || num % stride != 0) continue;
          const t = num / stride;
          if (t < outLength) acc += <f64>load<f32>(drow + <usize>t * 4) * <f64>load<f32>(wrow + <usize>k * 4);
        }
      }
      store<f32>(row + <usize>s * 4, <f32>acc);
    }
  }
}

/** Task.ConvDx over dx rows [lo, hi). Descriptor words: 1 rows (batch × cin), 2 w, 3 dy, 4 dx; 16-25 the shape. */
export function convDxTask(d: usize, lo: i32, hi: i32): void {
  conv1dDxRows(addr(d, 2), addr(d, 3), addr(d, 4), block(d, 16), lo, hi);
}

/** dw rows [r0, r1) of the [cout * cpg] rows of length kernel, and db[co] on the row with c == 0. */
export function conv1dDwRows(x: usize, dy: usize, dw: usize, db: usize, a: usize, r0: i32, r1: i32): void {
  const batch = word(a, 0), cin = word(a, 1), cout = word(a, 2), length = word(a, 3), outLength = word(a, 4), kernel = word(a, 5);
  const groups = word(a, 6), stride = word(a, 7), padLeft = word(a, 8), dilation = word(a, 9);
  const cpg = cin / groups, opg = cout / groups;
  for (let r = r0; r < r1; r++) {
    const co = r / cpg, c = r % cpg;
    const g = co / opg;
    for (let k = 0; k < kernel; k++) {
      let acc: f64 = 0;
      for (let b = 0; b < batch; b++) {
        const xrow = x + (<usize>(b * cin + g * cpg + c) * length) * 4;
        const drow = dy + (<usize>(b * cout + co) * outLength) * 4;
        for (let t = 0; t < outLength; t++) {
          const s = t * stride + k * dilation - padLeft;
          if (s >= 0 && s < length) acc += <f64>load<f32>(drow + <usize>t * 4) * <f64>load<f32>(xrow + <usize>s * 4);
        }
      }
      if (dw) store<f32>(dw + (<usize>r * kernel + k) * 4, <f32>acc);
    }
    if (db && c == 0) {
      let acc: f64 = 0;
      for (let b = 0; b < batch; b++) {
        const drow = dy + (<usize>(b * cout + co) * outLength) * 4;
        for (let t = 0; t < outLength; t++) acc += <f64>load<f32>(drow + <usize>t * 4);
      }
      store<f32>(db + <usize>co * 4, <f32>acc);
    }
  }
}

/** Task.ConvDw over dw rows [lo, hi). Descriptor words: 1 rows (cout × cin / groups), 2 x, 3 dy, 4 dw, 5 db; 16-25 the shape. */
export function convDwTask(d: usize, lo: i32, hi: i32): void {
  conv1dDwRows(addr(d, 2), addr(d, 3), addr(d, 4), addr(d, 5), block(d, 16), lo, hi);
}

// f32x4 helpers shared by the kernels. The horizontal sum adds the lanes in one fixed order,
// (0 + 1) + (2 + 3): results depend on it to the last bit, so every kernel uses this one.

/** Sum of the four lanes of x. */
// @ts-ignore: decorator
@inline export function hsum(x: v128): f32 {
  return (f32x4.extract_lane(x, 0) + f32x4.extract_lane(x, 1)) + (f32x4.extract_lane(x, 2) + f32x4.extract_lane(x, 3));
}

/** a·b over n floats: four lanes at a time, then a scalar tail. */
// @ts-ignore: decorator
@inline export function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(a + <usize>j * 4), v128.load(b + <usize>j * 4)));
  let s = hsum(acc);
  for (; j < n; j++) s += load<f32>(a + <usize>j * 4) * load<f32>(b + <usize>j * 4);
  return s;
}

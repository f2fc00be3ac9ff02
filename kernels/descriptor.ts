// Reading a task descriptor: the i32 words src/backend/wasm/backend.ts writes at `d` before each
// task. Word 0 is the kind (tasks.ts); word 1 the count that `task` (index.ts) splits among threads
// into [lo, hi) (GEMM alone splits its own work). The other words are documented on the `...Task`
// entry that reads them. Pointers are byte addresses; 0 = absent.

/** Word i as an integer. */
// @ts-ignore: decorator
@inline export function word(d: usize, i: i32): i32 { return load<i32>(d + <usize>i * 4); }
/** Word i as a pointer. */
// @ts-ignore: decorator
@inline export function addr(d: usize, i: i32): usize { return <usize>load<u32>(d + <usize>i * 4); }
/** Word i as a 0/1 flag. */
// @ts-ignore: decorator
@inline export function flag(d: usize, i: i32): bool { return load<i32>(d + <usize>i * 4) != 0; }
/** Word i as an f32. */
// @ts-ignore: decorator
@inline export function float(d: usize, i: i32): f32 { return load<f32>(d + <usize>i * 4); }
/** Words i and i + 1 as an f64 (i even, so it is 8-byte aligned). */
// @ts-ignore: decorator
@inline export function double(d: usize, i: i32): f64 { return load<f64>(d + <usize>i * 4); }
/** Where word i is: the start of an array or block of words inside the descriptor. */
// @ts-ignore: decorator
@inline export function block(d: usize, i: i32): usize { return d + <usize>i * 4; }

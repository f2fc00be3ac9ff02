
/**
 * Lifetime bookkeeping. Every tensor is registered with the innermost open scope; closing the
 * scope disposes what was not returned or kept. Tensors an active gradient tape still needs are
 * handed to the tape instead, so `tidy` inside a differentiated function cannot break backward.
 */
interface Scope {
  tensors: Set<Owned>;
}

/**
 * What the scopes need of a tensor. Structural, so this file does not import tensor.ts (which
 * registers every new tensor here).
 */
export interface Owned {
  /** Unique id. */
  readonly id: number;
  /** True once the storage has been released. */
  readonly isDisposed: boolean;
  /** Releases the storage. */
  dispose(): void;
}

const scopes: Scope[] = [];
let liveTensors = 0;
let liveBytes = 0;

/** A hook the autodiff tape installs: returns true if it takes ownership of the tensor. */
let tapeClaims: (t: Owned) => boolean = () => false;

/** @internal Installs the tape's claim hook. */
export function setTapeClaimHook(hook: (t: Owned) => boolean): void {
  tapeClaims = hook;
}

/** @internal True if an active tape took ownership of `t` (its disposal is deferred). */
export function claimedByTape(t: Owned): boolean {
  return tapeClaims(t);
}

/** @internal Called by the Tensor constructor. */
export function registerTensor(t: Owned, bytes: number): void {
  liveTensors++;
  liveBytes += bytes;
  const s = scopes[scopes.length - 1];
  if (s) s.tensors.add(t);
}

/** @internal Called when a tensor's buffer is released. */
export function unregisterTensor(t: Owned, bytes: number): void {
  liveTensors--;
  liveBytes -= bytes;
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i]!.tensors.delete(t)) break;
}

/** Counts of live (undisposed) tensors and their bytes. */
export interface MemoryInfo {
  /** Live tensors. */
  numTensors: number;
  /** Bytes of their storage. */
  numBytes: number;
}

/** Reports live tensors and bytes across all backends. */
export function memory(): MemoryInfo {
  return { numTensors: liveTensors, numBytes: liveBytes };
}

/**
 * Exempts tensors from disposal by any enclosing `tidy` (parameters, optimizer state, caches).
 * Returns its argument.
 */
export function keep<T extends Owned>(t: T): T {
  for (const s of scopes) s.tensors.delete(t);
  return t;
}

/** Collects every tensor in an arbitrarily nested value of arrays/objects/maps. */
export function collectTensors<T>(value: unknown, out: Set<T>, isTensor: (v: unknown) => v is T): void {
  if (isTensor(value)) {
    out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, out, isTensor);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, out, isTensor);
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, isTensor);
  }
}

/** @internal Opens a scope. */
export function beginScope(): void {
  scopes.push({ tensors: new Set() });
}

/**
 * @internal Closes the innermost scope: disposes its tensors except `survivors`, which move to the
 * parent scope (so an outer tidy still owns them).
 */
export function endScope(survivors: ReadonlySet<unknown>): void {
  const s = scopes.pop();
  if (!s) return;
  const parent = scopes[scopes.length - 1];
  for (const t of s.tensors) {
    if (survivors.has(t)) {
      parent?.tensors.add(t);
    } else if (!t.isDisposed) {
      t.dispose();
    }
  }
}

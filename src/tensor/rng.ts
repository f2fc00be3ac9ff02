/**
 * Splittable, seeded pseudo-random generator (xoshiro128** with SplitMix32 seeding). Same seed,
 * same stream, on every platform. `split()` derives an independent child stream so that, e.g.,
 * dropout masks and data shuffling do not perturb each other. The state is a plain array so that
 * checkpoints can save and restore it exactly.
 */
export class Rng {
  private s: Uint32Array;
  private spare: number | null = null;

  constructor(seed: number | readonly number[] = 0) {
    this.s = new Uint32Array(4);
    if (typeof seed === 'number') {
      let x = (seed >>> 0) ^ Math.floor(seed / 4294967296);
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        this.s[i] = mix32(x);
      }
      if (this.s.every((v) => v === 0)) this.s[0] = 1;
    } else {
      this.s.set(seed.slice(0, 4));
    }
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box-Muller; the second value of each pair is cached). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** An independent child generator; advances this one. */
  split(): Rng {
    const seeds = [mix32(this.nextU32() ^ 0x85ebca6b), mix32(this.nextU32()), mix32(this.nextU32() ^ 0xc2b2ae35), mix32(this.nextU32())];
    if (!seeds.some((v) => v !== 0)) seeds[0] = 1;
    return new Rng(seeds);
  }

  /** Serialisable state (for checkpoints). */
  getState(): number[] {
    return [...this.s, this.spare === null ? NaN : this.spare];
  }

  /** Restores a state from `getState`. */
  setState(state: readonly number[]): void {
    this.s.set(state.slice(0, 4));
    const spare = state[4];
    this.spare = spare === undefined || Number.isNaN(spare) ? null : spare;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

let globalRng = new Rng(0);

/** Reseeds the global generator used when no `rng` is passed. */
export function seed(s: number): void {
  globalRng = new Rng(s);
}

/** The global generator. */
export function globalGenerator(): Rng {
  return globalRng;
}

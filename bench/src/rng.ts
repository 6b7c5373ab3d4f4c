/**
 * The seeded generator behind the benchmark's data and initial weights: a Mulberry32 stream with Box–Muller normals.
 * The numbers are made once, in float64, and handed to every system, so the generator only has to be reproducible
 * and make learnable problems.
 */

/** A stream of uniform numbers in [0, 1), fully determined by its seed. */
export interface Rng {
  /** The next uniform number in [0, 1). */
  readonly uniform: () => number
  /** The next standard normal number (Box–Muller). */
  readonly normal: () => number
}

/** Mulberry32 seeded with `seed` (any 32-bit integer). */
export const rng = (seed: number): Rng => {
  let a = seed >>> 0
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const normal = (): number => {
    // 1 − u keeps the logarithm's argument in (0, 1]
    const u = 1 - uniform()
    const v = uniform()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
  return { uniform, normal }
}

// A small seeded PRNG (mulberry32) and the distributions the fleet physics draws from: the same
// seed gives the same fleet, sample for sample, on every machine.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Normal with mean 0 and standard deviation 1 (Box–Muller). */
  gaussian(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** An independent stream derived from this one. */
  fork(salt: number): Random;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  let spare: number | undefined;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    gaussian() {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      const u = Math.max(next(), Number.EPSILON);
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    between: (min, max) => min + (max - min) * next(),
    fork: (salt) =>
      seededRandom((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(salt, 0xc2b2ae35)) >>> 0),
  };
  return random;
}

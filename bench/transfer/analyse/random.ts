/**
 * A small seeded pseudo-random generator for the bootstrap: the same seed gives the same stream
 * on every machine, so a summary computed twice from the same results is byte-identical.
 *
 * The state is a 32-bit Weyl sequence (add the golden-ratio constant each draw) passed through a
 * 32-bit avalanche mixer; normals come from the Box–Muller transform. Not for cryptography.
 *
 * @example
 * ```ts
 * import { seededRandom } from "./random.ts";
 * import { assertEquals, assertTrue } from "../../../testing/assert.ts";
 * const a = seededRandom("curve/ngpt/64");
 * const b = seededRandom("curve/ngpt/64");
 * assertEquals([a.uniform(), a.normal(), a.int(6)], [b.uniform(), b.normal(), b.int(6)]);
 * const u = a.uniform();
 * assertTrue(u >= 0 && u < 1);
 * ```
 *
 * @module
 */

/** A stream of pseudo-random numbers. */
export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal (mean 0, variance 1). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/**
 * 32-bit hash of a string (FNV-1a, then the avalanche mixer), for seeding.
 *
 * @example
 * ```ts
 * import { hashString } from "./random.ts";
 * import { assertEquals, assertTrue } from "../../../testing/assert.ts";
 * assertEquals(hashString("a"), hashString("a"));
 * assertTrue(hashString("a") !== hashString("b"));
 * ```
 */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix(h >>> 0);
}

function mix(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A generator seeded by a number or a string (strings are hashed with {@linkcode hashString}).
 *
 * @example
 * ```ts
 * import { seededRandom } from "./random.ts";
 * import { assertClose } from "../../../testing/assert.ts";
 * const r = seededRandom(7);
 * let sum = 0;
 * for (let i = 0; i < 20000; i++) sum += r.normal();
 * assertClose(sum / 20000, 0, { atol: 0.05 });
 * ```
 */
export function seededRandom(seed: number | string): Random {
  let state = typeof seed === "string" ? hashString(seed) : mix(seed >>> 0 ^ 0x5bd1e995);
  let spare: number | null = null;
  const uniform = () => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix(state) / 2 ** 32;
  };
  return {
    uniform,
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      const u = 1 - uniform(); // (0, 1]: log is finite
      const v = uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(n: number) {
      if (!(Number.isInteger(n) && n > 0)) {
        throw new Error(`seededRandom.int: n must be a positive integer, got ${n}`);
      }
      return Math.floor(uniform() * n);
    },
  };
}

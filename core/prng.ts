/**
 * Splittable, counter-based pseudo-random keys (Threefry-2x32, 20 rounds),
 * computed on the host so that the same key gives the same numbers on every
 * backend.
 *
 * A key is an immutable pair of 32-bit words. `split` derives independent
 * child keys; `bits` expands a key into a stream of 32-bit words. Nothing here
 * holds state: the same key always gives the same output.
 *
 * @module
 */

/** A PRNG key: two 32-bit words. Create with {@linkcode key}, derive with {@linkcode split}. */
export interface Key {
  /** Marks the object as a key. */
  readonly kind: "nugrad.key";
  /** The two words. */
  readonly words: readonly [number, number];
}

/**
 * A key from an integer seed (any safe integer; negative seeds allowed).
 *
 * @example
 * ```ts
 * import { key } from "./prng.ts";
 * const k = key(0);
 * ```
 */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`key: seed must be a safe integer, got ${seed}`);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return makeKey(hi, lo);
}

function makeKey(a: number, b: number): Key {
  return Object.freeze({
    kind: "nugrad.key" as const,
    words: Object.freeze([a >>> 0, b >>> 0]) as [number, number],
  });
}

/**
 * True when `x` is a PRNG key.
 *
 * @example
 * ```ts
 * import { isKey, key } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals([isKey(key(0)), isKey(0)], [true, false]);
 * ```
 */
export function isKey(x: unknown): x is Key {
  return typeof x === "object" && x !== null && (x as Key).kind === "nugrad.key";
}

function assertKey(op: string, k: unknown): asserts k is Key {
  if (!isKey(k)) {
    throw new Error(`${op}: expected a PRNG key (from key(seed) or split), got ${describe(k)}`);
  }
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return `${typeof x} ${String(x)}`;
}

const ROT = [13, 15, 26, 6, 17, 29, 16, 24];

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Threefry-2x32 with 20 rounds: encrypt the counter pair (c0, c1) under key (k0, k1). */
function threefry(
  k0: number,
  k1: number,
  c0: number,
  c1: number,
  out: Uint32Array,
  at: number,
): void {
  const k2 = (k0 ^ k1 ^ 0x1bd11bda) >>> 0;
  const ks = [k0, k1, k2];
  let x0 = (c0 + k0) >>> 0;
  let x1 = (c1 + k1) >>> 0;
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 4; j++) {
      const r = ROT[(i % 2) * 4 + j];
      x0 = (x0 + x1) >>> 0;
      x1 = rotl(x1, r) ^ x0;
    }
    x0 = (x0 + ks[(i + 1) % 3]) >>> 0;
    x1 = (x1 + ks[(i + 2) % 3] + i + 1) >>> 0;
  }
  out[at] = x0;
  out[at + 1] = x1;
}

/**
 * `n` pseudo-random 32-bit words from a key.
 *
 * @example
 * ```ts
 * import { bits, key } from "./prng.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const words = bits(key(1), 4);
 * assertEquals([words instanceof Uint32Array, words.length], [true, 4]);
 * assertEquals(bits(key(1), 4), words); // the same key, the same words
 * ```
 */
export function bits(k: Key, n: number): Uint32Array {
  assertKey("bits", k);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`bits: count must be a non-negative integer, got ${n}`);
  }
  const out = new Uint32Array(n + (n % 2));
  const [k0, k1] = k.words;
  for (let i = 0, c = 0; i < out.length; i += 2, c++) threefry(k0, k1, c, 0x9e3779b9, out, i);
  return n % 2 ? out.subarray(0, n) : out;
}

/**
 * Split a key into `n` independent keys (default 2).
 *
 * @example
 * ```ts
 * import { key, split } from "./prng.ts";
 * const [a, b] = split(key(0));
 * ```
 */
export function split(k: Key, n = 2): Key[] {
  assertKey("split", k);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`split: count must be a positive integer, got ${n}`);
  }
  const out = new Uint32Array(2 * n);
  const [k0, k1] = k.words;
  for (let i = 0; i < n; i++) threefry(k0, k1, i, 0x7f4a7c15, out, 2 * i);
  const keys: Key[] = [];
  for (let i = 0; i < n; i++) keys.push(makeKey(out[2 * i], out[2 * i + 1]));
  return keys;
}

/**
 * A key folded with an integer (e.g. a step or layer index): a cheap way to
 * derive many keys without splitting.
 *
 * @example
 * ```ts
 * import { foldIn, key } from "./prng.ts";
 * const stepKey = foldIn(key(0), 17);
 * ```
 */
export function foldIn(k: Key, data: number): Key {
  assertKey("foldIn", k);
  if (!Number.isSafeInteger(data)) {
    throw new Error(`foldIn: data must be a safe integer, got ${data}`);
  }
  const out = new Uint32Array(2);
  threefry(k.words[0], k.words[1], data >>> 0, Math.floor(data / 4294967296) >>> 0, out, 0);
  return makeKey(out[0], out[1]);
}

/**
 * `n` uniform floats in [0, 1) with 53 random bits each (host numbers).
 *
 * @example
 * ```ts
 * import { key, uniformFloats } from "./prng.ts";
 * const u = uniformFloats(key(0), 3);
 * ```
 */
export function uniformFloats(k: Key, n: number): Float64Array {
  const w = bits(k, 2 * n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = ((w[2 * i] >>> 5) * 67108864 + (w[2 * i + 1] >>> 6)) / 9007199254740992;
  }
  return out;
}

/**
 * `n` integers uniform in [low, high) (host numbers), from 53-bit uniform floats.
 *
 * @example
 * ```ts
 * import { key, uniformInts } from "./prng.ts";
 * const dice = uniformInts(key(0), 5, 1, 7);
 * ```
 */
export function uniformInts(k: Key, n: number, low: number, high: number): Int32Array {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`uniformInts: need integers low < high, got [${low}, ${high})`);
  }
  const u = uniformFloats(k, n);
  const out = new Int32Array(n);
  const span = high - low;
  for (let i = 0; i < n; i++) out[i] = low + Math.floor(u[i] * span);
  return out;
}

/**
 * `n` standard normal floats (Box–Muller on {@linkcode uniformFloats}).
 *
 * @example
 * ```ts
 * import { key, normalFloats } from "./prng.ts";
 * const z = normalFloats(key(0), 4);
 * ```
 */
export function normalFloats(k: Key, n: number): Float64Array {
  const m = n + (n % 2);
  const u = uniformFloats(k, m);
  const out = new Float64Array(m);
  for (let i = 0; i < m; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i]));
    const t = 2 * Math.PI * u[i + 1];
    out[i] = r * Math.cos(t);
    out[i + 1] = r * Math.sin(t);
  }
  return n % 2 ? out.subarray(0, n) : out;
}

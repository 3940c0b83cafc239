/**
 * Rotary position embedding, rotate-half pairing (spec section 2, choice): within a head of
 * size `k`, dimension `i` is paired with `i + k/2` and the pair is rotated by the angle
 * `t · base^(-2i/k)` at position `t`, base 10000.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../testing/assert.ts";
 * import { ones } from "../core/mod.ts";
 * import { applyRope, ropeTables } from "./rope.ts";
 * const tables = ropeTables(8, 4);
 * assertEquals(applyRope(ones([2, 8, 4]), tables).shape, [2, 8, 4]);
 * ```
 *
 * @module
 */
import {
  add,
  type Backend,
  flip,
  fromData,
  mul,
  reshape,
  sliceAxis,
  type Tensor,
  tidy,
} from "../core/mod.ts";

/** Cosines and sines for every position and dimension, each `[seqLen, k]`. */
export interface RopeTables {
  /** `cos(t · θ_i)` at `[t, i]` (the two halves repeat the same angles). */
  readonly cos: Tensor;
  /** `sin(t · θ_i)` at `[t, i]`. */
  readonly sin: Tensor;
}

/** Options of {@linkcode ropeTables}. */
export interface RopeOptions {
  /** Frequency base (default 10000). */
  readonly base?: number;
  /** Element type (default f32; f16 under mixed precision). */
  readonly dtype?: "f32" | "f64" | "f16";
  /** Backend for the tables (default: the current one). */
  readonly backend?: Backend;
}

/**
 * The cosine and sine tables for `seqLen` positions and head size `headSize` (even).
 *
 * @example
 * ```ts
 * import { assertClose } from "../testing/assert.ts";
 * import { ropeTables } from "./rope.ts";
 * const { cos } = ropeTables(4, 2);
 * assertClose(cos.dataSync()[2 * 2], Math.cos(2)); // position 2, frequency 1
 * ```
 */
export function ropeTables(
  seqLen: number,
  headSize: number,
  options: RopeOptions = {},
): RopeTables {
  if (!Number.isInteger(headSize) || headSize <= 0 || headSize % 2 !== 0) {
    throw new Error(`ropeTables: headSize must be a positive even integer, got ${headSize}`);
  }
  if (!Number.isInteger(seqLen) || seqLen <= 0) {
    throw new Error(`ropeTables: seqLen must be a positive integer, got ${seqLen}`);
  }
  const base = options.base ?? 10000;
  const dtype = options.dtype ?? "f32";
  const half = headSize / 2;
  const cos = new Float64Array(seqLen * headSize);
  const sin = new Float64Array(seqLen * headSize);
  for (let t = 0; t < seqLen; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.pow(base, (-2 * i) / headSize);
      const c = Math.cos(angle), s = Math.sin(angle);
      cos[t * headSize + i] = cos[t * headSize + i + half] = c;
      sin[t * headSize + i] = sin[t * headSize + i + half] = s;
    }
  }
  const create = { dtype, backend: options.backend };
  return {
    cos: fromData(Array.from(cos), [seqLen, headSize], create),
    sin: fromData(Array.from(sin), [seqLen, headSize], create),
  };
}

/**
 * Rotates `x` `[..., T, k]` (positions along the second-to-last axis, `T` at most the tables'
 * length): `x·cos + rotateHalf(x)·sin` with `rotateHalf([a, b]) = [-b, a]`.
 *
 * @example
 * ```ts
 * import { assertClose } from "../testing/assert.ts";
 * import { tensor } from "../core/mod.ts";
 * import { applyRope, ropeTables } from "./rope.ts";
 * const x = tensor([[1, 0], [1, 0]]); // positions 0 and 1, k = 2
 * const y = applyRope(x, ropeTables(2, 2)).dataSync();
 * [1, 0, Math.cos(1), Math.sin(1)].forEach((v, i) => assertClose(y[i], v, { atol: 1e-6 }));
 * ```
 */
export function applyRope(x: Tensor, tables: RopeTables): Tensor {
  const T = x.shape[x.rank - 2], k = x.shape[x.rank - 1];
  const [maxT, tk] = tables.cos.shape;
  if (k !== tk || T > maxT) {
    throw new Error(
      `applyRope: x [..., ${T}, ${k}] does not fit tables [${maxT}, ${tk}] ` +
        `(need the same head size and at most ${maxT} positions)`,
    );
  }
  return tidy(() => {
    const cos = T === maxT ? tables.cos : sliceAxis(tables.cos, 0, 0, T);
    const sin = T === maxT ? tables.sin : sliceAxis(tables.sin, 0, 0, T);
    // rotate-half: [x1, x2] -> [-x2, x1], as a flip of the two halves (a view under nu.jit,
    // no copy) times the signs [-1, 1].
    const pairs = reshape(x, [...x.shape.slice(0, -1), 2, k / 2]);
    const signs = fromData([-1, 1], [2, 1], { dtype: x.dtype, backend: x.backend });
    const rotated = reshape(mul(flip(pairs, -2), signs), x.shape);
    return add(mul(x, cos), mul(rotated, sin));
  });
}

/**
 * fast-check arbitraries for shapes, broadcastable shape tuples and PRNG keys.
 *
 * @example
 * ```ts
 * import { fc } from "./fc.ts";
 * import { broadcastableShapesArb, shapeArb } from "./shapes.ts";
 * fc.assert(fc.property(shapeArb({ maxRank: 2 }), (s) => s.length <= 2));
 * fc.assert(fc.property(broadcastableShapesArb(2), ([a, b]) => a.length >= 0 && b.length >= 0));
 * ```
 *
 * @module
 */
import { fc } from "./fc.ts";
import { type Key, key } from "../core/mod.ts";

/** Bounds for {@linkcode shapeArb}. */
export interface ShapeBounds {
  /** Fewest axes (default 0). */
  minRank?: number;
  /** Most axes (default 3). */
  maxRank?: number;
  /** Smallest size of an axis (default 1; 0 allows empty tensors). */
  minDim?: number;
  /** Largest size of an axis (default 5). */
  maxDim?: number;
  /** Most elements in all (default 64): axes are shrunk, largest first, until the shape fits. */
  maxSize?: number;
}

interface CheckedBounds {
  minRank: number;
  maxRank: number;
  minDim: number;
  maxDim: number;
  maxSize: number;
}

function nonNegativeInteger(op: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${op}: ${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/** Validated bounds; throws a clear error for impossible ones. */
export function checkShapeBounds(op: string, bounds: ShapeBounds = {}): CheckedBounds {
  const minRank = nonNegativeInteger(op, "minRank", bounds.minRank ?? 0);
  const maxRank = nonNegativeInteger(op, "maxRank", bounds.maxRank ?? Math.max(3, minRank));
  const minDim = nonNegativeInteger(op, "minDim", bounds.minDim ?? 1);
  const maxDim = nonNegativeInteger(op, "maxDim", bounds.maxDim ?? Math.max(5, minDim));
  const maxSize = bounds.maxSize ?? 64;
  if (minRank > maxRank) {
    throw new Error(`${op}: minRank ${minRank} is greater than maxRank ${maxRank}`);
  }
  if (minDim > maxDim) throw new Error(`${op}: minDim ${minDim} is greater than maxDim ${maxDim}`);
  if (!Number.isInteger(maxSize) || maxSize < 1) {
    throw new Error(`${op}: maxSize must be an integer >= 1, got ${maxSize}`);
  }
  if (minDim ** minRank > maxSize) {
    throw new Error(
      `${op}: no shape fits: minDim ${minDim} on ${minRank} axes gives ${
        minDim ** minRank
      } elements > maxSize ${maxSize}`,
    );
  }
  return { minRank, maxRank, minDim, maxDim, maxSize };
}

/** Shrink the largest axes (never below `minDim`) until the shape holds at most `maxSize`. */
function fitSize(dims: number[], minDim: number, maxSize: number): number[] {
  const out = [...dims];
  const size = () => out.reduce((a, b) => a * b, 1);
  while (size() > maxSize) {
    let largest = 0;
    for (let i = 1; i < out.length; i++) if (out[i] > out[largest]) largest = i;
    if (out[largest] <= Math.max(minDim, 1)) break;
    out[largest]--;
  }
  return out;
}

/**
 * Shapes (arrays of axis sizes) within rank and size bounds. Impossible bounds
 * (`minRank > maxRank`, `maxSize < 1`, ...) throw when the arbitrary is made.
 *
 * @example
 * ```ts
 * import { fc } from "./fc.ts";
 * import { shapeArb } from "./shapes.ts";
 * fc.assert(fc.property(shapeArb({ minRank: 1, maxRank: 3, maxSize: 24 }), (shape) =>
 *   shape.length >= 1 && shape.reduce((a, b) => a * b, 1) <= 24));
 * ```
 */
export function shapeArb(bounds: ShapeBounds = {}): fc.Arbitrary<number[]> {
  const b = checkShapeBounds("shapeArb", bounds);
  return fc.array(fc.integer({ min: b.minDim, max: b.maxDim }), {
    minLength: b.minRank,
    maxLength: b.maxRank,
  }).map((dims) => fitSize(dims, b.minDim, b.maxSize));
}

/**
 * Shapes with at least one size-0 axis (empty tensors, as NumPy has them), within `bounds`
 * (rank at least 1; `minDim` is ignored). Properties over ordinary shapes rarely meet these, so
 * test them on purpose.
 *
 * @example
 * ```ts
 * import { fc } from "./fc.ts";
 * import { emptyShapeArb } from "./shapes.ts";
 * fc.assert(fc.property(emptyShapeArb({ maxRank: 3 }), (shape) =>
 *   shape.length >= 1 && shape.length <= 3 && shape.includes(0)));
 * ```
 */
export function emptyShapeArb(bounds: ShapeBounds = {}): fc.Arbitrary<number[]> {
  const b = checkShapeBounds("emptyShapeArb", { ...bounds, minDim: 0 });
  const rank = Math.max(1, b.minRank);
  if (rank > b.maxRank) {
    throw new Error(`emptyShapeArb: an empty shape needs rank >= 1, got maxRank ${b.maxRank}`);
  }
  return fc.tuple(
    shapeArb({ ...b, minRank: rank }),
    fc.nat(),
  ).map(([shape, at]) => shape.map((d, i) => (i === at % shape.length ? 0 : d)));
}

/** Options of {@linkcode broadcastableShapesArb}. */
export interface BroadcastBounds extends ShapeBounds {
  /** Probability that an operand's axis is 1 (broadcast) instead of the full size (default 0.3). */
  oneProbability?: number;
}

/**
 * Tuples of `n` shapes that broadcast together (NumPy rules): a result shape is
 * drawn, then each operand keeps a suffix of its axes, some of them set to 1.
 * The bounds apply to the broadcast result.
 *
 * @example
 * ```ts
 * import { fc } from "./fc.ts";
 * import { broadcastableShapesArb } from "./shapes.ts";
 * fc.assert(fc.property(broadcastableShapesArb(3, { maxRank: 2 }), (shapes) =>
 *   shapes.length === 3 && shapes.every((s) => s.length <= 2)));
 * ```
 */
export function broadcastableShapesArb(
  n: number,
  bounds: BroadcastBounds = {},
): fc.Arbitrary<number[][]> {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`broadcastableShapesArb: n must be a positive integer, got ${n}`);
  }
  const b = checkShapeBounds("broadcastableShapesArb", bounds);
  const p = bounds.oneProbability ?? 0.3;
  if (!(p >= 0 && p <= 1)) {
    throw new Error(`broadcastableShapesArb: oneProbability must be in [0, 1], got ${p}`);
  }
  const operand = (rank: number) =>
    fc.record({
      dropLeading: fc.integer({ min: 0, max: rank }),
      ones: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
        minLength: rank,
        maxLength: rank,
      }),
    });
  return shapeArb(bounds).chain((full) =>
    fc.array(operand(full.length), { minLength: n, maxLength: n }).map((ops) =>
      ops.map(({ dropLeading, ones }) =>
        full.map((d, i) => (ones[i] < p ? 1 : d)).slice(
          // keep at least minRank axes on every operand only when asked for
          Math.min(dropLeading, Math.max(0, full.length - b.minRank)),
        )
      )
    )
  );
}

/**
 * PRNG keys from random integer seeds.
 *
 * @example
 * ```ts
 * import { fc } from "./fc.ts";
 * import { keyArb } from "./shapes.ts";
 * fc.assert(fc.property(keyArb(), (k) => k.words.length === 2));
 * ```
 */
export function keyArb(): fc.Arbitrary<Key> {
  return fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((seed) => key(seed));
}

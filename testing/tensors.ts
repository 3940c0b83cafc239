/**
 * fast-check arbitraries for tensors and trees of tensors.
 *
 * fast-check generates (and, while shrinking, regenerates) many values, and may
 * keep or print them; a tensor made at generation time would belong to no
 * scope and leak. So these arbitraries produce {@linkcode TensorSample}s: plain
 * host data (shape, dtype, values) that print well in counterexamples, with a
 * `tensor()` method that builds a fresh tensor in the property body, inside the
 * caller's scope (`tidy`, `using s = scope()`).
 *
 * @example
 * ```ts
 * import { fc } from "./fc.ts";
 * import { tensorArb } from "./tensors.ts";
 * import { abs, tidy } from "../core/mod.ts";
 * fc.assert(fc.property(tensorArb([2, 3]), (x) =>
 *   tidy(() => abs(x.tensor()).dataSync().every((v) => v >= 0))));
 * ```
 *
 * @module
 */
import { fc } from "./fc.ts";
import { type Backend, type DType, fromData, type Shape, Tensor, treeMap } from "../core/mod.ts";

/**
 * Host data for one tensor, made into a tensor on demand. A class instance, so that tree
 * functions treat it as a leaf.
 */
export class TensorSample {
  /** The shape. */
  readonly shape: readonly number[];
  /** The dtype `tensor()` creates. */
  readonly dtype: DType;
  /** The elements, row-major (f32 values already rounded to f32). */
  readonly values: readonly number[];
  /** Backend `tensor()` uses by default (undefined: the current one at call time). */
  readonly backend?: Backend;

  /** Use {@linkcode sample} or the arbitraries. */
  constructor(shape: Shape, values: readonly number[], dtype: DType, backend?: Backend) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.values = Object.freeze(dtype === "f32" ? values.map((v) => Math.fround(v)) : [...values]);
    this.backend = backend;
    Object.freeze(this);
  }

  /** A new tensor holding the values (in the current scope); options override dtype/backend. */
  tensor(opts: { dtype?: DType; backend?: Backend } = {}): Tensor {
    return fromData(this.values, this.shape, {
      dtype: opts.dtype ?? this.dtype,
      backend: opts.backend ?? this.backend,
    });
  }

  /** `sample<f32>[2] [1,-1]`, as fast-check prints counterexamples. */
  toString(): string {
    return `sample<${this.dtype}>[${this.shape.join(",")}] [${this.values.join(",")}]`;
  }

  /** fast-check's printer hook. */
  [fc.toStringMethod](): string {
    return this.toString();
  }
}

/** Value domains of {@linkcode tensorArb}. */
export type Domain = "any" | "positive" | "bounded" | { min: number; max: number };

/** Options of {@linkcode tensorArb}. */
export interface TensorArbOptions {
  /** Element type (default f32); i32 draws integers, bool draws booleans. */
  dtype?: DType;
  /**
   * Where values lie: `any` is [-3, 3], `positive` is [0.1, 3], `bounded` is [-1, 1], or
   * `{min, max}` (needs min < max). Integers use the same bounds, rounded inward.
   */
  domain?: Domain;
  /** Values closer than `margin` to one of these points are pushed `margin` away (kinks). */
  awayFrom?: readonly number[];
  /** Distance kept from `awayFrom` points (default 0.1). */
  margin?: number;
  /**
   * Pairwise distinct values at least `distinct` apart (for max/sort-like ops where
   * ties are kinks): a shuffled grid of that step, shifted into the domain.
   */
  distinct?: number;
  /** Backend `tensor()` uses by default (default: the current backend at call time). */
  backend?: Backend;
}

/** The [min, max] of a domain; throws for an empty one. */
export function domainBounds(op: string, domain: Domain = "any"): [number, number] {
  if (domain === "any") return [-3, 3];
  if (domain === "positive") return [0.1, 3];
  if (domain === "bounded") return [-1, 1];
  if (typeof domain !== "object" || domain === null) {
    throw new Error(
      `${op}: domain must be "any", "positive", "bounded" or {min, max}, got ${String(domain)}`,
    );
  }
  const { min, max } = domain;
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) {
    throw new Error(`${op}: domain needs finite min < max, got {min: ${min}, max: ${max}}`);
  }
  return [min, max];
}

/**
 * Make a {@linkcode TensorSample} from host values (used by the arbitraries; handy for
 * fixed cases too).
 *
 * @example
 * ```ts
 * import { sample } from "./tensors.ts";
 * import { assertEquals } from "./assert.ts";
 * const x = sample([2], [1, -1], "f64");
 * assertEquals(String(x), "sample<f64>[2] [1,-1]");
 * ```
 */
export function sample(
  shape: Shape,
  values: readonly number[],
  dtype: DType = "f32",
  backend?: Backend,
): TensorSample {
  const n = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n) {
    throw new Error(`sample: ${values.length} values for shape [${shape.join(",")}] (${n})`);
  }
  return new TensorSample(shape, values, dtype, backend);
}

function pushAway(v: number, points: readonly number[], margin: number, lo: number, hi: number) {
  for (const p of points) {
    if (Math.abs(v - p) < margin) {
      const up = p + margin, down = p - margin;
      v = (v >= p && up <= hi) || down < lo ? up : down;
    }
  }
  return v;
}

function valuesArb(n: number, opts: TensorArbOptions): fc.Arbitrary<number[]> {
  const dtype = opts.dtype ?? "f32";
  const [lo, hi] = domainBounds("tensorArb", opts.domain);
  if (dtype === "bool") {
    return fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((a) => a.map(Number));
  }
  if (dtype === "i32") {
    const min = Math.ceil(lo), max = Math.floor(hi);
    if (min > max) throw new Error(`tensorArb: no integer in the domain [${lo}, ${hi}]`);
    return fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n });
  }
  if (opts.distinct !== undefined) {
    const step = opts.distinct;
    if (!(step > 0) || step * n > hi - lo) {
      throw new Error(
        `tensorArb: ${n} values ${step} apart do not fit in the domain [${lo}, ${hi}]`,
      );
    }
    const room = hi - lo - step * Math.max(0, n - 1);
    return fc.tuple(
      fc.double({ min: 0, max: room, noNaN: true }),
      fc.array(fc.nat(), { minLength: n, maxLength: n }),
    ).map(([shift, keys]) =>
      keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1])
        .map(([, i]) => lo + shift + step * i)
    );
  }
  const margin = opts.margin ?? 0.1;
  const points = opts.awayFrom ?? [];
  return fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: n, maxLength: n })
    .map((a) => a.map((v) => pushAway(v, points, margin, lo, hi)));
}

/**
 * Tensors (as {@linkcode TensorSample}s) of a fixed shape or of shapes drawn
 * from a shape arbitrary, with values from a domain. Call `.tensor()` in the
 * property body.
 *
 * @example
 * ```ts
 * import { fc } from "./fc.ts";
 * import { shapeArb } from "./shapes.ts";
 * import { tensorArb } from "./tensors.ts";
 * import { log, tidy } from "../core/mod.ts";
 * const x = tensorArb(shapeArb({ maxRank: 2 }), { dtype: "f64", domain: "positive" });
 * fc.assert(fc.property(x, (s) =>
 *   tidy(() => log(s.tensor()).dataSync().every(Number.isFinite))));
 * ```
 */
export function tensorArb(
  shape: Shape | fc.Arbitrary<readonly number[]>,
  opts: TensorArbOptions = {},
): fc.Arbitrary<TensorSample> {
  domainBounds("tensorArb", opts.domain); // impossible domains throw now, not at generation
  const dtype = opts.dtype ?? "f32";
  const make = (s: Shape) =>
    valuesArb(s.reduce((a, b) => a * b, 1), opts).map((v) => sample(s, v, dtype, opts.backend));
  if (Array.isArray(shape)) {
    valuesArb(shape.reduce((a: number, b: number) => a * b, 1), opts); // validate now
    return make(shape);
  }
  return (shape as fc.Arbitrary<readonly number[]>).chain(make);
}

/**
 * Trees shaped like `tree`: each Tensor or {@linkcode TensorSample} leaf becomes
 * a random sample of the same shape and dtype; other leaves are kept as they are.
 *
 * @example
 * ```ts
 * import { fc } from "./fc.ts";
 * import { toTensors, treeArbLike } from "./tensors.ts";
 * import { ones, sum, tidy, zeros } from "../core/mod.ts";
 * const like = { w: zeros([2, 3]), b: ones([3]) };
 * fc.assert(fc.property(treeArbLike(like), (p) =>
 *   tidy(() => {
 *     const t = toTensors(p) as { w: any; b: any };
 *     return t.w.shape.join() === "2,3" && sum(t.b).size === 1;
 *   })));
 * ```
 */
export function treeArbLike(
  tree: unknown,
  opts: Omit<TensorArbOptions, "dtype"> = {},
): fc.Arbitrary<unknown> {
  const leaves: fc.Arbitrary<unknown>[] = [];
  const template = treeMap((leaf: unknown) => {
    if (leaf instanceof Tensor || isSample(leaf)) {
      const { shape, dtype } = leaf as { shape: Shape; dtype: DType };
      leaves.push(tensorArb(shape, { ...opts, dtype }));
      return leaves.length - 1;
    }
    leaves.push(fc.constant(leaf));
    return leaves.length - 1;
  }, tree);
  return fc.tuple(...leaves).map((drawn) => treeMap((i: number) => drawn[i], template));
}

/** True for a {@linkcode TensorSample}. */
export function isSample(x: unknown): x is TensorSample {
  return x instanceof TensorSample;
}

/**
 * The tree with every {@linkcode TensorSample} leaf made into a tensor (in the current scope).
 *
 * @example
 * ```ts
 * import { sample, toTensors } from "./tensors.ts";
 * import { assertEquals } from "./assert.ts";
 * const t = toTensors({ x: sample([2], [1, 2]) }) as { x: any };
 * assertEquals([t.x.shape, await t.x.toArray()], [[2], [1, 2]]);
 * ```
 */
export function toTensors(tree: unknown, opts: { dtype?: DType; backend?: Backend } = {}): unknown {
  return treeMap((leaf: unknown) => (isSample(leaf) ? leaf.tensor(opts) : leaf), tree);
}

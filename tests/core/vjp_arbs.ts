/**
 * Input arbitraries for the VJP table (built on `testing.ts`'s arbitraries): each draws the
 * host samples one primitive needs, in its domain.
 *
 * @example
 * ```ts
 * import { fc } from "../../testing.ts";
 * import { oneInput } from "./vjp_arbs.ts";
 * fc.assert(fc.property(oneInput(), ([x]) => x.dtype === "f64"));
 * ```
 *
 * @module
 */
import {
  broadcastableShapesArb,
  type Domain,
  fc,
  sample,
  shapeArb,
  tensorArb,
  type TensorArbOptions,
  type TensorSample,
} from "../../testing.ts";

/** Inputs of one case: the samples, plus integer parameters the op needs. */
export interface CaseInput {
  /** Host samples, one per op argument. */
  xs: TensorSample[];
  /** Small integer parameters (axes, sizes, ...). */
  ints: number[];
}

const SMALL = { maxRank: 3, maxDim: 4, maxSize: 24 };

/** One f64 tensor of a random shape. */
export function oneInput(
  opts: TensorArbOptions & { minRank?: number } = {},
): fc.Arbitrary<TensorSample[]> {
  return tensorArb(shapeArb({ ...SMALL, minRank: opts.minRank ?? 0 }), {
    ...opts,
    dtype: "f64",
  }).map((x) => [x]);
}

/** `n` f64 tensors of shapes that broadcast together. */
export function broadcastInputs(
  n: number,
  domains: readonly (Domain | TensorArbOptions)[],
): fc.Arbitrary<TensorSample[]> {
  return broadcastableShapesArb(n, SMALL).chain((shapes) =>
    fc.tuple(
      ...shapes.map((s, i) => {
        const d = domains[i] ?? "any";
        const o = typeof d === "string" || "min" in d ? { domain: d as Domain } : d;
        return tensorArb(s, { ...o, dtype: "f64" });
      }),
    )
  );
}

/** Values snapped to `offset + k * step`: two tensors on offset grids never tie. */
export function onGrid(x: TensorSample, step: number, offset: number): TensorSample {
  return sample(x.shape, x.values.map((v) => Math.round(v / step) * step + offset), x.dtype);
}

/** A shape with rank >= 1, an axis of it and f64 values. */
export function withAxis(opts: TensorArbOptions = {}): fc.Arbitrary<CaseInput> {
  return shapeArb({ ...SMALL, minRank: 1 }).chain((s) =>
    fc.record({
      xs: tensorArb(s, { ...opts, dtype: "f64" }).map((x) => [x]),
      ints: fc.integer({ min: 0, max: s.length - 1 }).map((a) => [a]),
    })
  );
}

/** i32 indices of a random shape (rank 0..2) into an axis of size `size`. */
export function indicesArb(size: number): fc.Arbitrary<TensorSample> {
  return tensorArb(shapeArb({ maxRank: 2, maxDim: 3 }), {
    dtype: "i32",
    domain: { min: 0, max: size - 1 + 0.5 },
  });
}

/** A case input with no integer parameters. */
export const plain = (a: fc.Arbitrary<TensorSample[]>): fc.Arbitrary<CaseInput> =>
  a.map((xs) => ({ xs, ints: [] }));

/** Two tensors on interleaved grids: never tied, so max/min/compare are smooth there. */
export const untied = (xs: TensorSample[]) => [onGrid(xs[0], 0.5, 0), onGrid(xs[1], 0.5, 0.25)];

/** Logits `[...lead, V]`, in-range i32 targets `[...lead]` and, with `withCotangent`, a cotangent `[...lead]`. */
export function logitsAndTargets(withCotangent: boolean): fc.Arbitrary<CaseInput> {
  return fc.record({ lead: shapeArb({ maxRank: 2, maxDim: 3 }), v: fc.integer({ min: 1, max: 5 }) })
    .chain(({ lead, v }) =>
      fc.tuple(
        tensorArb([...lead, v], { dtype: "f64" }),
        tensorArb(lead, { dtype: "i32", domain: { min: 0, max: v - 1 + 0.5 } }),
        tensorArb(lead, { dtype: "f64" }),
      ).map(([x, t, g]) => ({ xs: withCotangent ? [x, t, g] : [x, t], ints: [] }))
    );
}

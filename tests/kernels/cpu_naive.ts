/**
 * Test helpers for the CPU backend tests: obviously-correct reference
 * implementations written index by index with multi-index arithmetic,
 * fast-check arbitraries for shapes and values, and a one-call runner.
 *
 * @module
 */
import type { CorePrim, CorePrimParams } from "../../core/bind.ts";
import { runOn } from "./run_on.ts";
import type { DataArray, DType, Shape } from "../../kernels/backend.ts";
import type { CpuBackend } from "../../kernels/cpu/backend.ts";
import { fc } from "../../testing/fc.ts";
import { shapeArb as toolkitShapeArb } from "../../testing/shapes.ts";

/** Number of elements of a shape. */
export function numel(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The multi-index of flat position `flat` in a row-major `shape`. */
export function unravel(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = flat % shape[a];
    flat = Math.floor(flat / shape[a]);
  }
  return idx;
}

/** The flat position of multi-index `idx` in a row-major `shape`. */
export function ravel(idx: readonly number[], shape: Shape): number {
  let flat = 0;
  for (let a = 0; a < shape.length; a++) flat = flat * shape[a] + idx[a];
  return flat;
}

/** The index into `inShape` that output index `outIdx` reads under right-aligned broadcasting. */
export function broadcastIndex(outIdx: readonly number[], inShape: Shape): number[] {
  const lead = outIdx.length - inShape.length;
  return inShape.map((d, a) => (d === 1 ? 0 : outIdx[lead + a]));
}

/** A plain tensor for tests. */
export interface Host {
  data: number[];
  shape: number[];
  dtype: DType;
}

/** The typed array of `dtype` holding `data` (so references see the stored values). */
export function typed(data: readonly number[], dtype: DType): DataArray {
  switch (dtype) {
    case "f32":
      return Float32Array.from(data);
    case "f64":
      return Float64Array.from(data);
    case "i32":
      return Int32Array.from(data);
    case "bool":
      return Uint8Array.from(data, (v) => (v !== 0 ? 1 : 0));
    case "f16": // host data of f16 is ordinary numbers, rounded on upload
      return Float32Array.from(data);
  }
}

/** Round a reference value the way storing it as `dtype` does. */
export function store(v: number, dtype: DType): number {
  return typed([v], dtype)[0];
}

/** Upload `inputs`, run `prim`, read the result back and release everything. */
export function runPrim<P extends CorePrim>(
  backend: CpuBackend,
  prim: P,
  inputs: readonly Host[],
  params: CorePrimParams[P],
  out: { shape: number[]; dtype: DType },
): number[] {
  const bufs = inputs.map((x) => backend.upload(typed(x.data, x.dtype), x.dtype));
  const ops = inputs.map((x, i) => ({ buffer: bufs[i], shape: x.shape, dtype: x.dtype }));
  const y = runOn(backend, prim, ops, params, out);
  const result = Array.from(backend.readSync(y, out.dtype, numel(out.shape)));
  for (const b of bufs) backend.release(b);
  backend.release(y);
  return result;
}

/**
 * A small shape: rank `minRank..maxRank` (default 0..4), each dim `minDim..maxDim` (1..4). Without
 * an explicit `minDim`, one shape in five may have size-0 axes (NumPy's empty tensors), so every
 * property over these shapes covers empty inputs too.
 */
export function shapeArb(
  opts: { minRank?: number; maxRank?: number; minDim?: number; maxDim?: number } = {},
): fc.Arbitrary<number[]> {
  const bounds = { minRank: 0, maxRank: 4, minDim: 1, maxDim: 4, ...opts };
  if (opts.minDim !== undefined) return toolkitShapeArb(bounds);
  return fc.oneof(
    { weight: 4, arbitrary: toolkitShapeArb(bounds) },
    { weight: 1, arbitrary: toolkitShapeArb({ ...bounds, minDim: 0 }) },
  );
}

/** A symmetric range `[-r, r]`, or explicit bounds (default `[-10, 10]`). */
export type ValueRange = number | { min?: number; max?: number };

/** Values for `dtype` in `range`, already representable in it (f32 values are f32-rounded). */
export function valueArb(dtype: DType, range: ValueRange = 10): fc.Arbitrary<number> {
  const min = typeof range === "number" ? -range : range.min ?? -10;
  const max = typeof range === "number" ? range : range.max ?? 10;
  switch (dtype) {
    case "f32":
      return fc.double({ min, max, noNaN: true }).map((v) => Math.fround(v));
    case "f64":
      return fc.double({ min, max, noNaN: true });
    case "i32":
      return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    case "bool":
      return fc.integer({ min: 0, max: 1 });
    case "f16":
      return fc.double({ min, max, noNaN: true }).map((v) => Math.f16round(v));
  }
}

/** A tensor of `shape` and `dtype` with values from `valueArb`. */
export function tensorArb(
  shape: number[],
  dtype: DType,
  range: ValueRange = 10,
): fc.Arbitrary<Host> {
  const n = numel(shape);
  return fc.array(valueArb(dtype, range), { minLength: n, maxLength: n })
    .map((data) => ({ data, shape, dtype }));
}

/** A shape that broadcasts to `out`: some leading axes dropped, some dims set to 1. */
export function broadcastableArb(out: readonly number[]): fc.Arbitrary<number[]> {
  return fc.tuple(
    fc.integer({ min: 0, max: out.length }),
    fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
  ).map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[drop + i] ? 1 : d)));
}

/**
 * Fails with the index and both values unless every element is within `atol + rtol*|e|`.
 * NaN matches NaN only with `equalNan: true` (a test that expects NaN says so).
 */
export function assertAllClose(
  actual: readonly number[],
  expected: readonly number[],
  opts: { rtol?: number; atol?: number; equalNan?: boolean } = {},
): void {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} !== expected ${expected.length}`);
  }
  const rtol = opts.rtol ?? 0, atol = opts.atol ?? 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(a) && Number.isNaN(e) && opts.equalNan) continue;
    if (a === e) continue; // equal values, infinities included (NaN !== NaN)
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** The floating dtypes every property runs for. */
export const FLOAT_DTYPES: readonly ("f32" | "f64")[] = ["f32", "f64"];

/**
 * Element types and shapes: the vocabulary every kernel module shares (dtypes, bytes per
 * element, sizes and row-major strides). It imports nothing, so the backend contract
 * (`backend.ts`) and the fused-kernel description (`fused.ts`) both build on it without
 * importing each other.
 *
 * @module
 */

/**
 * Element types. `f64` exists on the CPU backend only (for gradient checks).
 * `f16` is stored and computed in half precision on WebGPU adapters with the
 * `shader-f16` feature; the CPU backend emulates it (f32 storage, every result
 * rounded to the nearest f16). Host data of an f16 tensor is a `Float32Array`.
 */
export type DType = "f32" | "f64" | "i32" | "bool" | "f16";

/** A tensor shape: one non-negative integer per axis. */
export type Shape = readonly number[];

/** The typed array each dtype reads back as. */
export type TypedArrayFor<D extends DType> = D extends "f32" | "f16" ? Float32Array
  : D extends "f64" ? Float64Array
  : D extends "i32" ? Int32Array
  : Uint8Array;

/** Any typed array a tensor can be read back as. */
export type DataArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Bytes per element of a tensor (f16: 2, as WebGPU stores it; the CPU emulation holds f32). */
export const BYTES_PER_ELEMENT: Record<DType, number> = {
  f32: 4,
  f64: 8,
  i32: 4,
  bool: 1,
  f16: 2,
};

/** Number of elements in a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Strides (in elements) that read an input of shape `inShape` broadcast over `outShape`
 * (right-aligned NumPy broadcasting; 0 on missing and size-1 axes).
 *
 * @example
 * ```ts
 * import { broadcastStrides } from "./dtype_shape.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(broadcastStrides([3, 1], [2, 3, 4]), [0, 1, 0]);
 * ```
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const own = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  const s = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < inShape.length; i++) s[lead + i] = inShape[i] === 1 ? 0 : own[i];
  return s;
}

/**
 * How a tensor prints in `console.log` (Deno's `customInspect`): its dtype,
 * shape and backend, with the values when they can be read synchronously (the
 * CPU backend) — all of them when small, else a summary (count, min, max,
 * mean, NaNs, the first values). On other backends (WebGPU) nothing is read
 * back: the line says how to read the values.
 *
 * @module
 */
import type { DataArray, Shape } from "../kernels/backend.ts";

/** Tensors with at most this many elements print in full. */
export const FULL_PRINT_LIMIT = 100;

function fmtValue(v: number, asBool: boolean, isInt: boolean): string {
  if (asBool) return v ? "true" : "false";
  if (isInt || !Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? `${v}.` : String(Number(v.toPrecision(6)));
}

function nested(data: DataArray, shape: Shape, fmt: (v: number) => string): string {
  if (shape.length === 0) return fmt(data[0]);
  const rec = (offset: number, axis: number): string => {
    const n = shape[axis];
    let stride = 1;
    for (let a = axis + 1; a < shape.length; a++) stride *= shape[a];
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      parts.push(
        axis === shape.length - 1 ? fmt(data[offset + i]) : rec(offset + i * stride, axis + 1),
      );
    }
    return `[${parts.join(", ")}]`;
  };
  return rec(0, 0);
}

/**
 * The text `console.log` shows for a tensor: `header` (dtype, shape, backend),
 * then the values from `data`, or, when they cannot be read now, `data` is
 * the reason, shown in parentheses.
 *
 * @example
 * ```ts
 * import { inspectText } from "./tensor_inspect.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(
 *   inspectText("Tensor<f32>[2,2] cpu", new Float32Array([1, 2.5, 3, 4]), [2, 2], "f32"),
 *   "Tensor<f32>[2,2] cpu [[1., 2.5], [3., 4.]]",
 * );
 * ```
 */
export function inspectText(
  header: string,
  data: DataArray | string,
  shape: Shape,
  dtype: string,
): string {
  if (typeof data === "string") return `${header} (${data})`;
  const asBool = dtype === "bool", isInt = dtype === "i32";
  const fmt = (v: number) => fmtValue(v, asBool, isInt);
  if (data.length <= FULL_PRINT_LIMIT) return `${header} ${nested(data, shape, fmt)}`;
  let min = Infinity, max = -Infinity, sum = 0, nans = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) {
      nans++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const finite = data.length - nans;
  const first = Array.from(data.subarray(0, 6), fmt).join(", ");
  const stats = asBool
    ? `true ${sum} of ${data.length}`
    : `min ${fmt(min)}, max ${fmt(max)}, mean ${
      finite ? String(Number((sum / finite).toPrecision(6))) : "NaN"
    }${nans ? `, ${nans} NaN` : ""}`;
  return `${header} {${stats}; first [${first}, ...]}`;
}

/**
 * Elementwise kernels of one input: `unary` and `cast`.
 *
 * Each op has its own loop (the switch is outside the loop), reading and
 * writing typed arrays directly.
 *
 * @module
 */
import type { DataArray, OutSpec, PrimParams, UnaryOp } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { allocFor } from "./buffer.ts";
import type { CpuOperand } from "./kernel.ts";
import { expOrZero } from "./exp.ts";

const INT_UNARY: ReadonlySet<UnaryOp> = new Set(["neg", "abs", "sign"]);

/**
 * Apply `op` elementwise. Float ops run on f32/f64; on i32 only `neg`,
 * `abs` and `sign` exist.
 *
 * @example
 * ```ts
 * import { unaryKernel } from "./unary.ts";
 * const x = { data: new Float32Array([-1, 4]), shape: [2], dtype: "f32" as const };
 * unaryKernel([x], { op: "abs" }, { shape: [2], dtype: "f32" }); // [1, 4]
 * ```
 */
export function unaryKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["unary"],
  out: OutSpec,
): DataArray {
  const x = inputs[0];
  const op = params.op;
  if (x.dtype !== "f32" && x.dtype !== "f64" && !(x.dtype === "i32" && INT_UNARY.has(op))) {
    throw new Error(`unary: op ${op} is not defined for dtype ${x.dtype}`);
  }
  const n = sizeOf(out.shape);
  const a = x.data;
  const o = allocFor(out.dtype, n);
  switch (op) {
    case "neg":
      for (let i = 0; i < n; i++) o[i] = -a[i];
      break;
    case "exp":
      for (let i = 0; i < n; i++) o[i] = expOrZero(a[i]);
      break;
    case "log":
      for (let i = 0; i < n; i++) o[i] = Math.log(a[i]);
      break;
    case "sqrt":
      for (let i = 0; i < n; i++) o[i] = Math.sqrt(a[i]);
      break;
    case "rsqrt":
      for (let i = 0; i < n; i++) o[i] = 1 / Math.sqrt(a[i]);
      break;
    case "abs":
      for (let i = 0; i < n; i++) o[i] = Math.abs(a[i]);
      break;
    case "sign":
      for (let i = 0; i < n; i++) o[i] = Math.sign(a[i]);
      break;
    case "tanh":
      for (let i = 0; i < n; i++) o[i] = Math.tanh(a[i]);
      break;
    case "sin":
      for (let i = 0; i < n; i++) o[i] = Math.sin(a[i]);
      break;
    case "cos":
      for (let i = 0; i < n; i++) o[i] = Math.cos(a[i]);
      break;
    case "sigmoid":
      // Two branches so that exp never overflows.
      for (let i = 0; i < n; i++) {
        const v = a[i];
        if (v >= 0) o[i] = 1 / (1 + expOrZero(-v));
        else {
          const e = expOrZero(v);
          o[i] = e / (1 + e);
        }
      }
      break;
    default:
      throw new Error(`unary: unknown op ${op satisfies never}`);
  }
  return o;
}

/**
 * Convert to `out.dtype`: bool -> 0/1, float -> i32 truncates toward zero
 * (NaN -> 0), anything -> bool is `x != 0`.
 *
 * @example
 * ```ts
 * import { castKernel } from "./unary.ts";
 * const x = { data: new Float32Array([-1.7, 0, 2.9]), shape: [3], dtype: "f32" as const };
 * castKernel([x], { to: "i32" }, { shape: [3], dtype: "i32" }); // Int32Array [-1, 0, 2]
 * ```
 */
export function castKernel(
  inputs: readonly CpuOperand[],
  _params: PrimParams["cast"],
  out: OutSpec,
): DataArray {
  const a = inputs[0].data;
  const n = sizeOf(out.shape);
  const o = allocFor(out.dtype, n);
  if (out.dtype === "bool") {
    for (let i = 0; i < n; i++) o[i] = a[i] !== 0 ? 1 : 0;
  } else if (o.constructor === a.constructor) {
    o.set(a.subarray(0, n) as typeof o);
  } else {
    // Typed-array stores convert: Int32Array truncates, Float32Array rounds.
    for (let i = 0; i < n; i++) o[i] = a[i];
  }
  return o;
}

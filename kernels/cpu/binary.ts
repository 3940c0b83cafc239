/**
 * Elementwise kernels of two or three broadcast inputs: `binary`,
 * `compare` and `where`.
 *
 * Inputs may have a lower rank than the output (right-aligned NumPy
 * broadcasting). The iteration is collapsed by {@linkcode planStrided}, so a
 * same-shape op is one run over all elements and a scalar operand is a run
 * with stride 0; the op is chosen once per run, outside the element loop.
 *
 * @module
 */
import type { BinaryOp, CompareOp, DataArray, OutSpec, PrimParams } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { allocFor } from "./buffer.ts";
import { broadcastStrides, forEachRow, type NumArray, planStrided } from "./indexing.ts";
import type { CpuOperand } from "./kernel.ts";

/** One run of a binary op: `o[oi+i] = a[ai+i*sa] op b[bi+i*sb]` for `i < n`. */
function binaryRun(
  op: BinaryOp,
  intOut: boolean,
  a: NumArray,
  b: NumArray,
  o: NumArray,
  run: { ai: number; sa: number; bi: number; sb: number; oi: number; n: number },
): void {
  const { sa, sb, oi, n } = run;
  let ai = run.ai, bi = run.bi;
  const end = oi + n;
  switch (op) {
    case "add":
      if (sa === 1 && sb === 1) { for (let j = oi; j < end; j++) o[j] = a[ai++] + b[bi++]; }
      else for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = a[ai] + b[bi];
      break;
    case "sub":
      if (sa === 1 && sb === 1) { for (let j = oi; j < end; j++) o[j] = a[ai++] - b[bi++]; }
      else for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = a[ai] - b[bi];
      break;
    case "mul":
      if (intOut) {
        for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = Math.imul(a[ai], b[bi]);
      } else if (sa === 1 && sb === 1) { for (let j = oi; j < end; j++) o[j] = a[ai++] * b[bi++]; }
      else for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = a[ai] * b[bi];
      break;
    case "div":
      // On i32 the Int32Array store truncates the quotient toward zero (x/0 -> 0).
      if (sa === 1 && sb === 1) { for (let j = oi; j < end; j++) o[j] = a[ai++] / b[bi++]; }
      else for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = a[ai] / b[bi];
      break;
    case "pow":
      for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = Math.pow(a[ai], b[bi]);
      break;
    case "max":
      for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = Math.max(a[ai], b[bi]);
      break;
    case "min":
      for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = Math.min(a[ai], b[bi]);
      break;
    default:
      throw new Error(`binary: unknown op ${op satisfies never}`);
  }
}

/** One run of a comparison, writing 0/1. */
function compareRun(
  op: CompareOp,
  a: NumArray,
  b: NumArray,
  o: NumArray,
  run: { ai: number; sa: number; bi: number; sb: number; oi: number; n: number },
): void {
  const { sa, sb, oi, n } = run;
  let ai = run.ai, bi = run.bi;
  const end = oi + n;
  switch (op) {
    case "lt":
      for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = a[ai] < b[bi] ? 1 : 0;
      break;
    case "le":
      for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = a[ai] <= b[bi] ? 1 : 0;
      break;
    case "gt":
      for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = a[ai] > b[bi] ? 1 : 0;
      break;
    case "ge":
      for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = a[ai] >= b[bi] ? 1 : 0;
      break;
    case "eq":
      for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = a[ai] === b[bi] ? 1 : 0;
      break;
    case "ne":
      for (let j = oi; j < end; j++, ai += sa, bi += sb) o[j] = a[ai] !== b[bi] ? 1 : 0;
      break;
    default:
      throw new Error(`compare: unknown op ${op satisfies never}`);
  }
}

/** Walk two broadcast inputs over `out.shape`, calling `run` per collapsed run. */
function walkTwo(
  inputs: readonly CpuOperand[],
  out: OutSpec,
  run: (r: { ai: number; sa: number; bi: number; sb: number; oi: number; n: number }) => void,
): void {
  const [x, y] = inputs;
  const plan = planStrided(out.shape, [
    broadcastStrides(x.shape, out.shape),
    broadcastStrides(y.shape, out.shape),
    broadcastStrides(out.shape, out.shape),
  ]);
  const last = plan.shape.length - 1;
  const r = { ai: 0, sa: plan.strides[0][last], bi: 0, sb: plan.strides[1][last], oi: 0, n: 0 };
  forEachRow(plan, (off, n) => {
    r.ai = off[0];
    r.bi = off[1];
    r.oi = off[2];
    r.n = n;
    run(r);
  });
}

/**
 * `a op b` with NumPy broadcasting to `out.shape`. On i32, `div` truncates
 * toward zero and `mul`, `add`, `sub` wrap like int32 arithmetic.
 *
 * @example
 * ```ts
 * import { binaryKernel } from "./binary.ts";
 * const a = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], dtype: "f32" as const };
 * const b = { data: new Float32Array([10]), shape: [1], dtype: "f32" as const };
 * binaryKernel([a, b], { op: "add" }, { shape: [2, 2], dtype: "f32" }); // [11, 12, 13, 14]
 * ```
 */
export function binaryKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["binary"],
  out: OutSpec,
): DataArray {
  const o = allocFor(out.dtype, sizeOf(out.shape));
  const a = inputs[0].data, b = inputs[1].data;
  const intOut = out.dtype === "i32";
  walkTwo(inputs, out, (r) => binaryRun(params.op, intOut, a, b, o, r));
  return o;
}

/**
 * `a op b` compared elementwise with broadcasting; the result is bool (0/1).
 *
 * @example
 * ```ts
 * import { compareKernel } from "./binary.ts";
 * const a = { data: new Float32Array([1, 5]), shape: [2], dtype: "f32" as const };
 * const b = { data: new Float32Array([3]), shape: [], dtype: "f32" as const };
 * compareKernel([a, b], { op: "lt" }, { shape: [2], dtype: "bool" }); // Uint8Array [1, 0]
 * ```
 */
export function compareKernel(
  inputs: readonly CpuOperand[],
  params: PrimParams["compare"],
  out: OutSpec,
): DataArray {
  const o = allocFor("bool", sizeOf(out.shape));
  const a = inputs[0].data, b = inputs[1].data;
  walkTwo(inputs, out, (r) => compareRun(params.op, a, b, o, r));
  return o;
}

/**
 * `cond ? a : b` elementwise, all three broadcast to `out.shape`.
 *
 * @example
 * ```ts
 * import { whereKernel } from "./binary.ts";
 * const c = { data: new Uint8Array([1, 0]), shape: [2], dtype: "bool" as const };
 * const a = { data: new Float32Array([1, 2]), shape: [2], dtype: "f32" as const };
 * const b = { data: new Float32Array([9]), shape: [1], dtype: "f32" as const };
 * whereKernel([c, a, b], {}, { shape: [2], dtype: "f32" }); // [1, 9]
 * ```
 */
export function whereKernel(
  inputs: readonly CpuOperand[],
  _params: PrimParams["where"],
  out: OutSpec,
): DataArray {
  const [c, x, y] = inputs;
  const o = allocFor(out.dtype, sizeOf(out.shape));
  const cd = c.data, xd = x.data, yd = y.data;
  const plan = planStrided(out.shape, [
    broadcastStrides(c.shape, out.shape),
    broadcastStrides(x.shape, out.shape),
    broadcastStrides(y.shape, out.shape),
    broadcastStrides(out.shape, out.shape),
  ]);
  const last = plan.shape.length - 1;
  const sc = plan.strides[0][last], sx = plan.strides[1][last], sy = plan.strides[2][last];
  forEachRow(plan, (off, n) => {
    let ci = off[0], xi = off[1], yi = off[2];
    const end = off[3] + n;
    for (let j = off[3]; j < end; j++, ci += sc, xi += sx, yi += sy) {
      o[j] = cd[ci] !== 0 ? xd[xi] : yd[yi];
    }
  });
  return o;
}

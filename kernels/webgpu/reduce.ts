/**
 * Reductions (sum, max) over sorted axes, keeping them with size 1. When the
 * reduced axes are the trailing ones and rows are long, one workgroup reduces
 * each row through shared memory; otherwise each invocation loops over the
 * reduced elements of one output through strides.
 *
 * @module
 */
import type { DType, OutSpec } from "../backend.ts";
import { sizeOf, stridesOf } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import {
  convertExpr,
  flatGrid,
  flatMain,
  type GpuOperand,
  grid2dRows,
  type KernelHost,
  lowestOf,
  offsetsCode,
  wgslType,
  zeroOf,
} from "./wgsl.ts";

/** Workgroup size of the row-reduction kernel. */
const ROW_WG = 256;
/** Rows shorter than this use the one-invocation-per-output path. */
const MIN_ROW_FOR_WORKGROUP = 64;

type ReduceKind = "sum" | "max";

function combine(kind: ReduceKind, a: string, b: string): string {
  return kind === "sum" ? `(${a} + ${b})` : `max(${a}, ${b})`;
}

/** The dtype a reduction accumulates in: f32 for f16 (rounded once, when stored). */
function accumulatorOf(dtype: DType): DType {
  return dtype === "f16" ? "f32" : dtype;
}

function identity(kind: ReduceKind, dtype: DType): string {
  return kind === "sum" ? zeroOf(dtype) : lowestOf(dtype);
}

/** True when every reduced axis of size > 1 comes after every kept axis of size > 1. */
function reducesTrailing(shape: readonly number[], axes: readonly number[]): boolean {
  const set = new Set(axes);
  let seenReduced = false;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    if (set.has(d)) seenReduced = true;
    else if (seenReduced) return false;
  }
  return true;
}

function runRows(
  host: KernelHost,
  kind: ReduceKind,
  x: GpuOperand,
  out: OutSpec,
  dst: GPUBuffer,
  rows: number,
  rowLen: number,
): void {
  const tin = wgslType(x.dtype);
  const tout = wgslType(out.dtype);
  const acc = accumulatorOf(out.dtype);
  const k = host.kernel(`reduceRows|${kind}|${tin}|${tout}`, () => {
    const id = identity(kind, acc);
    const load = convertExpr("in0[base + j]", x.dtype, acc);
    return PARAMS_WGSL + storageDecls([tin], tout) + `
var<workgroup> sm: array<${wgslType(acc)}, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= P(0u)) { return; }
  let n = P(1u);
  let base = row * n;
  var acc = ${id};
  for (var j = lid; j < n; j += ${ROW_WG}u) { acc = ${combine(kind, "acc", load)}; }
  sm[lid] = acc;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sm[lid] = ${combine(kind, "sm[lid]", "sm[lid + s]")}; }
    workgroupBarrier();
  }
  if (lid == 0u) { dst[row] = ${convertExpr("sm[0]", acc, out.dtype)}; }
}`;
  }, 1);
  host.dispatch(k, [rows, rowLen], [x.buffer, dst], grid2dRows(rows, host.maxWorkgroupsPerDim));
}

function runStrided(
  host: KernelHost,
  kind: ReduceKind,
  x: GpuOperand,
  axes: readonly number[],
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const total = sizeOf(out.shape);
  const r = out.shape.length;
  const set = new Set(axes);
  const inStrides = stridesOf(x.shape);
  const redAxes = axes.filter((a) => x.shape[a] !== 1);
  const rr = redAxes.length;
  const tin = wgslType(x.dtype);
  const tout = wgslType(out.dtype);
  const redAt = 2 + 2 * r;
  const acc = accumulatorOf(out.dtype);
  const k = host.kernel(`reduceStrided|${kind}|${tin}|${tout}|${r}|${rr}`, () => {
    const load = convertExpr("in0[o0 + off]", x.dtype, acc);
    return PARAMS_WGSL + storageDecls([tin], tout) + flatMain(`
  ${offsetsCode(r, 1, [1 + r])}
  var acc = ${identity(kind, acc)};
  let count = P(${redAt - 1}u);
  for (var j = 0u; j < count; j++) {
    var off = 0u;${
      rr === 0 ? "" : `
    var rest = j;
    for (var k = 0u; k < ${rr}u; k++) {
      let d = ${rr - 1}u - k;
      let s = P(${redAt}u + d);
      off += (rest % s) * P(${redAt + rr}u + d);
      rest = rest / s;
    }`
    }
    acc = ${combine(kind, "acc", load)};
  }
  dst[i] = ${convertExpr("acc", acc, out.dtype)};`);
  }, 1);
  const keptStrides = x.shape.map((_, d) => set.has(d) ? 0 : inStrides[d]);
  const redCount = redAxes.reduce((a, d) => a * x.shape[d], 1);
  const params = [
    total,
    ...out.shape,
    ...keptStrides,
    redCount,
    ...redAxes.map((d) => x.shape[d]),
    ...redAxes.map((d) => inStrides[d]),
  ];
  host.dispatch(k, params, [x.buffer, dst], flatGrid(total, host.maxWorkgroupsPerDim));
}

function runReduce(
  host: KernelHost,
  kind: ReduceKind,
  x: GpuOperand,
  axes: readonly number[],
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const rows = sizeOf(out.shape);
  if (rows === 0) return;
  const rowLen = axes.reduce((a, d) => a * x.shape[d], 1);
  if (reducesTrailing(x.shape, axes) && rowLen >= MIN_ROW_FOR_WORKGROUP) {
    runRows(host, kind, x, out, dst, rows, rowLen);
  } else {
    runStrided(host, kind, x, axes, out, dst);
  }
}

/**
 * Sum over `axes` (kept with size 1).
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([1, 2, 3, 4]), "f32");
 *   const op = { buffer: x, shape: [2, 2], dtype: "f32" as const };
 *   const y = gpu.run("reduceSum", [op], { axes: [1] }, { shape: [2, 1], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 2)], [3, 7]);
 * }
 * ```
 */
export function runReduceSum(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { axes: readonly number[] },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  runReduce(host, "sum", inputs[0], params.axes, out, dst);
}

/**
 * Maximum over `axes` (kept with size 1); -inf for empty reductions of f32.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([1, 5, 3, 4]), "f32");
 *   const op = { buffer: x, shape: [2, 2], dtype: "f32" as const };
 *   const y = gpu.run("reduceMax", [op], { axes: [0] }, { shape: [1, 2], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 2)], [3, 5]);
 * }
 * ```
 */
export function runReduceMax(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { axes: readonly number[] },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  runReduce(host, "max", inputs[0], params.axes, out, dst);
}

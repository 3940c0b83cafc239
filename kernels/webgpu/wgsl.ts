/**
 * Shared pieces of WGSL code generation and the interface kernels dispatch through.
 *
 * @module
 */
import type { ViolationLog } from "./index_violations.ts";
import type { DType, Shape } from "../backend.ts";
import type { Grid } from "./dispatch.ts";
import { grid2d } from "./dispatch.ts";
import type { Kernel } from "./pipelines.ts";

/** A GPU buffer with the shape and dtype the core gives it. */
export interface GpuOperand {
  /** The buffer. */
  readonly buffer: GPUBuffer;
  /** Logical shape. */
  readonly shape: Shape;
  /** Element type. */
  readonly dtype: DType;
}

/** What kernel families need from the backend. */
export interface KernelHost {
  /**
   * The cached kernel for `key`, compiled from `make()` on first use, binding `inputs`
   * read-only buffers then `outputs` (default 1) read-write ones.
   */
  kernel(key: string, make: () => string, inputs: number, outputs?: number): Kernel;
  /** Record one dispatch. */
  dispatch(
    kernel: Kernel,
    params: readonly number[],
    buffers: readonly GPUBuffer[],
    grid: Grid,
  ): void;
  /** The device's maxComputeWorkgroupsPerDimension. */
  readonly maxWorkgroupsPerDim: number;
  /** True on software adapters (lavapipe, SwiftShader): kernels may pick other shapes there. */
  readonly isSoftware?: boolean;
  /** Where checked index kernels record the first out-of-range index (see index_violations.ts). */
  readonly violations?: ViolationLog;
}

/** Invocations per workgroup of the flat (one element per invocation) kernels. */
export const FLAT_WG = 256;

/**
 * The WGSL storage type of a dtype (bool is stored as u32 0/1; f16 needs `enable f16;`,
 * which the pipeline cache adds).
 *
 * @example
 * ```ts
 * import { wgslType } from "./wgsl.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(wgslType("bool"), "u32");
 * ```
 */
export function wgslType(dtype: DType): string {
  if (dtype === "f32") return "f32";
  if (dtype === "f16") return "f16";
  if (dtype === "i32") return "i32";
  if (dtype === "bool") return "u32";
  throw new Error(`webgpu: dtype ${dtype} is not supported by the webgpu backend`);
}

/**
 * WGSL expression converting `expr` of dtype `from` to dtype `to` (bool -> 0/1,
 * float -> i32 truncates, anything -> bool is `!= 0`).
 *
 * @example
 * ```ts
 * import { convertExpr } from "./wgsl.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(convertExpr("x", "f32", "bool"), "select(0u, 1u, x != 0.0)");
 * ```
 */
export function convertExpr(expr: string, from: DType, to: DType): string {
  if (from === to) return expr;
  if (to === "bool") return `select(0u, 1u, ${expr} != ${zeroOf(from)})`;
  return `${wgslType(to)}(${expr})`;
}

/** The WGSL zero literal of a dtype's storage type. */
export function zeroOf(dtype: DType): string {
  return dtype === "f32" ? "0.0" : dtype === "f16" ? "0.0h" : dtype === "i32" ? "0i" : "0u";
}

/**
 * Entry point of a flat kernel: invocation `i` handles element `i < P(0)`.
 *
 * @example
 * ```ts
 * import { flatMain } from "./wgsl.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const src = flatMain("dst[i] = 1.0;");
 * assertTrue(src.includes("if (i >= P(0u)) { return; }") && src.includes("dst[i] = 1.0;"));
 * ```
 */
export function flatMain(body: string): string {
  return `
@compute @workgroup_size(${FLAT_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * ${FLAT_WG}u + lid;
  if (i >= P(0u)) { return; }
${body}
}`;
}

/**
 * WGSL that splits flat index `i` over a shape of rank `rank` stored at
 * `P(shapeAt..)` and accumulates offsets `o<j>` with strides at `P(strideAt[j]..)`.
 *
 * @example
 * ```ts
 * import { offsetsCode } from "./wgsl.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * assertTrue(offsetsCode(2, 1, [3, 5]).includes("o0 += c * P(3u + d); o1 += c * P(5u + d);"));
 * ```
 */
export function offsetsCode(rank: number, shapeAt: number, strideAt: readonly number[]): string {
  const decl = strideAt.map((_, j) => `var o${j} = 0u;`).join(" ");
  if (rank === 0) return decl;
  const acc = strideAt.map((s, j) => `o${j} += c * P(${s}u + d);`).join(" ");
  return `${decl}
  var rem = i;
  for (var k = 0u; k < ${rank}u; k++) {
    let d = ${rank - 1}u - k;
    let s = P(${shapeAt}u + d);
    let c = rem % s;
    rem = rem / s;
    ${acc}
  }`;
}

/** Broadcast strides, shared by every backend (see `kernels/backend.ts`). */
export { broadcastStrides } from "../backend.ts";

/**
 * Workgroup grid for `n` flat invocations.
 *
 * @example
 * ```ts
 * import { flatGrid } from "./wgsl.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(flatGrid(1000, 65535), [4, 1, 1]);
 * ```
 */
export function flatGrid(n: number, maxPerDim: number, perGroup = FLAT_WG): Grid {
  return grid2d(Math.ceil(n / perGroup), maxPerDim);
}

/** The negative-infinity literal (as a bit pattern) of f32, or the i32 minimum. */
export function lowestOf(dtype: DType): string {
  if (dtype === "f32") return "bitcast<f32>(0xff800000u)";
  if (dtype === "f16") return "f16(bitcast<f32>(0xff800000u))";
  if (dtype === "i32") return "i32(-2147483647 - 1)";
  return "0u";
}

/**
 * Workgroup grid for one workgroup per row; the kernel computes
 * `row = wid.y * nwg.x + wid.x` and returns when `row >= rows`.
 *
 * @example
 * ```ts
 * import { grid2dRows } from "./wgsl.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(grid2dRows(10, 65535), [10, 1, 1]);
 * ```
 */
export function grid2dRows(rows: number, maxPerDim: number): Grid {
  return grid2d(rows, maxPerDim);
}

/**
 * WGSL for row reductions inside one workgroup of `wg` invocations (a power of two):
 * `reduceMax(lid, v)` and `reduceSum(lid, v)` over f32, through shared memory `sm`.
 *
 * @example
 * ```ts
 * import { workgroupReduceWgsl } from "./wgsl.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * assertTrue(workgroupReduceWgsl(64).includes("fn reduceSum"));
 * ```
 */
export function workgroupReduceWgsl(wg: number): string {
  const reduce = (name: string, combine: string) => `
fn ${name}(lid: u32, v: f32) -> f32 {
  sm[lid] = v;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sm[lid] = ${combine}; }
    workgroupBarrier();
  }
  let r = sm[0];
  workgroupBarrier();
  return r;
}`;
  return `
var<workgroup> sm: array<f32, ${wg}>;` + reduce("reduceMax", "max(sm[lid], sm[lid + s])") +
    reduce("reduceSum", "sm[lid] + sm[lid + s]");
}

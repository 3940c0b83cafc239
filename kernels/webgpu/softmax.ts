/**
 * Fused log-softmax along the last axis, `x - max - log(sum(exp(x - max)))`,
 * with two kernels:
 *
 * - `row`: one invocation per row makes three passes over its row (max, sum
 *   of exponentials, write), reading `vec4`s when the row length is a
 *   multiple of 4. No barriers: the fast kernel on software adapters, where
 *   the SIMD lanes run neighbouring rows, and on GPUs for short rows.
 * - `workgroup`: one workgroup per row reduces through shared memory (tree
 *   reductions): for long rows on GPUs, and for few rows anywhere.
 *
 * @module
 */
import type { OutSpec } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import {
  flatGrid,
  flatMain,
  type GpuOperand,
  grid2dRows,
  type KernelHost,
  lowestOf,
  workgroupReduceWgsl,
} from "./wgsl.ts";

/** Which log-softmax kernel runs. */
export type LogSoftmaxKernel = "row" | "workgroup";

const WG = 64;

const WORKGROUP_WGSL = PARAMS_WGSL + storageDecls(["f32"], "f32") + workgroupReduceWgsl(WG) + `
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= P(0u)) { return; }
  let n = P(1u);
  let base = row * n;
  var m = ${lowestOf("f32")};
  for (var j = lid; j < n; j += ${WG}u) { m = max(m, in0[base + j]); }
  m = reduceMax(lid, m);
  var s = 0.0;
  for (var j = lid; j < n; j += ${WG}u) { s += exp(in0[base + j] - m); }
  s = reduceSum(lid, s);
  let shift = m + log(s);
  for (var j = lid; j < n; j += ${WG}u) { dst[base + j] = in0[base + j] - shift; }
}`;

/** One invocation per row; `vec4` rows (n % 4 == 0, P(1) = n / 4) when `vec`. */
function rowWgsl(vec: boolean): string {
  const t = vec ? "vec4<f32>" : "f32";
  const hmax = vec ? "max(max(mv.x, mv.y), max(mv.z, mv.w))" : "mv";
  const hsum = vec ? "(sv.x + sv.y) + (sv.z + sv.w)" : "sv";
  return PARAMS_WGSL + storageDecls([t], t) + flatMain(`
  let n = P(1u);
  let base = i * n;
  var mv = ${t}(${lowestOf("f32")});
  for (var j = 0u; j < n; j++) { mv = max(mv, in0[base + j]); }
  let m = ${hmax};
  var sv = ${t}(0.0);
  for (var j = 0u; j < n; j++) { sv += exp(in0[base + j] - m); }
  let shift = m + log(${hsum});
  for (var j = 0u; j < n; j++) { dst[base + j] = in0[base + j] - shift; }`);
}

/** On hardware, rows up to this long use the one-invocation-per-row kernel. */
const HARDWARE_ROW_MAX = 32;
/** On software adapters, this many rows or more use the one-invocation-per-row kernel. */
const SOFTWARE_ROW_MIN_ROWS = 16;

let forced: LogSoftmaxKernel | null = null;

/**
 * Force one kernel (tests, tuning), or `null` to choose per adapter again.
 *
 * @example
 * ```ts
 * import { forceLogSoftmaxKernel } from "./softmax.ts";
 * forceLogSoftmaxKernel("workgroup");
 * forceLogSoftmaxKernel(null);
 * ```
 */
export function forceLogSoftmaxKernel(kernel: LogSoftmaxKernel | null): void {
  forced = kernel;
}

/**
 * The kernel used for `rows` rows of length `n` on a software or hardware adapter.
 *
 * @example
 * ```ts
 * import { chooseLogSoftmaxKernel } from "./softmax.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(chooseLogSoftmaxKernel(4096, 256, { isSoftware: true }), "row");
 * assertEquals(chooseLogSoftmaxKernel(4096, 256, { isSoftware: false }), "workgroup");
 * ```
 */
export function chooseLogSoftmaxKernel(
  rows: number,
  n: number,
  adapter: { isSoftware: boolean },
): LogSoftmaxKernel {
  if (adapter.isSoftware) return rows >= SOFTWARE_ROW_MIN_ROWS ? "row" : "workgroup";
  return n <= HARDWARE_ROW_MAX ? "row" : "workgroup";
}

/**
 * `x - logsumexp(x)` along the last axis.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([0, 0]), "f32");
 *   const op = { buffer: x, shape: [1, 2], dtype: "f32" as const };
 *   const y = gpu.run("logSoftmax", [op], {}, { shape: [1, 2], dtype: "f32" });
 *   await assertAllClose([...await gpu.read(y, "f32", 2)], [-Math.LN2, -Math.LN2]);
 * }
 * ```
 */
export function runLogSoftmax(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  _params: Record<string, never>,
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const x = inputs[0];
  const total = sizeOf(out.shape);
  if (total === 0) return;
  const n = out.shape.length === 0 ? 1 : out.shape[out.shape.length - 1];
  const rows = total / n;
  const maxDim = host.maxWorkgroupsPerDim;
  const which = forced ?? chooseLogSoftmaxKernel(rows, n, { isSoftware: host.isSoftware ?? false });
  if (which === "row") {
    const vec = n % 4 === 0;
    const k = host.kernel(`logSoftmaxRow|${vec}`, () => rowWgsl(vec), 1);
    host.dispatch(k, [rows, vec ? n / 4 : n], [x.buffer, dst], flatGrid(rows, maxDim));
    return;
  }
  const k = host.kernel("logSoftmax|f32", () => WORKGROUP_WGSL, 1);
  host.dispatch(k, [rows, n], [x.buffer, dst], grid2dRows(rows, maxDim));
}

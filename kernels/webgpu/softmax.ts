/**
 * Fused log-softmax along the last axis: one workgroup per row computes the
 * row maximum and the sum of exponentials in shared memory, then writes
 * `x - max - log(sum)`.
 *
 * @module
 */
import type { OutSpec } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import { type GpuOperand, grid2dRows, type KernelHost, lowestOf } from "./wgsl.ts";

const WG = 64;

const WGSL = PARAMS_WGSL + storageDecls(["f32"], "f32") + `
var<workgroup> sm: array<f32, ${WG}>;
fn reduceMax(lid: u32, v: f32) -> f32 {
  sm[lid] = v;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sm[lid] = max(sm[lid], sm[lid + s]); }
    workgroupBarrier();
  }
  let r = sm[0];
  workgroupBarrier();
  return r;
}
fn reduceSum(lid: u32, v: f32) -> f32 {
  sm[lid] = v;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sm[lid] = sm[lid] + sm[lid + s]; }
    workgroupBarrier();
  }
  let r = sm[0];
  workgroupBarrier();
  return r;
}
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

/**
 * `x - logsumexp(x)` along the last axis.
 *
 * @example
 * ```ts
 * import { runLogSoftmax } from "./softmax.ts";
 * console.log(typeof runLogSoftmax);
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
  const k = host.kernel("logSoftmax|f32", () => WGSL, 1);
  host.dispatch(k, [rows, n], [x.buffer, dst], grid2dRows(rows, host.maxWorkgroupsPerDim));
}

/**
 * Fused softmax cross-entropy along the last axis: one workgroup per row
 * finds the row maximum and the sum of exponentials in shared memory; the
 * forward writes `logsumexp - x[target]`, the backward
 * `(softmax(x) - oneHot(target)) * g`.
 *
 * @module
 */
import type { OutSpec } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import { indexChecksOn } from "../index_checks.ts";
import { violationWgsl } from "./index_violations.ts";
import {
  type GpuOperand,
  grid2dRows,
  type KernelHost,
  lowestOf,
  workgroupReduceWgsl,
} from "./wgsl.ts";

const WG = 64;

const REDUCE_WGSL = workgroupReduceWgsl(WG) + `
fn rowStats(lid: u32, base: u32, n: u32) -> vec2<f32> {
  var m = ${lowestOf("f32")};
  for (var j = lid; j < n; j += ${WG}u) { m = max(m, in0[base + j]); }
  m = reduceMax(lid, m);
  var s = 0.0;
  for (var j = lid; j < n; j += ${WG}u) { s += exp(in0[base + j] - m); }
  return vec2<f32>(m, reduceSum(lid, s));
}`;

const HEAD = `
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= P(0u)) { return; }
  let n = P(1u);
  let base = row * n;
  let stats = rowStats(lid, base, n);
  let t = in1[row];`;

/** The kernels' source; `checked` adds the violation record (binding after `dst`). */
function forwardWgsl(checked: boolean): string {
  return PARAMS_WGSL + storageDecls(["f32", "i32"], "f32") + (checked ? violationWgsl(4) : "") +
    REDUCE_WGSL + HEAD + `
  if (lid == 0u) {
    if (t >= 0 && u32(t) < n) {
      dst[row] = stats.x + log(stats.y) - in0[base + u32(t)];
    } else {
      dst[row] = bitcast<f32>(0x7fc00000u);${checked ? "\n      noteBadIndex(P(2u), t, row);" : ""}
    }
  }
}`;
}

function backwardWgsl(checked: boolean): string {
  return PARAMS_WGSL + storageDecls(["f32", "i32", "f32"], "f32") +
    (checked ? violationWgsl(5) : "") + REDUCE_WGSL + HEAD + `
  let g = in2[row];${
    checked ? "\n  if (lid == 0u && (t < 0 || u32(t) >= n)) { noteBadIndex(P(2u), t, row); }" : ""
  }
  let scale = g / stats.y;
  for (var j = lid; j < n; j += ${WG}u) {
    var v = exp(in0[base + j] - stats.x) * scale;
    if (t >= 0 && u32(t) == j) { v = v - g; }
    dst[base + j] = v;
  }
}`;
}

/** One workgroup per row of the logits (the first input); the inputs' buffers, then `dst`. */
function dispatchRows(
  host: KernelHost,
  key: string,
  wgsl: (checked: boolean) => string,
  inputs: readonly GpuOperand[],
  dst: GPUBuffer,
): void {
  const logits = inputs[0];
  const n = logits.shape[logits.shape.length - 1];
  const rows = n === 0 ? 0 : sizeOf(logits.shape) / n;
  if (rows === 0) return;
  const slot = indexChecksOn() && host.violations
    ? host.violations.slot({ op: "crossEntropy", shape: inputs[1].shape, bound: n })
    : null;
  const checked = slot !== null;
  const k = host.kernel(`${key}|${checked}`, () => wgsl(checked), inputs.length, checked ? 2 : 1);
  const buffers = [...inputs.map((x) => x.buffer), dst];
  host.dispatch(
    k,
    [rows, n, slot?.tag ?? 0],
    slot ? [...buffers, slot.buffer] : buffers,
    grid2dRows(rows, host.maxWorkgroupsPerDim),
  );
}

/**
 * Per-row cross-entropy of logits against i32 targets.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([0, 0]), "f32");
 *   const t = gpu.upload(new Int32Array([1]), "i32");
 *   const y = gpu.run("crossEntropy", [
 *     { buffer: x, shape: [1, 2], dtype: "f32" },
 *     { buffer: t, shape: [1], dtype: "i32" },
 *   ], {}, { shape: [1], dtype: "f32" });
 *   await assertAllClose([...await gpu.read(y, "f32", 1)], [Math.LN2]);
 * }
 * ```
 */
export function runCrossEntropy(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  _params: Record<string, never>,
  _out: OutSpec,
  dst: GPUBuffer,
): void {
  dispatchRows(host, "crossEntropy|f32", forwardWgsl, inputs, dst);
}

/**
 * `(softmax(logits) - oneHot(targets)) * g` per row.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([0, 0]), "f32");
 *   const t = gpu.upload(new Int32Array([1]), "i32");
 *   const g = gpu.upload(new Float32Array([1]), "f32");
 *   const y = gpu.run("crossEntropyGrad", [
 *     { buffer: x, shape: [1, 2], dtype: "f32" },
 *     { buffer: t, shape: [1], dtype: "i32" },
 *     { buffer: g, shape: [1], dtype: "f32" },
 *   ], {}, { shape: [1, 2], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 2)], [0.5, -0.5]);
 * }
 * ```
 */
export function runCrossEntropyGrad(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  _params: Record<string, never>,
  _out: OutSpec,
  dst: GPUBuffer,
): void {
  dispatchRows(host, "crossEntropyGrad|f32", backwardWgsl, inputs, dst);
}

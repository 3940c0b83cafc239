/**
 * `gather` (NumPy `take` along an axis) and its transpose `scatterAdd`,
 * written as a gather over the output: each output element loops over the
 * indices and sums the matching rows, so the result is deterministic (no
 * atomics). An out-of-range index never reads or writes out of bounds (gather
 * gives 0, scatterAdd skips it); with index checks on (`indexChecksOn()`),
 * the kernels also record it for the next readback to report.
 *
 * @module
 */
import type { OutSpec } from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import { indexChecksOn } from "../index_checks.ts";
import { violationWgsl } from "./index_violations.ts";
import {
  convertExpr,
  flatGrid,
  flatMain,
  type GpuOperand,
  type KernelHost,
  wgslType,
  zeroOf,
} from "./wgsl.ts";

/**
 * `x` indexed along `axis` by i32 `idx`; out = x.shape[:axis] + idx.shape + x.shape[axis+1:].
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([10, 20, 30]), "f32");
 *   const idx = gpu.upload(new Int32Array([2, 0]), "i32");
 *   const y = gpu.run("gather", [
 *     { buffer: x, shape: [3], dtype: "f32" },
 *     { buffer: idx, shape: [2], dtype: "i32" },
 *   ], { axis: 0 }, { shape: [2], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 2)], [30, 10]);
 * }
 * ```
 */
export function runGather(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { axis: number },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const [x, idx] = inputs;
  const total = sizeOf(out.shape);
  if (total === 0) return;
  const len = x.shape[params.axis];
  const post = sizeOf(x.shape.slice(params.axis + 1));
  const nIdx = sizeOf(idx.shape);
  const t = wgslType(x.dtype);
  const slot = indexChecksOn() && host.violations
    ? host.violations.slot({ op: "gather", shape: idx.shape, bound: len, axis: params.axis })
    : null;
  const checked = slot !== null;
  const k = host.kernel(
    `gather|${t}|${checked}`,
    () =>
      PARAMS_WGSL + storageDecls([t, "i32"], t) + (checked ? violationWgsl(4) : "") + flatMain(`
  let nIdx = P(1u); let post = P(2u); let len = P(3u);
  let q = i % post;
  let j = (i / post) % nIdx;
  let p = i / (post * nIdx);
  let ix = in1[j];
  if (ix < 0i || u32(ix) >= len) {
    dst[i] = ${zeroOf(x.dtype)};${
        checked ? "\n    if (p == 0u && q == 0u) { noteBadIndex(P(4u), ix, j); }" : ""
      }
  }
  else { dst[i] = in0[(p * len + u32(ix)) * post + q]; }`),
    2,
    checked ? 2 : 1,
  );
  host.dispatch(
    k,
    [total, nIdx, post, len, slot?.tag ?? 0],
    slot ? [x.buffer, idx.buffer, dst, slot.buffer] : [x.buffer, idx.buffer, dst],
    flatGrid(total, host.maxWorkgroupsPerDim),
  );
}

/**
 * Sum `g` (shaped like a gather's output) into zeros of `out.shape` at `idx` along `axis`.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const g = gpu.upload(new Float32Array([1, 2, 3]), "f32");
 *   const idx = gpu.upload(new Int32Array([1, 1, 0]), "i32");
 *   const y = gpu.run("scatterAdd", [
 *     { buffer: g, shape: [3], dtype: "f32" },
 *     { buffer: idx, shape: [3], dtype: "i32" },
 *   ], { axis: 0, size: 2 }, { shape: [2], dtype: "f32" });
 *   assertEquals([...await gpu.read(y, "f32", 2)], [3, 3]);
 * }
 * ```
 */
export function runScatterAdd(
  host: KernelHost,
  inputs: readonly GpuOperand[],
  params: { axis: number },
  out: OutSpec,
  dst: GPUBuffer,
): void {
  const [g, idx] = inputs;
  const total = sizeOf(out.shape);
  if (total === 0) return;
  const len = out.shape[params.axis];
  const post = sizeOf(out.shape.slice(params.axis + 1));
  const nIdx = sizeOf(idx.shape);
  const t = wgslType(out.dtype);
  // f16 sums accumulate in f32 and round once, as they are stored.
  const acc = out.dtype === "f16" ? "f32" : out.dtype;
  const slot = indexChecksOn() && host.violations
    ? host.violations.slot({ op: "scatterAdd", shape: idx.shape, bound: len, axis: params.axis })
    : null;
  const checked = slot !== null;
  // Checked: the first output element of each outer slice also checks every index.
  const check = checked
    ? `
  if (i % (post * len) == 0u) {
    for (var j = 0u; j < nIdx; j++) {
      let ix = in1[j];
      if (ix < 0i || u32(ix) >= len) { noteBadIndex(P(4u), ix, j); break; }
    }
  }`
    : "";
  const k = host.kernel(
    `scatterAdd|${t}|${checked}`,
    () =>
      PARAMS_WGSL + storageDecls([t, "i32"], t) + (checked ? violationWgsl(4) : "") + flatMain(`
  let nIdx = P(1u); let post = P(2u); let len = P(3u);
  let q = i % post;
  let a = i32((i / post) % len);
  let p = i / (post * len);
  var acc = ${zeroOf(acc)};
  for (var j = 0u; j < nIdx; j++) {
    if (in1[j] == a) { acc += ${convertExpr("in0[(p * nIdx + j) * post + q]", out.dtype, acc)}; }
  }
  dst[i] = ${convertExpr("acc", acc, out.dtype)};${check}`),
    2,
    checked ? 2 : 1,
  );
  host.dispatch(
    k,
    [total, nIdx, post, len, slot?.tag ?? 0],
    slot ? [g.buffer, idx.buffer, dst, slot.buffer] : [g.buffer, idx.buffer, dst],
    flatGrid(total, host.maxWorkgroupsPerDim),
  );
}

/**
 * The NaN debugging mode on WebGPU: after an op, a small kernel looks for a NaN or an infinity
 * in its f32 output and records the first one it meets in the violation buffer (see
 * `index_violations.ts`), tagged with the op's description. Dispatches run in order and only the
 * first record is kept, so the op reported at the next readback is the first whose output was
 * not finite.
 *
 * @module
 */
import { PARAMS_WGSL } from "./pipelines.ts";
import { violationWgsl } from "./index_violations.ts";
import { flatGrid, flatMain, type KernelHost } from "./wgsl.ts";

const WATCH_WGSL = PARAMS_WGSL + `
@group(0) @binding(1) var<storage, read> in0: array<u32>;` + violationWgsl(2) + flatMain(`
  let bits = in0[i];
  if ((bits & 0x7f800000u) == 0x7f800000u) { noteBadIndex(P(1u), i32(bits), i); }`);

/**
 * Watch `size` f32 elements of `buffer` for a NaN or an infinity; `describe(bits, position)`
 * words the error the next readback throws.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertRejects } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([1, NaN]), "f32");
 *   gpu.watchNonFinite(x, 2, (_, at) => `nans: element ${at}`);
 *   await assertRejects(() => gpu.read(x, "f32", 2), "nans: element 1");
 * }
 * ```
 */
export function watchNonFinite(
  host: KernelHost,
  buffer: GPUBuffer,
  size: number,
  describe: (bits: number, at: number) => string,
): void {
  if (size === 0 || host.violations === undefined) return;
  const slot = host.violations.slot({ describe });
  const k = host.kernel("watchNonFinite|f32", () => WATCH_WGSL, 1, 1);
  host.dispatch(
    k,
    [size, slot.tag],
    [buffer, slot.buffer],
    flatGrid(size, host.maxWorkgroupsPerDim),
  );
}

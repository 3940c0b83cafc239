/**
 * Print the WebGPU adapter Deno finds (`navigator.gpu`): its info, features
 * and the limits that matter for matmul kernels, as JSON; also written to the
 * path given as the first argument, if any.
 *
 * ```sh
 * DENO_WEBGPU_BACKEND=vulkan deno run -A bench/peers/adapter_info.ts [out.json]
 * ```
 *
 * @example
 * ```ts
 * import { adapterReport } from "./adapter_info.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const r = await adapterReport();
 * // with an adapter, its info and limits; without one, neither (and `found: false`)
 * assertEquals([r.info !== undefined, r.limits !== undefined], [r.found, r.found]);
 * ```
 *
 * @module
 */

/** What {@linkcode adapterReport} returns. */
export interface AdapterReport {
  found: boolean;
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  features?: string[];
  limits?: Record<string, number>;
  error?: string;
}

const LIMITS = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupsPerDimension",
];

/**
 * Describe the first WebGPU adapter (high-performance preference).
 *
 * @example
 * ```ts
 * import { adapterReport } from "./adapter_info.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const r = await adapterReport();
 * // the limits matmul kernels need, each a positive number, where an adapter exists
 * const limits = Object.values(r.limits ?? {});
 * assertEquals(limits.length === 7 && limits.every((v) => v > 0), r.found);
 * ```
 */
export async function adapterReport(): Promise<AdapterReport> {
  try {
    if (!("gpu" in navigator) || !navigator.gpu) return { found: false, error: "no navigator.gpu" };
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) return { found: false };
    const i = adapter.info;
    const limits: Record<string, number> = {};
    for (const k of LIMITS) limits[k] = (adapter.limits as unknown as Record<string, number>)[k];
    return {
      found: true,
      info: {
        vendor: i.vendor,
        architecture: i.architecture,
        device: i.device,
        description: i.description,
      },
      isFallbackAdapter: (i as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter,
      features: [...adapter.features].map(String).sort(),
      limits,
    };
  } catch (e) {
    return { found: false, error: e instanceof Error ? e.message : String(e) };
  }
}

if (import.meta.main) {
  const r = await adapterReport();
  const text = JSON.stringify(r, null, 2);
  console.log(text);
  if (Deno.args[0]) await Deno.writeTextFile(Deno.args[0], text + "\n");
}

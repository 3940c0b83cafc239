/**
 * Finding a WebGPU adapter, opening a device with the adapter's own limits,
 * and watching for device loss.
 *
 * @module
 */

/** What {@linkcode probeAdapter} found. */
export interface AdapterProbe {
  /** The adapter itself. */
  adapter: GPUAdapter;
  /** True for CPU rasterizers (llvmpipe, lavapipe, SwiftShader, WARP) and fallback adapters. */
  isSoftware: boolean;
  /** One line: vendor, architecture, device, description, software or not. */
  info: string;
}

/**
 * The limits nugrad asks for, each set to the adapter's maximum.
 *
 * @example
 * ```ts
 * import { REQUESTED_LIMITS } from "./device.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * assertTrue(REQUESTED_LIMITS.includes("maxBufferSize"));
 * ```
 */
export const REQUESTED_LIMITS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxStorageBuffersPerShaderStage",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupSizeZ",
  "maxComputeWorkgroupsPerDimension",
  "maxUniformBufferBindingSize",
  "maxDynamicUniformBuffersPerPipelineLayout",
] as const;

/** The device limits the kernels consult, by name. */
export type DeviceLimits = Record<(typeof REQUESTED_LIMITS)[number], number>;

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render|\bwarp\b/i;

/**
 * Describe an adapter in one line and say whether it is a software rasterizer.
 *
 * @example
 * ```ts
 * import { describeAdapter } from "./device.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const adapter = await navigator.gpu?.requestAdapter();
 * if (adapter) assertTrue(describeAdapter(adapter).info.startsWith("webgpu: vendor="));
 * ```
 */
export function describeAdapter(adapter: GPUAdapter): { info: string; isSoftware: boolean } {
  const i = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const fallback = i.isFallbackAdapter === true ||
    (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const text = [i.vendor, i.architecture, i.device, i.description].join(" ");
  const isSoftware = fallback || SOFTWARE_NAMES.test(text);
  const parts = [
    `vendor=${i.vendor || "?"}`,
    `architecture=${i.architecture || "?"}`,
    `device=${i.device || "?"}`,
    `description=${JSON.stringify(i.description || "")}`,
    isSoftware ? "software" : "hardware",
  ];
  return { info: `webgpu: ${parts.join(" ")}`, isSoftware };
}

/**
 * Ask `navigator.gpu` for an adapter; `null` when WebGPU or an adapter is missing.
 *
 * @example
 * ```ts
 * import { describeAdapter, probeAdapter } from "./device.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const found = await probeAdapter();
 * // null without WebGPU or an adapter
 * if (found) assertEquals(found.info, describeAdapter(found.adapter).info);
 * ```
 */
export async function probeAdapter(
  opts: { powerPreference?: GPUPowerPreference } = {},
): Promise<AdapterProbe | null> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return null;
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference });
  } catch {
    return null;
  }
  if (!adapter) return null;
  return { adapter, ...describeAdapter(adapter) };
}

/** An open device with its limits, features and loss state. */
export interface GpuContext {
  /** The device. */
  readonly device: GPUDevice;
  /** The limits the device was opened with. */
  readonly limits: DeviceLimits;
  /** Whether `shader-f16` and `timestamp-query` were enabled. */
  readonly features: { shaderF16: boolean; timestampQuery: boolean };
  /** One-line adapter description. */
  readonly info: string;
  /** True for software adapters. */
  readonly isSoftware: boolean;
  /** Throws `webgpu: device lost (...)` once the device is lost, or a pending validation error. */
  check(op: string): void;
}

/**
 * Open a device on `adapter`, requesting the adapter's limits and the optional
 * features it offers (`shader-f16` unless `opts.shaderF16` is `false`, `timestamp-query`).
 *
 * @example
 * ```ts
 * import { openDevice, probeAdapter } from "./device.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const found = await probeAdapter();
 * if (found) {
 *   const ctx = await openDevice(found.adapter);
 *   assertEquals(ctx.limits.maxBufferSize, found.adapter.limits.maxBufferSize);
 * }
 * ```
 */
export async function openDevice(
  adapter: GPUAdapter,
  opts: { shaderF16?: boolean } = {},
): Promise<GpuContext> {
  const requiredLimits: Record<string, number> = {};
  const limits = {} as DeviceLimits;
  for (const name of REQUESTED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof v === "number") requiredLimits[name] = v;
    limits[name] = v;
  }
  const wanted: GPUFeatureName[] = [];
  const shaderF16 = opts.shaderF16 !== false && adapter.features.has("shader-f16");
  const timestampQuery = adapter.features.has("timestamp-query");
  if (shaderF16) wanted.push("shader-f16");
  if (timestampQuery) wanted.push("timestamp-query");
  const device = await adapter.requestDevice({ requiredFeatures: wanted, requiredLimits });
  const described = describeAdapter(adapter);
  let lost: string | null = null;
  let pendingError: string | null = null;
  device.lost.then((i) => {
    lost = `${i.reason ?? "unknown"}: ${i.message || "no message"}`;
  });
  device.addEventListener("uncapturederror", (e) => {
    const msg = (e as GPUUncapturedErrorEvent).error.message;
    if (pendingError === null) pendingError = msg;
  });
  return {
    device,
    limits,
    features: { shaderF16, timestampQuery },
    info: described.info,
    isSoftware: described.isSoftware,
    check(op: string) {
      if (lost !== null) throw new Error(`webgpu: device lost (${lost}) [in ${op}]`);
      if (pendingError !== null) {
        const msg = pendingError;
        pendingError = null;
        throw new Error(`webgpu: ${op}: an earlier GPU command failed validation: ${msg}`);
      }
    },
  };
}

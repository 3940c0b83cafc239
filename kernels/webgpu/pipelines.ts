/**
 * Compute pipelines compiled once, cached by variant key and by WGSL text,
 * with bind group layouts shared by binding signature.
 *
 * Every kernel binds its parameters as binding 0 (a 256-byte slice of a
 * uniform buffer, dynamic offset), then its storage buffers: the inputs
 * (read-only) and last the output (read-write).
 *
 * @module
 */

/** Bytes of parameters each dispatch may pass (64 u32 values). */
export const PARAM_BYTES = 256;
/** Number of u32 parameters each dispatch may pass. */
export const PARAM_WORDS = PARAM_BYTES / 4;

/** A compiled kernel. */
export interface Kernel {
  /** The pipeline. */
  readonly pipeline: GPUComputePipeline;
  /** Its bind group layout (shared by kernels of the same signature). */
  readonly layout: GPUBindGroupLayout;
  /** The layout signature: number of read-only inputs. */
  readonly inputs: number;
  /** The number of read-write outputs after them (1 unless a multi-output kernel). */
  readonly outputs: number;
}

/** WGSL prelude every kernel starts with: the parameter block and `P(i)`. */
export const PARAMS_WGSL = `
@group(0) @binding(0) var<uniform> prm: array<vec4<u32>, ${PARAM_WORDS / 4}>;
fn P(i: u32) -> u32 { return prm[i >> 2u][i & 3u]; }
`;

/**
 * WGSL declarations of `inputs` read-only storage arrays `in0..` of the given
 * element types and one output array `dst`.
 *
 * @example
 * ```ts
 * import { storageDecls } from "./pipelines.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(storageDecls(["f32"], "f32"), [
 *   "@group(0) @binding(1) var<storage, read> in0: array<f32>;",
 *   "@group(0) @binding(2) var<storage, read_write> dst: array<f32>;",
 * ].join("\n"));
 * ```
 */
export function storageDecls(inputTypes: readonly string[], outType: string): string {
  const lines = inputTypes.map((t, i) =>
    `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${t}>;`
  );
  lines.push(
    `@group(0) @binding(${inputTypes.length + 1}) var<storage, read_write> dst: array<${outType}>;`,
  );
  return lines.join("\n");
}

/**
 * WGSL `text` with the `enable` directives it needs first: `enable f16;` when it
 * names the `f16` type (the device must have been opened with `shader-f16`).
 *
 * @example
 * ```ts
 * import { withExtensions } from "./pipelines.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(withExtensions("var<private> x: f16;"), "enable f16;\nvar<private> x: f16;");
 * assertEquals(withExtensions("var<private> x: f32;"), "var<private> x: f32;");
 * ```
 */
export function withExtensions(text: string): string {
  if (!/\bf16\b/.test(text) || /^\s*enable f16;/.test(text)) return text;
  return `enable f16;\n${text}`;
}

/**
 * The cache. `get(key, make, inputs)` compiles `make()` once per key (and once
 * per distinct WGSL text).
 *
 * @example
 * ```ts
 * import { PipelineCache } from "./pipelines.ts";
 * const dev = await (await navigator.gpu?.requestAdapter())?.requestDevice();
 * if (dev) new PipelineCache(dev);
 * ```
 */
export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #byKey = new Map<string, Kernel>();
  readonly #byText = new Map<string, Kernel>();
  readonly #layouts = new Map<string, GPUBindGroupLayout>();
  /** Number of pipelines compiled so far. */
  compiled = 0;

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /**
   * The kernel for variant `key`, compiling `make()` on first use; it binds `inputs`
   * read-only storage buffers, then `outputs` read-write ones.
   */
  get(key: string, make: () => string, inputs: number, outputs = 1): Kernel {
    const hit = this.#byKey.get(key);
    if (hit) return hit;
    const text = withExtensions(make());
    let kernel = this.#byText.get(text);
    if (!kernel) {
      const layout = this.#layout(inputs, outputs);
      const module = this.#device.createShaderModule({ code: text, label: key });
      const pipeline = this.#device.createComputePipeline({
        label: key,
        layout: this.#device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: "main" },
      });
      this.compiled++;
      kernel = { pipeline, layout, inputs, outputs };
      this.#byText.set(text, kernel);
    }
    this.#byKey.set(key, kernel);
    return kernel;
  }

  #layout(inputs: number, outputs: number): GPUBindGroupLayout {
    const signature = `${inputs}|${outputs}`;
    let layout = this.#layouts.get(signature);
    if (layout) return layout;
    const entries: GPUBindGroupLayoutEntry[] = [{
      binding: 0,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: PARAM_BYTES },
    }];
    for (let i = 0; i < inputs + outputs; i++) {
      entries.push({
        binding: i + 1,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: i < inputs ? "read-only-storage" : "storage" },
      });
    }
    layout = this.#device.createBindGroupLayout({ entries });
    this.#layouts.set(signature, layout);
    return layout;
  }
}

/**
 * nugrad: a functional tensor library for Deno, with reverse-mode autodiff,
 * CPU (BLAS) and WebGPU backends, and the normalized-transformer (nGPT)
 * building blocks, optimizer and parameterizations (nGPT, μP, νGPT) for
 * studying learning-rate transfer.
 *
 * The core (tensors, ops, autodiff, trees, random, memory) is exported flat;
 * the layers above it are namespaces: `nn` (the nGPT model, training,
 * checkpoints), `optim` (gradient transformations and the optimizer a
 * parameterization implies), `param` (parameterizations and their building
 * blocks).
 *
 * @example
 * ```ts
 * import { assertAllClose } from "./testing/all_close.ts";
 * import * as nu from "./mod.ts";
 * import { assertEquals } from "./testing/assert.ts";
 * const f = (x: nu.Tensor) => nu.sum(nu.mul(x, x));
 * const g = nu.grad(f)(nu.tensor([1, 2, 3]));
 * await assertAllClose(g, [2, 4, 6]);
 * ```
 *
 * @example
 * ```ts
 * import { assertEquals } from "./testing/assert.ts";
 * import * as nu from "./mod.ts";
 * const config = nu.nn.modelConfig({ vocab: 256, width: 64, depth: 2, seqLen: 64 });
 * const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
 * const params = model.init(nu.key(0));
 * const logits = model.apply(params, nu.randint(nu.key(1), [2, 64], 0, 256));
 * assertEquals(logits.shape, [2, 64, 256]);
 * ```
 *
 * @module
 */
export * from "./core/mod.ts";

/**
 * The library's version (the `version` of `deno.json`; a test keeps the two equal).
 *
 * @example
 * ```ts
 * import { assertTrue } from "./testing/assert.ts";
 * import { version } from "./mod.ts";
 * assertTrue(/^\d+\.\d+\.\d+/.test(version));
 * ```
 */
export const version = "0.1.0";
export * as nn from "./nn/mod.ts";
export * as optim from "./optim/mod.ts";
export * as param from "./param/mod.ts";
export {
  type CpuBackend,
  type CpuBackendOptions,
  CpuBuffer,
  createCpuBackend,
} from "./kernels/cpu/backend.ts";
export {
  createWebGpuBackend,
  probeAdapter,
  type WebGpuBackend,
  type WebGpuBackendOptions,
} from "./kernels/webgpu/backend.ts";
export {
  type AdapterProbe,
  type DeviceLimits,
  type GpuContext,
  REQUESTED_LIMITS,
} from "./kernels/webgpu/device.ts";

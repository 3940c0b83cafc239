/**
 * What is alive: tensors as the core counts them, buffers as each backend does.
 *
 * @module
 */
import { getBackend } from "./backends.ts";
import { tensorMemory } from "./tensor.ts";
import type { Backend, BackendMemory } from "../kernels/backend.ts";

/** What {@linkcode memory} reports. */
export interface MemoryInfo {
  /** Tensors created and not yet disposed. */
  tensors: number;
  /** Bytes of storage those tensors hold. */
  bytes: number;
  /** The backend's own view (live and pooled buffers). */
  backend: BackendMemory & { name: string };
}

/**
 * Live tensors and bytes, and the backend's buffers; tests assert these stay
 * flat over many training steps.
 *
 * @example
 * ```ts
 * import { memory, ones, tidy, add } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const before = memory().tensors;
 * tidy(() => { add(ones([2]), 1); });
 * assertEquals(memory().tensors, before);
 * ```
 */
export function memory(backend: Backend = getBackend()): MemoryInfo {
  return { ...tensorMemory(), backend: { name: backend.name, ...backend.memory() } };
}

/**
 * Allocation errors that say what was being made: the op, the shape, the
 * dtype and the bytes. A single tensor over the backend's limit is refused
 * before anything is allocated: on the CPU a quarter of the machine's memory
 * (4 GiB when the memory cannot be read), on WebGPU the device's
 * `maxBufferSize` and `maxStorageBufferBindingSize`. A failure of the
 * allocation itself (a `RangeError` from the JavaScript engine) is rethrown
 * with the same facts.
 *
 * @module
 */
import {
  type Backend,
  BYTES_PER_ELEMENT,
  type DType,
  type Shape,
  sizeOf,
} from "../kernels/backend.ts";
import { fmtShape } from "./tensor.ts";

/** The fraction of the machine's memory one CPU tensor may take. */
const CPU_FRACTION = 0.25;
const FALLBACK_CPU_BYTES = 4 * 2 ** 30;

let cpuLimit: number | null = null;

function cpuLimitBytes(): number {
  if (cpuLimit === null) {
    try {
      cpuLimit = Math.floor(Deno.systemMemoryInfo().total * CPU_FRACTION);
    } catch {
      cpuLimit = FALLBACK_CPU_BYTES; // no --allow-sys
    }
  }
  return cpuLimit;
}

/**
 * A byte count for people: `8 GiB`, `1.5 MiB`, `12 bytes`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./alloc_checks.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(formatBytes(2 ** 33), "8 GiB");
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = bytes, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${Number(v.toFixed(2))} ${units[u]}`;
}

/**
 * The largest single tensor `backend` accepts, in bytes, and where the limit comes from.
 *
 * @example
 * ```ts
 * import { allocationLimit } from "./alloc_checks.ts";
 * import { cpuBackend } from "./backends.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * assertTrue(allocationLimit(cpuBackend()).bytes > 0);
 * ```
 */
export function allocationLimit(backend: Backend): { bytes: number; source: string } {
  const target = (backend as { target?: Backend }).target ?? backend; // a trace: its target
  const limits = (target as { context?: { limits?: GPUSupportedLimits } }).context?.limits;
  if (limits !== undefined) {
    const bytes = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
    return {
      bytes,
      source: bytes === limits.maxBufferSize
        ? "the device's maxBufferSize"
        : "the device's maxStorageBufferBindingSize",
    };
  }
  if (target.name === "cpu") {
    return { bytes: cpuLimitBytes(), source: "a quarter of the machine's memory" };
  }
  return { bytes: Infinity, source: "none" };
}

function what(op: string, shape: Shape, dtype: DType, bytes: number): string {
  const size = bytes < 1024 ? `${bytes} bytes` : `${formatBytes(bytes)}, ${bytes} bytes`;
  return `${op}: cannot allocate a tensor of shape ${fmtShape(shape)} and dtype ${dtype} (${size})`;
}

/**
 * Refuse, before allocating, a tensor of `shape` and `dtype` larger than
 * `backend`'s single-allocation limit; `op` is the function the user called.
 *
 * @example
 * ```ts
 * import { checkAllocation } from "./alloc_checks.ts";
 * import { cpuBackend } from "./backends.ts";
 * import { assertThrows } from "../testing/assert.ts";
 * checkAllocation("zeros", [1024], "f32", cpuBackend());
 * assertThrows(() => checkAllocation("zeros", [2 ** 50], "f32", cpuBackend()), [
 *   "zeros: cannot allocate a tensor of shape [1125899906842624] and dtype f32 (4 PiB",
 *   "the cpu backend's limit",
 * ]);
 * ```
 */
export function checkAllocation(op: string, shape: Shape, dtype: DType, backend: Backend): void {
  const bytes = sizeOf(shape) * BYTES_PER_ELEMENT[dtype];
  if (bytes <= 64 * 2 ** 20) return; // small: never near a limit
  const limit = allocationLimit(backend);
  if (bytes > limit.bytes) {
    throw new RangeError(
      `${what(op, shape, dtype, bytes)}: over the ${backend.name} backend's limit of ${
        formatBytes(limit.bytes)
      } per tensor (${limit.source})`,
    );
  }
}

/**
 * The error to throw when allocating a tensor failed with `cause`: an engine
 * `RangeError` (out of memory) becomes one naming the op, shape, dtype and
 * bytes; any other error is returned unchanged.
 *
 * @example
 * ```ts
 * import { allocationError } from "./alloc_checks.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const e = allocationError("ones", [2, 3], "f32", new RangeError("Array buffer allocation failed"));
 * assertEquals(e.message, "ones: cannot allocate a tensor of shape [2,3] and dtype f32 (24 bytes): Array buffer allocation failed");
 * ```
 */
export function allocationError(op: string, shape: Shape, dtype: DType, cause: unknown): Error {
  if (!(cause instanceof RangeError) || !/alloc|length|memory/i.test(cause.message)) {
    return cause instanceof Error ? cause : new Error(String(cause));
  }
  const bytes = sizeOf(shape) * BYTES_PER_ELEMENT[dtype];
  return new RangeError(`${what(op, shape, dtype, bytes)}: ${cause.message}`, { cause });
}

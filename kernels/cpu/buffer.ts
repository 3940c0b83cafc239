/**
 * CPU buffers: a typed array plus its dtype, and the helpers to allocate
 * and convert them.
 *
 * @module
 */
import type { BackendBuffer, DataArray, DType } from "../backend.ts";

/**
 * A CPU backend buffer: a row-major typed array (`bool` is a `Uint8Array`
 * of 0/1). After {@linkcode CpuBuffer.markReleased} its data is gone.
 *
 * @example
 * ```ts
 * import { CpuBuffer } from "./buffer.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const b = new CpuBuffer(new Float32Array([1, 2]), "f32");
 * assertEquals(b.data.length, 2);
 * ```
 */
export class CpuBuffer implements BackendBuffer {
  /** Always `"cpu"`. */
  readonly backend = "cpu" as const;
  #data: DataArray | null;
  /** The dtype the data is stored as. */
  readonly dtype: DType;

  /** Wrap `data` (not copied) as a buffer of `dtype`. */
  constructor(data: DataArray, dtype: DType) {
    this.#data = data;
    this.dtype = dtype;
  }

  /** The elements; throws once the buffer has been released. */
  get data(): DataArray {
    if (this.#data === null) {
      throw new Error(`cpu: buffer of ${this.dtype} used after release`);
    }
    return this.#data;
  }

  /** Whether {@linkcode CpuBuffer.markReleased} has been called. */
  get released(): boolean {
    return this.#data === null;
  }

  /** Drop the data; returns its size in bytes. Throws if already released. */
  markReleased(): number {
    return this.detach().byteLength;
  }

  /** Drop the data and return it (for the backend's pool). Throws if already released. */
  detach(): DataArray {
    if (this.#data === null) {
      throw new Error(`cpu: release: buffer of ${this.dtype} was already released`);
    }
    const data = this.#data;
    this.#data = null;
    return data;
  }
}

/**
 * A new zero-filled typed array of `size` elements for `dtype`.
 *
 * @example
 * ```ts
 * import { allocFor } from "./buffer.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(allocFor("bool", 3), new Uint8Array([0, 0, 0]));
 * ```
 */
export function allocFor(dtype: DType, size: number): DataArray {
  switch (dtype) {
    case "f32":
    case "f16": // emulated: f32 storage holding values rounded to f16
      return new Float32Array(size);
    case "f64":
      return new Float64Array(size);
    case "i32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
  }
}

/**
 * A copy of `data` converted to `dtype`'s storage (`bool`: nonzero -> 1; `f16`: rounded to
 * the nearest f16, kept in a `Float32Array`).
 *
 * @example
 * ```ts
 * import { copyAs } from "./buffer.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(copyAs(new Float64Array([0, 2.5]), "bool"), new Uint8Array([0, 1]));
 * ```
 */
export function copyAs(data: DataArray, dtype: DType, size = data.length): DataArray {
  const out = allocFor(dtype, size);
  copyInto(data, out, dtype);
  return out;
}

/**
 * Copy `data` into `out`, converted to `dtype`'s storage (`bool`: nonzero -> 1);
 * elements of `out` past `data`'s end are set to zero.
 *
 * @example
 * ```ts
 * import { copyInto } from "./buffer.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const out = new Int32Array([9, 9, 9]);
 * copyInto(new Float64Array([1, 2]), out, "i32");
 * assertEquals(out, new Int32Array([1, 2, 0]));
 * ```
 */
export function copyInto(data: DataArray, out: DataArray, dtype: DType): void {
  const size = out.length;
  const n = Math.min(size, data.length);
  if (n < size) out.fill(0, n);
  if (dtype === "bool") {
    for (let i = 0; i < n; i++) out[i] = data[i] !== 0 ? 1 : 0;
  } else if (dtype === "f16") {
    for (let i = 0; i < n; i++) out[i] = Math.f16round(data[i]);
  } else if (out.constructor === data.constructor) {
    out.set(data.subarray(0, n) as typeof out);
  } else {
    for (let i = 0; i < n; i++) out[i] = data[i];
  }
}

/**
 * A typed array of `size` elements for `dtype` whose contents the caller will
 * overwrite in full (a kernel output).
 *
 * @example
 * ```ts
 * import { allocUninitialized } from "./buffer.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(allocUninitialized("i32", 3).length, 3);
 * ```
 */
export function allocUninitialized(dtype: DType, size: number): DataArray {
  return allocFor(dtype, size);
}

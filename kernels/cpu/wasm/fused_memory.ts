/**
 * The WebAssembly memory the fused kernels run on, and a small allocator in
 * it. Arrays handed out by {@linkcode fusedAlloc} are views of that memory:
 * a kernel reads and writes them in place. Any other typed array is copied in
 * (inputs) or out (outputs) around the call, through blocks taken from the
 * same allocator and given back at once.
 *
 * The memory is shared where `SharedArrayBuffer` exists, so that growing it
 * never detaches the views already handed out (a shared buffer keeps its
 * length; the memory only gains a larger one). Without it, views would die on
 * growth, so {@linkcode fusedAlloc} then returns ordinary arrays.
 *
 * @example
 * ```ts
 * import { fusedAlloc, fusedFree, isFusedResident } from "./fused_memory.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const x = fusedAlloc("f32", 10) as Float32Array;
 * x.fill(2);
 * assertEquals(x[9], 2);
 * assertEquals(isFusedResident(x), typeof SharedArrayBuffer === "function");
 * fusedFree(x);
 * ```
 *
 * @module
 */
import type { DataArray } from "../../backend.ts";
import type { PoolStorage } from "../array_pool.ts";
import { FUSED_MAX_PAGES } from "./fused_params.ts";

/** Bytes at the start of the memory for parameter blocks (one per thread). */
export const PARAM_BYTES = 4096;
/** Parameter blocks reserved (thread 0 and up to 15 Workers). */
export const PARAM_BLOCKS = 16;
/** Blocks are multiples of this many bytes (and aligned to it). */
const GRAIN = 64;

/** The memory, its allocator's state, and every buffer object it has had. */
export class FusedHeap {
  /** The memory every fused kernel module imports. */
  readonly memory: WebAssembly.Memory;
  /** Whether it is shared (views survive growth; Workers can use it). */
  readonly shared: boolean;
  readonly #buffers = new WeakSet<ArrayBufferLike>();
  readonly #free = new Map<number, number[]>();
  readonly #sizeAt = new Map<number, number>();
  #top = PARAM_BYTES * PARAM_BLOCKS;

  /** Prefer {@linkcode fusedHeap}. */
  constructor() {
    this.shared = typeof SharedArrayBuffer === "function";
    this.memory = new WebAssembly.Memory({
      initial: 16,
      maximum: FUSED_MAX_PAGES,
      shared: this.shared,
    });
    this.#buffers.add(this.memory.buffer);
  }

  /** A block of at least `bytes` bytes: its byte address. */
  alloc(bytes: number): number {
    const size = Math.max(GRAIN, Math.ceil(bytes / GRAIN) * GRAIN);
    const list = this.#free.get(size);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.#sizeAt.set(reused, size);
      return reused;
    }
    const at = this.#top;
    const end = at + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil(Math.max(end - have, have / 4) / 65536);
      if (have / 65536 + pages > FUSED_MAX_PAGES) {
        throw new Error(`fused wasm: needs ${end} bytes of Wasm memory, more than allowed`);
      }
      this.memory.grow(pages);
      this.#buffers.add(this.memory.buffer);
    }
    this.#top = end;
    this.#sizeAt.set(at, size);
    return at;
  }

  /** Give back the block at `at`. */
  free(at: number): void {
    const size = this.#sizeAt.get(at);
    if (size === undefined) throw new Error(`fused wasm: free: no block at ${at}`);
    this.#sizeAt.delete(at);
    let list = this.#free.get(size);
    if (list === undefined) this.#free.set(size, list = []);
    list.push(at);
  }

  /** Whether `a` is a view of this memory. */
  resident(a: DataArray): boolean {
    return this.#buffers.has(a.buffer);
  }

  /** Bytes in live blocks and in the heap in all. */
  stats(): { liveBytes: number; heapBytes: number } {
    let live = 0;
    for (const s of this.#sizeAt.values()) live += s;
    return { liveBytes: live, heapBytes: this.#top };
  }
}

let heap: FusedHeap | undefined;

/**
 * The process's fused-kernel heap (created on first use): its memory, and
 * `alloc`/`free` of byte blocks in it.
 *
 * @example
 * ```ts
 * import { fusedHeap } from "./fused_memory.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const h = fusedHeap();
 * const at = h.alloc(100);
 * assertEquals(at % 64, 0);
 * h.free(at);
 * ```
 */
export function fusedHeap(): FusedHeap {
  return heap ??= new FusedHeap();
}

function viewOf(dtype: "f32" | "bool", at: number, size: number): DataArray {
  const buf = fusedHeap().memory.buffer;
  return dtype === "f32" ? new Float32Array(buf, at, size) : new Uint8Array(buf, at, size);
}

/**
 * A typed array of `size` elements (`Float32Array` for f32, `Uint8Array` for
 * bool) living in the fused kernels' memory, so that kernels run on it with
 * no copy. Its contents are unspecified. Give it back with
 * {@linkcode fusedFree}. Where the memory cannot be shared, an ordinary array.
 *
 * @example
 * ```ts
 * import { fusedAlloc, fusedFree } from "./fused_memory.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const m = fusedAlloc("bool", 3);
 * assertEquals(m.length, 3);
 * fusedFree(m);
 * ```
 */
export function fusedAlloc(dtype: "f32" | "bool", size: number): DataArray {
  if (!Number.isInteger(size) || size < 0) {
    throw new Error(`fusedAlloc: size must be a non-negative integer, got ${size}`);
  }
  const h = fusedHeap();
  if (!h.shared) return dtype === "f32" ? new Float32Array(size) : new Uint8Array(size);
  const at = h.alloc(size * (dtype === "f32" ? 4 : 1));
  return viewOf(dtype, at, size);
}

/**
 * Give back an array from {@linkcode fusedAlloc} (ordinary arrays are
 * ignored). The array must not be used afterwards.
 *
 * @example
 * ```ts
 * import { fusedAlloc, fusedFree, fusedHeapStats } from "./fused_memory.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const before = fusedHeapStats().liveBytes;
 * fusedFree(fusedAlloc("f32", 100));
 * assertEquals(fusedHeapStats().liveBytes, before);
 * ```
 */
export function fusedFree(a: DataArray): void {
  const h = fusedHeap();
  if (h.resident(a)) h.free(a.byteOffset);
}

/**
 * Whether `a` is a view of the fused kernels' memory (kernels use it in place).
 *
 * @example
 * ```ts
 * import { isFusedResident } from "./fused_memory.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(isFusedResident(new Float32Array(4)), false);
 * ```
 */
export function isFusedResident(a: DataArray): boolean {
  return fusedHeap().resident(a);
}

/**
 * Bytes in live blocks of the fused heap, and its high-water mark.
 *
 * @example
 * ```ts
 * import { fusedHeapStats } from "./fused_memory.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(fusedHeapStats().heapBytes >= fusedHeapStats().liveBytes, true);
 * ```
 */
export function fusedHeapStats(): { liveBytes: number; heapBytes: number } {
  return fusedHeap().stats();
}

/**
 * The fused kernels' memory as storage for the CPU backend's pool, so that tensors live where
 * the kernels read them (no copy in or out); `undefined` where the memory cannot be shared
 * (views of an unshared memory would not survive its growth). A full memory gives `null`, and
 * the pool falls back to ordinary arrays.
 *
 * @example
 * ```ts
 * import { fusedPoolStorage, isFusedResident } from "./fused_memory.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const storage = fusedPoolStorage();
 * if (storage) {
 *   const block = storage.alloc(256)!;
 *   assertEquals(isFusedResident(new Float32Array(block.buffer, block.offset, 64)), true);
 *   storage.free(block);
 * }
 * ```
 */
export function fusedPoolStorage(): PoolStorage | undefined {
  const h = fusedHeap();
  if (!h.shared) return undefined;
  return {
    alloc(bytes) {
      try {
        const offset = h.alloc(bytes);
        return { buffer: h.memory.buffer, offset };
      } catch {
        return null;
      }
    },
    free(block) {
      h.free(block.offset);
    },
  };
}

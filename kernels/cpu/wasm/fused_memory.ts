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

/**
 * Something holding idle blocks of the heap that it can give back when the heap is full (the CPU
 * backend's array pool): {@linkcode FusedHeap.onPressure}.
 */
export interface HeapReleaser {
  /** Give every idle block back to the heap. */
  releaseIdle(): void;
}

/** Options of {@linkcode FusedHeap}. */
export interface FusedHeapOptions {
  /** Most 64 KiB pages the memory may grow to (default {@linkcode FUSED_MAX_PAGES}, 4 GiB). */
  maxPages?: number;
}

/**
 * The memory, its allocator's state, and every buffer object it has had.
 *
 * Blocks are reused by exact size first. A request that no block of its size serves first merges
 * the free blocks (when any was freed since the last merge: adjacent ones into one, those at the top back into
 * the untouched space) and takes the smallest that fits, split; and where the memory is at its
 * largest, the registered releasers give their idle blocks back before it merges again. So a
 * process that trains models of many shapes one after another reuses one region instead of
 * stacking every shape's high-water mark until the 4 GiB a 32-bit memory allows runs out.
 *
 * @example
 * ```ts
 * import { FusedHeap } from "./fused_memory.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const heap = new FusedHeap({ maxPages: 64 });
 * const small = [1, 2, 3, 4].map(() => heap.alloc(100_000));
 * const top = heap.stats().heapBytes;
 * small.forEach((at) => heap.free(at));
 * const big = heap.alloc(350_000); // four freed neighbours, merged (and given back to the top)
 * assertEquals(big, small[0]);
 * assertEquals(heap.stats().heapBytes <= top, true);
 * ```
 */
export class FusedHeap {
  /** The memory every fused kernel module imports. */
  readonly memory: WebAssembly.Memory;
  /** Whether it is shared (views survive growth; Workers can use it). */
  readonly shared: boolean;
  readonly #maxPages: number;
  readonly #buffers = new WeakSet<ArrayBufferLike>();
  readonly #free = new Map<number, number[]>();
  readonly #sizeAt = new Map<number, number>();
  readonly #releasers = new Set<WeakRef<HeapReleaser>>();
  #top = PARAM_BYTES * PARAM_BLOCKS;
  /** Bytes in free blocks, and whether a block was freed since the last merge. */
  #freeBytes = 0;
  #freedSinceMerge = false;

  /** Prefer {@linkcode fusedHeap}. */
  constructor(opts: FusedHeapOptions = {}) {
    const maxPages = opts.maxPages ?? FUSED_MAX_PAGES;
    if (!(Number.isInteger(maxPages) && maxPages >= 16 && maxPages <= FUSED_MAX_PAGES)) {
      throw new Error(
        `FusedHeap: maxPages must be an integer in [16, ${FUSED_MAX_PAGES}], got ${maxPages}`,
      );
    }
    this.#maxPages = maxPages;
    this.shared = typeof SharedArrayBuffer === "function";
    this.memory = new WebAssembly.Memory({
      initial: 16,
      maximum: maxPages,
      shared: this.shared,
    });
    this.#buffers.add(this.memory.buffer);
  }

  /**
   * Registers `releaser` (held weakly) to give its idle blocks back when the memory is at its
   * largest and a request does not fit.
   */
  onPressure(releaser: HeapReleaser): void {
    this.#releasers.add(new WeakRef(releaser));
  }

  /** A block of at least `bytes` bytes: its byte address. */
  alloc(bytes: number): number {
    const size = Math.max(GRAIN, Math.ceil(bytes / GRAIN) * GRAIN);
    const list = this.#free.get(size);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.#freeBytes -= size;
      this.#sizeAt.set(reused, size);
      return reused;
    }
    const have = () => this.memory.buffer.byteLength;
    // Freed memory before untouched memory: its pages are already mapped.
    if (this.#freedSinceMerge || this.#freeBytes >= size) {
      const fit = this.#mergeAndFit(size);
      if (fit !== undefined) return fit;
    }
    if (this.#top + size > this.#maxPages * 65536) {
      for (const ref of this.#releasers) {
        const releaser = ref.deref();
        if (releaser === undefined) this.#releasers.delete(ref);
        else releaser.releaseIdle();
      }
      const fit = this.#mergeAndFit(size);
      if (fit !== undefined) return fit;
    }
    const at = this.#top;
    const end = at + size;
    if (end > have()) {
      const limit = this.#maxPages * 65536;
      if (end > limit) {
        throw new Error(
          `fused wasm: needs ${end} bytes of Wasm memory, more than the ${limit} allowed ` +
            `(${this.stats().liveBytes} bytes in live blocks, a request of ${size})`,
        );
      }
      // Grow by a quarter at least (fewer growths), never past the limit.
      const want = Math.max(end - have(), have() / 4);
      const pages = Math.min(Math.ceil(want / 65536), this.#maxPages - have() / 65536);
      this.memory.grow(pages);
      this.#buffers.add(this.memory.buffer);
    }
    this.#top = end;
    this.#sizeAt.set(at, size);
    return at;
  }

  /**
   * Merges adjacent free blocks (and gives those at the top back to the untouched space), then
   * takes the smallest free block of at least `size` bytes, splitting off the rest.
   */
  #mergeAndFit(size: number): number | undefined {
    if (this.#freedSinceMerge) {
      this.#freedSinceMerge = false;
      const blocks: [number, number][] = [];
      for (const [s, list] of this.#free) for (const at of list) blocks.push([at, s]);
      blocks.sort((a, b) => a[0] - b[0]);
      this.#free.clear();
      const merged: [number, number][] = [];
      for (const [at, s] of blocks) {
        const last = merged[merged.length - 1];
        if (last !== undefined && last[0] + last[1] === at) last[1] += s;
        else merged.push([at, s]);
      }
      const tail = merged[merged.length - 1];
      if (tail !== undefined && tail[0] + tail[1] === this.#top) {
        this.#top = tail[0];
        this.#freeBytes -= tail[1];
        merged.pop();
      }
      for (const [at, s] of merged) this.#pushFree(at, s);
    }
    if (this.#freeBytes < size) return undefined;
    let best: number | undefined;
    for (const [s, list] of this.#free) {
      if (s >= size && list.length > 0 && (best === undefined || s < best)) best = s;
    }
    if (best === undefined) return undefined;
    const at = this.#free.get(best)!.pop()!;
    this.#freeBytes -= best;
    if (best > size) {
      this.#pushFree(at + size, best - size);
      this.#freeBytes += best - size;
    }
    this.#sizeAt.set(at, size);
    return at;
  }

  #pushFree(at: number, size: number): void {
    let list = this.#free.get(size);
    if (list === undefined) this.#free.set(size, list = []);
    list.push(at);
  }

  /** Give back the block at `at`. */
  free(at: number): void {
    const size = this.#sizeAt.get(at);
    if (size === undefined) throw new Error(`fused wasm: free: no block at ${at}`);
    this.#sizeAt.delete(at);
    this.#pushFree(at, size);
    this.#freeBytes += size;
    this.#freedSinceMerge = true;
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
  return heapPoolStorage(fusedHeap());
}

/**
 * `heap` as a pool's storage (see {@linkcode fusedPoolStorage}); a pool built on it gives its idle
 * blocks back when the heap is full.
 *
 * @example
 * ```ts
 * import { FusedHeap, heapPoolStorage } from "./fused_memory.ts";
 * import { ArrayPool } from "../array_pool.ts";
 * const storage = heapPoolStorage(new FusedHeap({ maxPages: 16 }));
 * if (storage) new ArrayPool({ storage }).give(new ArrayPool({ storage }).take("f32", 8, { zeroed: true }));
 * ```
 */
export function heapPoolStorage(h: FusedHeap): PoolStorage | undefined {
  if (!h.shared) return undefined;
  return {
    onPressure(releaser) {
      h.onPressure(releaser);
    },
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

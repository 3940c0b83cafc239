/**
 * A pool of typed-array storage for the CPU backend, keyed by byte size.
 *
 * First touching fresh memory costs more than most kernels' arithmetic (the
 * pages are mapped and zeroed by the system on first write), so released
 * arrays wait here for a request of the same byte size and are handed out
 * again as a view of the dtype asked for. Only arrays the pool itself handed
 * out come back into it (an array it never issued is left to the garbage
 * collector), so a caller cannot slip in storage that someone else still
 * reads. The free bytes are capped; {@linkcode ArrayPool.trim} empties it.
 *
 * @module
 */
import type { DataArray, DType } from "../backend.ts";
import { BYTES_PER_ELEMENT } from "../backend.ts";

/** Bytes per element as the CPU stores it: f16 is emulated in f32 storage. */
const STORED_BYTES: Record<DType, number> = { ...BYTES_PER_ELEMENT, f16: 4 };

/** Storage is rounded up to whole multiples of this many bytes (one cache line). */
const GRANULE = 64;

/** What the pool holds and how it has served requests. */
export interface ArrayPoolStats {
  /** Arrays waiting in the pool. */
  pooledArrays: number;
  /** Bytes waiting in the pool. */
  pooledBytes: number;
  /** Requests served from the pool. */
  hits: number;
  /** Requests that found nothing of their size and created storage. */
  misses: number;
  /** Fresh storage (new `ArrayBuffer`s) created so far: every miss. */
  created: number;
  /** Arrays dropped instead of pooled because the pool was full. */
  dropped: number;
}

/** Options of {@linkcode ArrayPool}. */
export interface ArrayPoolOptions {
  /** Free bytes the pool may hold; past it, released arrays are dropped. */
  maxPooledBytes?: number;
  /**
   * For tests: fill every array handed out without zeros with this value (NaN for floats
   * finds a kernel that reads an output it did not write).
   */
  debugFill?: number;
  /** Where fresh storage comes from (default: a new ArrayBuffer for each). */
  storage?: PoolStorage;
}

/**
 * The default cap on pooled bytes: an eighth of the machine's memory where
 * Deno may read it (`--allow-sys`), else 512 MiB; never more than 4 GiB.
 *
 * @example
 * ```ts
 * import { defaultMaxPooledBytes } from "./array_pool.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const cap = defaultMaxPooledBytes();
 * assertTrue(cap > 0 && cap <= 4 * 2 ** 30);
 * ```
 */
export function defaultMaxPooledBytes(): number {
  const fallback = 512 * 2 ** 20;
  try {
    const status = Deno.permissions.querySync({ name: "sys", kind: "systemMemoryInfo" });
    if (status.state !== "granted") return fallback;
    return Math.min(4 * 2 ** 30, Math.floor(Deno.systemMemoryInfo().total / 8));
  } catch {
    return fallback;
  }
}

function viewOf(dtype: DType, buffer: ArrayBufferLike, offset: number, size: number): DataArray {
  switch (dtype) {
    case "f32":
    case "f16": // emulated in f32 storage
      return new Float32Array(buffer, offset, size);
    case "f64":
      return new Float64Array(buffer, offset, size);
    case "i32":
      return new Int32Array(buffer, offset, size);
    case "bool":
      return new Uint8Array(buffer, offset, size);
  }
}

/** A block of storage: `bytes` bytes of `buffer` from `offset`. */
export interface PoolBlock {
  /** The buffer the block lies in (its own, or a shared heap's). */
  readonly buffer: ArrayBufferLike;
  /** Byte offset of the block in `buffer` (a multiple of 64). */
  readonly offset: number;
}

/**
 * Where a pool's fresh storage comes from when not from `new ArrayBuffer`: the CPU backend
 * hands it the WebAssembly memory its fused kernels run on, so that they read and write the
 * tensors in place instead of copying them in and out.
 */
export interface PoolStorage {
  /** A block of `bytes` bytes, or null when this storage has no room (the pool then uses an ArrayBuffer). */
  alloc(bytes: number): PoolBlock | null;
  /** Give back a block from `alloc` (when the pool drops it or is trimmed). */
  free(block: PoolBlock): void;
  /**
   * Registers a pool to be asked for its idle blocks when this storage is full (held weakly);
   * the pool registers itself on construction.
   */
  onPressure?(releaser: { releaseIdle(): void }): void;
}

/**
 * Reusable typed-array storage by byte size (rounded up to 64 bytes).
 *
 * @example
 * ```ts
 * import { ArrayPool } from "./array_pool.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const pool = new ArrayPool();
 * const a = pool.take("f32", 100, { zeroed: false });
 * pool.give(a);
 * const b = pool.take("i32", 100, { zeroed: true }); // same bytes, another dtype
 * assertEquals(b.buffer, a.buffer);
 * assertEquals([pool.stats().hits, pool.stats().created], [1, 1]);
 * ```
 */
export class ArrayPool {
  readonly #maxPooledBytes: number;
  readonly #debugFill: number | undefined;
  readonly #storage: PoolStorage | undefined;
  readonly #free = new Map<number, (PoolBlock & { stored: boolean })[]>();
  /** The arrays handed out and not given back, with their blocks: only these may come back. */
  readonly #issued = new WeakMap<DataArray, PoolBlock & { stored: boolean; bytes: number }>();
  #stats: ArrayPoolStats = {
    pooledArrays: 0,
    pooledBytes: 0,
    hits: 0,
    misses: 0,
    created: 0,
    dropped: 0,
  };

  /** A pool holding at most `opts.maxPooledBytes` free bytes ({@linkcode defaultMaxPooledBytes}). */
  constructor(opts: ArrayPoolOptions = {}) {
    const cap = opts.maxPooledBytes ?? defaultMaxPooledBytes();
    if (!(cap >= 0)) throw new Error(`ArrayPool: maxPooledBytes must be >= 0, got ${cap}`);
    this.#maxPooledBytes = cap;
    this.#debugFill = opts.debugFill;
    this.#storage = opts.storage;
    this.#storage?.onPressure?.(this);
  }

  /**
   * An array of `size` elements of `dtype`: zero-filled when `zeroed`, else
   * with unspecified contents (for a caller that writes every element).
   */
  take(dtype: DType, size: number, opts: { zeroed: boolean }): DataArray {
    if (!Number.isInteger(size) || size < 0) {
      throw new Error(`ArrayPool: take: size must be a non-negative integer, got ${size}`);
    }
    const bytes = Math.ceil((size * STORED_BYTES[dtype]) / GRANULE) * GRANULE;
    if (bytes === 0) return viewOf(dtype, new ArrayBuffer(0), 0, 0);
    let block = this.#free.get(bytes)?.pop();
    let out: DataArray;
    if (block) {
      this.#stats.hits++;
      this.#stats.pooledArrays--;
      this.#stats.pooledBytes -= bytes;
      out = viewOf(dtype, block.buffer, block.offset, size);
      if (opts.zeroed) out.fill(0);
    } else {
      this.#stats.misses++;
      this.#stats.created++;
      const stored = this.#storage?.alloc(bytes) ?? null;
      block = stored
        ? { ...stored, stored: true }
        : { buffer: new ArrayBuffer(bytes), offset: 0, stored: false };
      out = viewOf(dtype, block.buffer, block.offset, size);
      // Storage blocks are reused memory: zero them as a fresh ArrayBuffer would be.
      if (stored && opts.zeroed) out.fill(0);
    }
    if (!opts.zeroed && this.#debugFill !== undefined) out.fill(this.#debugFill);
    this.#issued.set(out, { ...block, bytes });
    return out;
  }

  /**
   * Give back an array from {@linkcode ArrayPool.take}; it must not be used
   * again. Arrays the pool did not hand out (or already got back) are ignored.
   */
  give(data: DataArray): void {
    const block = this.#issued.get(data);
    if (block === undefined) return;
    this.#issued.delete(data);
    const { bytes } = block;
    if (this.#stats.pooledBytes + bytes > this.#maxPooledBytes) {
      this.#stats.dropped++;
      if (block.stored) this.#storage!.free(block);
      return;
    }
    let list = this.#free.get(bytes);
    if (!list) this.#free.set(bytes, list = []);
    list.push({ buffer: block.buffer, offset: block.offset, stored: block.stored });
    this.#stats.pooledArrays++;
    this.#stats.pooledBytes += bytes;
  }

  /** Drop every pooled array (the garbage collector frees them; storage blocks go back to it). */
  trim(): void {
    this.#drop(() => true);
  }

  /**
   * Give the pooled blocks that came from the pool's storage back to it (the storage asks when it
   * is full); pooled ArrayBuffers stay.
   */
  releaseIdle(): void {
    this.#drop((block) => block.stored);
  }

  /** Drop the pooled blocks `which` picks; storage blocks among them go back to the storage. */
  #drop(which: (block: PoolBlock & { stored: boolean }) => boolean): void {
    for (const [bytes, list] of this.#free) {
      const kept = list.filter((block) => !which(block));
      for (const block of list) if (block.stored && which(block)) this.#storage!.free(block);
      this.#stats.pooledArrays -= list.length - kept.length;
      this.#stats.pooledBytes -= (list.length - kept.length) * bytes;
      if (kept.length === 0) this.#free.delete(bytes);
      else this.#free.set(bytes, kept);
    }
  }

  /** A snapshot of the counters. */
  stats(): ArrayPoolStats {
    return { ...this.#stats };
  }
}

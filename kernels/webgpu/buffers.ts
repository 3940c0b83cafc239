/**
 * A pool of GPU buffers keyed by size class and usage.
 *
 * Released buffers wait in the pool for a request of the same class; past the
 * pool's byte cap they are destroyed (after the work that may still use them
 * has been submitted).
 *
 * @module
 */

/** Usage of every tensor buffer: bound as storage, copied from and to. */
export const TENSOR_USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
/** Usage of staging buffers for reads. */
export const STAGING_USAGE = 0x01 | 0x08; // MAP_READ | COPY_DST

/**
 * Round a byte count up to its size class: multiples of 256 B up to 64 KiB,
 * then steps of 1/8 of the next lower power of two (waste under 12.5%).
 *
 * @example
 * ```ts
 * import { sizeClass } from "./buffers.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals([sizeClass(1), sizeClass(70_000)], [256, 73728]);
 * ```
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 65536) return Math.max(256, Math.ceil(bytes / 256) * 256);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

/** What the pool holds and what is in use. */
export interface PoolStats {
  /** Buffers handed out and not yet released. */
  liveBuffers: number;
  /** Bytes (size-class bytes) of live buffers. */
  liveBytes: number;
  /** Buffers waiting in the pool. */
  pooledBuffers: number;
  /** Bytes waiting in the pool. */
  pooledBytes: number;
  /** Buffers created so far. */
  created: number;
  /** Buffers destroyed so far. */
  destroyed: number;
}

/** Options of {@linkcode BufferPool}. */
export interface BufferPoolOptions {
  /** Largest single buffer (the device's maxBufferSize). */
  maxBufferSize: number;
  /** Largest storage binding (the device's maxStorageBufferBindingSize). */
  maxBindingSize: number;
  /** Destroy released buffers once the pool holds this many bytes. Default 256 MiB. */
  maxPooledBytes?: number;
}

/**
 * The reuse pool. `acquire` checks the device limits and throws a clear error
 * instead of letting the device fail.
 *
 * @example
 * ```ts
 * import { BufferPool } from "./buffers.ts";
 * const dev = await (await navigator.gpu?.requestAdapter())?.requestDevice();
 * if (dev) {
 *   const pool = new BufferPool(dev, { maxBufferSize: 1 << 28, maxBindingSize: 1 << 27 });
 *   const b = pool.acquire(1000, { op: "upload", shape: [250] });
 *   pool.release(b);
 * }
 * ```
 */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #opts: Required<BufferPoolOptions>;
  readonly #free = new Map<string, GPUBuffer[]>();
  readonly #doomed: GPUBuffer[] = [];
  #stats: PoolStats = {
    liveBuffers: 0,
    liveBytes: 0,
    pooledBuffers: 0,
    pooledBytes: 0,
    created: 0,
    destroyed: 0,
  };

  constructor(device: GPUDevice, opts: BufferPoolOptions) {
    this.#device = device;
    this.#opts = { maxPooledBytes: 256 * 1024 * 1024, ...opts };
  }

  /** Take a buffer of at least `bytes` bytes; `what` names the op and shape for errors. */
  acquire(
    bytes: number,
    what: { op: string; shape: readonly number[]; usage?: number },
  ): GPUBuffer {
    const usage = what.usage ?? TENSOR_USAGE;
    const storage = usage === TENSOR_USAGE;
    const limit = storage
      ? Math.min(this.#opts.maxBindingSize, this.#opts.maxBufferSize)
      : this.#opts.maxBufferSize;
    if (bytes > limit) {
      const name = storage && this.#opts.maxBindingSize <= this.#opts.maxBufferSize
        ? "maxStorageBufferBindingSize"
        : "maxBufferSize";
      throw new Error(
        `webgpu: ${what.op}: a buffer of ${bytes} bytes for shape [${what.shape.join(",")}] ` +
          `exceeds the device's ${name} (${limit} bytes)`,
      );
    }
    const size = Math.min(sizeClass(bytes), Math.floor(limit / 4) * 4);
    const key = `${usage}:${size}`;
    const list = this.#free.get(key);
    let buf = list?.pop();
    if (buf) {
      this.#stats.pooledBuffers--;
      this.#stats.pooledBytes -= size;
    } else {
      buf = this.#device.createBuffer({ size, usage });
      this.#stats.created++;
    }
    this.#stats.liveBuffers++;
    this.#stats.liveBytes += size;
    return buf;
  }

  /** Give a buffer back; past the cap it is queued for destruction. */
  release(buf: GPUBuffer): void {
    const size = buf.size;
    this.#stats.liveBuffers--;
    this.#stats.liveBytes -= size;
    if (this.#stats.pooledBytes + size > this.#opts.maxPooledBytes) {
      this.#doomed.push(buf);
      return;
    }
    const key = `${buf.usage}:${size}`;
    let list = this.#free.get(key);
    if (!list) this.#free.set(key, list = []);
    list.push(buf);
    this.#stats.pooledBuffers++;
    this.#stats.pooledBytes += size;
  }

  /** Destroy the buffers queued for destruction; call after submitting pending work. */
  destroyDoomed(): void {
    for (const b of this.#doomed.splice(0)) {
      b.destroy();
      this.#stats.destroyed++;
    }
  }

  /** Destroy every pooled buffer (live ones are untouched). */
  trim(): void {
    for (const list of this.#free.values()) this.#doomed.push(...list);
    this.#free.clear();
    this.#stats.pooledBuffers = 0;
    this.#stats.pooledBytes = 0;
  }

  /** A snapshot of the counters. */
  stats(): PoolStats {
    return { ...this.#stats };
  }
}

/**
 * Recording dispatches into one command encoder and compute pass, submitting
 * them in batches, and reading buffers back through staging buffers.
 *
 * @module
 */
import type { BufferPool } from "./buffers.ts";
import { STAGING_USAGE } from "./buffers.ts";
import type { GpuContext } from "./device.ts";
import { type Kernel, PARAM_BYTES, PARAM_WORDS } from "./pipelines.ts";

/** Workgroup counts `[x, y, z]`. */
export type Grid = readonly [number, number, number];

/**
 * Spread `count` workgroups over x and y so that neither exceeds `maxPerDim`.
 *
 * @example
 * ```ts
 * import { grid2d } from "./dispatch.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(grid2d(100_000, 65535), [50000, 2, 1]);
 * ```
 */
export function grid2d(count: number, maxPerDim: number): Grid {
  if (count <= maxPerDim) return [count, 1, 1];
  const y = Math.ceil(count / maxPerDim);
  if (y > maxPerDim) {
    throw new Error(`webgpu: dispatch of ${count} workgroups exceeds ${maxPerDim}^2`);
  }
  return [Math.ceil(count / y), y, 1];
}

/**
 * The recorder. `dispatch` appends to the open compute pass; `submit` sends the
 * batch (writing all parameter blocks first); `read` copies to a mappable buffer.
 *
 * @example
 * ```ts
 * // Made by createWebGpuBackend, whose stats() report its counters.
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const x = gpu.upload(new Float32Array([1, 2]), "f32");
 *   const before = gpu.stats().dispatches;
 *   const y = gpu.run("flip", [{ buffer: x, shape: [2], dtype: "f32" }], { axis: 0 }, {
 *     shape: [2],
 *     dtype: "f32",
 *   });
 *   assertEquals(gpu.stats().dispatches, before + 1);
 *   assertEquals([...await gpu.read(y, "f32", 2)], [2, 1]);
 * }
 * ```
 */
export class Dispatcher {
  readonly #ctx: GpuContext;
  readonly #pools: BufferPool[];
  readonly #staging: BufferPool;
  readonly #maxBatch: number;
  readonly #params: Uint32Array<ArrayBuffer>;
  readonly #paramBuffer: GPUBuffer;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #count = 0;
  readonly #ids = new WeakMap<GPUBuffer, number>();
  #nextId = 1;
  readonly #bindGroups = new Map<string, GPUBindGroup>();
  /** Dispatches recorded so far. */
  dispatches = 0;
  /** Submissions so far. */
  submissions = 0;

  constructor(
    ctx: GpuContext,
    pools: { tensors: BufferPool; staging: BufferPool },
    opts: { maxBatch?: number } = {},
  ) {
    this.#ctx = ctx;
    this.#pools = [pools.tensors, pools.staging];
    this.#staging = pools.staging;
    this.#maxBatch = opts.maxBatch ?? 256;
    this.#params = new Uint32Array(this.#maxBatch * PARAM_WORDS);
    this.#paramBuffer = ctx.device.createBuffer({
      size: this.#maxBatch * PARAM_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** Whether recorded work waits for submission. */
  get pending(): boolean {
    return this.#count > 0;
  }

  /** Record one dispatch of `kernel` over `grid` with `params` and `buffers` (inputs, then output). */
  dispatch(
    kernel: Kernel,
    params: readonly number[],
    buffers: readonly GPUBuffer[],
    grid: Grid,
  ): void {
    if (grid[0] === 0 || grid[1] === 0 || grid[2] === 0) return;
    if (params.length > PARAM_WORDS) {
      throw new Error(`webgpu: a kernel needs ${params.length} parameters, over ${PARAM_WORDS}`);
    }
    const slot = this.#count;
    this.#params.fill(0, slot * PARAM_WORDS, (slot + 1) * PARAM_WORDS);
    for (let i = 0; i < params.length; i++) this.#params[slot * PARAM_WORDS + i] = params[i];
    if (!this.#pass) {
      this.#encoder = this.#ctx.device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
    }
    const pass = this.#pass;
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, this.#bindGroup(kernel, buffers), [slot * PARAM_BYTES]);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    this.#count++;
    this.dispatches++;
    if (this.#count >= this.#maxBatch) this.submit();
  }

  /** Submit everything recorded so far. */
  submit(): void {
    if (this.#pass && this.#encoder) {
      this.#pass.end();
      const cmd = this.#encoder.finish();
      const q = this.#ctx.device.queue;
      q.writeBuffer(this.#paramBuffer, 0, this.#params, 0, this.#count * PARAM_WORDS);
      q.submit([cmd]);
      this.submissions++;
    }
    this.#pass = null;
    this.#encoder = null;
    this.#count = 0;
    for (const p of this.#pools) p.destroyDoomed();
  }

  /**
   * Copy `bytes` bytes of `src` to the host (submits pending work first); with `extra`, also
   * its first `extra.bytes` bytes, appended after `src`'s in the same copy and mapping (one
   * round trip, e.g. for the violation record of the checked mode).
   */
  async read(
    src: GPUBuffer,
    bytes: number,
    extra?: { src: GPUBuffer; bytes: number },
  ): Promise<ArrayBuffer> {
    this.submit();
    const total = bytes + (extra?.bytes ?? 0);
    const staging = this.#staging.acquire(total, {
      op: "read",
      shape: [total / 4],
      usage: STAGING_USAGE,
    });
    try {
      const enc = this.#ctx.device.createCommandEncoder();
      if (bytes > 0) enc.copyBufferToBuffer(src, 0, staging, 0, bytes);
      if (extra) enc.copyBufferToBuffer(extra.src, 0, staging, bytes, extra.bytes);
      this.#ctx.device.queue.submit([enc.finish()]);
      this.submissions++;
      await staging.mapAsync(GPUMapMode.READ, 0, total);
      const out = staging.getMappedRange(0, total).slice(0);
      staging.unmap();
      return out;
    } finally {
      this.#staging.release(staging);
    }
  }

  /** Submit and wait until the queue is idle. */
  async flush(): Promise<void> {
    this.submit();
    await this.#ctx.device.queue.onSubmittedWorkDone();
  }

  #id(b: GPUBuffer): number {
    let id = this.#ids.get(b);
    if (id === undefined) this.#ids.set(b, id = this.#nextId++);
    return id;
  }

  #bindGroup(kernel: Kernel, buffers: readonly GPUBuffer[]): GPUBindGroup {
    let key = `${kernel.inputs}|${kernel.outputs}`;
    for (const b of buffers) key += `,${this.#id(b)}`;
    let bg = this.#bindGroups.get(key);
    if (bg) return bg;
    if (this.#bindGroups.size >= 4096) this.#bindGroups.clear();
    const entries: GPUBindGroupEntry[] = [{
      binding: 0,
      resource: { buffer: this.#paramBuffer, size: PARAM_BYTES },
    }];
    buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b } }));
    bg = this.#ctx.device.createBindGroup({ layout: kernel.layout, entries });
    this.#bindGroups.set(key, bg);
    return bg;
  }
}

/**
 * nugrad's WebGPU backend: WGSL compute kernels through `navigator.gpu`.
 *
 * Dtypes f32, i32, bool (stored as u32 0/1, read back as Uint8Array) and, where
 * the adapter has `shader-f16`, f16 (stored as f16, read back as Float32Array).
 * Layout kernels and fused elementwise kernels run in f16, fused reductions
 * and matmul and scatter-add read f16 and accumulate in f32; cross-entropy
 * widens f16 operands to f32 with a cast kernel, computes in f32, and rounds
 * the result.
 * Work is recorded into one command encoder and submitted in batches; only
 * reads (and `flush`) wait.
 *
 * @module
 */
import type {
  Backend,
  BackendBuffer,
  BackendMemory,
  DataArray,
  DType,
  Operand,
  OutSpec,
  Prim,
  PrimParams,
} from "../backend.ts";
import { sizeOf } from "../backend.ts";
import { BufferPool, STAGING_USAGE } from "./buffers.ts";
import { type AdapterProbe, type GpuContext, openDevice, probeAdapter } from "./device.ts";
import { Dispatcher } from "./dispatch.ts";
import { runFusedWebGpu } from "./codegen.ts";
import type { FusedKernel } from "../fused.ts";
import { runGather, runScatterAdd } from "./gather.ts";
import { ViolationLog } from "./index_violations.ts";
import { watchNonFinite } from "./nan_watch.ts";
import { runConcat, runPad, runViewCopy } from "./layout.ts";
import { runMatmul } from "./matmul.ts";
import { PipelineCache } from "./pipelines.ts";
import { runCrossEntropy, runCrossEntropyGrad } from "./cross_entropy.ts";
import type { GpuOperand, KernelHost } from "./wgsl.ts";
import { bytesOf, F16_NATIVE, runWidened, type StructuralKernel } from "./f16.ts";

export { probeAdapter };
export type { AdapterProbe };

/** One kernel family's entry: records the dispatches that compute `out` into `dst`. */
type PrimKernel<P extends Prim> = StructuralKernel<P>;

/** The dispatch table: a primitive without a kernel fails `deno check`. */
const KERNELS: { [P in Prim]: PrimKernel<P> } = {
  matmul: runMatmul,
  transpose: runViewCopy("transpose"),
  flip: runViewCopy("flip"),
  broadcast: runViewCopy("broadcast"),
  slice: runViewCopy("slice"),
  pad: runPad,
  concat: runConcat,
  gather: runGather,
  scatterAdd: runScatterAdd,
  crossEntropy: runCrossEntropy,
  crossEntropyGrad: runCrossEntropyGrad,
};

const BASE_DTYPES: readonly DType[] = ["f32", "i32", "bool"];

/** A buffer of the webgpu backend. */
class WebGpuBuffer implements BackendBuffer {
  readonly backend = "webgpu";
  released = false;
  constructor(readonly gpu: GPUBuffer, readonly bytes: number) {}
}

/** Options of {@linkcode createWebGpuBackend}. */
export interface WebGpuBackendOptions {
  /** Use this adapter instead of asking `navigator.gpu`. */
  adapter?: GPUAdapter;
  /** Passed to `requestAdapter` when no adapter is given. */
  powerPreference?: GPUPowerPreference;
  /** Submit after this many recorded dispatches (default 256). */
  maxBatch?: number;
  /** Destroy released buffers once the pool holds this many bytes (default 256 MiB). */
  maxPooledBytes?: number;
  /**
   * `false`: do not enable `shader-f16` even where the adapter offers it (the
   * backend then behaves as on an adapter without it: no f16 dtype).
   */
  shaderF16?: boolean;
}

/** The WebGPU backend, with a few extras for tests and benchmarks. */
export interface WebGpuBackend extends Backend {
  /** The open device, its limits and features. */
  readonly context: GpuContext;
  /** Counters: pipelines compiled, dispatches recorded, submissions, buffers created/destroyed. */
  stats(): {
    pipelines: number;
    dispatches: number;
    submissions: number;
    created: number;
    destroyed: number;
  };
  /** Destroy every pooled buffer. */
  trim(): void;
  /** Destroy the device; later calls throw `webgpu: device lost (...)`. */
  destroy(): void;
  /** Record the first NaN or infinity of an f32 buffer for the next readback to report. */
  watchNonFinite(
    buffer: BackendBuffer,
    size: number,
    describe: (bits: number, at: number) => string,
  ): void;
}

/**
 * Open a WebGPU device and return a backend on it. Throws when no adapter exists.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, probeAdapter } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * if (await probeAdapter()) {
 *   const gpu = await createWebGpuBackend();
 *   const a = gpu.upload(new Float32Array([1, 2, 3]), "f32");
 *   const y = gpu.run("transpose", [{ buffer: a, shape: [3, 1], dtype: "f32" }], { perm: [1, 0] }, {
 *     shape: [1, 3],
 *     dtype: "f32",
 *   });
 *   assertEquals([...await gpu.read(y, "f32", 3)], [1, 2, 3]);
 * }
 * ```
 */
export async function createWebGpuBackend(
  opts: WebGpuBackendOptions = {},
): Promise<WebGpuBackend> {
  let adapter = opts.adapter;
  if (!adapter) {
    const found = await probeAdapter({ powerPreference: opts.powerPreference });
    if (!found) throw new Error("webgpu: no WebGPU adapter found (navigator.gpu)");
    adapter = found.adapter;
  }
  const ctx = await openDevice(adapter, { shaderF16: opts.shaderF16 });
  const { device, limits } = ctx;
  const poolOpts = {
    maxBufferSize: limits.maxBufferSize,
    maxBindingSize: limits.maxStorageBufferBindingSize,
  };
  const tensors = new BufferPool(device, { ...poolOpts, maxPooledBytes: opts.maxPooledBytes });
  const staging = new BufferPool(device, { ...poolOpts, maxPooledBytes: 64 * 1024 * 1024 });
  const pipelines = new PipelineCache(device);
  const dispatcher = new Dispatcher(ctx, { tensors, staging }, { maxBatch: opts.maxBatch });
  const host: KernelHost = {
    kernel: (key, make, inputs, outputs) => pipelines.get(key, make, inputs, outputs),
    dispatch: (k, params, buffers, grid) => dispatcher.dispatch(k, params, buffers, grid),
    maxWorkgroupsPerDim: limits.maxComputeWorkgroupsPerDimension,
    isSoftware: ctx.isSoftware,
    violations: new ViolationLog(device),
  };

  function own(buffer: BackendBuffer, op: string): WebGpuBuffer {
    if (!(buffer instanceof WebGpuBuffer)) {
      throw new Error(`webgpu: ${op}: buffer belongs to backend ${buffer.backend}, not webgpu`);
    }
    if (buffer.released) throw new Error(`webgpu: ${op}: buffer used after release`);
    return buffer;
  }

  const DTYPES: readonly DType[] = ctx.features.shaderF16 ? [...BASE_DTYPES, "f16"] : BASE_DTYPES;

  function checkDtype(dtype: DType, op: string): void {
    if (dtype === "f16" && !DTYPES.includes(dtype)) {
      throw new Error(
        `webgpu: ${op}: f16 needs the WebGPU adapter feature "shader-f16", which this adapter lacks`,
      );
    }
    if (!DTYPES.includes(dtype)) {
      throw new Error(
        `webgpu: ${op}: dtype ${dtype} is not supported by the webgpu backend ` +
          `(supported: ${DTYPES.join(", ")})`,
      );
    }
  }

  return {
    name: "webgpu",
    dtypes: DTYPES,
    context: ctx,
    upload(data: DataArray, dtype: DType): BackendBuffer {
      ctx.check("upload");
      checkDtype(dtype, "upload");
      const n = data.length;
      const bytes = bytesOf(dtype, n);
      const gpu = tensors.acquire(bytes, { op: "upload", shape: [n] });
      // Queue writes run before any unsubmitted dispatch: submit those first,
      // since a pooled buffer may still be read by one of them.
      dispatcher.submit();
      if (n > 0) {
        let src: Float32Array | Int32Array | Uint32Array | Float16Array;
        if (dtype === "f32") src = data instanceof Float32Array ? data : Float32Array.from(data);
        else if (dtype === "f16") {
          // Whole 4-byte words (writeBuffer's unit); the padding element is never read.
          src = new Float16Array(bytes / 2);
          src.set(data as ArrayLike<number>);
        } else if (dtype === "i32") src = data instanceof Int32Array ? data : Int32Array.from(data);
        else src = Uint32Array.from(data as ArrayLike<number>, (v) => (v ? 1 : 0));
        device.queue.writeBuffer(gpu, 0, src.buffer as ArrayBuffer, src.byteOffset, src.byteLength);
      }
      return new WebGpuBuffer(gpu, bytes);
    },
    async read(buffer: BackendBuffer, dtype: DType, size: number): Promise<DataArray> {
      ctx.check("read");
      checkDtype(dtype, "read");
      const b = own(buffer, "read");
      if (size === 0) {
        return dtype === "f32" || dtype === "f16" ? new Float32Array(0) : new Uint8Array(0);
      }
      const bytes = bytesOf(dtype, size);
      const pending = host.violations!.pending();
      const both = await dispatcher.read(
        b.gpu,
        bytes,
        pending ? { src: pending, bytes: 16 } : undefined,
      );
      ctx.check("read");
      if (pending) host.violations!.inspect(new Uint32Array(both, bytes, 4));
      const raw = pending ? both.slice(0, bytes) : both;
      if (dtype === "f32") return new Float32Array(raw);
      if (dtype === "f16") return Float32Array.from(new Float16Array(raw, 0, size));
      if (dtype === "i32") return new Int32Array(raw);
      return Uint8Array.from(new Uint32Array(raw), (v) => (v ? 1 : 0));
    },
    release(buffer: BackendBuffer): void {
      const b = own(buffer, "release");
      b.released = true;
      tensors.release(b.gpu);
    },
    maxKernelBuffers: Math.min(24, limits.maxStorageBuffersPerShaderStage ?? 8),
    alloc(dtype: DType, size: number): BackendBuffer {
      ctx.check("alloc");
      checkDtype(dtype, "alloc");
      const bytes = bytesOf(dtype, size);
      return new WebGpuBuffer(tensors.acquire(bytes, { op: "alloc", shape: [size] }), bytes);
    },
    runFused(
      kernel: FusedKernel,
      inputs: readonly BackendBuffer[],
      outputs: readonly BackendBuffer[],
    ): void {
      ctx.check("runFused");
      for (const x of kernel.inputs) checkDtype(x.dtype, "runFused");
      runFusedWebGpu(
        host,
        kernel,
        inputs.map((b) => own(b, "runFused").gpu),
        outputs.map((b) => own(b, "runFused").gpu),
      );
    },
    run<P extends Prim>(
      prim: P,
      inputs: readonly Operand[],
      params: PrimParams[P],
      out: OutSpec,
    ): BackendBuffer {
      ctx.check(prim);
      checkDtype(out.dtype, prim);
      const ops: GpuOperand[] = inputs.map((x) => {
        checkDtype(x.dtype, prim);
        return { buffer: own(x.buffer, prim).gpu, shape: x.shape, dtype: x.dtype };
      });
      const bytes = bytesOf(out.dtype, sizeOf(out.shape));
      const dst = tensors.acquire(bytes, { op: prim, shape: out.shape });
      const half = out.dtype === "f16" || ops.some((x) => x.dtype === "f16");
      try {
        const kernel = KERNELS[prim] as PrimKernel<P>;
        if (half && !F16_NATIVE.has(prim)) {
          runWidened(host, tensors, kernel, { prim, inputs: ops, params, out }, dst);
        } else kernel(host, ops, params, out, dst);
      } catch (e) {
        tensors.release(dst);
        throw e;
      }
      return new WebGpuBuffer(dst, bytes);
    },
    memory(): BackendMemory {
      const t = tensors.stats();
      const s = staging.stats();
      return {
        buffers: t.liveBuffers,
        bytes: t.liveBytes,
        pooledBuffers: t.pooledBuffers + s.pooledBuffers,
        pooledBytes: t.pooledBytes + s.pooledBytes,
      };
    },
    async flush(): Promise<void> {
      ctx.check("flush");
      await dispatcher.flush();
      ctx.check("flush");
    },
    info(): string {
      return ctx.info;
    },
    stats() {
      const t = tensors.stats();
      return {
        pipelines: pipelines.compiled,
        dispatches: dispatcher.dispatches,
        submissions: dispatcher.submissions,
        created: t.created,
        destroyed: t.destroyed,
      };
    },
    trim(): void {
      dispatcher.submit();
      tensors.trim();
      staging.trim();
      tensors.destroyDoomed();
      staging.destroyDoomed();
    },
    destroy(): void {
      dispatcher.submit();
      device.destroy();
    },
    watchNonFinite(buffer, size, describe): void {
      watchNonFinite(host, own(buffer, "watchNonFinite").gpu, size, describe);
    },
  };
}

/** Usage flags of staging buffers (re-exported for tests). */
export { STAGING_USAGE };

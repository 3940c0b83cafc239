/**
 * nugrad's CPU backend: plain TypeScript over typed arrays, with matmul
 * through BLAS (OpenBLAS, Accelerate, ...) via Deno's FFI when it can be
 * opened, else through WebAssembly SIMD (`matmul.ts`). It is the reference the WebGPU backend is tested against and the
 * fallback when no adapter exists; it also holds f64 for gradient checks.
 *
 * @example
 * ```ts
 * import { createCpuBackend } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cpu = createCpuBackend({ blas: false });
 * const x = cpu.upload(new Float32Array([1, 2, 3]), "f32");
 * const y = cpu.run("transpose", [{ buffer: x, shape: [3, 1], dtype: "f32" }], { perm: [1, 0] }, {
 *   shape: [1, 3],
 *   dtype: "f32",
 * });
 * assertEquals([...cpu.readSync(y, "f32", 3)], [1, 2, 3]);
 * cpu.release(x);
 * cpu.release(y);
 * ```
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
import { allocUninitialized, copyAs, CpuBuffer } from "./buffer.ts";
import { gatherKernel, scatterAddKernel } from "./gather.ts";
import type { CpuKernel, CpuKernelTable, CpuOperand } from "./kernel.ts";
import {
  broadcastKernel,
  concatKernel,
  flipKernel,
  padKernel,
  sliceKernel,
  transposeKernel,
} from "./layout.ts";
import { chooseMatmul, type CpuMatmul, matmulKernel } from "./matmul.ts";
import { crossEntropyGradKernel, crossEntropyKernel } from "./cross_entropy.ts";
import { logSoftmaxKernel, reduceMaxKernel, reduceSumKernel } from "./reduce.ts";
import { runFusedCpu } from "./codegen.ts";
import type { FusedKernel } from "../fused.ts";
import { normalizeAxisKernel } from "./optimizer.ts";

export { CpuBuffer } from "./buffer.ts";

/** Options of {@linkcode createCpuBackend}. */
export interface CpuBackendOptions {
  /**
   * `false`: TypeScript matmul only. A string: the BLAS library to open.
   * `true` or absent: `NUGRAD_BLAS` if set, else the usual OpenBLAS/BLAS names.
   */
  blas?: boolean | string;
  /** Force the matmul path (tests, benchmarks); absent: BLAS > Wasm SIMD > TypeScript. */
  matmul?: "blas" | "wasm" | "ts";
}

/** The dispatch table for everything but matmul, which needs the BLAS handle. */
function kernelTable(mm: CpuMatmul): CpuKernelTable {
  return {
    reduceSum: reduceSumKernel,
    reduceMax: reduceMaxKernel,
    matmul: (inputs, params, out) => matmulKernel(mm, inputs, params, out),
    transpose: transposeKernel,
    flip: flipKernel,
    broadcast: broadcastKernel,
    slice: sliceKernel,
    pad: padKernel,
    concat: concatKernel,
    gather: gatherKernel,
    scatterAdd: scatterAddKernel,
    logSoftmax: logSoftmaxKernel,
    crossEntropy: crossEntropyKernel,
    crossEntropyGrad: crossEntropyGradKernel,
    normalizeAxis: normalizeAxisKernel,
  };
}

/**
 * The CPU backend. Create it with {@linkcode createCpuBackend}.
 *
 * @example
 * ```ts
 * import { createCpuBackend, CpuBackend } from "./backend.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * assertTrue(createCpuBackend({ blas: false }) instanceof CpuBackend);
 * ```
 */
export class CpuBackend implements Backend {
  /** Always `"cpu"`. */
  readonly name = "cpu";
  /** f32, f64, i32, bool and f16 (emulated: see {@linkcode CpuBackend.run}). */
  readonly dtypes: readonly DType[] = ["f32", "f64", "i32", "bool", "f16"];
  /** The BLAS library matmul calls, or `null` (Wasm SIMD or the TypeScript loop). */
  readonly blasLibrary: string | null;
  /** The path f32 matmul takes: BLAS, Wasm SIMD or TypeScript. */
  readonly matmulPath: "blas" | "wasm" | "ts";
  readonly #matmul: CpuMatmul;
  readonly #kernels: CpuKernelTable;
  #buffers = 0;
  #bytes = 0;

  /** Prefer {@linkcode createCpuBackend}. */
  constructor(matmul: CpuMatmul) {
    this.#matmul = matmul;
    this.matmulPath = matmul.path;
    this.blasLibrary = matmul.blas?.library ?? null;
    this.#kernels = kernelTable(matmul);
  }

  #own(buffer: BackendBuffer, op: string): CpuBuffer {
    if (!(buffer instanceof CpuBuffer)) {
      throw new Error(`cpu: ${op}: buffer belongs to backend "${buffer.backend}", not "cpu"`);
    }
    return buffer;
  }

  #track(data: DataArray, dtype: DType): CpuBuffer {
    this.#buffers++;
    this.#bytes += data.byteLength;
    return new CpuBuffer(data, dtype);
  }

  /** Copy `data` into a new buffer stored as `dtype`. */
  upload(data: DataArray, dtype: DType): CpuBuffer {
    return this.#track(copyAs(data, dtype), dtype);
  }

  /** A copy of the first `size` elements, as `dtype`'s typed array. */
  read(buffer: BackendBuffer, dtype: DType, size: number): Promise<DataArray> {
    try {
      return Promise.resolve(this.readSync(buffer, dtype, size));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** A copy of the first `size` elements, as `dtype`'s typed array. */
  readSync(buffer: BackendBuffer, dtype: DType, size: number): DataArray {
    return copyAs(this.#own(buffer, "read").data, dtype, size);
  }

  /** Drop the buffer's data; releasing it twice throws. */
  release(buffer: BackendBuffer): void {
    const bytes = this.#own(buffer, "release").markReleased();
    this.#buffers--;
    this.#bytes -= bytes;
  }

  /** Fused kernels take any number of buffers on the CPU. */
  readonly maxKernelBuffers = 64;

  /** A new buffer of `size` elements (zeros here; callers must not rely on it). */
  alloc(dtype: DType, size: number): CpuBuffer {
    return this.#track(allocUninitialized(dtype, size), dtype);
  }

  /** Run a generated kernel (see `codegen.ts`) into `outputs`. */
  runFused(
    kernel: FusedKernel,
    inputs: readonly BackendBuffer[],
    outputs: readonly BackendBuffer[],
  ): void {
    runFusedCpu(
      kernel,
      inputs.map((b) => this.#own(b, "runFused").data),
      outputs.map((b) => this.#own(b, "runFused").data),
    );
  }

  /**
   * Run `prim` on `inputs` into a new buffer of spec `out`. f16 is emulated:
   * its buffers hold f32 values already rounded to f16, so the kernel runs in
   * f32 (accumulating as f32 does) and an f16 result is rounded once at the end.
   */
  run<P extends Prim>(
    prim: P,
    inputs: readonly Operand[],
    params: PrimParams[P],
    out: OutSpec,
  ): CpuBuffer {
    const kernel = this.#kernels[prim] as CpuKernel<P> | undefined;
    if (kernel === undefined) throw new Error(`cpu: run: unknown primitive ${prim}`);
    const ops: CpuOperand[] = inputs.map((x) => ({
      data: this.#own(x.buffer, prim).data,
      shape: x.shape,
      dtype: x.dtype === "f16" ? "f32" : x.dtype,
    }));
    if (out.dtype !== "f16") return this.#track(kernel(ops, params, out), out.dtype);
    const data = kernel(ops, params, { shape: out.shape, dtype: "f32" });
    for (let i = 0; i < data.length; i++) data[i] = Math.f16round(data[i]);
    return this.#track(data, "f16");
  }

  /** Live buffers and their bytes (the CPU has no pool). */
  memory(): BackendMemory {
    return { buffers: this.#buffers, bytes: this.#bytes, pooledBuffers: 0, pooledBytes: 0 };
  }

  /** Nothing is queued on the CPU. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** E.g. `cpu (matmul: OpenBLAS 0.3.21 SkylakeX)`. */
  info(): string {
    return `cpu (matmul: ${this.#matmul.description})`;
  }
}

/**
 * Create a CPU backend. BLAS is opened as {@linkcode CpuBackendOptions.blas}
 * says; when none opens, one line goes to stderr (once per process) and
 * matmul uses Wasm SIMD (f32), else the TypeScript loop.
 *
 * @example
 * ```ts
 * import { createCpuBackend } from "./backend.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cpu = createCpuBackend({ blas: false });
 * assertEquals(cpu.info(), "cpu (matmul: TypeScript)");
 * ```
 */
export function createCpuBackend(opts: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(chooseMatmul(opts));
}

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
  FusedRunOptions,
  MatmulEpilogue,
  Operand,
  OutSpec,
  Prim,
  PrimParams,
} from "../backend.ts";
import { copyAs, copyInto, CpuBuffer } from "./buffer.ts";
import { ArrayPool } from "./array_pool.ts";
import { fusedPoolStorage } from "./wasm/fused_memory.ts";
import { fusedWasmDescription, fusedWasmSettings } from "./wasm/fused_dispatch.ts";
import { gatherKernel, scatterAddKernel } from "./gather.ts";
import type { CpuAlloc, CpuKernel, CpuKernelTable, CpuOperand } from "./kernel.ts";
import { concatKernel, padKernel, viewCopy } from "./layout.ts";
import { chooseMatmul, type CpuMatmul, matmulKernel, matmulRowsInto } from "./matmul.ts";
import { type EpilogueTile, epilogueTiles, TILE_ELEMENTS } from "./epilogue.ts";
import { crossEntropyGradKernel, crossEntropyKernel } from "./cross_entropy.ts";
import { runFusedCpu, runFusedJs } from "./codegen.ts";
import type { FusedKernel } from "../fused.ts";

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
  /**
   * Free bytes the buffer pool may hold (released arrays past it are dropped);
   * default: an eighth of the memory where `--allow-sys` lets us read it, else 512 MiB.
   */
  maxPooledBytes?: number;
  /**
   * Elements of product per tile when a matmul runs with an epilogue (default 131072 with a BLAS
   * library; with the Wasm GEMM, which packs B on every call, the whole product).
   */
  epilogueTileElements?: number;
  /**
   * For tests: fill every buffer handed out without zeros (kernel outputs a kernel promises
   * to write in full) with this value first, e.g. NaN.
   */
  debugFill?: number;
}

/** The dispatch table for everything but matmul, which needs the BLAS handle. */
function kernelTable(mm: CpuMatmul): CpuKernelTable {
  return {
    matmul: (inputs, params, out, alloc) => matmulKernel(mm, inputs, params, out, alloc),
    transpose: viewCopy("transpose"),
    flip: viewCopy("flip"),
    broadcast: viewCopy("broadcast"),
    slice: viewCopy("slice"),
    pad: padKernel,
    concat: concatKernel,
    gather: gatherKernel,
    scatterAdd: scatterAddKernel,
    crossEntropy: crossEntropyKernel,
    crossEntropyGrad: crossEntropyGradKernel,
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
  readonly #pool: ArrayPool;
  /** Kernel outputs from the pool: zeroed unless the kernel overwrites every element. */
  readonly #alloc: CpuAlloc = (dtype, size, overwritten = false) =>
    this.#pool.take(dtype, size, { zeroed: !overwritten });
  /** Each epilogue kernel's tiles, planned once per kernel object and product shape. */
  readonly #epilogues = new WeakMap<FusedKernel, { key: string; tiles: EpilogueTile[] }>();
  readonly #tileElements: number;
  #buffers = 0;
  #bytes = 0;

  /** Prefer {@linkcode createCpuBackend}. */
  constructor(
    matmul: CpuMatmul,
    opts: Pick<CpuBackendOptions, "maxPooledBytes" | "epilogueTileElements" | "debugFill"> = {},
  ) {
    this.#matmul = matmul;
    this.matmulPath = matmul.path;
    this.blasLibrary = matmul.blas?.library ?? null;
    this.#kernels = kernelTable(matmul);
    // Tensors live in the fused kernels' WebAssembly memory where those kernels run, so that
    // they are read and written in place.
    const storage = fusedWasmSettings().enabled ? fusedPoolStorage() : undefined;
    this.#pool = new ArrayPool({
      maxPooledBytes: opts.maxPooledBytes,
      debugFill: opts.debugFill,
      storage,
    });
    // The Wasm GEMM packs B on every call, so a product cut in tiles would pack it per tile: its
    // epilogues run once after the whole product.
    this.#tileElements = opts.epilogueTileElements ??
      (matmul.path === "wasm" ? Infinity : TILE_ELEMENTS);
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
    const out = this.#pool.take(dtype, data.length, { zeroed: false });
    copyInto(data, out, dtype);
    return this.#track(out, dtype);
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

  /** Give the buffer's array back to the pool; releasing it twice throws. */
  release(buffer: BackendBuffer): void {
    const data = this.#own(buffer, "release").detach();
    this.#buffers--;
    this.#bytes -= data.byteLength;
    this.#pool.give(data);
  }

  /** Fused kernels take any number of buffers on the CPU. */
  readonly maxKernelBuffers = 64;

  /**
   * Under 2^18 elements (1 MiB of f32, what a core's cache keeps) a value made with exp, log,
   * tanh, … is written once and read back rather than computed again in each backward kernel:
   * a polynomial per lane costs more than reading a cached array. On a 2-core AMD EPYC (AVX2)
   * the width-32 nGPT step (its SwiGLU's sigmoid over 131,072 elements) was faster in 6 of 6
   * alternating pairs (14.27 against 14.77 ms on average); with no limit, widths 64 and 128
   * gained nothing (`bench/RESULTS.md`, "Stored sigmoids").
   */
  readonly storeTranscendentalsBelow = 1 << 18;

  /** A buffer of `size` elements from the pool, contents unspecified (the caller writes them). */
  alloc(dtype: DType, size: number): CpuBuffer {
    return this.#track(this.#pool.take(dtype, size, { zeroed: false }), dtype);
  }

  /**
   * Run a generated kernel into `outputs`: WebAssembly SIMD where it takes the kernel, else
   * JavaScript (see `codegen.ts`). With `wideAccumulation`, a reduction runs in JavaScript,
   * which accumulates in f64 (the Wasm renderer adds f32 vectors over outer axes).
   */
  runFused(
    kernel: FusedKernel,
    inputs: readonly BackendBuffer[],
    outputs: readonly BackendBuffer[],
    options?: FusedRunOptions,
  ): void {
    const run = options?.wideAccumulation && kernel.reduce ? runFusedJs : runFusedCpu;
    run(
      kernel,
      inputs.map((b) => this.#own(b, "runFused").data),
      outputs.map((b) => this.#own(b, "runFused").data),
    );
  }

  /** `inputs` as kernel operands, f16 read as the f32 it is stored in. */
  #operands(inputs: readonly Operand[], op: string): CpuOperand[] {
    return inputs.map((x) => ({
      data: this.#own(x.buffer, op).data,
      shape: x.shape,
      dtype: x.dtype === "f16" ? "f32" : x.dtype,
    }));
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
    const ops = this.#operands(inputs, prim);
    const data = kernel(ops, params, storedSpec(out), this.#alloc);
    if (out.dtype === "f16") roundToF16(data, 0, data.length);
    return this.#track(data, out.dtype);
  }

  /**
   * Run `prim` on `inputs` into `target`, a live buffer of spec `out` that
   * does not alias an input (a compiled program's arena slot).
   */
  runInto<P extends Prim>(
    prim: P,
    inputs: readonly Operand[],
    params: PrimParams[P],
    out: OutSpec,
    target: BackendBuffer,
  ): void {
    const kernel = this.#kernels[prim] as CpuKernel<P> | undefined;
    if (kernel === undefined) throw new Error(`cpu: runInto: unknown primitive ${prim}`);
    const dst = this.#own(target, prim).data;
    const ops = this.#operands(inputs, prim);
    const f16 = out.dtype === "f16";
    out = storedSpec(out);
    let handed = false;
    const intoTarget: CpuAlloc = (dtype, size, overwritten = false) => {
      if (handed || size !== dst.length || dtype !== (target as CpuBuffer).dtype) {
        return this.#alloc(dtype, size, overwritten);
      }
      handed = true;
      if (!overwritten) dst.fill(0);
      return dst;
    };
    const result = kernel(ops, params, out, intoTarget);
    if (result !== dst) {
      // The kernel built its output elsewhere: copy it over and recycle the array.
      copyInto(result, dst, out.dtype);
      this.#pool.give(result);
    }
    if (f16) roundToF16(dst, 0, dst.length);
  }

  /**
   * A matmul into `target` with `epilogue` run on each row tile of the
   * product right after the tile is computed (see `epilogue.ts`).
   */
  runMatmulEpilogue(
    inputs: readonly Operand[],
    params: PrimParams["matmul"],
    out: OutSpec,
    target: BackendBuffer,
    epilogue: MatmulEpilogue,
  ): void {
    const dst = this.#own(target, "matmul").data;
    const ops = this.#operands(inputs, "matmul");
    const f16 = out.dtype === "f16";
    const key = `${out.shape.join(",")}:${params.transA}`;
    let plan = this.#epilogues.get(epilogue.kernel);
    if (plan?.key !== key) {
      const tiles = epilogueTiles(epilogue.kernel, out.shape, {
        transA: params.transA,
        tileElements: this.#tileElements,
      });
      plan = { key, tiles };
      this.#epilogues.set(epilogue.kernel, plan);
    }
    const outs = epilogue.outputs.map((b) => this.#own(b, "matmul epilogue"));
    for (const tile of plan.tiles) {
      matmulRowsInto(this.#matmul, ops, params, out.shape, dst, tile.rows);
      if (f16) {
        // The emulated f16 product is rounded before its epilogue reads it, as eager rounds it.
        const cols = out.shape[out.shape.length - 1];
        roundToF16(dst, tile.rows[0] * cols, tile.rows[1] * cols);
      }
      const views = tile.ranges.map(([start, end], j) =>
        plan.tiles.length === 1
          ? outs[j]
          : new CpuBuffer(outs[j].data.subarray(start, end), outs[j].dtype)
      );
      this.runFused(tile.kernel, epilogue.inputs, views);
    }
  }

  /**
   * Live buffers and their bytes, and the pool's: arrays and bytes waiting in
   * it, requests it served (hits) or not (misses), and the fresh arrays created.
   */
  memory(): BackendMemory {
    const p = this.#pool.stats();
    return {
      buffers: this.#buffers,
      bytes: this.#bytes,
      pooledBuffers: p.pooledArrays,
      pooledBytes: p.pooledBytes,
      poolHits: p.hits,
      poolMisses: p.misses,
      created: p.created,
    };
  }

  /** Drop every array waiting in the pool (live buffers are untouched). */
  trim(): void {
    this.#pool.trim();
  }

  /** Nothing is queued on the CPU. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** E.g. `cpu (matmul: OpenBLAS 0.3.21 SkylakeX, 2 threads; fused: Wasm SIMD (relaxed), 2 threads)`. */
  info(): string {
    return `cpu (matmul: ${this.#matmul.description}; fused: ${fusedWasmDescription()})`;
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
 * assertEquals(cpu.info().startsWith("cpu (matmul: TypeScript; fused: "), true);
 * ```
 */
export function createCpuBackend(opts: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(chooseMatmul(opts), opts);
}

/** The spec a kernel computes for `out`: f16 is computed in the f32 it is stored in. */
function storedSpec(out: OutSpec): OutSpec {
  return out.dtype === "f16" ? { shape: out.shape, dtype: "f32" } : out;
}

/** Round elements `[from, to)` of emulated f16 storage to the nearest f16. */
function roundToF16(data: DataArray, from: number, to: number): void {
  for (let i = from; i < to; i++) data[i] = Math.f16round(data[i]);
}

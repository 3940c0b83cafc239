/**
 * Batched f32 matmul in WebAssembly SIMD: operands are copied into one
 * (shared, where the runtime allows) `WebAssembly.Memory`; B is packed into
 * micro-kernel panels by one job and the row blocks of C are multiplied by a
 * second; both jobs are split into tasks that the calling thread and, for
 * large products, Worker threads claim from a shared counter.
 *
 * @example
 * ```ts
 * import { wasmGemm } from "./wasm_gemm.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const gemm = wasmGemm()!;
 * // [1 2; 3 4] [5; 6]
 * const c = gemm.matmul({
 *   a: new Float32Array([1, 2, 3, 4]), b: new Float32Array([5, 6]),
 *   aOffs: [0], bOffs: [0], m: 2, n: 1, k: 2, transA: false, transB: false,
 * });
 * assertEquals([...c], [17, 39]);
 * ```
 *
 * @module
 */
import { gemmModuleBytes, MAX_PAGES, MR, NR, relaxedSimdSupported } from "./gemm_module.ts";
import { CTL, type GemmExports, runGemmTasks } from "./gemm_tasks.ts";
import { awaitTasks, startWorkers } from "./thread_pool.ts";

/** Depth of one packed block of A and B. */
const KC = 256;
/** Most rows of A in one multiply task (a multiple of `MR`). */
const MC_MAX = 120;
/** Column panels per pack task. */
const PACK_PANELS = 16;
/** Products with fewer flops (2 m n k per batch) run on the calling thread only. */
const THREAD_MIN_FLOPS = 1 << 22;
/** Bytes of packed B one job may use (larger batches run in several jobs). */
const PACKED_BUDGET = 64 << 20;
/** Most tasks in one job (the task counter's 20 bits). */
const MAX_TASKS = (1 << 20) - 1;

/** One batched product: `C[t] = op(A at aOffs[t]) op(B at bOffs[t])`, offsets in elements. */
export interface WasmMatmulArgs {
  /** All of A's data (every batch element). */
  a: Float32Array;
  /** All of B's data. */
  b: Float32Array;
  /** Offset of each output matrix's A in `a`. */
  aOffs: readonly number[];
  /** Offset of each output matrix's B in `b`. */
  bOffs: readonly number[];
  /** Rows of each output matrix. */
  m: number;
  /** Columns of each output matrix. */
  n: number;
  /** The summed dimension. */
  k: number;
  /** A is stored `[k, m]`. */
  transA: boolean;
  /** B is stored `[n, k]`. */
  transB: boolean;
  /** Where to write the result (`aOffs.length * m * n` elements); absent: a new array. */
  out?: Float32Array;
}

/** The Wasm GEMM engine of this process. */
export interface WasmGemm {
  /** E.g. `Wasm SIMD (relaxed FMA), 2 threads`. */
  readonly description: string;
  /** Threads a large product runs on, the calling one included (grows once Workers start). */
  readonly threads: number;
  /** How many threads ran tasks of the last job (its multiply step). */
  readonly lastJobThreads: number;
  /** Start the Worker threads now (they start on the first large product otherwise). */
  startThreads(): Promise<number>;
  /** The products `C[t]`, concatenated (`aOffs.length * m * n` elements). */
  matmul(args: WasmMatmulArgs): Float32Array;
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

class Engine implements WasmGemm {
  readonly #memory: WebAssembly.Memory;
  readonly #ex: GemmExports;
  readonly #fma: boolean;
  readonly #bytes: Uint8Array<ArrayBuffer>;
  readonly #maxThreads: number;
  #workers = 0;
  #starting: Promise<number> | null = null;
  #broken: unknown = null;

  constructor(maxThreads: number) {
    this.#fma = relaxedSimdSupported();
    const shared = maxThreads > 1 && typeof SharedArrayBuffer === "function";
    this.#maxThreads = shared ? maxThreads : 1;
    this.#bytes = gemmModuleBytes({ fma: this.#fma, shared });
    this.#memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(this.#bytes), {
      env: { memory: this.#memory },
    });
    this.#ex = instance.exports as unknown as GemmExports;
  }

  get threads(): number {
    return 1 + this.#workers;
  }

  get description(): string {
    const fma = this.#fma ? "relaxed-SIMD FMA" : "SIMD mul+add";
    const n = this.#broken ? 1 : Math.max(this.threads, this.#maxThreads);
    return `Wasm SIMD (${fma}), ${n} thread${n === 1 ? "" : "s"}`;
  }

  get lastJobThreads(): number {
    let used = Atomics.load(new Int32Array(this.#memory.buffer, 0, CTL.WORDS), CTL.USED), n = 0;
    for (; used !== 0; used &= used - 1) n++;
    return n;
  }

  startThreads(): Promise<number> {
    if (!this.#starting) {
      this.#starting = this.#maxThreads <= 1
        ? Promise.resolve(1)
        : startWorkers(this.#maxThreads - 1, this.#bytes, this.#memory, (e) => {
          this.#broken = e;
        }).then((n) => {
          this.#workers = n;
          return 1 + n;
        });
    }
    return this.#starting;
  }

  #ensureBytes(bytes: number): void {
    const have = this.#memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / 65536);
    if (have / 65536 + pages > MAX_PAGES) {
      throw new Error(
        `wasm matmul: needs ${bytes} bytes of Wasm memory, more than the ${
          MAX_PAGES * 65536
        } allowed`,
      );
    }
    this.#memory.grow(pages);
  }

  /** Publish a job (seqlock), run tasks here, wait for the Workers' tasks. */
  #runJob(params: Record<number, number>, ntasks: number, wake: boolean): void {
    const ctl = new Int32Array(this.#memory.buffer, 0, CTL.WORDS);
    const gen = Atomics.load(ctl, CTL.GEN);
    Atomics.store(ctl, CTL.GEN, gen + 1);
    for (const [i, v] of Object.entries(params)) ctl[Number(i)] = v;
    ctl[CTL.NTASKS] = ntasks;
    Atomics.store(ctl, CTL.DONE, 0);
    Atomics.store(ctl, CTL.USED, 0);
    const next = gen + 2;
    Atomics.store(ctl, CTL.NEXT, ((next >>> 1) & 0x7ff) << 20);
    Atomics.store(ctl, CTL.GEN, next);
    // Workers may be running before their ready message arrives (a loop that never yields).
    if (wake) Atomics.notify(ctl, CTL.GEN);
    runGemmTasks(this.#ex, ctl, 0, CTL);
    awaitTasks(ctl, CTL.DONE, ntasks, "wasm matmul", () => this.#broken);
  }

  matmul(args: WasmMatmulArgs): Float32Array {
    const { a, b, aOffs, bOffs, m, n, k, transA, transB } = args;
    const count = aOffs.length;
    const out = args.out ?? new Float32Array(count * m * n);
    if (out.length !== count * m * n) {
      throw new Error(
        `wasm matmul: out has ${out.length} elements, not ${count} x ${m} x ${n} = ${
          count * m * n
        }`,
      );
    }
    if (out.length === 0) return out;
    if (k === 0) return out.fill(0);
    const flops = 2 * m * n * k * count;
    const threaded = this.#maxThreads > 1 && flops >= THREAD_MIN_FLOPS && !this.#broken;
    if (threaded) this.startThreads();
    const threads = threaded ? Math.max(1, this.#maxThreads) : 1;
    // Row blocks: small enough that every thread gets a few, at most MC_MAX rows.
    const mc = Math.min(MC_MAX, Math.max(MR, roundUp(Math.ceil(m / (3 * threads)), MR)));
    const rowBlocks = Math.ceil(m / mc);
    const npad = roundUp(n, NR);
    const groups = Math.ceil(npad / (PACK_PANELS * NR));
    const kBlocks = Math.ceil(k / KC);
    const perPack = kBlocks * groups;
    const packedBytes = 4 * k * npad;
    // Matrices per pair of jobs: within the task counter and the packed-B budget.
    const chunk = Math.max(
      1,
      Math.min(
        count,
        Math.floor(MAX_TASKS / Math.max(rowBlocks, perPack)),
        Math.floor(PACKED_BUDGET / packedBytes),
      ),
    );
    // Memory: control words, table, per-thread scratch, A, B, C, packed B.
    const scratchBytes = roundUp(4 * (MR * NR + MC_MAX * KC), 64);
    const tableAt = 4 * CTL.WORDS, scratchAt = roundUp(tableAt + 16 * chunk, 64);
    const aAt = scratchAt + scratchBytes * this.#maxThreads;
    const bAt = roundUp(aAt + 4 * a.length, 64);
    const cAt = roundUp(bAt + 4 * b.length, 64);
    const packedAt = roundUp(cAt + 4 * out.length, 64);
    this.#ensureBytes(packedAt + packedBytes * chunk);
    const buf = this.#memory.buffer;
    new Float32Array(buf, aAt, a.length).set(a);
    new Float32Array(buf, bAt, b.length).set(b);
    const params: Record<number, number> = {
      [CTL.M]: m,
      [CTL.N]: n,
      [CTL.K]: k,
      [CTL.RSA]: transA ? 1 : k,
      [CTL.CSA]: transA ? m : 1,
      [CTL.RSB]: transB ? 1 : n,
      [CTL.CSB]: transB ? k : 1,
      [CTL.MC]: mc,
      [CTL.KC]: KC,
      [CTL.NPAD]: npad,
      [CTL.TABLE]: tableAt,
      [CTL.SCRATCH]: scratchAt,
      [CTL.SCRATCH_BYTES]: scratchBytes,
      [CTL.PANELS]: PACK_PANELS,
      [CTL.MR]: MR,
      [CTL.NR]: NR,
    };
    const table = new Int32Array(buf, tableAt, 4 * chunk);
    for (let t0 = 0; t0 < count; t0 += chunk) {
      const here = Math.min(chunk, count - t0);
      for (let i = 0; i < here; i++) {
        const t = t0 + i;
        table[4 * i] = aAt + 4 * aOffs[t];
        table[4 * i + 1] = bAt + 4 * bOffs[t];
        table[4 * i + 2] = cAt + 4 * t * m * n;
        table[4 * i + 3] = packedAt + packedBytes * i;
      }
      this.#runJob(
        { ...params, [CTL.KIND]: 0, [CTL.TASKS_PER_MATRIX]: perPack },
        here * perPack,
        threaded,
      );
      this.#runJob(
        { ...params, [CTL.KIND]: 1, [CTL.TASKS_PER_MATRIX]: rowBlocks },
        here * rowBlocks,
        threaded,
      );
    }
    out.set(new Float32Array(this.#memory.buffer, cAt, out.length));
    return out;
  }
}

let engine: Engine | null | undefined;

/**
 * The threads a large product uses by default: every logical core, at most 8.
 *
 * @example
 * ```ts
 * import { defaultThreads } from "./wasm_gemm.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(defaultThreads() >= 1 && defaultThreads() <= 8, true);
 * ```
 */
export function defaultThreads(): number {
  const n = typeof navigator === "object" ? navigator.hardwareConcurrency ?? 1 : 1;
  return Math.max(1, Math.min(8, n));
}

/**
 * The process's Wasm GEMM, created on first use with `threads` threads
 * (default {@linkcode defaultThreads}); `null` where WebAssembly SIMD is
 * missing. A later call with another thread count gets the first engine.
 *
 * @example
 * ```ts
 * import { wasmGemm } from "./wasm_gemm.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const gemm = wasmGemm()!;
 * assertEquals(wasmGemm(), gemm);
 * assertEquals(gemm.description.startsWith("Wasm SIMD"), true);
 * ```
 */
export function wasmGemm(threads: number = defaultThreads()): WasmGemm | null {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`wasmGemm: threads must be a positive integer, got ${threads}`);
  }
  if (engine !== undefined) return engine;
  try {
    engine = new Engine(threads);
  } catch {
    engine = null;
  }
  return engine;
}

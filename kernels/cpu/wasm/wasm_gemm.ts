/**
 * Batched f32 matmul in WebAssembly SIMD, on the fused kernels' memory
 * (`fused_memory.ts`): operands that live there (the CPU backend's buffers) are
 * read and written in place, others are copied into a workspace block around
 * the call. B is packed into micro-kernel panels by one job and the row blocks
 * of C are multiplied by a second (many small matrices: one job of whole
 * matrices); jobs are split into tasks that the calling thread and, for large
 * products, Worker threads claim from a shared counter.
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
import { type FusedHeap, fusedHeap } from "./fused_memory.ts";
import { gemmModuleBytes, MR, NR, relaxedSimdSupported } from "./gemm_module.ts";
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
/** Batches of matrices this small (multiply-adds each) run as whole-matrix tasks. */
const WHOLE_MAX_MACS = 1 << 21;
/** ... and only where one k-block of B, packed, fits this scratch. */
const WHOLE_B_BYTES = 256 << 10;
/** Multiply-adds a whole-matrix task gathers matrices up to (fewer tasks, less overhead). */
const WHOLE_TASK_MACS = 1 << 16;
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

/** Whether byte ranges of two views of one memory overlap. */
function overlaps(x: Float32Array, y: Float32Array): boolean {
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

class Engine implements WasmGemm {
  readonly #heap: FusedHeap;
  readonly #ex: GemmExports;
  readonly #fma: boolean;
  readonly #bytes: Uint8Array<ArrayBuffer>;
  readonly #maxThreads: number;
  /** Byte address of the control words (a block of the heap held for the engine's life). */
  readonly #ctlAt: number;
  #workers = 0;
  #starting: Promise<number> | null = null;
  #broken: unknown = null;

  constructor(maxThreads: number) {
    this.#fma = relaxedSimdSupported();
    this.#heap = fusedHeap();
    const shared = this.#heap.shared;
    this.#maxThreads = shared ? maxThreads : 1;
    this.#bytes = gemmModuleBytes({ fma: this.#fma, shared });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(this.#bytes), {
      env: { memory: this.#heap.memory },
    });
    this.#ex = instance.exports as unknown as GemmExports;
    this.#ctlAt = this.#heap.alloc(4 * CTL.WORDS);
    new Int32Array(this.#heap.memory.buffer, this.#ctlAt, CTL.WORDS).fill(0);
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
    let used = Atomics.load(this.#ctl(), CTL.USED), n = 0;
    for (; used !== 0; used &= used - 1) n++;
    return n;
  }

  startThreads(): Promise<number> {
    if (!this.#starting) {
      this.#starting = this.#maxThreads <= 1
        ? Promise.resolve(1)
        : startWorkers(this.#maxThreads - 1, this.#bytes, this.#heap.memory, this.#ctlAt, (e) => {
          this.#broken = e;
        }).then((n) => {
          this.#workers = n;
          return 1 + n;
        });
    }
    return this.#starting;
  }

  /** A fresh view of the control words (the memory's buffer grows). */
  #ctl(): Int32Array {
    return new Int32Array(this.#heap.memory.buffer, this.#ctlAt, CTL.WORDS);
  }

  /** Publish a job (seqlock), run tasks here, wait for the Workers' tasks. */
  #runJob(params: Record<number, number>, ntasks: number, wake: boolean): void {
    const ctl = this.#ctl();
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
    runGemmTasks(this.#ex, ctl, 0, CTL, this.#heap.memory);
    awaitTasks(ctl, CTL.DONE, ntasks, "wasm matmul", () => this.#broken);
  }

  matmul(args: WasmMatmulArgs): Float32Array {
    const { a, b, aOffs, m, n, k, transA, transB } = args;
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
    const npad = roundUp(n, NR);
    // Many small matrices (attention's): one task per matrix (or a few), packing its own B,
    // instead of a packing job and row blocks of a few rows each.
    const whole = count >= 2 * threads && m * n * k <= WHOLE_MAX_MACS &&
      4 * Math.min(k, KC) * npad <= WHOLE_B_BYTES;
    // Row blocks: at most MC_MAX rows, at least three per thread, and as many as a multiple of
    // the threads so that none waits on another's last block.
    const blocksWanted = roundUp(Math.max(3 * threads, Math.ceil(m / MC_MAX)), threads);
    const mc = whole
      ? Math.min(MC_MAX, roundUp(m, MR))
      : Math.min(MC_MAX, Math.max(MR, roundUp(Math.ceil(m / blocksWanted), MR)));
    const rowBlocks = Math.ceil(m / mc);
    const groups = Math.ceil(npad / (PACK_PANELS * NR));
    const kBlocks = Math.ceil(k / KC);
    const perPack = kBlocks * groups;
    const packedBytes = whole ? 0 : 4 * k * npad;
    // Matrices per pair of jobs: within the task counter and the packed-B budget.
    const chunk = whole ? count : Math.max(
      1,
      Math.min(
        count,
        Math.floor(MAX_TASKS / Math.max(rowBlocks, perPack)),
        Math.floor(PACKED_BUDGET / packedBytes),
      ),
    );
    const perTask = whole
      ? Math.max(
        1,
        Math.min(Math.floor(count / (3 * threads)), Math.ceil(WHOLE_TASK_MACS / (m * n * k))),
      )
      : 1;
    // Operands in the heap are used in place (the output only where it overlaps neither input);
    // the workspace block holds the table, per-thread scratch, copies of the others, packed B.
    const scratchBytes = roundUp(4 * (MR * NR + MC_MAX * KC + (whole ? KC * npad : 0)), 64);
    const h = this.#heap;
    const aHere = h.resident(a), bHere = h.resident(b);
    const cHere = h.resident(out) && !(aHere && overlaps(out, a)) && !(bHere && overlaps(out, b));
    const tableAt = 0, scratchAt = roundUp(16 * chunk, 64);
    const aAt = scratchAt + scratchBytes * this.#maxThreads;
    const bAt = roundUp(aAt + (aHere ? 0 : 4 * a.length), 64);
    const cAt = roundUp(bAt + (bHere ? 0 : 4 * b.length), 64);
    const packedAt = roundUp(cAt + (cHere ? 0 : 4 * out.length), 64);
    const ws = h.alloc(packedAt + packedBytes * chunk);
    try {
      this.#run(args, out, {
        whole,
        threaded,
        chunk,
        perPack,
        rowBlocks,
        tableAt: ws + tableAt,
        packedAt: ws + packedAt,
        packedBytes,
        a: aHere ? a.byteOffset : ws + aAt,
        b: bHere ? b.byteOffset : ws + bAt,
        c: cHere ? out.byteOffset : ws + cAt,
        copy: { a: !aHere, b: !bHere, c: !cHere },
        params: {
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
          [CTL.TABLE]: ws + tableAt,
          [CTL.SCRATCH]: ws + scratchAt,
          [CTL.SCRATCH_BYTES]: scratchBytes,
          [CTL.PANELS]: PACK_PANELS,
          [CTL.MR]: MR,
          [CTL.NR]: NR,
          [CTL.MATRICES_PER_TASK]: perTask,
        },
      });
    } finally {
      h.free(ws);
    }
    return out;
  }

  /** Copy in what is not in the heap, run the jobs, copy the output out if it is not. */
  #run(args: WasmMatmulArgs, out: Float32Array, plan: RunPlan): void {
    const { a, b, aOffs, bOffs, m, n } = args;
    const count = aOffs.length;
    const buf = this.#heap.memory.buffer;
    if (plan.copy.a) new Float32Array(buf, plan.a, a.length).set(a);
    if (plan.copy.b) new Float32Array(buf, plan.b, b.length).set(b);
    const { chunk, params, threaded } = plan;
    const table = new Int32Array(buf, plan.tableAt, 4 * chunk);
    for (let t0 = 0; t0 < count; t0 += chunk) {
      const here = Math.min(chunk, count - t0);
      for (let i = 0; i < here; i++) {
        const t = t0 + i;
        table[4 * i] = plan.a + 4 * aOffs[t];
        table[4 * i + 1] = plan.b + 4 * bOffs[t];
        table[4 * i + 2] = plan.c + 4 * t * m * n;
        table[4 * i + 3] = plan.packedAt + plan.packedBytes * i;
      }
      if (plan.whole) {
        const perTask = params[CTL.MATRICES_PER_TASK];
        this.#runJob(
          { ...params, [CTL.KIND]: 2, [CTL.MATRICES]: here },
          Math.ceil(here / perTask),
          threaded,
        );
        continue;
      }
      // B's panels packed, then the row blocks multiplied: one job.
      this.#runJob(
        {
          ...params,
          [CTL.KIND]: 3,
          [CTL.TASKS_PER_MATRIX]: plan.perPack,
          [CTL.PACK_TASKS]: here * plan.perPack,
          [CTL.ROW_BLOCKS]: plan.rowBlocks,
          [CTL.MATRICES]: here,
        },
        here * (plan.perPack + plan.rowBlocks),
        threaded,
      );
    }
    if (plan.copy.c) out.set(new Float32Array(this.#heap.memory.buffer, plan.c, out.length));
  }
}

/** How one call runs: see `Engine.matmul`. */
interface RunPlan {
  whole: boolean;
  threaded: boolean;
  chunk: number;
  perPack: number;
  rowBlocks: number;
  tableAt: number;
  packedAt: number;
  packedBytes: number;
  /** Byte addresses of A, B and C in the memory. */
  a: number;
  b: number;
  c: number;
  /** Which of them are copies. */
  copy: { a: boolean; b: boolean; c: boolean };
  params: Record<number, number>;
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

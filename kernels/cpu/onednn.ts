/**
 * oneDNN's `dnnl_sgemm` through Deno's FFI, as the f32 GEMM beside a CBLAS library.
 *
 * oneDNN generates its GEMM kernels for the CPU it runs on (AVX-512, AVX2, AMX) when it loads;
 * on the step's shapes it ran 1.3–1.7× faster than OpenBLAS's SkylakeX kernel on an Intel Xeon
 * (Sapphire Rapids, 2 cores: [1024×128]·[128×128] 281–322 against 167 GFLOP/s), which made the
 * compiled nGPT step at width 128 12–20 % faster (`bench/matmul_reuse.ts`, `bench/nn_step.ts`).
 * It has no f64 GEMM, so {@linkcode withOneDnn} keeps the CBLAS library (or a plain loop) for f64.
 *
 * Choosing: `NUGRAD_ONEDNN=0` keeps oneDNN out, `NUGRAD_ONEDNN=/path/libdnnl.so` opens that
 * library; unset, the usual names are tried ({@linkcode DEFAULT_ONEDNN_CANDIDATES}). oneDNN's
 * threads are OpenMP's (`OMP_NUM_THREADS`; every core by default).
 *
 * @module
 */
import { type GemmArgs, type GemmFn, referenceGemm } from "./blas_check.ts";
import { type BatchedGemm, openOneDnnBatched } from "./onednn_batched.ts";
import { withLoadDefaults } from "./library_env.ts";

/** Library names tried, in order, when `NUGRAD_ONEDNN` names none. */
export const DEFAULT_ONEDNN_CANDIDATES: readonly string[] = Deno.build.os === "darwin"
  ? ["libdnnl.3.dylib", "libdnnl.2.dylib"]
  : Deno.build.os === "windows"
  ? ["dnnl.dll"]
  : ["libdnnl.so.3", "libdnnl.so.2"];

const SYMBOLS = {
  dnnl_sgemm: {
    // transa, transb (chars), M, N, K, alpha, A, lda, B, ldb, beta, C, ldc; row-major.
    parameters: [
      "i8",
      "i8",
      "i64",
      "i64",
      "i64",
      "f32",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "f32",
      "buffer",
      "i64",
    ],
    result: "i32",
  },
  dnnl_version: { parameters: [], result: "pointer" },
} as const;

/**
 * OpenMP's wait between parallel regions, set while oneDNN (and with it libgomp) loads unless
 * the user set `GOMP_SPINCOUNT` or `OMP_WAIT_POLICY`. libgomp's default lets each idle thread
 * spin for 300,000 rounds (milliseconds) after every product, while in a training step the fused
 * kernels' Worker wants that core a few microseconds later. With a thousand rounds (tens of
 * microseconds) the compiled nGPT step at width 32 was faster in 9 of 11 alternating pairs (about
 * 3 %) and took 6.1 against 8.3 s of CPU time for 220 steps, on a 2-core AMD EPYC; no spin at all
 * (`OMP_WAIT_POLICY=passive`) made it 10-20 % slower (`bench/RESULTS.md`, "OpenMP's idle spin").
 */
const QUIET_OPENMP = { GOMP_SPINCOUNT: "1000" } as const;

const OMP_SYMBOLS = {
  omp_get_max_threads: { parameters: [], result: "i32", optional: true },
} as const;

/** An opened oneDNN: its f32 GEMM, and what to call it. */
export interface OneDnn {
  /** The path or name it was opened from. */
  readonly library: string;
  /** E.g. `oneDNN 2.6.3`. */
  readonly name: string;
  /** The threads its GEMM runs on (OpenMP's count), `null` when unknown. */
  readonly threads: number | null;
  /** One row-major f32 GEMM. */
  sgemm(args: GemmArgs<Float32Array>): void;
  /** A batch of small f32 products in one call (`onednn_batched.ts`), `null` where unavailable. */
  readonly batched: BatchedGemm | null;
}

const N = "N".charCodeAt(0), T = "T".charCodeAt(0);

/** OpenMP's thread count, read from the OpenMP runtime oneDNN loaded (`null` when not found). */
function openmpThreads(): number | null {
  for (const path of ["libgomp.so.1", "libiomp5.so", "libomp.so"]) {
    try {
      const f = Deno.dlopen(path, OMP_SYMBOLS).symbols.omp_get_max_threads;
      if (f) return f();
    } catch {
      // not this runtime
    }
  }
  return null;
}

const opened = new Map<string, OneDnn | null>();

/**
 * Open oneDNN from `path` (once per path per process); `null` when it does not open (missing,
 * no `dnnl_sgemm`, or FFI not granted).
 *
 * @example
 * ```ts
 * import { openOneDnn } from "./onednn.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(openOneDnn("/nonexistent/libdnnl.so"), null);
 * ```
 */
export function openOneDnn(path: string): OneDnn | null {
  if (opened.has(path)) return opened.get(path)!;
  let lib: OneDnn | null = null;
  try {
    const s = withLoadDefaults(QUIET_OPENMP, ["OMP_WAIT_POLICY"], () => Deno.dlopen(path, SYMBOLS))
      .symbols;
    // Deno passes a number to an i64 parameter as it is; its types ask for a bigint, which would
    // cost seven allocations per product.
    const dnnlSgemm = s.dnnl_sgemm as unknown as (...args: (number | Float32Array)[]) => number;
    const v = s.dnnl_version();
    const view = v ? new Deno.UnsafePointerView(v) : null;
    const version = view ? `${view.getInt32(0)}.${view.getInt32(4)}.${view.getInt32(8)}` : "";
    lib = {
      library: path,
      name: `oneDNN${version ? " " + version : ""}`,
      threads: openmpThreads(),
      batched: checkedBatched(openOneDnnBatched(path)),
      sgemm({ a, b, c, m, n, k, transA, transB }) {
        const lda = Math.max(1, transA ? m : k), ldb = Math.max(1, transB ? k : n);
        const status = dnnlSgemm(
          transA ? T : N,
          transB ? T : N,
          m,
          n,
          k,
          1,
          a,
          lda,
          b,
          ldb,
          0,
          c,
          Math.max(1, n),
        );
        if (status !== 0) {
          throw new Error(
            `matmul: oneDNN's dnnl_sgemm returned status ${status} for ${m}x${n}x${k} ` +
              `transA=${transA} transB=${transB} (set NUGRAD_ONEDNN=0 to use the BLAS library)`,
          );
        }
      },
    };
  } catch {
    lib = null;
  }
  opened.set(path, lib);
  return lib;
}

/**
 * `batched` if it computes every transpose combination of a batch of 3 odd-shaped products as
 * a plain loop does (to f32 rounding), else `null`: a wrong batched call is never used.
 */
function checkedBatched(batched: BatchedGemm | null): BatchedGemm | null {
  if (batched === null) return null;
  const [batch, m, n, k] = [3, 5, 7, 9];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = Float32Array.from({ length: batch * m * k }, (_, i) => Math.sin(i * 0.71));
      const b = Float32Array.from({ length: batch * k * n }, (_, i) => Math.cos(i * 0.37));
      const c = new Float32Array(batch * m * n).fill(12345);
      try {
        batched({ a, b, c, batch, m, n, k, transA, transB });
      } catch {
        return null;
      }
      const want = new Float64Array(m * n);
      for (let t = 0; t < batch; t++) {
        referenceGemm({
          a: a.subarray(t * m * k, (t + 1) * m * k),
          b: b.subarray(t * k * n, (t + 1) * k * n),
          c: want,
          m,
          n,
          k,
          transA,
          transB,
        });
        for (let i = 0; i < m * n; i++) {
          if (!(Math.abs(c[t * m * n + i] - want[i]) <= 1e-5 * k)) return null;
        }
      }
    }
  }
  return batched;
}

/** The library a {@linkcode withOneDnn} GEMM hands f64 products to. */
export interface F64Gemm {
  /** E.g. `OpenBLAS 0.3.21 SkylakeX, 2 threads`. */
  readonly description: string;
  /** Its GEMM (f64 products only are sent). */
  gemm: GemmFn;
}

/**
 * One GEMM for f32 and f64: f32 products through oneDNN, f64 products through `f64` (the CBLAS
 * library), or a plain loop when there is none; with its description.
 *
 * @example
 * ```ts
 * import { withOneDnn } from "./onednn.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const fake = { library: "fake", name: "fake", threads: 1, sgemm() {}, batched: null };
 * const { gemm, description } = withOneDnn(fake, null);
 * const c = new Float64Array(1);
 * gemm({ a: new Float64Array([2]), b: new Float64Array([3]), c, m: 1, n: 1, k: 1,
 *   transA: false, transB: false });
 * assertEquals([c[0], description], [6, "fake sgemm, 1 thread (f64: TypeScript)"]);
 * ```
 */
export function withOneDnn(
  dnnl: OneDnn,
  f64: F64Gemm | null,
): { gemm: GemmFn; description: string } {
  const threads = dnnl.threads === null
    ? ""
    : `, ${dnnl.threads} thread${dnnl.threads === 1 ? "" : "s"}`;
  const gemm: GemmFn = (args) => {
    if (args.c instanceof Float32Array) dnnl.sgemm(args as GemmArgs<Float32Array>);
    else if (f64) f64.gemm(args);
    else referenceGemm(args); // f64 without a BLAS library: gradient checks are small
  };
  return {
    gemm,
    description: `${dnnl.name} sgemm${threads} (f64: ${f64?.description ?? "TypeScript"})`,
  };
}

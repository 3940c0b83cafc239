/**
 * BLAS through Deno's FFI: `cblas_sgemm` / `cblas_dgemm` from OpenBLAS (or
 * any CBLAS), opened once per library path per process.
 *
 * Opening needs `--allow-ffi`. When FFI is not granted or no library opens,
 * {@linkcode openBlas} returns `null` and prints one line to stderr, once per
 * process; the CPU backend then uses its TypeScript matmul.
 *
 * @module
 */

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

const GEMM_PARAMS = [
  "i32", // order
  "i32", // transA
  "i32", // transB
  "i32", // M
  "i32", // N
  "i32", // K
  "f64", // alpha (replaced by f32 for sgemm)
  "buffer", // A
  "i32", // lda
  "buffer", // B
  "i32", // ldb
  "f64", // beta
  "buffer", // C
  "i32", // ldc
] as const;

const SGEMM_PARAMS = GEMM_PARAMS.map((p) => (p === "f64" ? "f32" : p)) as unknown as [
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "f32",
  "buffer",
  "i32",
  "buffer",
  "i32",
  "f32",
  "buffer",
  "i32",
];

const SYMBOLS = {
  cblas_sgemm: { parameters: SGEMM_PARAMS, result: "void" },
  cblas_dgemm: { parameters: [...GEMM_PARAMS], result: "void" },
} as const;

/** A row-major GEMM call: `C[m,n] = op(A) op(B)`, with `C` overwritten. */
export interface GemmArgs<T extends Float32Array | Float64Array> {
  /** `A` viewed at the first element of this matrix (`[m,k]`, or `[k,m]` with `transA`). */
  a: T;
  /** `B` viewed at the first element of this matrix (`[k,n]`, or `[n,k]` with `transB`). */
  b: T;
  /** `C` viewed at the first element of the `[m,n]` output. */
  c: T;
  /** Rows of the output. */
  m: number;
  /** Columns of the output. */
  n: number;
  /** The inner (summed) dimension. */
  k: number;
  /** `A` is stored `[k, m]`. */
  transA: boolean;
  /** `B` is stored `[n, k]`. */
  transB: boolean;
}

/** An opened BLAS library. */
export interface Blas {
  /** The path or name the library was opened from. */
  readonly library: string;
  /** One row-major GEMM in f32 or f64 (chosen by the array type). */
  gemm<T extends Float32Array | Float64Array>(args: GemmArgs<T>): void;
}

/** Library names tried, in order, when neither an option nor `NUGRAD_BLAS` names one. */
export const DEFAULT_BLAS_CANDIDATES: readonly string[] = Deno.build.os === "darwin"
  ? [
    "/System/Library/Frameworks/Accelerate.framework/Accelerate",
    "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    "/usr/local/opt/openblas/lib/libopenblas.dylib",
    "libopenblas.dylib",
  ]
  : Deno.build.os === "windows"
  ? ["libopenblas.dll", "openblas.dll"]
  : ["libopenblas.so.0", "libopenblas.so", "libblas.so.3"];

const opened = new Map<string, Blas | null>();
let warned = false;

function ffiGranted(): boolean {
  try {
    return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}

function envLibrary(): string | undefined {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: "NUGRAD_BLAS" }).state !== "granted") {
      return undefined;
    }
    return Deno.env.get("NUGRAD_BLAS") || undefined;
  } catch {
    return undefined;
  }
}

function tryOpen(path: string): Blas | null {
  if (opened.has(path)) return opened.get(path)!;
  let blas: Blas | null = null;
  try {
    const lib = Deno.dlopen(path, SYMBOLS);
    const s = lib.symbols;
    blas = {
      library: path,
      gemm({ a, b, c, m, n, k, transA, transB }) {
        const ta = transA ? TRANS : NO_TRANS, tb = transB ? TRANS : NO_TRANS;
        const lda = Math.max(1, transA ? m : k), ldb = Math.max(1, transB ? k : n);
        const ldc = Math.max(1, n);
        if (c instanceof Float32Array) {
          s.cblas_sgemm(ROW_MAJOR, ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, ldc);
        } else {
          s.cblas_dgemm(ROW_MAJOR, ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, ldc);
        }
      },
    };
  } catch {
    blas = null;
  }
  opened.set(path, blas);
  return blas;
}

/**
 * Open a BLAS library. `choice`: `false` opens none; a string opens that
 * path; `true`/`undefined` tries `NUGRAD_BLAS`, then
 * {@linkcode DEFAULT_BLAS_CANDIDATES}. Returns `null` (after one stderr line
 * per process) when nothing opens.
 *
 * @example
 * ```ts
 * import { openBlas } from "./blas.ts";
 * const blas = openBlas(); // null without --allow-ffi
 * console.log(blas?.library ?? "no BLAS");
 * ```
 */
export function openBlas(choice?: boolean | string): Blas | null {
  if (choice === false) return null;
  const env = typeof choice === "string" ? undefined : envLibrary();
  const candidates = typeof choice === "string"
    ? [choice]
    : env !== undefined
    ? [env]
    : DEFAULT_BLAS_CANDIDATES;
  const granted = ffiGranted();
  if (granted) {
    for (const path of candidates) {
      const blas = tryOpen(path);
      if (blas) return blas;
    }
  }
  if (!warned) {
    warned = true;
    const why = granted
      ? `no BLAS library found (tried ${candidates.join(", ")})`
      : "no BLAS: FFI is not permitted (run with --allow-ffi)";
    console.error(
      `nugrad: ${why}; CPU matmul uses the TypeScript fallback. ` +
        "Install libopenblas0-pthread or set NUGRAD_BLAS=/path/to/libblas.so",
    );
  }
  return null;
}

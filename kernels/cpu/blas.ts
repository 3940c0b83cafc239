/**
 * BLAS through Deno's FFI: `cblas_sgemm` / `cblas_dgemm` from OpenBLAS, BLIS,
 * Accelerate or any CBLAS, chosen, checked and opened once per process.
 *
 * Choosing: the candidates are `NUGRAD_BLAS` (or the path given) or the usual
 * library names. Before opening an OpenBLAS, `OPENBLAS_CORETYPE` is set to the
 * kernel that suits the CPU's instruction sets (see `cpu_features.ts`), unless
 * the user set it: OpenBLAS's own choice falls back to a generic kernel on
 * CPUs newer than the library. The last Linux candidate, `libblas.so.3`, is
 * opened with the library's own choice.
 *
 * Checking: each opened library runs a few small products against the
 * TypeScript reference (`blas_check.ts`); one that computes wrong results is
 * refused with a line on stderr and the next candidate is tried.
 *
 * f32 on oneDNN: where oneDNN opens (`onednn.ts`; `NUGRAD_ONEDNN=0` keeps it out), f32 products
 * go to its `dnnl_sgemm` and f64 products to the library chosen above; checked the same way.
 *
 * Opening needs `--allow-ffi`. When FFI is not granted or no library passes,
 * {@linkcode openBlas} returns `null` and prints one line to stderr, once per
 * process, naming the matmul that runs instead.
 *
 * @module
 */
import { envGranted } from "./library_env.ts";
import { checkGemm, type GemmFn } from "./blas_check.ts";
import { type CpuFeatures, openblasCoretype, readCpuFeatures } from "./cpu_features.ts";
import { DEFAULT_ONEDNN_CANDIDATES, openOneDnn, withOneDnn } from "./onednn.ts";
import type { BatchedGemm } from "./onednn_batched.ts";
import { bitExactBatched } from "./batched_bits.ts";

export type { GemmArgs } from "./blas_check.ts";

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
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
  openblas_get_corename: { parameters: [], result: "pointer", optional: true },
  bli_info_get_version_str: { parameters: [], result: "pointer", optional: true },
  bli_arch_query_id: { parameters: [], result: "i32", optional: true },
  bli_arch_string: { parameters: ["i32"], result: "pointer", optional: true },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
} as const;

/**
 * Below this many multiply-adds a product runs on one OpenBLAS thread: waking the others costs
 * more than they save (measured here: [1024×32]·[32×32] takes 12–21 µs on one thread and 29–103
 * µs on two; the two break even near [1024×128]·[128×128]).
 */
export const SMALL_GEMM_MACS = 8 * 1024 * 1024;

/** An opened BLAS library. */
export interface Blas {
  /** The path or name the library was opened from. */
  readonly library: string;
  /** The library and version, e.g. `OpenBLAS 0.3.21` (the file name when unknown). */
  readonly name: string;
  /** The compute kernel it runs, e.g. `SkylakeX`, or `null` when it does not say. */
  readonly kernel: string | null;
  /** `name` and `kernel`, e.g. `OpenBLAS 0.3.21 SkylakeX`. */
  readonly description: string;
  /** One row-major GEMM in f32 or f64 (chosen by the array type). */
  gemm: GemmFn;
  /** A batch of small f32 products in one call, where the library has one (oneDNN). */
  gemmBatched?: BatchedGemm;
}

/** A library to try, and the OpenBLAS kernel to ask it for. */
export interface BlasCandidate {
  /** Path or name passed to `Deno.dlopen`. */
  path: string;
  /** `OPENBLAS_CORETYPE` to set while opening it; absent: leave the environment alone. */
  coretype?: string;
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
  : ["libopenblas.so.0", "libopenblas.so", "libblis.so.4", "libblas.so.3"];

/** What decides the candidates: see {@linkcode blasCandidates}. */
export interface CandidateInputs {
  /** Paths to try, in order. */
  paths: readonly string[];
  /** The CPU's features, `null` when unknown. */
  cpu: CpuFeatures | null;
  /** The user's `OPENBLAS_CORETYPE`, if set: then no kernel is chosen for them. */
  userCoretype?: string;
}

/**
 * The candidates in order: each path with the OpenBLAS kernel that suits
 * `cpu` (none when the user set one or the CPU is unknown), except a last
 * `libblas.so.3`, which keeps the library's own choice as a fallback.
 *
 * @example
 * ```ts
 * import { blasCandidates } from "./blas.ts";
 * import { parseCpuinfo } from "./cpu_features.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cpu = parseCpuinfo("vendor_id : GenuineIntel\nflags : avx avx2 fma\n");
 * assertEquals(blasCandidates({ paths: ["libopenblas.so.0", "libblas.so.3"], cpu }), [
 *   { path: "libopenblas.so.0", coretype: "Haswell" },
 *   { path: "libblas.so.3" },
 * ]);
 * ```
 */
export function blasCandidates(inputs: CandidateInputs): BlasCandidate[] {
  const { paths, cpu, userCoretype } = inputs;
  const coretype = userCoretype === undefined && cpu ? openblasCoretype(cpu) : undefined;
  return paths.map((path, i) => {
    const own = paths.length > 1 && i === paths.length - 1 && path === "libblas.so.3";
    return coretype === undefined || own ? { path } : { path, coretype };
  });
}

function envGet(variable: string): string | undefined {
  return envGranted(variable) ? Deno.env.get(variable) || undefined : undefined;
}

function ffiGranted(): boolean {
  try {
    return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}

function cString(p: Deno.PointerValue | undefined): string | null {
  return p ? Deno.UnsafePointerView.getCString(p) : null;
}

/** The library's name, version and kernel, from whichever of its info calls exist. */
function describe(
  path: string,
  s: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"],
): { name: string; kernel: string | null } {
  const config = cString(s.openblas_get_config?.());
  if (config) {
    const name = config.split(/\s+/).slice(0, 2).join(" ");
    return { name, kernel: cString(s.openblas_get_corename?.()) };
  }
  const blis = cString(s.bli_info_get_version_str?.());
  if (blis) {
    const arch = s.bli_arch_query_id && s.bli_arch_string
      ? cString(s.bli_arch_string(s.bli_arch_query_id()))
      : null;
    return { name: `BLIS ${blis}`, kernel: arch };
  }
  return { name: path.split("/").pop() ?? path, kernel: null };
}

const opened = new Map<string, Blas | null>();

/**
 * `Deno.dlopen` one candidate (once per path per process), with its
 * `OPENBLAS_CORETYPE` set while the library initialises (and restored after);
 * `null` when it does not open.
 *
 * @example
 * ```ts
 * import { openCandidate } from "./blas.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(openCandidate({ path: "/nonexistent/libblas.so" }), null);
 * ```
 */
export function openCandidate(candidate: BlasCandidate): Blas | null {
  const { path, coretype } = candidate;
  if (opened.has(path)) return opened.get(path)!;
  const canSet = coretype !== undefined && envGranted("OPENBLAS_CORETYPE");
  const before = canSet ? Deno.env.get("OPENBLAS_CORETYPE") : undefined;
  if (canSet) Deno.env.set("OPENBLAS_CORETYPE", coretype);
  // BLIS runs single-threaded unless told otherwise.
  if (/blis/i.test(path) && envGranted("BLIS_NUM_THREADS") && !Deno.env.get("BLIS_NUM_THREADS")) {
    Deno.env.set("BLIS_NUM_THREADS", String(navigator.hardwareConcurrency ?? 1));
  }
  let blas: Blas | null = null;
  try {
    const s = Deno.dlopen(path, SYMBOLS).symbols;
    const { name, kernel } = describe(path, s);
    const setThreads = s.openblas_set_num_threads && s.openblas_get_num_threads
      ? s.openblas_set_num_threads
      : null;
    const allThreads = setThreads ? s.openblas_get_num_threads!() : 1;
    let threads = allThreads;
    blas = {
      library: path,
      name,
      kernel,
      // The thread count is part of what a result depends on: several threads sum a product's
      // terms in another order than one (a sweep's `--jobs` shards run one thread each).
      description: `${kernel ? `${name} ${kernel}` : name}, ${allThreads} thread${
        allThreads === 1 ? "" : "s"
      }`,
      gemm({ a, b, c, m, n, k, transA, transB }) {
        if (setThreads !== null) {
          const want = m * n * k < SMALL_GEMM_MACS ? 1 : allThreads;
          if (want !== threads) setThreads(threads = want);
        }
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
  } finally {
    if (canSet && before === undefined) Deno.env.delete("OPENBLAS_CORETYPE");
    else if (canSet) Deno.env.set("OPENBLAS_CORETYPE", before!);
  }
  opened.set(path, blas);
  return blas;
}

/** The outcome of {@linkcode selectBlas}. */
export interface BlasSelection {
  /** The first candidate that opened and passed the check, or `null`. */
  blas: Blas | null;
  /** One line per candidate that opened but computed wrong results. */
  refused: string[];
  /** Paths that did not open. */
  missing: string[];
}

/** How {@linkcode selectBlas} opens and checks (replaceable in tests). */
export interface SelectOptions {
  /** Opens a candidate; default {@linkcode openCandidate}. */
  open?: (candidate: BlasCandidate) => Blas | null;
  /** Checks a library; `null` when right. Default `checkGemm`. */
  check?: (blas: Blas) => string | null;
}

/**
 * Try `candidates` in order: open, check, keep the first that passes.
 *
 * @example
 * ```ts
 * import { type Blas, selectBlas } from "./blas.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const fake = (name: string): Blas => ({
 *   library: name, name, kernel: null, description: name, gemm() {},
 * });
 * const { blas, refused } = selectBlas([{ path: "bad" }, { path: "good" }], {
 *   open: (c) => fake(c.path),
 *   check: (b) => (b.name === "bad" ? "sgemm 3x5x7 wrong" : null),
 * });
 * assertEquals([blas?.name, refused.length], ["good", 1]);
 * ```
 */
export function selectBlas(
  candidates: readonly BlasCandidate[],
  opts: SelectOptions = {},
): BlasSelection {
  const open = opts.open ?? openCandidate;
  const check = opts.check ?? ((b: Blas) => checkGemm(b.gemm));
  const refused: string[] = [], missing: string[] = [];
  for (const candidate of candidates) {
    const blas = open(candidate);
    if (!blas) {
      missing.push(candidate.path);
      continue;
    }
    const wrong = check(blas);
    if (wrong === null) return { blas, refused, missing };
    refused.push(`${blas.description} (${candidate.path}): ${wrong}`);
  }
  return { blas: null, refused, missing };
}

const selections = new Map<string, BlasSelection>();
const told = new Set<string>();

function tell(line: string): void {
  if (told.has(line)) return;
  told.add(line);
  console.error(line);
}

const withF32 = new Map<Blas | null, Blas | null>();

/**
 * `base` with its f32 products on oneDNN, when oneDNN opens and passes the check: `NUGRAD_ONEDNN`
 * names the library (`0` for none); unset, the usual names are tried unless the BLAS library was
 * named explicitly (`explicit`). `null` when oneDNN is not used.
 */
function oneDnnOver(base: Blas | null, explicit: boolean): Blas | null {
  const env = envGet("NUGRAD_ONEDNN");
  if (env === "0" || env === "off" || (env === undefined && explicit)) return null;
  if (withF32.has(base)) return withF32.get(base)!;
  let result: Blas | null = null;
  for (const path of env !== undefined ? [env] : DEFAULT_ONEDNN_CANDIDATES) {
    const dnnl = openOneDnn(path);
    if (!dnnl) continue;
    const { gemm, description } = withOneDnn(dnnl, base);
    const wrong = checkGemm(gemm);
    if (wrong !== null) {
      tell(`nugrad: refused ${dnnl.name} (${path}) for f32 products: ${wrong}`);
      break;
    }
    result = {
      library: base ? `${dnnl.library} + ${base.library}` : dnnl.library,
      name: base ? `${dnnl.name} + ${base.name}` : dnnl.name,
      kernel: base?.kernel ?? null,
      description,
      gemm,
      // Batches only where they give the bits of one product at a time (`batched_bits.ts`).
      ...(dnnl.batched ? { gemmBatched: bitExactBatched(dnnl.batched, gemm) } : {}),
    };
    break;
  }
  withF32.set(base, result);
  return result;
}

/** Options of {@linkcode openBlas}. */
export interface OpenBlasOptions {
  /** What CPU matmul runs when no BLAS opens, for the notice (default `the TypeScript fallback`). */
  fallback?: string;
}

/**
 * Open a BLAS library. `choice`: `false` opens none; a string opens that
 * path; `true`/`undefined` tries `NUGRAD_BLAS`, then
 * {@linkcode DEFAULT_BLAS_CANDIDATES}. A refused library gets one stderr line;
 * when nothing opens, one line (once per process) says why and what runs
 * instead, and `null` is returned.
 *
 * @example
 * ```ts
 * import { openBlas } from "./blas.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const blas = openBlas(); // null without --allow-ffi or a library
 * assertEquals(blas === null || blas.description.length > 0, true);
 * ```
 */
export function openBlas(choice?: boolean | string, opts: OpenBlasOptions = {}): Blas | null {
  if (choice === false) return null;
  const env = typeof choice === "string" ? undefined : envGet("NUGRAD_BLAS");
  const paths = typeof choice === "string"
    ? [choice]
    : env !== undefined
    ? [env]
    : DEFAULT_BLAS_CANDIDATES;
  const granted = ffiGranted();
  let selection: BlasSelection = { blas: null, refused: [], missing: [...paths] };
  if (granted) {
    const key = paths.join("\n");
    const known = selections.get(key);
    if (known) {
      selection = known;
    } else {
      const candidates = blasCandidates({
        paths,
        cpu: readCpuFeatures(),
        userCoretype: envGet("OPENBLAS_CORETYPE"),
      });
      selection = selectBlas(candidates);
      selections.set(key, selection);
    }
  }
  for (const r of selection.refused) {
    tell(`nugrad: refused BLAS ${r}; it computes wrong results, so the next candidate is used`);
  }
  const explicit = typeof choice === "string" || env !== undefined;
  if (granted) {
    const f32 = oneDnnOver(selection.blas, explicit);
    if (f32) return f32;
  }
  if (selection.blas) return selection.blas;
  const why = !granted
    ? "no BLAS: FFI is not permitted (run with --allow-ffi)"
    : selection.refused.length > 0 && selection.missing.length === 0
    ? "no BLAS passed the load-time check"
    : `no BLAS library found (tried ${paths.join(", ")})`;
  tell(
    `nugrad: ${why}; CPU matmul uses ${opts.fallback ?? "the TypeScript fallback"}. ` +
      "Install libopenblas0-pthread and libdnnl2, or set NUGRAD_BLAS=/path/to/libblas.so",
  );
  return null;
}

/**
 * The BLAS kernels this machine has, side by side: f32 GEMM GFLOP/s of each
 * OpenBLAS kernel (`OPENBLAS_CORETYPE`, fixed when the library loads, so one
 * child process per kernel), of BLIS, and of the kernel nugrad chooses by
 * itself, at square sizes. It is the "best kernel on the machine" the matmul
 * targets of issue 10 are measured against. The kernels are measured in
 * `--rounds` round-robin passes and each cell is the best pass: other
 * processes' load only ever slows a pass down, and OpenBLAS's two threads
 * suffer badly when a core is taken.
 *
 * ```sh
 * deno run -A bench/peers/blas_kernels.ts [--sizes 256,512,1024,2048] \
 *   [--kernels Prescott,Haswell,Zen,SkylakeX,Cooperlake] [--seconds 0.3] [--rounds 3]
 * ```
 *
 * @example
 * ```ts
 * import { parseKernelArgs } from "./blas_kernels.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(parseKernelArgs(["--sizes", "64"]).sizes, [64]);
 * ```
 *
 * @module
 */
import { parseArgs } from "../cli.ts";
import { openBlas } from "../../kernels/cpu/blas.ts";
import { readCpuFeatures } from "../../kernels/cpu/cpu_features.ts";

/** Command-line options. */
export interface KernelArgs {
  sizes: number[];
  kernels: string[];
  seconds: number;
  /** Round-robin passes over the kernels; each cell is the best. */
  rounds: number;
  /** Internal: measure in this process and print one JSON line. */
  child: boolean;
}

/**
 * Parse the command line; bad values throw, naming the flag.
 *
 * @example
 * ```ts
 * import { parseKernelArgs } from "./blas_kernels.ts";
 * import { assertEquals, assertThrows } from "../../testing/assert.ts";
 * assertEquals(parseKernelArgs(["--kernels", "Haswell"]).kernels, ["Haswell"]);
 * assertThrows(() => parseKernelArgs(["--sizes", "0"]), "--sizes");
 * ```
 */
export function parseKernelArgs(argv: readonly string[]): KernelArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sizes: { type: "string", default: "256,512,1024,2048" },
      kernels: { type: "string", default: "Prescott,Haswell,Zen,SkylakeX,Cooperlake" },
      seconds: { type: "string", default: "0.3" },
      rounds: { type: "string", default: "3" },
      child: { type: "boolean", default: false },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new Error(`blas_kernels: --sizes needs positive integers, got ${values.sizes}`);
  }
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`blas_kernels: --seconds needs > 0, got ${values.seconds}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`blas_kernels: --rounds needs a positive integer, got ${values.rounds}`);
  }
  return { sizes, kernels: values.kernels.split(","), seconds, rounds, child: values.child };
}

/**
 * GFLOP/s of `openBlas()`'s sgemm at each size (median of 5 timed runs), or
 * `{ error }` when no BLAS opens.
 *
 * @example
 * ```ts
 * import { measureBlas } from "./blas_kernels.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const r = measureBlas([16], 0.001);
 * assertEquals("error" in r || (r.gflops as Record<number, number>)[16] > 0, true);
 * ```
 */
export function measureBlas(sizes: readonly number[], seconds: number): Record<string, unknown> {
  const blas = openBlas();
  if (!blas) return { error: "no BLAS opened" };
  const gflops: Record<number, number> = {};
  for (const n of sizes) {
    const a = new Float32Array(n * n).map((_, i) => Math.sin(i));
    const c = new Float32Array(n * n);
    const run = () => blas.gemm({ a, b: a, c, m: n, n, k: n, transA: false, transB: false });
    run();
    let reps = 1;
    for (;;) {
      const t = performance.now();
      for (let r = 0; r < reps; r++) run();
      if ((performance.now() - t) / 1e3 > seconds / 5 || reps > 1e5) break;
      reps *= 2;
    }
    const times: number[] = [];
    for (let s = 0; s < 5; s++) {
      const t = performance.now();
      for (let r = 0; r < reps; r++) run();
      times.push((performance.now() - t) / 1e3 / reps);
    }
    times.sort((x, y) => x - y);
    gflops[n] = 2 * n ** 3 / times[2] / 1e9;
  }
  return { description: blas.description, library: blas.library, gflops };
}

async function child(env: Record<string, string>, unset: string[], args: KernelArgs) {
  const self = new URL(import.meta.url).pathname;
  const argv = [
    ...unset.flatMap((k) => ["-u", k]),
    Deno.execPath(),
    "run",
    "-A",
    self,
    "--child",
    "--sizes",
    args.sizes.join(","),
    "--seconds",
    String(args.seconds),
  ];
  const out = await new Deno.Command("env", { args: argv, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { error: new TextDecoder().decode(out.stderr).trim().split("\n")[0] };
  }
}

/** Measure every kernel, print a markdown table. */
async function main(argv: readonly string[]): Promise<void> {
  const args = parseKernelArgs(argv);
  if (args.child) {
    console.log(JSON.stringify(measureBlas(args.sizes, args.seconds)));
    return;
  }
  const cpu = readCpuFeatures();
  const userSet = Deno.env.get("OPENBLAS_CORETYPE");
  type Run = [label: string, env: Record<string, string>, unset: string[]];
  const runs: Run[] = [
    ["nugrad's choice (OPENBLAS_CORETYPE unset)", {}, ["OPENBLAS_CORETYPE", "NUGRAD_BLAS"]],
    ...(userSet
      ? [[`OPENBLAS_CORETYPE=${userSet} (preset here)`, {}, ["NUGRAD_BLAS"]] as Run]
      : []),
    ...args.kernels.map((k): Run => [`OPENBLAS_CORETYPE=${k}`, { OPENBLAS_CORETYPE: k }, [
      "NUGRAD_BLAS",
    ]]),
    ["BLIS (NUGRAD_BLAS=libblis.so.4)", { NUGRAD_BLAS: "libblis.so.4" }, []],
  ];
  const rows: [string, Record<string, unknown>][] = runs.map(([label]) => [label, {}]);
  for (let round = 0; round < args.rounds; round++) {
    for (const [i, [, env, unset]] of runs.entries()) {
      const r = await child(env, unset, args);
      const best = rows[i][1];
      if (!r.gflops) {
        if (!best.gflops) rows[i][1] = r;
        continue;
      }
      const g = r.gflops as Record<string, number>;
      const b = (best.gflops ?? {}) as Record<string, number>;
      for (const n of args.sizes) b[n] = Math.max(b[n] ?? 0, g[n]);
      rows[i][1] = { ...r, gflops: b };
    }
  }
  const load = (() => {
    try {
      return Deno.readTextFileSync("/proc/loadavg").split(" ")[0];
    } catch {
      return "?";
    }
  })();
  console.log(`## BLAS kernels, ${new Date().toISOString()}\n`);
  console.log(
    `Machine: ${
      cpu?.modelName ?? "unknown CPU"
    }, ${navigator.hardwareConcurrency} logical cores; ` +
      `1-min load average ${load} at the end. f32 GEMM GFLOP/s, median of 5 runs, best of ${args.rounds} ` +
      "round-robin passes.\n",
  );
  console.log(`| kernel | runs | ${args.sizes.map((n) => `${n}^3`).join(" | ")} |`);
  console.log(`|---|---|${args.sizes.map(() => "---:").join("|")}|`);
  for (const [label, r] of rows) {
    const g = r.gflops as Record<string, number> | undefined;
    const cells = args.sizes.map((n) => (g ? g[n].toFixed(0) : "–"));
    console.log(`| ${label} | ${r.description ?? r.error} | ${cells.join(" | ")} |`);
  }
}

if (import.meta.main) await main(Deno.args);

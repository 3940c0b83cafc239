/**
 * Side-by-side benchmark of nugrad against the libraries a Deno user would
 * try instead, in one process: matmul GFLOP/s (square and transformer shapes
 * with their backward forms), elementwise GB/s, row softmax and per-dispatch
 * overhead, with ratios against nugrad-cpu and the targets of issues 3 and 10
 * (nugrad-cpu is BLAS; nugrad-wasm the Wasm SIMD path a script without FFI gets).
 *
 * ```sh
 * DENO_WEBGPU_BACKEND=vulkan deno run -A bench/peers/matmul.ts \
 *   [--sizes 256,512,1024,2048] [--backends cpu,wasm,ts,webgpu,jax-wasm,jax-webgpu,tfjs-wasm] \
 *   [--cases matmul,transformer,elementwise,softmax,overhead] [--gpu-max 1024] [--ts-max 512] \
 *   [--target 0.25] [--samples 5] [--cell-timeout 120] [--jax-module path.js] [--out r.json]
 * ```
 *
 * Every sample issues `reps` independent ops on inputs uploaded once and ends
 * in ONE sync (a 4-byte readback, or jax-js's `blockUntilReady`), with `reps`
 * grown until a sample lasts `--target` seconds, so that the sync (≥ 11 ms
 * per readback on WebGPU under Deno) is amortised; the median over samples is
 * reported. Each engine's result is first checked (element 0 against an f64
 * host value) and calibrated alone; samples are then taken round-robin across
 * engines, so that load from other processes falls on all of them alike.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./matmul.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(parseArgs(["--sizes", "256,512", "--backends", "cpu"]).sizes, [256, 512]);
 * ```
 *
 * @module
 */
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { wasmGemm } from "../../kernels/cpu/wasm/wasm_gemm.ts";
import {
  type BenchCase,
  caseInputs,
  caseWork,
  type Engine,
  expectedFirst,
  matmulCase,
  type Prepared,
} from "./engine.ts";
import { errorText, loadJax } from "./jax_engine.ts";
import { nugradEngine } from "./nugrad_engine.ts";
import {
  type CellResult,
  REFERENCE,
  resultTable,
  skipNotes,
  targetChecks,
  targetSummary,
} from "./report.ts";
import { loadTfjsWasm } from "./tfjs_engine.ts";
import { calibrate, median, timeRun } from "./timing.ts";

/** Command-line options. */
export interface PeerBenchArgs {
  sizes: number[];
  backends: string[];
  cases: string[];
  gpuMax: number;
  tsMax: number;
  target: number;
  samples: number;
  cellTimeout: number;
  jaxModule?: string;
  out?: string;
}

const ALL_BACKENDS = ["cpu", "wasm", "ts", "webgpu", "jax-wasm", "jax-webgpu", "tfjs-wasm"];
const ALL_CASES = ["matmul", "transformer", "elementwise", "softmax", "overhead"];

function list(v: string): string[] {
  return v.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Parse the command line (see the module doc); unknown flags throw.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./matmul.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(parseArgs([]).gpuMax, 1024);
 * ```
 */
export function parseArgs(argv: readonly string[]): PeerBenchArgs {
  const a: PeerBenchArgs = {
    sizes: [256, 512, 1024, 2048],
    backends: ALL_BACKENDS,
    cases: ALL_CASES,
    gpuMax: 1024,
    tsMax: 512,
    target: 0.25,
    samples: 5,
    cellTimeout: 120,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`peer bench: ${flag} needs a value`);
    i++;
    const num = (): number => {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) {
        throw new Error(`peer bench: ${flag} needs a positive number, got ${value}`);
      }
      return n;
    };
    switch (flag) {
      case "--sizes":
        a.sizes = list(value).map(Number);
        if (a.sizes.some((n) => !Number.isInteger(n) || n <= 0)) {
          throw new Error(`peer bench: --sizes needs positive integers, got ${value}`);
        }
        break;
      case "--backends":
        a.backends = list(value);
        for (const b of a.backends) {
          if (!ALL_BACKENDS.includes(b)) {
            throw new Error(`peer bench: unknown backend ${b} (known: ${ALL_BACKENDS.join(",")})`);
          }
        }
        break;
      case "--cases":
        a.cases = list(value);
        for (const c of a.cases) {
          if (!ALL_CASES.includes(c)) {
            throw new Error(`peer bench: unknown case ${c} (known: ${ALL_CASES.join(",")})`);
          }
        }
        break;
      case "--gpu-max":
        a.gpuMax = num();
        break;
      case "--ts-max":
        a.tsMax = num();
        break;
      case "--target":
        a.target = num();
        break;
      case "--samples":
        a.samples = num();
        break;
      case "--cell-timeout":
        a.cellTimeout = num();
        break;
      case "--jax-module":
        a.jaxModule = value;
        break;
      case "--out":
        a.out = value;
        break;
      default:
        throw new Error(`peer bench: unknown flag ${flag}`);
    }
  }
  return a;
}

/**
 * The cases the arguments ask for, in run order.
 *
 * @example
 * ```ts
 * import { buildCases, parseArgs } from "./matmul.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const cases = buildCases(parseArgs(["--sizes", "256", "--cases", "matmul"]));
 * assertEquals(cases.map((c) => c.label), ["256^3"]);
 * ```
 */
export function buildCases(args: PeerBenchArgs): BenchCase[] {
  const cases: BenchCase[] = [];
  if (args.cases.includes("matmul")) {
    for (const n of args.sizes) cases.push(matmulCase(n, n, n, { label: `${n}^3` }));
  }
  if (args.cases.includes("transformer")) {
    cases.push(matmulCase(1024, 128, 512, { label: "fwd [1024x128]x[128x512]" }));
    cases.push(matmulCase(1024, 512, 128, { transB: true, label: "gA [1024x512]x[128x512]^T" }));
    cases.push(matmulCase(128, 1024, 512, { transA: true, label: "gB [1024x128]^Tx[1024x512]" }));
  }
  if (args.cases.includes("elementwise")) {
    cases.push({ kind: "add", label: "add 1M f32", size: 1 << 20 });
    cases.push({ kind: "exp", label: "exp 1M f32", size: 1 << 20 });
  }
  if (args.cases.includes("softmax")) {
    cases.push({ kind: "softmax", label: "softmax [4096x256] rows", rows: 4096, cols: 256 });
  }
  if (args.cases.includes("overhead")) {
    cases.push({ kind: "overhead", label: "tiny add [64], per op", size: 64 });
  }
  return cases;
}

async function loadEngines(args: PeerBenchArgs): Promise<{ engines: Engine[]; failed: string[] }> {
  const engines: Engine[] = [];
  const failed: string[] = [];
  const want = (b: string) => args.backends.includes(b);
  if (want("cpu")) {
    const cpu = createCpuBackend({ blas: true });
    engines.push(nugradEngine("nugrad-cpu", cpu, "cpu"));
  }
  if (want("wasm")) {
    // The path a script run without --allow-ffi (or without OpenBLAS) gets; its Worker
    // threads are started here so that no case pays their start-up.
    const wasm = createCpuBackend({ matmul: "wasm" });
    await wasmGemm()?.startThreads();
    engines.push(nugradEngine("nugrad-wasm", wasm, "cpu", { matmulOnly: true }));
  }
  if (want("ts")) {
    engines.push(nugradEngine("nugrad-ts", createCpuBackend({ matmul: "ts" }), "cpu", {
      matmulOnly: true,
      maxMatmulFlops: 2 * args.tsMax ** 3,
    }));
  }
  if (want("webgpu")) {
    try {
      const { createWebGpuBackend } = await import("../../kernels/webgpu/backend.ts");
      const gpu = await createWebGpuBackend();
      engines.push({ ...nugradEngine("nugrad-webgpu", gpu, "gpu"), close: () => gpu.destroy() });
    } catch (e) {
      failed.push(`nugrad-webgpu: ${errorText(e)}`);
    }
  }
  const jaxDevices = (["wasm", "webgpu"] as const).filter((d) => want(`jax-${d}`));
  if (jaxDevices.length > 0) {
    // A path on the command line is relative to the working directory, not to jax_engine.ts.
    const jaxUrl = args.jaxModule && !/^(npm|jsr|https?|file):/.test(args.jaxModule)
      ? new URL(args.jaxModule, `file://${Deno.cwd()}/`).href
      : args.jaxModule;
    for (const e of await loadJax(jaxDevices, jaxUrl)) {
      if (typeof e === "string") failed.push(e);
      else engines.push(e);
    }
  }
  if (want("tfjs-wasm")) {
    const e = await loadTfjsWasm();
    if (typeof e === "string") failed.push(e);
    else engines.push(e);
  }
  return { engines, failed };
}

function withTimeout<T>(p: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: timed out after ${seconds} s`)),
      seconds * 1e3,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** An engine taking part in one case: its runner, calibration and samples so far. */
interface Active {
  engine: Engine;
  p: Prepared;
  result: CellResult;
  reps: number;
  samples: number[];
  spent: number;
}

/**
 * Run one case on every engine. Each engine is checked (element 0 against the
 * host) and calibrated alone; then samples are taken round-robin across the
 * engines, so that load from other processes falls on all of them alike.
 */
async function runCase(
  engines: readonly Engine[],
  c: BenchCase,
  inputs: Float32Array[],
  args: PeerBenchArgs,
  dead: ReadonlySet<string>,
): Promise<CellResult[]> {
  const { amount, unit } = caseWork(c);
  const results: CellResult[] = [];
  const active: Active[] = [];
  const timed = <T>(e: Engine, p: Promise<T>) =>
    withTimeout(p, args.cellTimeout, `${e.name} ${c.label}`);
  for (const engine of engines) {
    const result: CellResult = { case: c.label, kind: c.kind, engine: engine.name, unit };
    results.push(result);
    if (dead.has(engine.name)) {
      result.skipped = "engine timed out earlier";
      continue;
    }
    if (c.kind === "matmul" && engine.device === "gpu" && Math.max(c.m, c.k, c.n) > args.gpuMax) {
      result.skipped = `larger than --gpu-max ${args.gpuMax}`;
      continue;
    }
    let p: Prepared | string;
    try {
      p = engine.prepare(c, inputs);
    } catch (e) {
      result.error = errorText(e);
      continue;
    }
    if (typeof p === "string") {
      result.skipped = p;
      continue;
    }
    try {
      const got = await timed(engine, p.first());
      const expected = expectedFirst(c, inputs);
      const tol = c.kind === "matmul" ? 1e-3 * Math.sqrt(c.k) : 1e-4;
      result.check = {
        got,
        expected,
        ok: Math.abs(got - expected) <= tol * (1 + Math.abs(expected)),
      };
      const cal = await timed(engine, calibrate(p, { targetSeconds: args.target }));
      result.firstRunSeconds = cal.firstRunSeconds;
      active.push({
        engine,
        p,
        result,
        reps: cal.reps,
        samples: [cal.firstSampleSeconds / cal.reps],
        spent: cal.firstSampleSeconds,
      });
    } catch (e) {
      result.error = errorText(e);
      dispose(p);
    }
  }
  const budget = 4;
  for (let round = 1; round < args.samples; round++) {
    for (const a of active) {
      if (a.result.error || (a.samples.length >= 3 && a.spent > budget)) continue;
      try {
        const t = await timed(a.engine, timeRun(a.p, a.reps));
        a.samples.push(t / a.reps);
        a.spent += t;
      } catch (e) {
        a.result.error = errorText(e);
      }
    }
  }
  for (const a of active) {
    if (!a.result.error) {
      const s = median(a.samples);
      Object.assign(a.result, {
        value: unit === "us/op" ? s * 1e6 : amount / s / 1e9,
        secondsPerOp: s,
        reps: a.reps,
        samples: a.samples,
      });
      if (c.kind === "overhead") {
        try {
          const lat: number[] = [];
          for (let i = 0; i < 5; i++) lat.push(await timed(a.engine, timeRun(a.p, 1)));
          a.result.latencySeconds = median(lat);
        } catch (e) {
          a.result.error = errorText(e);
        }
      }
    }
    dispose(a.p);
  }
  return results;
}

function dispose(p: Prepared): void {
  try {
    p.dispose();
  } catch { /* a failed engine may not free cleanly; the run goes on */ }
}

/** `/proc/loadavg`'s 1-minute load, or -1 where there is none. */
function loadAverage(): number {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return -1;
  }
}

/** What the report says about the machine. */
interface MachineInfo {
  cpu: string;
  cores: number;
  os: string;
  deno: string;
  webgpuBackendEnv: string;
}

function machineInfo(): MachineInfo {
  let cpu = "unknown";
  try {
    const m = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/);
    if (m) cpu = m[1];
  } catch { /* not Linux */ }
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    webgpuBackendEnv: Deno.env.get("DENO_WEBGPU_BACKEND") ?? "(unset)",
  };
}

/** Run the benchmark described by `argv`; prints markdown, returns the JSON report. */
export async function main(argv: readonly string[]): Promise<Record<string, unknown>> {
  const args = parseArgs(argv);
  const started = performance.now();
  const loadBefore = loadAverage();
  const { engines, failed } = await loadEngines(args);
  const names = engines.map((e) => e.name);
  for (const e of engines) console.error(`engine ${e.name}: ${e.info}`);
  for (const f of failed) console.error(`engine unavailable: ${f}`);
  const results: CellResult[] = [];
  const dead = new Set<string>();
  for (const [i, c] of buildCases(args).entries()) {
    const inputs = caseInputs(c, i + 1);
    for (const r of await runCase(engines, c, inputs, args, dead)) {
      if (r.error?.includes("timed out")) dead.add(r.engine);
      results.push(r);
      const shown = r.value !== undefined
        ? `${r.value.toFixed(2)} ${r.unit} (reps ${r.reps}, first ${
          r.check?.ok ? "ok" : `WRONG ${r.check?.got} vs ${r.check?.expected}`
        })`
        : r.error
        ? `error: ${r.error}`
        : `skipped: ${r.skipped}`;
      console.error(`${c.label.padEnd(28)} ${r.engine.padEnd(14)} ${shown}`);
    }
  }
  for (const e of engines) e.close?.();
  const checks = targetChecks(results);
  const seconds = (performance.now() - started) / 1000;
  const machine = { ...machineInfo(), loadBefore, loadAfter: loadAverage() };
  const lines = [
    `## Peer benchmark, ${new Date().toISOString()}`,
    "",
    `Command: \`deno run -A bench/peers/matmul.ts ${argv.join(" ")}\` (${seconds.toFixed(0)} s)`,
    "",
    `Machine: ${machine.cpu}, ${machine.cores} logical cores, ${machine.os}, Deno ${machine.deno}, ` +
    `DENO_WEBGPU_BACKEND=${machine.webgpuBackendEnv}; 1-min load average ${loadBefore} before, ` +
    `${machine.loadAfter} after (other processes share these cores)`,
    "",
    "| engine | what | sync per sample |",
    "|---|---|---|",
    ...engines.map((e) => `| ${e.name} | ${e.info} | ${e.sync} |`),
    ...failed.map((f) =>
      `| ${f.split(":")[0]} | unavailable: ${f.slice(f.indexOf(":") + 1).trim()} | |`
    ),
    "",
    `Cells: median over samples; in parentheses, speed relative to ${
      names.includes(REFERENCE) ? REFERENCE : names[0]
    } (its time per op / this engine's; > 1 is faster). \`–\`: skipped (see notes).`,
    "",
    resultTable(results, names),
    "",
    "Targets (issues 3 and 10):",
    "",
    checks.length ? targetSummary(checks) : "- no pair of engines measured for a target",
    "",
    ...(skipNotes(results).length ? ["Skipped or failed:", "", ...skipNotes(results)] : []),
  ];
  console.log(lines.join("\n"));
  const report = {
    date: new Date().toISOString(),
    argv,
    seconds,
    machine,
    engines: engines.map((e) => ({ name: e.name, info: e.info, sync: e.sync })),
    unavailable: failed,
    results,
    targets: checks,
  };
  if (args.out) await Deno.writeTextFile(args.out, JSON.stringify(report, null, 2) + "\n");
  return report;
}

if (import.meta.main) {
  await main(Deno.args);
  // jax-js keeps Web Workers alive; end the process once the report is out.
  Deno.exit(0);
}

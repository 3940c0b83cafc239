/**
 * Running fused kernels through WebAssembly SIMD on the CPU: settings (on by
 * default where the runtime has Wasm SIMD; `NUGRAD_CPU_KERNELS=js` turns it
 * off, `NUGRAD_WASM_RELAXED=0` keeps relaxed SIMD out), the module cache (by
 * the collapsed kernel's `kernelKey`, so by structure, never by buffers), and
 * the call: parameters written, arrays that are not views of the kernels'
 * memory copied in and out.
 *
 * {@linkcode runFusedWasm} answers `false` for a kernel it does not take (see
 * `fused_support.ts`); the caller then runs the JavaScript renderer.
 *
 * @example
 * ```ts
 * import { runFusedWasm } from "./fused_dispatch.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const out = new Float32Array(5);
 * const ran = runFusedWasm({
 *   shape: [5],
 *   inputs: [{ dtype: "f32", strides: [1], offset: 0 }],
 *   nodes: [
 *     { fn: "load", input: 0, dtype: "f32" },
 *     { fn: "const", value: 2, dtype: "f32" },
 *     { fn: "mul", args: [0, 1], dtype: "f32" },
 *   ],
 *   outputs: [2],
 * }, [new Float32Array([1, 2, 3, 4, 5])], [out]);
 * if (ran) assertEquals([...out], [2, 4, 6, 8, 10]);
 * ```
 *
 * @module
 */
import type { DataArray } from "../../backend.ts";
import { collapseKernel, type FusedKernel, isRowKernel, kernelKey } from "../../fused.ts";
import { relaxedSimdSupported } from "./gemm_module.ts";
import { fusedAlloc, fusedFree, fusedHeap, PARAM_BLOCKS, PARAM_BYTES } from "./fused_memory.ts";
import { fusedModuleBytes, rowKernelSpills } from "./fused_module.ts";
import {
  atLeastRank1,
  type ParamLayout,
  paramLayout,
  reductionWord,
  sliceAxisWords,
  writeAddresses,
} from "./fused_params.ts";
import { runFusedJob, startFusedWorkers } from "./fused_threads.ts";
import { defaultThreads } from "./wasm_gemm.ts";
import { wasmUnsupported } from "./fused_support.ts";
import { type LiftedKernel, liftUniform } from "./fused_uniform.ts";

/** How fused kernels run on the CPU. */
export interface FusedWasmSettings {
  /** Render supported kernels to Wasm SIMD (else JavaScript). */
  enabled: boolean;
  /** Use relaxed SIMD (madd) where the runtime validates it. */
  relaxed: boolean;
  /** Threads a large kernel runs on (the calling one included). */
  threads: number;
  /** Kernels of fewer elements run on the calling thread alone. */
  threadMinElements: number;
  /**
   * From this many elements per index of the axes before its first reduced axis, a reducing
   * kernel (not a row kernel) runs in eight slabs of that axis, each reduced into a partial,
   * the partials then added in order — on any number of threads, one included, and whatever
   * the axes before it, so that its bits depend neither on the machine's cores nor on whether
   * it runs as a member of a vmapped group or alone. Below it the axis is reduced in order.
   */
  partialMinElements: number;
}

function envFlag(name: string): string | undefined {
  const d = (globalThis as { Deno?: typeof Deno }).Deno;
  try {
    if (d?.permissions.querySync?.({ name: "env", variable: name }).state !== "granted") {
      return undefined;
    }
    return d.env.get(name);
  } catch {
    return undefined;
  }
}

function simdSupported(): boolean {
  try {
    return WebAssembly.validate(
      fusedModuleBytes({
        shape: [4],
        inputs: [],
        nodes: [{ fn: "const", value: 1, dtype: "f32" }],
        outputs: [0],
      }, { fma: false, shared: false }),
    );
  } catch {
    return false;
  }
}

let settings: FusedWasmSettings | undefined;
let relaxedValid: boolean | undefined;

/**
 * The current settings: from the environment on first use, then as
 * {@linkcode setFusedWasm} left them.
 *
 * @example
 * ```ts
 * import { fusedWasmSettings } from "./fused_dispatch.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(typeof fusedWasmSettings().enabled, "boolean");
 * ```
 */
export function fusedWasmSettings(): FusedWasmSettings {
  if (settings === undefined) {
    relaxedValid ??= relaxedSimdSupported();
    settings = {
      enabled: envFlag("NUGRAD_CPU_KERNELS") !== "js" && simdSupported(),
      relaxed: envFlag("NUGRAD_WASM_RELAXED") !== "0" && relaxedValid,
      threads: fusedHeap().shared ? defaultThreads() : 1,
      // 128K elements: on a 2-core AMD EPYC (AVX2) the step's 128K-1M-element kernels (the
      // cross-entropy's rows, SwiGLU's backward sums) run faster over both cores; on a 2-core
      // Intel Xeon (AVX-512) 128K measured neither faster nor slower than 1M (before slabs).
      threadMinElements: 1 << 17,
      partialMinElements: 1 << 17,
    };
  }
  return settings;
}

/**
 * How fused kernels run now, in words (a backend's `info()` names it, since the path changes
 * results in their last bits): `Wasm SIMD (relaxed), 2 threads`, `Wasm SIMD, 1 thread` or
 * `JavaScript`.
 *
 * @example
 * ```ts
 * import { fusedWasmDescription, setFusedWasm } from "./fused_dispatch.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const before = setFusedWasm({ enabled: false });
 * assertEquals(fusedWasmDescription(), "JavaScript");
 * setFusedWasm(before);
 * ```
 */
export function fusedWasmDescription(): string {
  const s = fusedWasmSettings();
  if (!s.enabled) return "JavaScript";
  return `Wasm SIMD${s.relaxed ? " (relaxed)" : ""}, ${s.threads} thread${
    s.threads === 1 ? "" : "s"
  }`;
}

/**
 * Change the settings (tests, benchmarks); returns the previous ones.
 * Relaxed SIMD stays off where the runtime does not validate it.
 *
 * @example
 * ```ts
 * import { setFusedWasm } from "./fused_dispatch.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const before = setFusedWasm({ enabled: false });
 * assertEquals(setFusedWasm(before).enabled, false);
 * ```
 */
export function setFusedWasm(change: Partial<FusedWasmSettings>): FusedWasmSettings {
  const before = { ...fusedWasmSettings() };
  settings = { ...before, ...change };
  settings.relaxed = settings.relaxed && (relaxedValid ??= relaxedSimdSupported());
  if (!Number.isInteger(settings.threads) || settings.threads < 1) {
    throw new Error(`setFusedWasm: threads must be a positive integer, got ${settings.threads}`);
  }
  if (!fusedHeap().shared) settings.threads = 1;
  return before;
}

/**
 * Runs a kernel on the host (the JavaScript renderer): what computes a kernel's uniform f64
 * part before its lanes run (`fused_uniform.ts`).
 */
export type HostRunner = (
  kernel: FusedKernel,
  inputs: readonly DataArray[],
  outputs: readonly DataArray[],
) => void;

/** A compiled kernel module: its `run`, its bytes (for Workers), its number. */
interface CompiledModule {
  run: (params: number) => void;
  bytes: Uint8Array;
  id: number;
  /** Where its bytes lie in the kernels' memory once a Worker job needed them. */
  bytesAt?: number;
}

/** A kernel ready to run: its module, the collapsed kernel, the settings it was built for. */
interface Prepared {
  module: CompiledModule;
  run: (params: number) => void;
  k: FusedKernel;
  relaxed: boolean;
  /** Rows of axis 0 may run on different threads (axis 0 is not reduced). */
  splittable: boolean;
  /**
   * The first reduced axis, where the kernel may run in slabs of it (not a row kernel, whose
   * second pass needs the whole total): each slab reduces into a partial, added up after.
   */
  slabAxis: number | null;
  /** Elements of the iteration shape. */
  size: number;
  /** Elements from the slab axis in: what one index of the axes before it reduces. */
  sliceSize: number;
  /** Its parameter words, the operands' addresses written in on each call. */
  layout: ParamLayout;
  /** The module keeps row values in an output (`rowKernelSpills`): not for in-place calls. */
  spills: boolean;
  /** Set when the kernel's f64 part runs on the host first (`fused_uniform.ts`). */
  lifted?: { split: LiftedKernel; values: DataArray[] };
}

const modules = new Map<string, CompiledModule>();
let moduleCount = 0;
const MAX_MODULES = 2048;
const prepared = new WeakMap<FusedKernel, Prepared | null>();
/** The same for calls whose outputs overlap their inputs (modules without row spills). */
const preparedInPlace = new WeakMap<FusedKernel, Prepared | null>();

/** Whether an output's memory overlaps an input's. */
function overlaps(inputs: readonly DataArray[], outputs: readonly DataArray[]): boolean {
  for (const o of outputs) {
    for (const x of inputs) {
      if (
        o.buffer === x.buffer && o.byteOffset < x.byteOffset + x.byteLength &&
        x.byteOffset < o.byteOffset + o.byteLength
      ) return true;
    }
  }
  return false;
}

function prepare(kernel: FusedKernel, relaxed: boolean, spill: boolean): Prepared | null {
  if (wasmUnsupported(kernel) === null) return prepareLanes(kernel, relaxed, spill);
  const split = liftUniform(kernel);
  if (split === null || wasmUnsupported(split.kernel) !== null) return null;
  const p = prepareLanes(split.kernel, relaxed, spill);
  if (p === null) return null;
  const n = split.uniform.shape.reduce((a, b) => a * b, 1);
  // In the kernels' memory, so that every call reads them in place at the same addresses (no
  // staging copy, parameter words reused); given back when the prepared kernel is collected.
  const values = split.uniform.outputs.map((o) =>
    fusedAlloc(split.uniform.nodes[o].dtype === "bool" ? "bool" : "f32", n)
  );
  const lifted = { ...p, lifted: { split, values } };
  liftedValues.register(lifted, values);
  return lifted;
}

/** Frees a collected prepared kernel's lifted values. */
const liftedValues = new FinalizationRegistry<DataArray[]>((values) => values.forEach(fusedFree));

function prepareLanes(kernel: FusedKernel, relaxed: boolean, spill: boolean): Prepared | null {
  const k = atLeastRank1(collapseKernel(kernel));
  const spills = spill && rowKernelSpills(k);
  const key = `${relaxed ? "r" : "p"}${spills ? "s" : ""}${kernelKey(k)}`;
  let module = modules.get(key);
  if (module === undefined) {
    const h = fusedHeap();
    const bytes = fusedModuleBytes(k, { fma: relaxed, shared: h.shared, spill: spills });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { memory: h.memory, sin: Math.sin, cos: Math.cos },
    });
    const run = instance.exports.run as (params: number) => void;
    if (modules.size >= MAX_MODULES) modules.clear();
    module = { run, bytes, id: ++moduleCount };
    modules.set(key, module);
  }
  const axes = k.reduce?.axes ?? [];
  const first = axes.length > 0 ? Math.min(...axes) : -1;
  const slabAxis = first >= 0 && k.shape[first] > 1 && !isRowKernel(k) ? first : null;
  const splittable = k.shape[0] > 1 && !axes.includes(0);
  const size = k.shape.reduce((a, b) => a * b, 1);
  const sliceSize = k.shape.slice(Math.max(first, 0)).reduce((a, b) => a * b, 1);
  return {
    module,
    run: module.run,
    k,
    relaxed,
    splittable,
    slabAxis,
    size,
    sliceSize,
    spills,
    layout: paramLayout(k),
  };
}

let paramView: Int32Array | undefined;

/**
 * Run `kernel` with Wasm SIMD when it is enabled and takes the kernel:
 * `outputs` (one per output node, then the reduction's) fully written, `true`
 * returned. `false`: nothing was done (run the JavaScript renderer).
 *
 * @example
 * ```ts
 * import { runFusedWasm } from "./fused_dispatch.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const rowSums = new Float32Array(2);
 * const ran = runFusedWasm({
 *   shape: [2, 3],
 *   inputs: [{ dtype: "f32", strides: [3, 1], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }],
 *   outputs: [],
 *   reduce: { op: "sum", node: 0, axes: [1] },
 * }, [new Float32Array([1, 2, 3, 4, 5, 6])], [rowSums]);
 * if (ran) assertEquals([...rowSums], [6, 15]);
 * // f64 kernels stay with the JavaScript renderer.
 * assertEquals(runFusedWasm({
 *   shape: [1],
 *   inputs: [{ dtype: "f64", strides: [1], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f64" }],
 *   outputs: [0],
 * }, [new Float64Array(1)], [new Float64Array(1)]), false);
 * ```
 */
export function runFusedWasm(
  kernel: FusedKernel,
  inputs: readonly DataArray[],
  outputs: readonly DataArray[],
  host?: HostRunner,
): boolean {
  const s = fusedWasmSettings();
  if (!s.enabled) return false;
  let p = prepared.get(kernel);
  if (p === undefined || (p !== null && p.relaxed !== s.relaxed)) {
    p = prepare(kernel, s.relaxed, true);
    prepared.set(kernel, p);
  }
  if (p === null) return false;
  if (p.spills && overlaps(inputs, outputs)) {
    p = preparedInPlace.get(kernel);
    if (p === undefined || (p !== null && p.relaxed !== s.relaxed)) {
      p = prepare(kernel, s.relaxed, false);
      preparedInPlace.set(kernel, p);
    }
    if (p === null) return false;
  }
  if (p.lifted !== undefined) {
    if (host === undefined) return false;
    const { split, values } = p.lifted;
    host(split.uniform, split.uniformInputs.map((x) => inputs[x]), values);
    inputs = [...split.kept.map((x) => inputs[x]), ...values];
  }
  const h = fusedHeap();
  const staged: number[] = [];
  const addressOf = (a: DataArray, copyIn: boolean): number => {
    if (h.resident(a)) return a.byteOffset;
    const at = h.alloc(a.byteLength);
    staged.push(at);
    if (copyIn) {
      new Uint8Array(h.memory.buffer, at, a.byteLength).set(
        new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
      );
    }
    return at;
  };
  try {
    const inAt = inputs.map((a) => addressOf(a, true));
    const outAt = outputs.map((a) => addressOf(a, false));
    const words = writeAddresses(p.layout, inAt, outAt);
    if (paramView === undefined || paramView.byteLength === 0) {
      paramView = new Int32Array(h.memory.buffer, 0, 1024);
    }
    if (words.length > paramView.length) return false;
    if (p.slabAxis !== null && p.sliceSize >= s.partialMinElements) {
      runSlabs(p, words);
    } else if (s.threads > 1 && p.splittable && p.size >= s.threadMinElements) {
      runThreaded(p, words, s.threads);
    } else {
      paramView.set(words);
      p.run(0);
      lastUsed = 1;
    }
    outputs.forEach((a, j) => {
      if (h.resident(a)) return;
      const bytes = a.byteLength;
      new Uint8Array(a.buffer, a.byteOffset, bytes).set(
        new Uint8Array(h.memory.buffer, outAt[j], bytes),
      );
    });
  } finally {
    for (const at of staged) h.free(at);
  }
  return true;
}

/** Byte address of the Worker jobs' control block, and of their first parameter block. */
const CTL_AT = PARAM_BYTES;
const TASK_PARAMS_AT = 2 * PARAM_BYTES;
const MAX_TASKS = PARAM_BLOCKS - 2;
/** Slabs of a kernel's first reduced axis, whatever the threads (see the settings). */
const PARTIAL_SLABS = 8;

let starting: Promise<number> | undefined;
let broken: unknown = null;
let lastUsed = 0;

/**
 * Start the Worker threads (once); resolves to the threads kernels can use, this one included.
 *
 * @example
 * ```ts
 * import { startFusedThreads } from "./fused_dispatch.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals((await startFusedThreads()) >= 1, true);
 * ```
 */
export function startFusedThreads(): Promise<number> {
  const h = fusedHeap();
  const threads = fusedWasmSettings().threads;
  if (!h.shared || threads <= 1) return Promise.resolve(1);
  starting ??= startFusedWorkers(threads - 1, h.memory, CTL_AT, (e) => {
    broken = e;
  });
  return starting.then((n) => 1 + n);
}

/**
 * How many threads ran the last kernel run in Wasm (1 where it was not split; 0 before any).
 *
 * @example
 * ```ts
 * import { fusedLastJobThreads } from "./fused_dispatch.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(fusedLastJobThreads() >= 0, true);
 * ```
 */
export function fusedLastJobThreads(): number {
  let n = 0;
  for (let u = lastUsed; u !== 0; u &= u - 1) n++;
  return n;
}

/** The kernel's module bytes in the heap, where the Workers instantiate it from. */
function moduleInHeap(p: Prepared): void {
  const m = p.module;
  if (m.bytesAt !== undefined) return;
  const h = fusedHeap();
  m.bytesAt = h.alloc(m.bytes.length);
  new Uint8Array(h.memory.buffer, m.bytesAt, m.bytes.length).set(m.bytes);
}

/**
 * The length of each of at most `most` slabs of an axis of `n` (the last one shorter): whole
 * vectors of 4 along the innermost axis (`vectors`), else any length.
 */
function slabLength(n: number, vectors: boolean, most: number): number {
  const unit = vectors ? 4 : 1;
  return Math.ceil(n / Math.max(1, Math.min(most, Math.floor(n / unit))) / unit) * unit;
}

/** A view of the tasks' parameter blocks (a fresh one: the memory may have grown). */
function taskParams(): Int32Array {
  return new Int32Array(fusedHeap().memory.buffer, TASK_PARAMS_AT, (PARAM_BYTES / 4) * MAX_TASKS);
}

/** Run a kernel's rows (axis 0, not reduced) as tasks over the calling thread and the Workers. */
function runThreaded(p: Prepared, words: Int32Array, threads: number): void {
  void startFusedThreads();
  moduleInHeap(p);
  const rows = p.k.shape[0];
  // Rank 1: slabs of whole vectors; else whole rows.
  const per = slabLength(rows, p.k.shape.length === 1, Math.min(MAX_TASKS, 4 * threads));
  const view = taskParams();
  let t = 0;
  for (let a0 = 0; a0 < rows; a0 += per, t++) {
    const at = (t * PARAM_BYTES) / 4;
    sliceAxisWords(
      p.k,
      words,
      0,
      a0,
      Math.min(rows, a0 + per),
      view.subarray(at, at + words.length),
    );
  }
  runTasks(p, t);
}

/**
 * Run a kernel in slabs of its first reduced axis: for each index of the axes before it, the
 * axis in {@linkcode PARTIAL_SLABS} slabs (fixed by its length alone), each reducing into a
 * partial, the partials then added in order. The slabs are tasks for the calling thread and
 * the Workers; the bits depend on neither the threads nor the axes before (a vmapped group's
 * member sums as the same run alone does).
 */
function runSlabs(p: Prepared, words: Int32Array): void {
  void startFusedThreads();
  moduleInHeap(p);
  const k = p.k, rank = k.shape.length, a = p.slabAxis!;
  const w = reductionWord(k);
  // One set of words per index of the axes before `a`, those axes sliced to it.
  let slices = [words];
  for (let axis = 0; axis < a; axis++) {
    slices = slices.flatMap((x) =>
      Array.from({ length: k.shape[axis] }, (_, i) => sliceAxisWords(k, x, axis, i, i + 1))
    );
  }
  const n = k.shape[a];
  // Along the innermost axis, slabs of whole vectors.
  const per = slabLength(n, a === rank - 1, PARTIAL_SLABS);
  const slabs = Math.ceil(n / per);
  const count = slices[0][w + 1 + rank];
  const h = fusedHeap();
  const partialsAt = h.alloc(4 * count * slabs);
  try {
    for (const x of slices) {
      const view = taskParams();
      for (let t = 0; t < slabs; t++) {
        const at = (t * PARAM_BYTES) / 4;
        const slab = view.subarray(at, at + x.length);
        sliceAxisWords(k, x, a, t * per, Math.min(n, (t + 1) * per), slab);
        slab[w] = partialsAt + 4 * count * t;
      }
      runTasks(p, slabs);
      // The output's address is an i32 word: past 2 GiB it reads negative.
      addPartials(k.reduce!.op, x[w] >>> 0, partialsAt, count, slabs);
    }
  } finally {
    h.free(partialsAt);
  }
}

/** `out = op(partial 0, partial 1, …)`, element by element, the partials in task order. */
function addPartials(
  op: "sum" | "max",
  outAt: number,
  partialsAt: number,
  count: number,
  tasks: number,
): void {
  const buffer = fusedHeap().memory.buffer;
  const out = new Float32Array(buffer, outAt, count);
  const parts = new Float32Array(buffer, partialsAt, count * tasks);
  out.set(parts.subarray(0, count));
  for (let t = 1; t < tasks; t++) {
    const part = parts.subarray(t * count, (t + 1) * count);
    if (op === "sum") { for (let i = 0; i < count; i++) out[i] += part[i]; }
    else for (let i = 0; i < count; i++) out[i] = Math.max(out[i], part[i]);
  }
}

/** Publish tasks `0..t-1` (their parameter blocks written) and run them to the end. */
function runTasks(p: Prepared, t: number): void {
  const h = fusedHeap();
  const m = p.module;
  lastUsed = runFusedJob(
    h.memory,
    CTL_AT,
    {
      id: m.id,
      bytesAt: m.bytesAt!,
      bytesLen: m.bytes.length,
      paramsAt: TASK_PARAMS_AT,
      stride: PARAM_BYTES,
    },
    t,
    p.run,
    () => broken,
  );
}

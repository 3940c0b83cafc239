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
import { collapseKernel, type FusedKernel, kernelKey } from "../../fused.ts";
import { relaxedSimdSupported } from "./gemm_module.ts";
import { fusedHeap } from "./fused_memory.ts";
import { atLeastRank1, elementBytes, fusedModuleBytes, paramWords } from "./fused_module.ts";
import { wasmUnsupported } from "./fused_support.ts";

/** How fused kernels run on the CPU. */
export interface FusedWasmSettings {
  /** Render supported kernels to Wasm SIMD (else JavaScript). */
  enabled: boolean;
  /** Use relaxed SIMD (madd) where the runtime validates it. */
  relaxed: boolean;
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
    };
  }
  return settings;
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
  return before;
}

/** A kernel ready to run: its module's `run`, the collapsed kernel, the settings it was built for. */
interface Prepared {
  run: (params: number) => void;
  k: FusedKernel;
  relaxed: boolean;
}

const modules = new Map<string, (params: number) => void>();
const MAX_MODULES = 2048;
const prepared = new WeakMap<FusedKernel, Prepared | null>();

function prepare(kernel: FusedKernel, relaxed: boolean): Prepared | null {
  if (wasmUnsupported(kernel) !== null) return null;
  const k = atLeastRank1(collapseKernel(kernel));
  const key = `${relaxed ? "r" : "p"}${kernelKey(k)}`;
  let run = modules.get(key);
  if (run === undefined) {
    const h = fusedHeap();
    const bytes = fusedModuleBytes(k, { fma: relaxed, shared: h.shared });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { memory: h.memory, sin: Math.sin, cos: Math.cos },
    });
    run = instance.exports.run as (params: number) => void;
    if (modules.size >= MAX_MODULES) modules.clear();
    modules.set(key, run);
  }
  return { run, k, relaxed };
}

let paramView: Int32Array | undefined;

/**
 * Run `kernel` with Wasm SIMD when it is enabled and takes the kernel:
 * `outputs` (one per output node, then the reduction's) fully written, `true`
 * returned. `false`: nothing was done (run the JavaScript renderer).
 */
export function runFusedWasm(
  kernel: FusedKernel,
  inputs: readonly DataArray[],
  outputs: readonly DataArray[],
): boolean {
  const s = fusedWasmSettings();
  if (!s.enabled) return false;
  let p = prepared.get(kernel);
  if (p === undefined || (p !== null && p.relaxed !== s.relaxed)) {
    p = prepare(kernel, s.relaxed);
    prepared.set(kernel, p);
  }
  if (p === null) return false;
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
    const words = paramWords(p.k, inAt, outAt);
    if (paramView === undefined || paramView.byteLength === 0) {
      paramView = new Int32Array(h.memory.buffer, 0, 1024);
    }
    if (words.length > paramView.length) return false;
    paramView.set(words);
    p.run(0);
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

/** @internal Bytes per element of a renderable dtype. */
export { elementBytes };

/**
 * Helpers for the WebGPU backend tests: one shared backend per test file,
 * adapter detection through `tests/requires.ts` (fail under `CI`, ignore with a notice elsewhere),
 * arbitraries for shapes and values, and a runner comparing a primitive's
 * WebGPU result with the CPU backend's.
 *
 * @module
 */
import type { CorePrim, CorePrimParams } from "../../core/bind.ts";
import { runOn } from "./run_on.ts";
import type { DataArray, DType } from "../../kernels/backend.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { createWebGpuBackend, type WebGpuBackend } from "../../kernels/webgpu/backend.ts";
import { requires, webgpuAdapter } from "../requires.ts";
import { type Host as HostTensor, numel, typed } from "./cpu_naive.ts";

/** Whether this machine has a WebGPU adapter (see `tests/requires.ts`). */
export const gpuRequirement = await webgpuAdapter();

let shared: Promise<WebGpuBackend> | null = null;

/** The shared backend of this test file. */
export function gpu(): Promise<WebGpuBackend> {
  return shared ??= createWebGpuBackend();
}

/** A Deno test that needs the WebGPU backend (skipped, or failed under CI, without an adapter). */
export function gpuTest(name: string, fn: (g: WebGpuBackend) => Promise<void>): void {
  requires(gpuRequirement, {
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => await fn(await gpu()),
  });
}

/** The CPU oracle (plain TypeScript matmul, no BLAS). */
export const cpu = createCpuBackend({ blas: false });

/** A plain host tensor (values, shape, dtype). */
export type { Host as HostTensor } from "./cpu_naive.ts";

export { broadcastableArb, numel, shapeArb, tensorArb, typed, valueArb } from "./cpu_naive.ts";

/**
 * Fails naming the index and values unless each element is within `atol + rtol*|e|`.
 * NaN matches NaN only with `equalNan: true` (a test that expects NaN says so).
 */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  opts: { rtol?: number; atol?: number; what?: string; equalNan?: boolean } = {},
): void {
  const what = opts.what ? `${opts.what}: ` : "";
  if (actual.length !== expected.length) {
    throw new Error(`${what}length ${actual.length} !== expected ${expected.length}`);
  }
  const rtol = opts.rtol ?? 0, atol = opts.atol ?? 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(a) && Number.isNaN(e) && opts.equalNan) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}element ${i}: webgpu ${a}, cpu ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/**
 * Run `prim` on both backends and compare; releases every WebGPU buffer it made.
 * Returns the WebGPU result.
 */
export async function compareWithCpu<P extends CorePrim>(
  g: WebGpuBackend,
  prim: P,
  inputs: readonly HostTensor[],
  params: CorePrimParams[P],
  out: { shape: number[]; dtype: DType },
  tol: { rtol?: number; atol?: number; equalNan?: boolean } = { rtol: 1e-5, atol: 1e-5 },
): Promise<DataArray> {
  const n = numel(out.shape);
  const cpuBufs = inputs.map((x) => cpu.upload(typed(x.data, x.dtype), x.dtype));
  const cpuOut = runOn(
    cpu,
    prim,
    inputs.map((x, i) => ({ buffer: cpuBufs[i], shape: x.shape, dtype: x.dtype })),
    params,
    out,
  );
  const want = cpu.readSync(cpuOut, out.dtype, n);
  for (const b of [...cpuBufs, cpuOut]) cpu.release(b);
  const gBufs = inputs.map((x) => g.upload(typed(x.data, x.dtype), x.dtype));
  const gOut = runOn(
    g,
    prim,
    inputs.map((x, i) => ({ buffer: gBufs[i], shape: x.shape, dtype: x.dtype })),
    params,
    out,
  );
  for (const b of gBufs) g.release(b);
  const got = await g.read(gOut, out.dtype, n);
  g.release(gOut);
  const what = `${prim} ${JSON.stringify(params)} ${
    inputs.map((x) => `[${x.shape}]:${x.dtype}`).join(", ")
  } -> [${out.shape}]`;
  assertAllClose(got, want, { ...tol, what });
  return got;
}

/** Upload `inputs`, run `prim` on the WebGPU backend, read the result back, release everything. */
export async function runGpu<P extends CorePrim>(
  g: WebGpuBackend,
  prim: P,
  inputs: readonly HostTensor[],
  params: CorePrimParams[P],
  out: { shape: number[]; dtype: DType },
): Promise<number[]> {
  const bufs = inputs.map((x) => g.upload(typed(x.data, x.dtype), x.dtype));
  const y = runOn(
    g,
    prim,
    inputs.map((x, i) => ({ buffer: bufs[i], shape: x.shape, dtype: x.dtype })),
    params,
    out,
  );
  for (const b of bufs) g.release(b);
  const got = Array.from(await g.read(y, out.dtype, numel(out.shape)));
  g.release(y);
  return got;
}

/**
 * Which backend new tensors are created on.
 *
 * The CPU backend (BLAS for matmul where a library opens) is ready at once.
 * WebGPU needs an adapter, which is asynchronous: call
 * {@linkcode useBackend}(`"webgpu"`) or {@linkcode autoBackend}. A software
 * adapter (llvmpipe, lavapipe) is never chosen by {@linkcode autoBackend},
 * because the CPU backend is faster there, but can be asked for by name.
 *
 * @module
 */
import type { Backend } from "../kernels/backend.ts";
import { createCpuBackend } from "../kernels/cpu/backend.ts";

/** Names accepted by {@linkcode useBackend}. */
export type BackendName = "cpu" | "webgpu";

let current: Backend | null = null;
const created = new Map<string, Backend>();

/**
 * The current default backend (the CPU backend until another is chosen).
 *
 * @example
 * ```ts
 * import { getBackend } from "../mod.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(getBackend().name, "cpu");
 * ```
 */
export function getBackend(): Backend {
  if (current === null) current = cpuBackend();
  return current;
}

/**
 * The CPU backend (one per process), with BLAS when a library opens.
 *
 * @example
 * ```ts
 * import { cpuBackend } from "../mod.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * assertTrue(cpuBackend().info().startsWith("cpu (matmul: "));
 * ```
 */
export function cpuBackend(): Backend {
  let b = created.get("cpu");
  if (!b) {
    b = createCpuBackend();
    created.set("cpu", b);
  }
  return b;
}

/**
 * Make `backend` (a name or a backend object) the default for new tensors.
 * Asking for `"webgpu"` opens the first adapter, software or not, and fails
 * with a clear error when there is none.
 *
 * @example
 * ```ts
 * import { useBackend } from "../mod.ts";
 * await useBackend("cpu");
 * ```
 */
export async function useBackend(backend: BackendName | Backend): Promise<Backend> {
  if (typeof backend !== "string") {
    current = backend;
    return backend;
  }
  if (backend === "cpu") {
    current = cpuBackend();
    return current;
  }
  if (backend === "webgpu") {
    let b = created.get("webgpu");
    if (!b) {
      const { createWebGpuBackend } = await import("../kernels/webgpu/backend.ts");
      b = await createWebGpuBackend();
      created.set("webgpu", b);
    }
    current = b;
    return b;
  }
  throw new Error(
    `useBackend: unknown backend ${JSON.stringify(backend)}; expected "cpu" or "webgpu"`,
  );
}

/**
 * Choose the default backend the way nugrad's tools do: `NUGRAD_BACKEND`
 * (`cpu` or `webgpu`) when set, else WebGPU on a hardware adapter, else CPU.
 *
 * @example
 * ```ts
 * import { autoBackend } from "../mod.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * const b = await autoBackend();
 * assertTrue(b.name === "cpu" || b.name === "webgpu");
 * ```
 */
export async function autoBackend(): Promise<Backend> {
  const requested = readEnv("NUGRAD_BACKEND");
  if (requested) {
    if (requested !== "cpu" && requested !== "webgpu") {
      throw new Error(
        `NUGRAD_BACKEND: expected "cpu" or "webgpu", got ${JSON.stringify(requested)}`,
      );
    }
    return await useBackend(requested);
  }
  const { probeAdapter } = await import("../kernels/webgpu/backend.ts");
  const probe = await probeAdapter();
  if (probe && !probe.isSoftware) return await useBackend("webgpu");
  return await useBackend("cpu");
}

/**
 * A one-line description of the default backend (adapter or BLAS library).
 *
 * @example
 * ```ts
 * import { backendInfo } from "../mod.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * assertTrue(backendInfo().length > 0);
 * ```
 */
export function backendInfo(): string {
  return getBackend().info();
}

/** Read an environment variable without prompting when env access is not granted. */
export function readEnv(name: string): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
    return state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}

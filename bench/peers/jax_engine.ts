/**
 * jax-js (`npm:@jax-js/jax@0.1.25`) as a benchmark engine, on its Wasm or
 * WebGPU device.
 *
 * jax-js is lazy: an op only records a pending kernel, and disposing an array
 * whose kernel was never submitted cancels the kernel. So `run(reps)` keeps
 * every result alive and forces them all with `jax.blockUntilReady` (which
 * submits the kernels and waits on each output concurrently; on WebGPU these
 * are 0-byte reads that overlap), then disposes them. To bound memory, results
 * are forced in groups of at most {@linkcode MAX_LIVE_BYTES}; each group costs
 * one more sync, which the report states.
 *
 * @example
 * ```ts
 * import { loadJax } from "./jax_engine.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const engines = await loadJax(["wasm"]);
 * // one per device asked for: an engine, or the reason it could not start
 * assertTrue(engines.length === 1);
 * const [e] = engines;
 * assertTrue(typeof e === "string" ? e.startsWith("jax-wasm") : e.info.startsWith("jax-js"), String(e));
 * ```
 *
 * @module
 */
import {
  type BenchCase,
  caseInputShapes,
  caseOutputBytes,
  type Engine,
  type Prepared,
} from "./engine.ts";

/** Live result bytes after which `run` forces and frees a group of results. */
export const MAX_LIVE_BYTES = 256 * 1024 * 1024;

/** The module specifier used when no vendored file is given. */
export const JAX_NPM = "npm:@jax-js/jax@0.1.25";

// deno-lint-ignore no-explicit-any
type JaxModule = any;
// deno-lint-ignore no-explicit-any
type JaxArray = any;

/** The op one case issues; every jax-js op consumes its inputs, hence `.ref`. */
function opOf(jax: JaxModule, c: BenchCase): (xs: JaxArray[]) => JaxArray {
  const np = jax.numpy;
  switch (c.kind) {
    case "matmul":
      return ([a, b]) => {
        const x = c.transA ? a.ref.transpose() : a.ref;
        const y = c.transB ? b.ref.transpose() : b.ref;
        return np.matmul(x, y);
      };
    case "add":
    case "overhead":
      return ([a, b]) => np.add(a.ref, b.ref);
    case "exp":
      return ([a]) => np.exp(a.ref);
    case "softmax":
      return ([a]) => jax.nn.softmax(a.ref, -1);
  }
}

function jaxEngine(jax: JaxModule, device: "wasm" | "webgpu", info: string): Engine {
  return {
    name: `jax-${device}`,
    device: device === "wasm" ? "cpu" : "gpu",
    info,
    sync: "jax.blockUntilReady on every result (concurrent 0-byte waits), " +
      `in groups of <= ${MAX_LIVE_BYTES / 2 ** 20} MiB of live results`,
    prepare(c: BenchCase, inputs: readonly Float32Array[]): Prepared | string {
      jax.defaultDevice(device);
      const shapes = caseInputShapes(c);
      const xs = inputs.map((data, i) => jax.numpy.array(data, { shape: shapes[i], device }));
      const op = opOf(jax, c);
      const group = Math.max(1, Math.floor(MAX_LIVE_BYTES / caseOutputBytes(c)));
      return {
        async run(reps: number): Promise<void> {
          jax.defaultDevice(device);
          let live: JaxArray[] = [];
          for (let r = 0; r < reps; r++) {
            live.push(op(xs));
            if (live.length >= group || r === reps - 1) {
              await jax.blockUntilReady(live);
              for (const y of live) y.dispose();
              live = [];
            }
          }
        },
        async first(): Promise<number> {
          jax.defaultDevice(device);
          // data() realizes, reads and disposes the array.
          return (await op(xs).data())[0];
        },
        dispose(): void {
          for (const x of xs) x.dispose();
        },
      };
    },
  };
}

/**
 * Import jax-js (from `specifier`, default {@linkcode JAX_NPM}) and return an
 * engine per requested device, or a string with the error for each that fails.
 *
 * @example
 * ```ts
 * import { loadJax } from "./jax_engine.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const [wasm] = await loadJax(["wasm"]);
 * assertTrue(typeof wasm === "string" ? wasm.startsWith("jax-wasm") : wasm.name === "jax-wasm");
 * ```
 */
export async function loadJax(
  devices: readonly ("wasm" | "webgpu")[],
  specifier?: string,
): Promise<(Engine | string)[]> {
  let jax: JaxModule;
  try {
    // deno-lint-ignore no-import-prefix
    jax = specifier ? await import(specifier) : await import("npm:@jax-js/jax@0.1.25");
  } catch (e) {
    return devices.map((d) => `jax-${d}: import failed: ${errorText(e)}`);
  }
  const source = specifier ?? JAX_NPM;
  const out: (Engine | string)[] = [];
  for (const device of devices) {
    try {
      const ok: string[] = await jax.init(device);
      if (!ok.includes(device)) {
        out.push(`jax-${device}: jax.init("${device}") did not start it (got ${ok.join(", ")})`);
        continue;
      }
      let info = `jax-js 0.1.25 (${source}) device ${device}`;
      if (device === "wasm") {
        info += `, ${typeof SharedArrayBuffer !== "undefined" ? "Web Worker pool" : "1 thread"}`;
      } else {
        const dev = jax.getWebGPUDevice?.();
        const a = dev?.adapterInfo;
        if (a) info += `, adapter ${a.vendor} ${a.architecture} ${a.device} ${a.description}`;
      }
      out.push(jaxEngine(jax, device, info));
    } catch (e) {
      out.push(`jax-${device}: init failed: ${errorText(e)}`);
    }
  }
  return out;
}

/** The message of an error, on one line. */
export function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/**
 * TensorFlow.js (`npm:@tensorflow/tfjs@4.22.0`) with its Wasm backend
 * (`npm:@tensorflow/tfjs-backend-wasm@4.22.0`, XNNPACK) as a benchmark engine.
 *
 * Under Deno the Wasm backend looks for its `.wasm` files next to the calling
 * script; {@linkcode loadTfjsWasm} points `setWasmPaths` at the package's own
 * `dist/` directory (a file path, since Deno resolves the package to its
 * Node build, which reads the file from disk).
 *
 * @example
 * ```ts
 * import { loadTfjsWasm } from "./tfjs_engine.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const e = await loadTfjsWasm();
 * // an engine, or the reason tfjs could not start
 * assertTrue(typeof e === "string" ? e.length > 0 : e.name === "tfjs-wasm", String(e));
 * ```
 *
 * @module
 */
import { type BenchCase, caseInputShapes, type Engine, type Prepared } from "./engine.ts";
import { errorText } from "./jax_engine.ts";

// deno-lint-ignore no-explicit-any
type Tf = any;
// deno-lint-ignore no-explicit-any
type TfTensor = any;

function opOf(tf: Tf, c: BenchCase): (xs: TfTensor[]) => TfTensor {
  switch (c.kind) {
    case "matmul":
      return ([a, b]) => tf.matMul(a, b, c.transA, c.transB);
    case "add":
    case "overhead":
      return ([a, b]) => tf.add(a, b);
    case "exp":
      return ([a]) => tf.exp(a);
    case "softmax":
      return ([a]) => tf.softmax(a, -1);
  }
}

function tfjsEngine(tf: Tf, info: string): Engine {
  return {
    name: "tfjs-wasm",
    device: "cpu",
    info,
    sync: "one 4-byte readback (tf.slice of the last result, `await t.data()`)",
    prepare(c: BenchCase, inputs: readonly Float32Array[]): Prepared | string {
      const shapes = caseInputShapes(c);
      const xs = inputs.map((data, i) => tf.tensor(data, shapes[i], "float32"));
      const op = opOf(tf, c);
      return {
        async run(reps: number): Promise<void> {
          let last: TfTensor = null;
          for (let r = 0; r < reps; r++) {
            const y = tf.tidy(() => op(xs));
            last?.dispose();
            last = y;
          }
          const probe = tf.slice(last, last.shape.map(() => 0), last.shape.map(() => 1));
          last.dispose();
          await probe.data();
          probe.dispose();
        },
        async first(): Promise<number> {
          const y = tf.tidy(() => op(xs));
          const v = (await y.data())[0];
          y.dispose();
          return v;
        },
        dispose(): void {
          for (const x of xs) x.dispose();
        },
      };
    },
  };
}

/**
 * Import tfjs and its Wasm backend and select it; an engine, or the error text.
 *
 * @example
 * ```ts
 * import { loadTfjsWasm } from "./tfjs_engine.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const e = await loadTfjsWasm();
 * assertTrue(typeof e === "string" || e.name === "tfjs-wasm", String(e));
 * ```
 */
export async function loadTfjsWasm(): Promise<Engine | string> {
  try {
    // deno-lint-ignore no-import-prefix
    const tf = await import("npm:@tensorflow/tfjs@4.22.0");
    // deno-lint-ignore no-import-prefix
    const wasm = await import("npm:@tensorflow/tfjs-backend-wasm@4.22.0");
    const dist = new URL("./", import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0"));
    wasm.setWasmPaths(dist.protocol === "file:" ? decodeURIComponent(dist.pathname) : dist.href);
    if (!(await tf.setBackend("wasm"))) return "tfjs-wasm: tf.setBackend('wasm') returned false";
    await tf.ready();
    const env = tf.env();
    const simd = env.getBool("WASM_HAS_SIMD_SUPPORT");
    const threads = env.getBool("WASM_HAS_MULTITHREAD_SUPPORT");
    const info = `tfjs ${tf.version.tfjs} backend ${tf.getBackend()}, SIMD ${simd}, ` +
      `multithread ${threads}`;
    return tfjsEngine(tf, info);
  } catch (e) {
    return `tfjs-wasm: ${errorText(e)}`;
  }
}

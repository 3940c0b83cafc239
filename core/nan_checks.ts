/**
 * The NaN debugging mode (`checks({ nans: true })`, like JAX's `jax_debug_nans`): after each
 * eager op on the CPU backend, a float output holding a NaN or an infinity while every input is
 * finite stops the program with the op, its inputs' shapes and dtypes, the first bad position,
 * and the user's call site (the first stack frame outside nugrad). On WebGPU each op's output
 * is watched on the device and the next readback reports the first op whose output was not
 * finite. `jit` functions run op by op in this mode, so the op named is the one that made it.
 *
 * @module
 */
import type { DataArray } from "../kernels/backend.ts";
import { fmtShape, type Tensor } from "./tensor.ts";
import { activeTrace } from "./trace_context.ts";

/** The library's root URL: stack frames under its library folders are nugrad's own. */
const ROOT = new URL("../", import.meta.url).href;
const LIBRARY = ["core/", "kernels/", "nn/", "optim/", "param/", "mod.ts"].map((d) => ROOT + d);

/**
 * The first frame of the current stack that is not nugrad's library code, as `url:line:col`
 * (null when there is none).
 *
 * @example
 * ```ts
 * import { userCallSite } from "./nan_checks.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * const site = userCallSite(); // "file:///home/me/train.ts:12:7", or null when called from nugrad
 * assertTrue(site === null || /:\d+:\d+$/.test(site));
 * ```
 */
export function userCallSite(): string | null {
  const stack = new Error().stack ?? "";
  for (const line of stack.split("\n").slice(1)) {
    const m = line.match(/\(?((?:file|https?|data):[^\s()]+:\d+:\d+)\)?\s*$/);
    if (m === null) continue;
    if (LIBRARY.some((prefix) => m[1].startsWith(prefix))) continue;
    return m[1];
  }
  return null;
}

function firstNonFinite(data: DataArray): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return i; // NaN and ±Infinity
  }
  return -1;
}

function isFloatTensor(t: Tensor): boolean {
  return t.dtype === "f32" || t.dtype === "f64";
}

function coordinates(flat: number, shape: readonly number[]): string {
  const out = new Array<number>(shape.length).fill(0);
  for (let a = shape.length - 1, rest = flat; a >= 0; a--) {
    out[a] = rest % shape[a];
    rest = Math.floor(rest / shape[a]);
  }
  return `[${out.join(",")}]`;
}

/**
 * Throw when `output` of op `op` (read synchronously with `read`) holds a NaN or an infinity
 * while every float input is finite.
 *
 * @example
 * ```ts
 * import { checkNans } from "./nan_checks.ts";
 * import { tensor } from "./ops/create.ts";
 * import { assertThrows } from "../testing/assert.ts";
 * const x = tensor([0, 1]);
 * const y = tensor([NaN, 1]);
 * assertThrows(() => checkNans("log", [x], y, (t) => t.dataSync()), "log produced NaN at [0]");
 * checkNans("exp", [y], y, (t) => t.dataSync()); // the input already had it: not this op's doing
 * ```
 */
export function checkNans(
  op: string,
  inputs: readonly Tensor[],
  output: Tensor,
  read: (t: Tensor) => DataArray,
): void {
  if (!isFloatTensor(output)) return;
  const out = read(output);
  const at = firstNonFinite(out);
  if (at < 0) return;
  for (const x of inputs) if (isFloatTensor(x) && firstNonFinite(read(x)) >= 0) return;
  const v = out[at];
  const what = v !== v ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  const ins = inputs.map((x) => `${x.dtype} ${fmtShape(x.shape)}`).join(", ");
  const site = userCallSite();
  throw new Error(
    `nans: ${op} produced ${what} at ${coordinates(at, output.shape)} of its ${output.dtype} ${
      fmtShape(output.shape)
    } output from finite inputs (${ins})${site ? `; called at ${site}` : ""}`,
  );
}

/**
 * The NaN debugging mode where values cannot be read synchronously (WebGPU): the backend
 * watches `output` and the next readback throws if the first non-finite output of the program
 * came from this op, naming it as {@linkcode checkNans} does.
 *
 * @example
 * ```ts
 * import { watchNans } from "./nan_checks.ts";
 * import { tensor } from "./ops/create.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const y = tensor([1]);
 * watchNans("exp", [], y); // the CPU backend has no watch (its ops are checked directly)
 * assertEquals(y.backend.watchNonFinite, undefined);
 * ```
 */
export function watchNans(op: string, inputs: readonly Tensor[], output: Tensor): void {
  const backend = output.backend;
  if (output.dtype !== "f32" || backend.watchNonFinite === undefined) return;
  if (backend === activeTrace()) return;
  const site = userCallSite();
  const ins = inputs.map((x) => `${x.dtype} ${fmtShape(x.shape)}`).join(", ");
  const shape = output.shape;
  backend.watchNonFinite(output.buffer, output.size, (bits, at) => {
    const v = new Float32Array(new Int32Array([bits]).buffer)[0];
    const what = v !== v ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
    return `nans: ${op} produced ${what} at ${coordinates(at, shape)} of its f32 ${
      fmtShape(shape)
    } output, the first op whose output was not finite (inputs ${ins})${
      site ? `; called at ${site}` : ""
    }`;
  });
}

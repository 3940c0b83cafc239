/**
 * Creating tensors: from data, filled, ranges; moving between backends.
 *
 * @module
 */
import type { Backend, DataArray, DType, Shape } from "../../kernels/backend.ts";
import { sizeOf } from "../../kernels/backend.ts";
import { getBackend } from "../backends.ts";
import { checkShape } from "../shape.ts";
import { redirectBackend } from "../trace_context.ts";
import { fmtShape, type NestedArray, type Tensor, wrapBuffer } from "../tensor.ts";
import { allocationError, checkAllocation } from "../alloc_checks.ts";

/** Options for creation functions. */
export interface CreateOptions {
  /** Element type (default: f32 for numbers, bool for booleans, the typed array's own type). */
  dtype?: DType;
  /** Backend (default: the current one, see `useBackend`). */
  backend?: Backend;
}

const DTYPES: readonly DType[] = ["f32", "f64", "i32", "bool", "f16"];

/** Check a dtype name. */
export function checkDtype(op: string, dtype: unknown): DType {
  if (!DTYPES.includes(dtype as DType)) {
    throw new Error(
      `${op}: unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(", ")}`,
    );
  }
  return dtype as DType;
}

/**
 * Throw unless `backend` holds `dtype`; for f16 on WebGPU the message names the
 * adapter feature it needs.
 *
 * @example
 * ```ts
 * import { checkBackendDtype } from "./create.ts";
 * import { createCpuBackend } from "../../kernels/cpu/backend.ts";
 * import { assertThrows } from "../../testing/assert.ts";
 * const cpu = createCpuBackend({ blas: false });
 * checkBackendDtype("cast", cpu, "f16"); // the CPU emulates f16
 * const noF16 = { ...cpu, name: "webgpu", dtypes: ["f32", "i32", "bool"] as const };
 * assertThrows(() => checkBackendDtype("cast", noF16, "f16"), '"shader-f16"');
 * ```
 */
export function checkBackendDtype(
  op: string,
  backend: Pick<Backend, "name" | "dtypes">,
  dtype: DType,
): void {
  if (backend.dtypes.includes(dtype)) return;
  if (dtype === "f16" && backend.name === "webgpu") {
    throw new Error(
      `${op}: f16 needs the WebGPU adapter feature "shader-f16", which this adapter lacks`,
    );
  }
  throw new Error(
    `${op}: the ${backend.name} backend has no ${dtype} (it has ${backend.dtypes.join(", ")})`,
  );
}

/** A typed array of `dtype` holding `n` elements. */
export function allocHost(dtype: DType, n: number): DataArray {
  switch (dtype) {
    case "f32":
    case "f16": // f16 host data is ordinary numbers in a Float32Array
      return new Float32Array(n);
    case "f64":
      return new Float64Array(n);
    case "i32":
      return new Int32Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}

/**
 * Upload host data of a known shape (the data is copied).
 *
 * @example
 * ```ts
 * import { fromData } from "../../mod.ts";
 * const t = fromData(new Float32Array([1, 2, 3, 4]), [2, 2]);
 * ```
 */
export function fromData(
  data: DataArray | readonly number[],
  shape: Shape,
  opts: CreateOptions = {},
): Tensor {
  return uploadAs("fromData", data, shape, opts);
}

/**
 * @internal {@linkcode fromData} with `op` (the function the user called) naming every error;
 * with `check`, the allocation limit is checked first (before the caller fills host memory).
 */
export function uploadAs(
  op: string,
  data: DataArray | readonly number[],
  shape: Shape,
  opts: CreateOptions,
): Tensor {
  checkShape(op, shape);
  const dtype = checkDtype(op, opts.dtype ?? dtypeOfArray(data));
  const n = sizeOf(shape);
  if (data.length !== n) {
    throw new Error(
      `${op}: ${data.length} values do not fill shape ${fmtShape(shape)} (${n} elements)`,
    );
  }
  const backend = targetBackend(op, dtype, opts);
  let host = data as DataArray;
  try {
    if (!(host instanceof allocHost(dtype, 0).constructor)) {
      checkAllocation(op, shape, dtype, backend);
      host = allocHost(dtype, n);
      for (let i = 0; i < n; i++) host[i] = dtype === "bool" ? (data[i] ? 1 : 0) : Number(data[i]);
    }
    return wrapBuffer(backend, backend.upload(host, dtype), shape, dtype);
  } catch (e) {
    throw allocationError(op, shape, dtype, e);
  }
}

/** @internal The backend a creation goes to, refusing a dtype it cannot hold. */
export function targetBackend(op: string, dtype: DType, opts: CreateOptions): Backend {
  const backend = redirectBackend(opts.backend ?? getBackend());
  checkBackendDtype(op, backend, dtype);
  return backend;
}

function dtypeOfArray(data: DataArray | readonly number[]): DType {
  if (data instanceof Float64Array) return "f64";
  if (data instanceof Int32Array) return "i32";
  if (data instanceof Uint8Array) return "bool";
  return "f32";
}

/**
 * A tensor from nested arrays, a number, a boolean or a typed array.
 *
 * @example
 * ```ts
 * import { tensor } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const a = tensor([[1, 2, 3], [4, 5, 6]]);
 * const b = tensor([0, 2, 1], { dtype: "i32" });
 * const c = tensor(new Float64Array([1, 2]));
 * assertEquals([a.dtype, a.shape, b.dtype, b.shape, c.dtype, c.shape], [
 *   "f32", [2, 3], "i32", [3], "f64", [2],
 * ]);
 * ```
 */
export function tensor(data: NestedArray | DataArray, opts: CreateOptions = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    return uploadAs("tensor", data as DataArray, [(data as DataArray).length], opts);
  }
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: number[] = [];
  let sawBool = false;
  const walk = (x: NestedArray, axis: number, path: number[]) => {
    if (axis === shape.length) {
      if (Array.isArray(x)) throw ragged(path);
      if (typeof x === "boolean") sawBool = true;
      else if (typeof x !== "number") {
        throw new Error(
          `tensor: element at [${path.join(",")}] is ${typeof x}, expected a number or boolean`,
        );
      }
      flat.push(Number(x));
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[axis]) throw ragged(path);
    x.forEach((v, i) => walk(v, axis + 1, [...path, i]));
  };
  const ragged = (path: number[]) =>
    new Error(
      `tensor: ragged nested array at [${path.join(",")}]; expected shape ${fmtShape(shape)}`,
    );
  walk(data, 0, []);
  const dtype = opts.dtype ?? (sawBool ? "bool" : "f32");
  return uploadAs("tensor", flat, shape, { ...opts, dtype });
}

/**
 * A tensor of `shape` filled with `value`.
 *
 * @example
 * ```ts
 * import { full } from "../../mod.ts";
 * const t = full([2, 2], 7, { dtype: "i32" });
 * ```
 */
export function full(shape: Shape, value: number | boolean, opts: CreateOptions = {}): Tensor {
  return filled("full", shape, value, opts);
}

function filled(op: string, shape: Shape, value: number | boolean, opts: CreateOptions): Tensor {
  checkShape(op, shape);
  const dtype = checkDtype(op, opts.dtype ?? (typeof value === "boolean" ? "bool" : "f32"));
  checkAllocation(op, shape, dtype, targetBackend(op, dtype, opts));
  let host: DataArray;
  try {
    host = allocHost(dtype, sizeOf(shape));
  } catch (e) {
    throw allocationError(op, shape, dtype, e);
  }
  host.fill(Number(value));
  return uploadAs(op, host, shape, { ...opts, dtype });
}

/**
 * A tensor of zeros.
 *
 * @example
 * ```ts
 * import { zeros } from "../../mod.ts";
 * const z = zeros([3, 4]);
 * ```
 */
export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return filled("zeros", shape, 0, opts);
}

/**
 * A tensor of ones.
 *
 * @example
 * ```ts
 * import { ones } from "../../mod.ts";
 * const o = ones([3], { dtype: "f64" });
 * ```
 */
export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return filled("ones", shape, 1, opts);
}

/**
 * Zeros with the shape, dtype and backend of `t`.
 *
 * @example
 * ```ts
 * import { ones, zerosLike } from "../../mod.ts";
 * const z = zerosLike(ones([2, 2]));
 * ```
 */
export function zerosLike(t: Tensor): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, backend: t.backend });
}

/**
 * Ones with the shape, dtype and backend of `t`.
 *
 * @example
 * ```ts
 * import { onesLike, zeros } from "../../mod.ts";
 * const o = onesLike(zeros([2]));
 * ```
 */
export function onesLike(t: Tensor): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, backend: t.backend });
}

/**
 * `[start, start+step, ...)` below `stop`; with one argument, `[0, n)`.
 * Default dtype i32 when all arguments are integers, else f32.
 *
 * @example
 * ```ts
 * import { arange } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const a = arange(5);
 * const b = arange(0, 1, 0.25);
 * assertEquals([a.dtype, await a.toArray()], ["i32", [0, 1, 2, 3, 4]]);
 * assertEquals([b.dtype, await b.toArray()], ["f32", [0, 0.25, 0.5, 0.75]]);
 * ```
 */
export function arange(
  start: number,
  stop?: number,
  step = 1,
  opts: CreateOptions = {},
): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step) || step === 0) {
    throw new Error(
      `arange: need finite start, stop and a non-zero step, got (${start}, ${stop}, ${step})`,
    );
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const ints = [start, stop, step].every(Number.isInteger);
  const dtype = checkDtype("arange", opts.dtype ?? (ints ? "i32" : "f32"));
  checkAllocation("arange", [n], dtype, targetBackend("arange", dtype, opts));
  const host = allocHost(dtype, n);
  for (let i = 0; i < n; i++) host[i] = start + i * step;
  return uploadAs("arange", host, [n], { ...opts, dtype });
}

/**
 * A copy of `t` on another backend (reads back and uploads).
 *
 * @example
 * ```ts
 * import { cpuBackend, ones, toBackend } from "../../mod.ts";
 * const t = await toBackend(ones([2]), cpuBackend());
 * ```
 */
export async function toBackend(t: Tensor, backend: Backend): Promise<Tensor> {
  return uploadAs("toBackend", await t.data(), t.shape, { dtype: t.dtype, backend });
}

/**
 * `assertAllClose`: elementwise closeness of tensors, numbers, nested arrays and trees of them,
 * with a message that names the worst element, its index and its place in the tree.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "./all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * await assertAllClose({ w: tensor([1, 2]) }, { w: [1, 2.0000001] });
 * ```
 *
 * @module
 */
import { type DType, Tensor } from "../core/mod.ts";

/** Options of {@linkcode assertAllClose}. */
export interface AllCloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** NaN equals NaN (default false). */
  equalNan?: boolean;
  /** Fail when two tensors' dtypes differ (default true). */
  checkDtype?: boolean;
  /** Prefix for the failure message. */
  message?: string;
}

/** A leaf read back to the host: shape, values, dtype (undefined for plain numbers). */
interface HostLeaf {
  shape: number[];
  values: ArrayLike<number>;
  dtype?: DType;
}

function isNumericArray(x: unknown): boolean {
  return Array.isArray(x) && x.every((v) => typeof v === "number" || isNumericArray(v));
}

function isLeafValue(x: unknown): boolean {
  return x instanceof Tensor || typeof x === "number" || typeof x === "boolean" ||
    (isNumericArray(x) && (x as unknown[]).length > 0);
}

async function toHost(x: unknown, where: string): Promise<HostLeaf> {
  if (x instanceof Tensor) return { shape: [...x.shape], values: await x.data(), dtype: x.dtype };
  if (typeof x === "number" || typeof x === "boolean") return { shape: [], values: [Number(x)] };
  const shape: number[] = [];
  let probe: unknown = x;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat = (x as unknown[]).flat(Infinity) as number[];
  if (flat.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new Error(`assertAllClose: ragged nested array at ${where}`);
  }
  return { shape, values: flat };
}

function multiIndex(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

function pathName(path: string): string {
  return path === "" ? "(root)" : JSON.stringify(path);
}

async function compareLeaves(
  actual: unknown,
  expected: unknown,
  path: string,
  o: Required<Omit<AllCloseOptions, "message">>,
): Promise<string | null> {
  const where = pathName(path);
  const a = await toHost(actual, where), e = await toHost(expected, where);
  if (a.shape.join() !== e.shape.join()) {
    return `at ${where}: shape [${a.shape}] differs from expected [${e.shape}]`;
  }
  if (o.checkDtype && a.dtype && e.dtype && a.dtype !== e.dtype) {
    return `at ${where}: dtype ${a.dtype} differs from expected ${e.dtype}`;
  }
  let worst = -1, worstExcess = -Infinity, failures = 0;
  for (let i = 0; i < e.values.length; i++) {
    const x = a.values[i], y = e.values[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) && Number.isNaN(y) && o.equalNan) continue;
      failures++;
      if (worstExcess < Infinity) [worst, worstExcess] = [i, Infinity];
      continue;
    }
    if (x === y) continue;
    const excess = Math.abs(x - y) - (o.atol + o.rtol * Math.abs(y));
    if (excess > 0 || !Number.isFinite(excess)) {
      failures++;
      const size = Number.isFinite(excess) ? excess : Infinity;
      if (size > worstExcess) [worst, worstExcess] = [i, size];
    }
  }
  if (failures === 0) return null;
  const x = a.values[worst], y = e.values[worst];
  return `at ${where} index [${multiIndex(worst, e.shape)}]: actual ${x}, expected ${y} ` +
    `(|diff| ${Math.abs(x - y)} > atol ${o.atol} + rtol ${o.rtol} * |expected|); ` +
    `${failures} of ${e.values.length} element(s) differ`;
}

async function compareTrees(
  actual: unknown,
  expected: unknown,
  path: string,
  o: Required<Omit<AllCloseOptions, "message">>,
): Promise<string | null> {
  const scalarOrTensor = (x: unknown) =>
    x instanceof Tensor || typeof x === "number" || typeof x === "boolean";
  const leafPair = scalarOrTensor(actual) || scalarOrTensor(expected) ||
    (isLeafValue(actual) && isLeafValue(expected));
  if (leafPair) {
    if (!isLeafValue(actual) || !isLeafValue(expected)) {
      return `at ${pathName(path)}: structure differs: actual ${describe(actual)}, expected ${
        describe(expected)
      }`;
    }
    return await compareLeaves(actual, expected, path, o);
  }
  const join = (k: string | number) => (path === "" ? String(k) : `${path}.${k}`);
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) {
      return `at ${
        pathName(path)
      }: array length ${actual.length} differs from expected ${expected.length}`;
    }
    for (let i = 0; i < actual.length; i++) {
      const m = await compareTrees(actual[i], expected[i], join(i), o);
      if (m) return m;
    }
    return null;
  }
  if (isObject(actual) && isObject(expected)) {
    const ka = Object.keys(actual).sort(), ke = Object.keys(expected).sort();
    if (ka.join() !== ke.join()) {
      return `at ${pathName(path)}: keys {${ka}} differ from expected {${ke}}`;
    }
    for (const k of ke) {
      const m = await compareTrees(actual[k], expected[k], join(k), o);
      if (m) return m;
    }
    return null;
  }
  if (Object.is(actual, expected)) return null;
  return `at ${pathName(path)}: ${describe(actual)} differs from expected ${describe(expected)}`;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof Tensor);
}

function describe(x: unknown): string {
  if (x instanceof Tensor) return x.toString();
  if (Array.isArray(x)) return `array(${x.length})`;
  if (isObject(x)) return `{${Object.keys(x).join(",")}}`;
  return `${typeof x} ${String(x)}`;
}

/**
 * Throws unless `actual` and `expected` are elementwise close:
 * `|actual - expected| <= atol + rtol * |expected|`. Either side may be a tensor,
 * a number, a nested array of numbers, or a tree (objects/arrays) of those with
 * the same structure. Reads tensors back (hence async). The message names the
 * tree path, the worst element's multi-index and both values; shape, dtype and
 * structure mismatches get their own messages.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "./all_close.ts";
 * import { softmax, tensor } from "../core/mod.ts";
 * await assertAllClose(softmax(tensor([0, 0])), [0.5, 0.5]);
 * await assertAllClose({ a: [tensor([1]), 2] }, { a: [[1], 2] }, { rtol: 1e-6 });
 * ```
 */
export async function assertAllClose(
  actual: unknown,
  expected: unknown,
  opts: AllCloseOptions = {},
): Promise<void> {
  const o = {
    rtol: opts.rtol ?? 1e-5,
    atol: opts.atol ?? 1e-6,
    equalNan: opts.equalNan ?? false,
    checkDtype: opts.checkDtype ?? true,
  };
  if (!(o.rtol >= 0) || !(o.atol >= 0)) {
    throw new Error(`assertAllClose: rtol and atol must be >= 0, got ${o.rtol}, ${o.atol}`);
  }
  const m = await compareTrees(actual, expected, "", o);
  if (m) throw new Error(`${opts.message ? opts.message + ": " : ""}assertAllClose: ${m}`);
}

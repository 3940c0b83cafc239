/**
 * `checkGrads`: reverse-mode gradients against central finite differences along
 * random directions, in f64 on the CPU backend.
 *
 * @example
 * ```ts
 * import { assertGradsClose } from "./check_grads.ts";
 * import { mul, sin, sum, tensor } from "../core/mod.ts";
 * await assertGradsClose((x) => sum(mul(sin(x), x)), [tensor([0.5, -1, 2])]);
 * ```
 *
 * @module
 */
import {
  add,
  cpuBackend,
  fromData,
  getBackend,
  grad,
  type Key,
  key as makeKey,
  normal,
  scope,
  split,
  Tensor,
  tidy,
  treeFlatten,
  treePaths,
  treeUnflatten,
  useBackend,
} from "../core/mod.ts";

/** Options of {@linkcode checkGrads}. */
export interface CheckGradsOptions {
  /** Arguments to differentiate (default: every argument holding a float tensor). */
  argnums?: number | readonly number[];
  /** Random directions per differentiated leaf (default 3). */
  directions?: number;
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-7). */
  atol?: number;
  /** PRNG key for the directions (default key(0)). */
  key?: Key;
}

/** What {@linkcode checkGrads} found. */
export interface GradCheckReport {
  /** Every direction agreed within tolerance. */
  ok: boolean;
  /** The largest `|analytic - numeric| / max(|analytic|, |numeric|)` seen (0 when both are 0). */
  worstRelError: number;
  /** Index of the worst direction for its leaf. */
  worstDirection: number;
  /** Leaf path of the worst direction: `argnum.path` (`0.w`, `1.blocks.0.q`). */
  where: string;
  /** Directional derivative from the gradient, for the worst direction. */
  analytic: number;
  /** Central difference `(f(x + eps v) - f(x - eps v)) / 2 eps`, for the worst direction. */
  numeric: number;
  /** Directions checked in all. */
  checked: number;
}

async function toCpuF64(x: unknown): Promise<unknown> {
  const { leaves, def } = treeFlatten(x);
  const out: unknown[] = [];
  for (const leaf of leaves) {
    if (!(leaf instanceof Tensor)) {
      out.push(leaf);
      continue;
    }
    const float = leaf.dtype === "f32" || leaf.dtype === "f64";
    out.push(fromData(await leaf.data(), leaf.shape, {
      dtype: float ? "f64" : leaf.dtype,
      backend: cpuBackend(),
    }));
  }
  return treeUnflatten(def, out);
}

function isFloatTensor(x: unknown): x is Tensor {
  return x instanceof Tensor && (x.dtype === "f32" || x.dtype === "f64");
}

function scalarOf(op: string, y: unknown): number {
  if (!(y instanceof Tensor)) {
    throw new Error(`${op}: f must return a scalar Tensor, got ${y === null ? "null" : typeof y}`);
  }
  if (y.size !== 1) {
    throw new Error(
      `${op}: f must return a scalar, got shape [${
        y.shape.join(",")
      }]; reduce it (sum, mean) first`,
    );
  }
  return y.dataSync()[0];
}

/**
 * Check the gradient of `f` (a function of trees of tensors returning a scalar)
 * at `args`. Float tensors are copied to f64 on the CPU backend (so `f` must
 * not mix in f32 constants: use numbers, or make constants with the input's
 * dtype); the CPU backend is the default while `f` runs. For each float leaf of
 * each differentiated argument, and each of `directions` random directions `v`
 * on that leaf, the directional derivative `<grad f, v>` is compared with the
 * central difference `(f(x + eps v) - f(x - eps v)) / (2 eps)`; a direction
 * passes when `|a - n| <= atol + rtol * max(|a|, |n|)`.
 *
 * @example
 * ```ts
 * import { checkGrads } from "./check_grads.ts";
 * import { assertTrue } from "./assert.ts";
 * import { exp, sum, tensor } from "../core/mod.ts";
 * const report = await checkGrads((p: { w: any }) => sum(exp(p.w)), [{ w: tensor([0, 1]) }]);
 * assertTrue(report.ok, report.where);
 * assertTrue(report.worstRelError < 1e-6, `${report.worstRelError}`);
 * ```
 */
export async function checkGrads(
  // deno-lint-ignore no-explicit-any -- f takes trees of any shape
  f: (...args: any[]) => unknown,
  args: readonly unknown[],
  opts: CheckGradsOptions = {},
): Promise<GradCheckReport> {
  const op = "checkGrads";
  if (typeof f !== "function") throw new Error(`${op}: f must be a function, got ${typeof f}`);
  if (!Array.isArray(args)) throw new Error(`${op}: args must be an array of arguments`);
  const eps = opts.eps ?? 1e-6, rtol = opts.rtol ?? 1e-5, atol = opts.atol ?? 1e-7;
  const directions = opts.directions ?? 3;
  if (!(eps > 0)) throw new Error(`${op}: eps must be positive, got ${eps}`);
  if (!Number.isInteger(directions) || directions < 1) {
    throw new Error(`${op}: directions must be a positive integer, got ${directions}`);
  }
  const previous = getBackend();
  await useBackend(cpuBackend());
  using _owned = scope(); // the f64 copies and the gradients are freed on return
  try {
    const x = await Promise.all(args.map(toCpuF64));
    const argnums = opts.argnums === undefined
      ? x.map((_, i) => i).filter((i) => treeFlatten(x[i]).leaves.some(isFloatTensor))
      : typeof opts.argnums === "number"
      ? [opts.argnums]
      : [...opts.argnums];
    for (const i of argnums) {
      if (!Number.isInteger(i) || i < 0 || i >= x.length) {
        throw new Error(`${op}: argnums ${i} is out of range for ${x.length} argument(s)`);
      }
    }
    if (argnums.length === 0) throw new Error(`${op}: no argument holds a float tensor`);
    tidy(() => scalarOf(op, f(...x))); // a clear error for a non-scalar f, before grad's
    const grads = grad(f, { argnums: [...argnums] })(...x) as unknown[];
    return runDirections(f, x, argnums, grads, { eps, rtol, atol, directions, key: opts.key });
  } finally {
    await useBackend(previous);
  }
}

function runDirections(
  // deno-lint-ignore no-explicit-any -- see checkGrads
  f: (...args: any[]) => unknown,
  x: unknown[],
  argnums: number[],
  grads: unknown[],
  o: { eps: number; rtol: number; atol: number; directions: number; key?: Key },
): GradCheckReport {
  const report: GradCheckReport = {
    ok: true,
    worstRelError: 0,
    worstDirection: 0,
    where: "",
    analytic: 0,
    numeric: 0,
    checked: 0,
  };
  let worstExcess = -Infinity;
  let k = o.key ?? makeKey(0);
  argnums.forEach((argnum, gi) => {
    const leafPaths = treePaths(x[argnum]);
    const gradLeaves = treeFlatten(grads[gi]).leaves;
    const { leaves, def } = treeFlatten(x[argnum]);
    leaves.forEach((leaf, li) => {
      if (!isFloatTensor(leaf)) return;
      const g = gradLeaves[li] as Tensor;
      const where = leafPaths[li][0] === "" ? `${argnum}` : `${argnum}.${leafPaths[li][0]}`;
      for (let d = 0; d < o.directions; d++) {
        let dk: Key;
        [k, dk] = split(k, 2);
        const [analytic, numeric] = tidy(() => {
          const v = normal(dk, leaf.shape, { dtype: "f64" });
          const a = dot(g.dataSync(), v.dataSync());
          const at = (sign: number) => {
            const moved = [...x];
            const ls = [...leaves];
            ls[li] = add(leaf, mulScalar(v, sign * o.eps));
            moved[argnum] = treeUnflatten(def, ls);
            return scalarOf("checkGrads", f(...moved));
          };
          return [a, (at(1) - at(-1)) / (2 * o.eps)];
        });
        report.checked++;
        const diff = Math.abs(analytic - numeric);
        const scale = Math.max(Math.abs(analytic), Math.abs(numeric));
        const rel = scale === 0 ? 0 : diff / scale;
        const excess = Number.isNaN(diff) ? Infinity : diff - (o.atol + o.rtol * scale);
        if (excess > 0) report.ok = false;
        if (excess > worstExcess) {
          worstExcess = excess;
          Object.assign(report, {
            worstRelError: rel,
            worstDirection: d,
            where,
            analytic,
            numeric,
          });
        }
      }
    });
  });
  return report;
}

function mulScalar(v: Tensor, s: number): Tensor {
  const data = v.dataSync();
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] * s;
  return fromData(out, v.shape, { backend: cpuBackend() });
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * {@linkcode checkGrads} that throws when a direction disagrees, with the leaf,
 * direction, both derivatives and the relative error in the message. Returns the report.
 *
 * @example
 * ```ts
 * import { assertGradsClose } from "./check_grads.ts";
 * import { matmul, sum, tanh, tensor } from "../core/mod.ts";
 * const loss = (w: any, x: any) => sum(tanh(matmul(x, w)));
 * await assertGradsClose(loss, [tensor([[1, 2], [3, 4]]), tensor([[0.1, 0.2]])], { argnums: 0 });
 * ```
 */
export async function assertGradsClose(
  // deno-lint-ignore no-explicit-any -- see checkGrads
  f: (...args: any[]) => unknown,
  args: readonly unknown[],
  opts: CheckGradsOptions = {},
): Promise<GradCheckReport> {
  const r = await checkGrads(f, args, opts);
  if (!r.ok) {
    throw new Error(
      `assertGradsClose: gradient of leaf ${r.where} disagrees with finite differences ` +
        `(direction ${r.worstDirection}): analytic ${r.analytic}, numeric ${r.numeric}, ` +
        `relative error ${r.worstRelError.toExponential(3)} > rtol ${opts.rtol ?? 1e-5} ` +
        `(atol ${opts.atol ?? 1e-7}, eps ${opts.eps ?? 1e-6}, ${r.checked} directions checked)`,
    );
  }
  return r;
}

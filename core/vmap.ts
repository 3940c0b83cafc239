// deno-lint-ignore-file no-explicit-any -- vmapped functions are dynamically shaped
/**
 * `vmap`: a function of one example turned into a function of a batch, JAX's semantics. Each
 * batched argument is wrapped as a batched tensor of a new vmap level; every primitive the
 * function applies to one runs its batching rule (beside the primitive's other rules), so the
 * batch runs as one program of ordinary primitives: it composes with `grad`, `jit` and `vmap`.
 *
 * @module
 */
import { bind } from "./bind.ts";
import { fmtShape, isPlainObject, scope, Tensor } from "./tensor.ts";
import { BatchedTensor, withLevel } from "./vmap_batched.ts";
import { insertAxis, moveAxis } from "./vmap_rules.ts";

/**
 * Which axis is the batch axis, for one value or a whole tree: a number (negative counts from
 * the end), `null` (not batched: shared by every member), or a tree prefix of the value
 * (an array or object whose entries give the axes of the matching parts).
 */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

/** Options of {@linkcode vmap}. */
export interface VmapOptions {
  /** Batch axes of the arguments: one spec for all, or an array with one per argument (default 0). */
  inAxes?: AxisSpec;
  /** Where the batch axis goes in the outputs: one spec, or a tree prefix of the output (default 0). */
  outAxes?: AxisSpec;
}

type LeafFn = (leaf: Tensor, axis: number | null, path: string) => unknown;

function describe(x: unknown): string {
  if (x instanceof Tensor) return `a tensor ${fmtShape(x.shape)}`;
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (x !== null && typeof x === "object") return `an object with keys [${Object.keys(x)}]`;
  return String(x);
}

function mapLeaves(
  value: unknown,
  path: string,
  fn: (t: Tensor, path: string) => unknown,
): unknown {
  if (value instanceof Tensor) return fn(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapLeaves(v, `${path}[${i}]`, fn));
  if (value !== null && typeof value === "object" && isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, mapLeaves(v, `${path}.${k}`, fn)]),
    );
  }
  return value;
}

/** Map the tensor leaves of `value` with the axes `spec` (a tree prefix of `value`) gives them. */
function mapWithAxes(
  name: string,
  spec: AxisSpec,
  value: unknown,
  path: string,
  fn: LeafFn,
): unknown {
  if (spec === null || typeof spec === "number") {
    if (spec !== null && !Number.isInteger(spec)) {
      throw new Error(`vmap: ${name} at ${path} must be an integer or null, got ${spec}`);
    }
    return mapLeaves(value, path, (t, p) => fn(t, spec, p));
  }
  if (Array.isArray(spec)) {
    if (!Array.isArray(value) || value.length !== spec.length) {
      throw new Error(
        `vmap: ${name} has an array of ${spec.length} at ${path}, but ${path} is ${
          describe(value)
        }`,
      );
    }
    return value.map((v, i) => mapWithAxes(name, spec[i], v, `${path}[${i}]`, fn));
  }
  if (typeof spec === "object" && isPlainObject(spec)) {
    const keys = Object.keys(spec);
    const ok = value !== null && typeof value === "object" && !(value instanceof Tensor) &&
      !Array.isArray(value) && Object.keys(value).length === keys.length &&
      keys.every((k) => k in (value as object));
    if (!ok) {
      throw new Error(
        `vmap: ${name} has an object with keys [${keys}] at ${path}, but ${path} is ${
          describe(value)
        }`,
      );
    }
    const v = value as Record<string, unknown>;
    return Object.fromEntries(
      keys.map((k) => [k, mapWithAxes(name, (spec as any)[k], v[k], `${path}.${k}`, fn)]),
    );
  }
  throw new Error(`vmap: ${name} at ${path} must be a number, null, an array or an object`);
}

function normalizeBatchAxis(name: string, axis: number, shape: readonly number[], path: string) {
  const rank = shape.length;
  if (axis < -rank || axis >= rank) {
    throw new Error(
      `vmap: ${name} ${axis} is out of range for ${path} of shape ${fmtShape(shape)} ` +
        `(valid: ${-rank}..${rank - 1})`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * `f` mapped over a batch axis of its arguments: `vmap(f)(xs)` stacks `f(x)` for every slice
 * `x` of `xs` along the axis, computed as one batched program. `inAxes` says which axis of each
 * argument (tree) is the batch axis (`null` for arguments shared by every member), `outAxes`
 * where the batch axis goes in the outputs. Composes with `grad`/`valueAndGrad`/`vjp` (either
 * way round), `jit` (`jit(vmap(f))` compiles one program; a jitted function called inside `f`
 * runs inline) and `vmap` itself. Inside `f` values cannot be read. A `customVjp` function
 * applied to batched values runs its forward pass as ordinary ops (its hand-written rule is not
 * used there).
 *
 * @example
 * ```ts
 * import { grad, matmul, mul, sum, type Tensor, tensor, vmap } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * // Dot products of matching rows.
 * const dot = vmap((a: Tensor, b: Tensor) => sum(mul(a, b)));
 * await assertAllClose(dot(tensor([[1, 2], [3, 4]]), tensor([[1, 1], [2, 0]])), [3, 6]);
 * // A shared matrix (inAxes null) times each column of x (inAxes 1), the results as columns.
 * const w = tensor([[1, 0], [1, 1]]);
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * const y = vmap((w: Tensor, v: Tensor) => matmul(w, v), { inAxes: [null, 1], outAxes: 1 })(w, x);
 * await assertAllClose(y, [[1, 2, 3], [5, 7, 9]]);
 * // Per-example gradients of a loss with shared weights.
 * const loss = (w: Tensor, v: Tensor) => sum(mul(matmul(w, v), matmul(w, v)));
 * const perExample = vmap(grad(loss), { inAxes: [null, 1] })(w, x); // [3, 2, 2]
 * // d/dW |Wv|² = 2 (Wv) vᵀ; for the first column v = (1, 4), Wv = (1, 5):
 * await assertAllClose(perExample, [[[2, 8], [10, 40]], [[8, 20], [28, 70]], [[18, 36], [54, 108]]]);
 * ```
 */
export function vmap<F extends (...args: any[]) => any>(
  f: F,
  options: VmapOptions = {},
): (...args: Parameters<F>) => ReturnType<F> {
  if (typeof f !== "function") throw new Error(`vmap: expected a function, got ${typeof f}`);
  const inAxes = options.inAxes === undefined ? 0 : options.inAxes;
  const outAxes = options.outAxes === undefined ? 0 : options.outAxes;
  return (...args: Parameters<F>): ReturnType<F> => {
    const size = batchSize(inAxes, args);
    return withLevel(size, (level) => {
      const s = scope();
      try {
        const wrapped = mapWithAxes("inAxes", inAxes, args, "args", (t, axis, path) => {
          if (axis === null) return t;
          const a = normalizeBatchAxis("inAxes", axis, t.shape, path);
          return new BatchedTensor(bind("alias", [t], {}), level, a);
        }) as unknown[];
        const out = f(...wrapped);
        if (out instanceof Promise) {
          out.catch(() => {});
          throw new Error("vmap: the function returned a Promise; it must be synchronous");
        }
        return s.keep(
          mapWithAxes(
            "outAxes",
            outAxes,
            out,
            "out",
            (t, axis, path) => unbatchOutput(t, axis, path, level, size),
          ),
        ) as ReturnType<F>;
      } finally {
        s.close();
      }
    });
  };
}

function batchSize(inAxes: AxisSpec, args: readonly unknown[]): number {
  let first: { size: number; path: string; axis: number } | null = null;
  mapWithAxes("inAxes", inAxes, args, "args", (t, axis, path) => {
    if (axis === null) return t;
    const a = normalizeBatchAxis("inAxes", axis, t.shape, path);
    const n = t.shape[a];
    if (first === null) first = { size: n, path, axis };
    else if (first.size !== n) {
      throw new Error(
        `vmap: inAxes ${first.axis} gives batch size ${first.size} for ${first.path} but ` +
          (axis === first.axis ? `${n}` : `inAxes ${axis} gives ${n}`) + ` for ${path}`,
      );
    }
    return t;
  });
  if (first === null) {
    throw new Error(
      "vmap: no argument is batched (inAxes is null for every tensor, or there are no tensors)",
    );
  }
  return (first as { size: number }).size;
}

/** An output leaf as a tensor of the caller's level: its batch axis at `axis`. */
function unbatchOutput(
  t: Tensor,
  axis: number | null,
  path: string,
  level: number,
  size: number,
): Tensor {
  const batched = t instanceof BatchedTensor && t.level === level;
  if (axis === null) {
    if (batched) {
      throw new Error(
        `vmap: outAxes is null for ${path}, but it is batched (it depends on a batched argument)`,
      );
    }
    return t;
  }
  const o = normalizeBatchAxis("outAxes", axis, [...t.shape, size], path);
  if (!batched) return insertAxis(t, o, size);
  const moved = moveAxis(t.value, t.axis, o);
  return moved === t.value ? bind("alias", [t.value], {}) : moved;
}

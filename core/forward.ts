// deno-lint-ignore-file no-explicit-any -- trees and transformed functions are dynamically shaped
/**
 * Forward-mode autodiff, derived from the reverse mode by transposition:
 * {@linkcode jvp} and {@linkcode linearize}.
 *
 * Every VJP rule is written with nugrad's own ops and is linear in its
 * cotangent, so the pullback `u ↦ Jᵀu` is itself a differentiable, linear
 * function of `u`. Its VJP, taken at any `u` (zeros here) and applied to a
 * tangent `v`, is `(Jᵀ)ᵀ v = J v`. Forward mode therefore needs no rule of its
 * own: there is one source of derivative truth (the VJP table), and a
 * primitive cannot lack a JVP, because every primitive has a VJP (the rule
 * table refuses a missing one at `deno check`). The price is time: a JVP runs
 * the function, its recorded backward pass and that pass's transpose, about
 * two to three times a VJP.
 *
 * @module
 */
import { vjp, type VjpFunction } from "./grad.ts";
import { zerosLike } from "./ops/create.ts";
import { fmtShape, scope, Tensor } from "./tensor.ts";
import { treeFlatten, treeUnflatten } from "./tree.ts";

function isDifferentiable(leaf: unknown): leaf is Tensor {
  return leaf instanceof Tensor && (leaf.dtype === "f32" || leaf.dtype === "f64");
}

/** The linear map from input tangents to output tangents, and the output of `f`. */
interface Linearized {
  out: unknown;
  /** Output tangents (a tree shaped like `out`) from the flat tangents of the variables. */
  apply(tangents: readonly Tensor[]): unknown;
  /** The float tensor leaves of the primals, in tree order: the variables. */
  variables: Tensor[];
  dispose(): void;
}

/** Linearize `f` at `primals` (an argument list); every float tensor leaf is a variable. */
function linearizeFlat(op: string, f: (...args: any[]) => unknown, primals: unknown[]): Linearized {
  if (typeof f !== "function") throw new Error(`${op}: expected a function, got ${typeof f}`);
  const { leaves, def } = treeFlatten(primals);
  const varAt = leaves.flatMap((l, i) => (isDifferentiable(l) ? [i] : []));
  const variables = varAt.map((i) => leaves[i] as Tensor);
  const onVariables = (...vars: Tensor[]) => {
    const filled = [...leaves];
    varAt.forEach((k, i) => (filled[k] = vars[i]));
    return f(...treeUnflatten<unknown[]>(def, filled));
  };
  const s = scope();
  let pullback: VjpFunction | null = null, transposed: VjpFunction | null = null;
  try {
    const [out, pb] = vjp(onVariables as (...a: never[]) => unknown, ...variables);
    pullback = pb;
    s.keep(out);
    const { leaves: outLeaves, def: outDef } = treeFlatten(out);
    const seedAt = outLeaves.flatMap((l, i) => (isDifferentiable(l) ? [i] : []));
    // The pullback as a function of the float outputs' cotangents (the others get zeros).
    const pullbackOfSeeds = (...seeds: Tensor[]) => {
      const cts = outLeaves.map((l) => (l instanceof Tensor ? zerosLike(l) : l));
      seedAt.forEach((k, i) => (cts[k] = seeds[i]));
      return pb(treeUnflatten(outDef, cts));
    };
    const [zeroCts, tp] = vjp(
      pullbackOfSeeds as (...a: never[]) => unknown,
      ...seedAt.map((k) => zerosLike(outLeaves[k] as Tensor)),
    );
    transposed = tp;
    void zeroCts;
    // The transposed pass has recorded what it needs; the first tape can go.
    pullback.dispose();
    pullback = null;
    const apply = (tangents: readonly Tensor[]): unknown => {
      const inner = scope();
      try {
        const seedTangents = tp(tangents) as Tensor[];
        const outTangents = outLeaves.map((l) => (l instanceof Tensor ? zerosLike(l) : l));
        seedAt.forEach((k, i) => (outTangents[k] = seedTangents[i]));
        return inner.keep(treeUnflatten(outDef, outTangents));
      } finally {
        inner.close();
      }
    };
    return { out, apply, variables, dispose: () => tp.dispose() };
  } catch (e) {
    pullback?.dispose();
    transposed?.dispose();
    throw e;
  } finally {
    s.close();
  }
}

/** Flatten `tangents` against the primals' variables, checking structure, shapes and dtypes. */
function tangentLeaves(op: string, primals: unknown[], tangents: unknown): Tensor[] {
  if (!Array.isArray(tangents) || tangents.length !== primals.length) {
    throw new Error(
      `${op}: expected one tangent per primal (${primals.length}), got ${
        Array.isArray(tangents) ? tangents.length : typeof tangents
      }`,
    );
  }
  const { leaves: p } = treeFlatten(primals);
  const { leaves: t } = treeFlatten(tangents);
  if (p.length !== t.length) {
    throw new Error(`${op}: the tangents have ${t.length} leaves, the primals ${p.length}`);
  }
  const out: Tensor[] = [];
  p.forEach((leaf, i) => {
    if (!isDifferentiable(leaf)) return;
    const tan = t[i];
    if (
      !(tan instanceof Tensor) || tan.shape.join() !== leaf.shape.join() ||
      tan.dtype !== leaf.dtype
    ) {
      throw new Error(
        `${op}: tangent leaf ${i} must be a ${leaf.dtype} tensor of shape ${
          fmtShape(leaf.shape)
        } like its primal, got ${
          tan instanceof Tensor ? `${tan.dtype} ${fmtShape(tan.shape)}` : String(tan)
        }`,
      );
    }
    out.push(tan);
  });
  return out;
}

/**
 * `f(...primals)` and its directional derivative in direction `tangents`
 * (one tangent tree per primal, shaped like it): `[outputs, outputTangents]`.
 * Float tensor leaves are differentiated; other leaves (integer tensors,
 * numbers) are held fixed and their tangents ignored. Outputs that are not
 * float tensors get zero tangents.
 *
 * Derived from the VJPs by transposition (see the module doc), so every
 * primitive is covered; a JVP costs about two to three VJPs.
 *
 * @example
 * ```ts
 * import { jvp, mul, sin, tensor } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const f = (x: any) => mul(sin(x), 2);
 * const [y, dy] = jvp(f, [tensor([0, 1])], [tensor([1, 3])]);
 * await assertAllClose(y, [0, 2 * Math.sin(1)]);
 * await assertAllClose(dy, [2, 6 * Math.cos(1)]); // 2 cos(x) · v
 * ```
 */
export function jvp(
  f: (...args: any[]) => any,
  primals: readonly unknown[],
  tangents: readonly unknown[],
): [any, any] {
  if (!Array.isArray(primals)) throw new Error(`jvp: primals must be an array of arguments`);
  const ts = tangentLeaves("jvp", primals as unknown[], tangents);
  const lin = linearizeFlat("jvp", f, primals as unknown[]);
  try {
    return [lin.out, lin.apply(ts)];
  } finally {
    lin.dispose();
  }
}

/** The linear function that {@linkcode linearize} returns: reusable, then disposed. */
export interface LinearFunction {
  /** Output tangents for one tangent tree per primal. */
  (...tangents: unknown[]): any;
  /** Release what the linear map keeps alive. */
  dispose(): void;
  /** `using fJvp = ...` releases it at the end of the block. */
  [Symbol.dispose](): void;
}

/**
 * `f(...primals)` and its derivative at `primals` as a reusable linear
 * function of the tangents: `[outputs, fJvp]`, `fJvp(...tangents)` giving
 * output tangents. The function is traced once; each call of `fJvp` runs
 * only the linear part. Dispose `fJvp` when done.
 *
 * @example
 * ```ts
 * import { linearize, mul, tensor } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const [y, fJvp] = linearize((x: any) => mul(x, x), tensor([3]));
 * await assertAllClose(y, [9]);
 * await assertAllClose(fJvp(tensor([1])), [6]);
 * await assertAllClose(fJvp(tensor([2])), [12]);
 * fJvp.dispose();
 * ```
 */
export function linearize(
  f: (...args: any[]) => any,
  ...primals: unknown[]
): [any, LinearFunction] {
  const lin = linearizeFlat("linearize", f, primals);
  let released = false;
  const fJvp = ((...tangents: unknown[]) => {
    if (released) throw new Error("linearize: the linear function was disposed");
    return lin.apply(tangentLeaves("linearize", primals, tangents));
  }) as LinearFunction;
  fJvp.dispose = () => {
    released = true;
    lin.dispose();
  };
  fJvp[Symbol.dispose] = fJvp.dispose;
  return [lin.out, fJvp];
}

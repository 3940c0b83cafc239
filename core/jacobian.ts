// deno-lint-ignore-file no-explicit-any -- trees and transformed functions are dynamically shaped
/**
 * Jacobians and Hessians over trees: {@linkcode jacrev} (one pullback per
 * output element), {@linkcode jacfwd} (one forward pass of the linearized
 * function per input element), {@linkcode hessian} and the Hessian-vector
 * product {@linkcode hvp}.
 *
 * A Jacobian block for an output leaf of shape `o` and an input leaf of shape
 * `i` has shape `[...o, ...i]`. The result is the output's tree with each
 * float leaf replaced by the differentiated argument's tree of blocks (a tuple
 * of such trees when `argnums` is an array), as in JAX.
 *
 * @module
 */
import { grad, vjp } from "./grad.ts";
import { type LinearFunction, linearize } from "./forward.ts";
import { allocHost, fromData, zerosLike } from "./ops/create.ts";
import { add, mul } from "./ops/elementwise.ts";
import { sum } from "./ops/reduce.ts";
import { reshape, transpose } from "./ops/shape.ts";
import { stack } from "./ops/stack.ts";
import { fmtShape, scope, Tensor } from "./tensor.ts";
import { treeFlatten, treeUnflatten } from "./tree.ts";
import { activeTrace } from "./trace_context.ts";

/** Options of {@linkcode jacrev}, {@linkcode jacfwd} and {@linkcode hessian}. */
export interface JacobianOptions {
  /** Which positional arguments to differentiate (default 0); an array gives a tuple. */
  argnums?: number | readonly number[];
}

function isFloatTensor(x: unknown): x is Tensor {
  return x instanceof Tensor && (x.dtype === "f32" || x.dtype === "f64");
}

/** A tensor like `like` with a one at flat position `i` and zeros elsewhere. */
function basis(like: Tensor, i: number): Tensor {
  const host = allocHost(like.dtype, like.size);
  host[i] = 1;
  return fromData(host, like.shape, { dtype: like.dtype, backend: like.backend });
}

function argnumsOf(op: string, opts: JacobianOptions, nargs: number): number[] {
  const list = opts.argnums === undefined
    ? [0]
    : Array.isArray(opts.argnums)
    ? [...opts.argnums as number[]]
    : [opts.argnums as number];
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= nargs) {
      throw new Error(`${op}: argnums ${i} is out of range for ${nargs} argument(s)`);
    }
  }
  return list;
}

/** `f` as a function of the arguments at `argnums` only, the others fixed to `args`. */
function restrict(f: (...a: any[]) => any, args: readonly unknown[], argnums: readonly number[]) {
  return (...sel: unknown[]) => {
    const all = [...args];
    argnums.forEach((k, i) => (all[k] = sel[i]));
    return f(...all);
  };
}

/**
 * Assemble the Jacobian: `block(outLeaf, argIndex, inLeaf)` gives one block; the result is
 * the output tree of (tuples of) argument trees.
 */
function assemble(
  out: unknown,
  selected: readonly unknown[],
  multiple: boolean,
  block: (o: number, a: number, l: number) => Tensor,
): unknown {
  const { leaves: outLeaves, def: outDef } = treeFlatten(out);
  const argTrees = selected.map((arg) => treeFlatten(arg));
  const perOut = outLeaves.map((o, oi) => {
    if (!isFloatTensor(o)) return o;
    const trees = argTrees.map(({ leaves, def }, a) =>
      treeUnflatten(def, leaves.map((l, li) => (isFloatTensor(l) ? block(oi, a, li) : l)))
    );
    return multiple ? trees : trees[0];
  });
  return treeUnflatten(outDef, perOut);
}

/**
 * `f` transformed to return its Jacobian by reverse mode: one pullback per
 * output element (cheap for few outputs, many inputs). Blocks have shape
 * `[...output, ...input]`.
 *
 * @example
 * ```ts
 * import { jacrev, mul, tensor } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const J = jacrev((x: any) => mul(x, x))(tensor([1, 2]));
 * await assertAllClose(J, [[2, 0], [0, 4]]);
 * ```
 */
export function jacrev<F extends (...args: any[]) => any>(
  f: F,
  opts: JacobianOptions = {},
): (...args: Parameters<F>) => any {
  const multiple = Array.isArray(opts.argnums);
  return (...args: any[]): any => {
    const argnums = argnumsOf("jacrev", opts, args.length);
    const selected = argnums.map((k) => args[k]);
    const s = scope();
    let pullback: ReturnType<typeof vjp>[1] | null = null;
    try {
      const [out, pb] = vjp(restrict(f, args, argnums) as any, ...selected);
      pullback = pb;
      const { leaves: outLeaves, def: outDef } = treeFlatten(out);
      const zeros = outLeaves.map((l) => (l instanceof Tensor ? zerosLike(l) : l));
      // rows[o][k]: the cotangent trees (one per argument) for element k of output leaf o.
      const rows = outLeaves.map((o, oi) => {
        if (!isFloatTensor(o)) return [];
        return Array.from({ length: o.size }, (_, k) => {
          const cts = [...zeros];
          cts[oi] = basis(o, k);
          return pb(treeUnflatten(outDef, cts)).map((g) => treeFlatten(g).leaves);
        });
      });
      const result = assemble(out, selected, multiple, (oi, a, li) => {
        const o = outLeaves[oi] as Tensor;
        const inLeaf = treeFlatten(selected[a]).leaves[li] as Tensor;
        const parts = rows[oi].map((r) => r[a][li] as Tensor);
        return reshape(stack(parts), [...o.shape, ...inLeaf.shape]);
      });
      return s.keep(result);
    } finally {
      pullback?.dispose();
      s.close();
    }
  };
}

/**
 * `f` transformed to return its Jacobian by forward mode: `f` is linearized
 * once, then one tangent per input element is pushed through (cheap for few
 * inputs, many outputs). Blocks have shape `[...output, ...input]`.
 *
 * @example
 * ```ts
 * import { jacfwd, sin, tensor } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const J = jacfwd((x: any) => sin(x))(tensor([0, 0]));
 * await assertAllClose(J, [[1, 0], [0, 1]]);
 * ```
 */
export function jacfwd<F extends (...args: any[]) => any>(
  f: F,
  opts: JacobianOptions = {},
): (...args: Parameters<F>) => any {
  const multiple = Array.isArray(opts.argnums);
  return (...args: any[]): any => {
    const argnums = argnumsOf("jacfwd", opts, args.length);
    const selected = argnums.map((k) => args[k]);
    const s = scope();
    let lin: LinearFunction | null = null;
    try {
      const [out, fJvp] = linearize(restrict(f, args, argnums), ...selected);
      lin = fJvp;
      const flat = selected.map((arg) => treeFlatten(arg));
      const zeroTangents = flat.map(({ leaves }) =>
        leaves.map((l) => (l instanceof Tensor ? zerosLike(l) : l))
      );
      // cols[a][l][k]: the output-tangent leaves for element k of leaf l of argument a.
      const cols = flat.map(({ leaves }, a) =>
        leaves.map((l, li) => {
          if (!isFloatTensor(l)) return [];
          return Array.from({ length: l.size }, (_, k) => {
            const tangents = flat.map(({ def }, b) => {
              const ls = [...zeroTangents[b]];
              if (b === a) ls[li] = basis(l, k);
              return treeUnflatten(def, ls);
            });
            return treeFlatten(fJvp(...tangents)).leaves as Tensor[];
          });
        })
      );
      const outLeaves = treeFlatten(out).leaves;
      const result = assemble(out, selected, multiple, (oi, a, li) => {
        const o = outLeaves[oi] as Tensor;
        const inLeaf = flat[a].leaves[li] as Tensor;
        const parts = cols[a][li].map((c) => c[oi]);
        // [in.size, ...o] → [...o, in.size] → [...o, ...in]
        const stacked = stack(parts);
        const perm = [...Array.from({ length: o.rank }, (_, i) => i + 1), 0];
        return reshape(transpose(stacked, perm), [...o.shape, ...inLeaf.shape]);
      });
      return s.keep(result);
    } finally {
      lin?.dispose();
      s.close();
    }
  };
}

/**
 * `f` transformed to return its Hessian, `jacfwd(jacrev(f))`: for a scalar
 * `f` of a tensor of shape `s`, a tensor of shape `[...s, ...s]`.
 *
 * @example
 * ```ts
 * import { hessian, mul, sum, tensor } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const H = hessian((x: any) => sum(mul(mul(x, x), x)))(tensor([1, 2]));
 * await assertAllClose(H, [[6, 0], [0, 12]]); // diag(6x)
 * ```
 */
export function hessian<F extends (...args: any[]) => any>(
  f: F,
  opts: JacobianOptions = {},
): (...args: Parameters<F>) => any {
  return jacfwd(jacrev(f, opts), opts);
}

/** Options of {@linkcode hvp}. */
export interface HvpOptions {
  /**
   * `"reverse"`: the gradient of `⟨∇f(x), v⟩`, reverse over reverse;
   * `"forward"`: the JVP of `∇f` in direction `v`, forward over reverse. By
   * default, the one `bench/hvp_bench.ts` measures faster: forward inside
   * `jit` (the compiled program drops the transposition's dead work: about
   * 1.3–2× a gradient, against 3.4× reverse), reverse when eager (about 3×,
   * against 4.5× forward).
   */
  mode?: "reverse" | "forward";
}

/**
 * The Hessian-vector product `H(x) v` of a scalar function `f` of one
 * argument `x` (a tree of tensors), without forming `H`: a tree shaped like
 * `x`. `v` is shaped like `x`.
 *
 * @example
 * ```ts
 * import { hvp, mul, sum, tensor } from "../mod.ts";
 * import { assertAllClose } from "../testing/all_close.ts";
 * const f = (x: any) => sum(mul(mul(x, x), x)); // H = diag(6x)
 * await assertAllClose(hvp(f, tensor([1, 2]), tensor([1, 1])), [6, 12]);
 * await assertAllClose(hvp(f, tensor([1, 2]), tensor([1, 1]), { mode: "forward" }), [6, 12]);
 * ```
 */
export function hvp(f: (x: any) => any, x: unknown, v: unknown, opts: HvpOptions = {}): any {
  const mode = opts.mode ?? (activeTrace() ? "forward" : "reverse");
  const xl = treeFlatten(x).leaves, vl = treeFlatten(v).leaves;
  if (xl.length !== vl.length) {
    throw new Error(`hvp: v has ${vl.length} leaves, x ${xl.length}; v must be shaped like x`);
  }
  xl.forEach((l, i) => {
    const w = vl[i];
    if (isFloatTensor(l) && (!(w instanceof Tensor) || w.shape.join() !== l.shape.join())) {
      throw new Error(
        `hvp: v's leaf ${i} must be a tensor of shape ${fmtShape(l.shape)}, got ${
          w instanceof Tensor ? fmtShape(w.shape) : String(w)
        }`,
      );
    }
  });
  if (mode === "forward") {
    const [g, hv] = jvp1(grad(f), x, v);
    disposeTree(g);
    return hv;
  }
  if (mode !== "reverse") throw new Error(`hvp: mode must be "reverse" or "forward", got ${mode}`);
  const gradF = grad(f);
  return grad((y: unknown) => {
    const gl = treeFlatten(gradF(y)).leaves;
    let total: Tensor | null = null;
    gl.forEach((g, i) => {
      if (!isFloatTensor(g)) return;
      const term = sum(mul(g, vl[i] as Tensor));
      total = total === null ? term : add(total, term);
    });
    if (total === null) throw new Error("hvp: x has no float tensor leaves");
    return total;
  })(x);
}

function jvp1(f: (x: any) => any, x: unknown, v: unknown): [unknown, unknown] {
  const [out, fJvp] = linearize(f, x);
  try {
    return [out, fJvp(v)];
  } finally {
    fJvp.dispose();
  }
}

function disposeTree(t: unknown): void {
  for (const l of treeFlatten(t).leaves) if (l instanceof Tensor) l.dispose();
}

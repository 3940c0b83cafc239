/**
 * The row/column L2 normalization of a matrix (`normalizeAlong`, differentiable: the
 * optimizer's projection onto the sphere), one primitive lowered to two fused kernels.
 *
 * @module
 */
import { bind, defineRule, type Rule } from "../bind.ts";
import { contiguousInput, type Lowering } from "../lowering.ts";
import type { DType, Shape } from "../../kernels/backend.ts";
import { ProgramBuilder } from "../../kernels/fused.ts";
import { type BatchArg, moveAxis, physicalAxis, reshapeTo } from "../vmap_rules.ts";
import { activeTrace } from "../trace_context.ts";
import { fromData } from "./create.ts";
import { fmtShape, type Tensor } from "../tensor.ts";
import { add, isFloat, mul, rsqrt, sub } from "./elementwise.ts";
import { sum } from "./reduce.ts";

function finite(op: string, name: string, v: number, ok: (v: number) => boolean): void {
  if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) {
    throw new Error(`${op}: ${name} out of range, got ${v}`);
  }
}

/**
 * `normalizeAxis` as two fused kernels: the sums of squares along the axis, then `x` times
 * `1 / sqrt(sum + eps)`, so that under `nu.jit` the scheduler fuses them with their neighbours
 * (an optimizer's update, say). f16 is computed in f32 and rounded once, as it is stored.
 *
 * @example
 * ```ts
 * import { normalizeLowering } from "./optimizer_kernels.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const low = normalizeLowering({ shape: [2, 3], dtype: "f32" }, { axis: 0, eps: 0 });
 * assertEquals(low.temps, [{ dtype: "f32", size: 3 }, { dtype: "f32", size: 6 }]);
 * assertEquals(low.steps[0].kernel.reduce?.axes, [0]);
 * ```
 */
export function normalizeLowering(
  x: { shape: Shape; dtype: DType },
  { axis, eps }: { axis: 0 | -1; eps: number },
): Lowering {
  const [rows, cols] = x.shape;
  const t = x.dtype, c = t === "f16" ? "f32" : t;
  const loadX = (b: ProgramBuilder) => {
    const v = b.load(0, t);
    return t === c ? v : b.fn("cast", [v], c);
  };
  const sq = new ProgramBuilder();
  const v = loadX(sq);
  const square = sq.fn("mul", [v, v], c);
  const b = new ProgramBuilder();
  const xv = loadX(b);
  const norm = b.fn("sqrt", [b.fn("add", [b.load(1, c), b.constant(eps, c)], c)], c);
  let y = b.fn("mul", [xv, b.fn("div", [b.constant(1, c), norm], c)], c);
  if (t !== c) y = b.fn("cast", [y], t);
  const xin = contiguousInput(x.shape, t);
  const sums = { dtype: c, strides: axis === -1 ? [1, 0] : [0, 1], offset: 0 };
  // Buffers: 0 = x, 1 = the sums of squares, 2 = the result.
  return {
    temps: [{ dtype: c, size: axis === -1 ? rows : cols }, { dtype: t, size: rows * cols }],
    steps: [
      {
        kernel: {
          shape: [rows, cols],
          inputs: [xin],
          nodes: sq.nodes,
          outputs: [],
          reduce: { op: "sum", node: square, axes: [axis === -1 ? 1 : 0] },
        },
        inputs: [0],
        outputs: [1],
      },
      {
        kernel: { shape: [rows, cols], inputs: [xin, sums], nodes: b.nodes, outputs: [y] },
        inputs: [0, 1],
        outputs: [2],
      },
    ],
    result: 2,
  };
}

/**
 * The `normalizeAxis` primitive's rule. With `r = 1/sqrt(Σx² + eps)` and `y = x·r`, the VJP
 * is `r · (g − y · Σ(g·y))` (sums along the normalized axis), composed of ops.
 */
export const normalizeAxisRule: Rule<"normalizeAxis"> = defineRule("normalizeAxis", {
  outSpec: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  lower: ([x], params) => normalizeLowering(x, params),
  batch: ([x], params) => normalizeAxisBatch(x, params),
  vjp: (g, { inputs: [x], output: y, params: { axis, eps } }) => {
    const r = rsqrt(add(sum(mul(x, x), { axis, keepdims: true }), eps));
    return [mul(r, sub(g, mul(y, sum(mul(g, y), { axis, keepdims: true }))))];
  },
});

/**
 * Batched `normalizeAxis`. Eagerly, the members' matrices side by side in one matrix — rows
 * stacked (`[B·n, m]`) to normalize rows, columns joined (`[n, B·m]`, batch axis 1) to normalize
 * columns — so each member's numbers are its own run's. Under `nu.jit`, the two kernels the
 * trace lowers the primitive to, written over the batched value in place (no transpose), so that
 * the scheduler fuses them with their producers as it does for one member.
 */
function normalizeAxisBatch(x: BatchArg, params: { axis: 0 | -1; eps: number }): BatchArg {
  if (activeTrace() !== null) {
    const v = x.value, b = x.axis!;
    const axis = physicalAxis(params.axis === -1 ? 1 : 0, b);
    const scalar = (c: number) => fromData([c], [], { dtype: v.dtype, backend: v.backend });
    const sums = bind("reduceSum", [bind("binary", [v, v], { op: "mul" })], { axes: [axis] });
    const norm = bind("unary", [bind("binary", [sums, scalar(params.eps)], { op: "add" })], {
      op: "sqrt",
    });
    const inv = bind("binary", [scalar(1), norm], { op: "div" });
    return { value: bind("binary", [v, inv], { op: "mul" }), axis: b };
  }
  const columns = params.axis === 0;
  const at = columns ? 1 : 0;
  const v = moveAxis(x.value, x.axis!, at); // rows: [B, n, m]; columns: [n, B, m]
  const flat = reshapeTo(
    v,
    columns ? [v.shape[0], v.size / v.shape[0]] : [v.size / v.shape[2], v.shape[2]],
  );
  return { value: reshapeTo(bind("normalizeAxis", [flat], params), v.shape), axis: at };
}

/**
 * Unit L2 norm along `axis` of a matrix: each row (`-1`) or column (`0`) divided by
 * `sqrt(sum of its squares + eps)` (`eps` default 0), in one primitive (`normalizeAxis`);
 * differentiable. Internal: the public op is `l2Normalize`, which calls this for matrices.
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../../testing/all_close.ts";
 * import { tensor } from "../../mod.ts";
 * import { normalizeAlong } from "./optimizer_kernels.ts";
 * await assertAllClose(normalizeAlong(tensor([[3, 4]]), -1), [[0.6, 0.8]]);
 * await assertAllClose(normalizeAlong(tensor([[3], [4]]), 0), [[0.6], [0.8]]);
 * ```
 */
export function normalizeAlong(x: Tensor, axis: 0 | -1, opts: { eps?: number } = {}): Tensor {
  const op = "normalizeAlong";
  if (axis !== 0 && axis !== -1) throw new Error(`${op}: axis must be 0 or -1, got ${axis}`);
  if (x.rank !== 2) throw new Error(`${op}: needs a matrix, got shape ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new Error(`${op}: needs a float tensor, got ${x.dtype}`);
  const eps = opts.eps ?? 0;
  finite(op, "eps", eps, (v) => v >= 0);
  return bind("normalizeAxis", [x], { axis, eps });
}

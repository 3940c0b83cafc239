/**
 * Optimizer kernels as ops: the fused Adam step (`adamUpdate`, three outputs,
 * no derivative) and the fused row/column L2 normalization of a matrix
 * (`normalizeAlong`, differentiable). Each runs as one backend primitive (one
 * dispatch on WebGPU) instead of a chain of elementwise ops.
 *
 * @module
 */
import { bind, defineRule, type Rule } from "../bind.ts";
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
 * The `normalizeAxis` primitive's rule. With `r = 1/sqrt(Σx² + eps)` and `y = x·r`, the VJP
 * is `r · (g − y · Σ(g·y))` (sums along the normalized axis), composed of ops.
 */
export const normalizeAxisRule: Rule<"normalizeAxis"> = defineRule("normalizeAxis", {
  outSpec: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
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

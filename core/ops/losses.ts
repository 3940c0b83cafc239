/**
 * Softmax cross-entropy: two fused primitives (`crossEntropy` per row and its
 * gradient `crossEntropyGrad`), each with its shape rule and VJP, and the
 * `crossEntropy` op (the mean over rows).
 *
 * @module
 */
import { defineRule } from "../bind.ts";
import { bind, type Rule } from "../bind.ts";
import { materialize } from "../vmap_rules.ts";
import { fmtShape, type Tensor, tidy } from "../tensor.ts";
import { isFloat, mul, sub } from "./elementwise.ts";
import { oneHot } from "./indexing.ts";
import { mean, sum } from "./reduce.ts";
import { softmax } from "./softmax.ts";
import { expandDims } from "./shape.ts";

/** The `crossEntropy` primitive's rule: per-row loss; its VJP is the fused gradient. */
export const crossEntropyRule: Rule<"crossEntropy"> = defineRule("crossEntropy", {
  outSpec: ([x]) => ({ shape: x.shape.slice(0, -1), dtype: x.dtype }),
  vjp: (g, { inputs: [x, t] }) => [bind("crossEntropyGrad", [x, t, g], {}), null],
  // Rows are independent: every input batched at the front, the members' rows stacked.
  batch: (args, _params, size) => ({
    value: bind("crossEntropy", args.map((a) => materialize(a, size)), {}),
    axis: 0,
  }),
});

/**
 * The `crossEntropyGrad` primitive's rule. Its own VJP (needed only for
 * higher derivatives) is composed: with `s = softmax(x)` and `c = ct · g`,
 * `d/dx = s ⊙ (c − Σ c ⊙ s)` and `d/dg = Σ (s − oneHot(t)) ⊙ ct`.
 */
export const crossEntropyGradRule: Rule<"crossEntropyGrad"> = defineRule("crossEntropyGrad", {
  outSpec: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  batch: (args, _params, size) => ({
    value: bind("crossEntropyGrad", args.map((a) => materialize(a, size)), {}),
    axis: 0,
  }),
  vjp: (ct, { inputs: [x, t, g], wants: [wantX, , wantG] }) => {
    const s = softmax(x);
    const gx = wantX
      ? (() => {
        const c = mul(ct, expandDims(g, -1));
        return mul(s, sub(c, sum(mul(c, s), { axis: -1, keepdims: true })));
      })()
      : null;
    const gg = wantG
      ? sum(mul(sub(s, oneHot(t, x.shape[x.rank - 1], { dtype: x.dtype })), ct), { axis: -1 })
      : null;
    return [gx, null, gg];
  },
});

/**
 * Softmax cross-entropy of `logits [..., V]` against i32 `targets [...]`
 * (one fused primitive per row): the mean over rows, or with
 * `reduction: "none"` the per-row losses `[...]`. A target outside `[0, V)`
 * is an error naming the target, its row and `V` (on the CPU always; on
 * WebGPU and in `jit` programs with `checks({ indices: true })`).
 *
 * @example
 * ```ts
 * import { crossEntropy, tensor } from "../../mod.ts";
 * import { assertAllClose } from "../../testing/all_close.ts";
 * const t = tensor([1], { dtype: "i32" });
 * await assertAllClose(crossEntropy(tensor([[0, 0]]), t), Math.LN2);
 * await assertAllClose(crossEntropy(tensor([[0, 0]]), t, { reduction: "none" }), [Math.LN2]);
 * ```
 */
export function crossEntropy(
  logits: Tensor,
  targets: Tensor,
  opts: { reduction?: "mean" | "none" } = {},
): Tensor {
  logits.assertLive("crossEntropy");
  targets.assertLive("crossEntropy");
  if (!isFloat(logits.dtype)) {
    throw new Error(`crossEntropy: logits must be float, got ${logits.dtype}`);
  }
  if (targets.dtype !== "i32") {
    throw new Error(`crossEntropy: targets must be i32, got ${targets.dtype}`);
  }
  if (
    logits.rank < 1 || targets.rank !== logits.rank - 1 ||
    targets.shape.some((d, i) => d !== logits.shape[i])
  ) {
    throw new Error(
      `crossEntropy: targets ${fmtShape(targets.shape)} must have the shape of logits ${
        fmtShape(logits.shape)
      } without the last axis`,
    );
  }
  const reduction = opts.reduction ?? "mean";
  if (reduction === "none") return bind("crossEntropy", [logits, targets], {});
  if (reduction !== "mean") {
    throw new Error(
      `crossEntropy: reduction must be "mean" or "none", got ${JSON.stringify(reduction)}`,
    );
  }
  return tidy(() => mean(bind("crossEntropy", [logits, targets], {})));
}

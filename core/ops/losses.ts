/**
 * Losses composed from primitives.
 *
 * @module
 */
import { fmtShape, type Tensor, tidy } from "../tensor.ts";
import { neg } from "./elementwise.ts";
import { takeAlongLastAxis } from "./indexing.ts";
import { logSoftmax, mean } from "./reduce.ts";

/**
 * Mean cross-entropy of `logits [..., V]` against i32 `targets [...]`.
 *
 * @example
 * ```ts
 * import { crossEntropy, tensor } from "../../mod.ts";
 * crossEntropy(tensor([[0, 0]]), tensor([1], { dtype: "i32" })); // ln 2
 * ```
 */
export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  if (targets.dtype !== "i32") {
    throw new Error(`crossEntropy: targets must be i32, got ${targets.dtype}`);
  }
  if (targets.rank !== logits.rank - 1 || targets.shape.some((d, i) => d !== logits.shape[i])) {
    throw new Error(
      `crossEntropy: targets ${fmtShape(targets.shape)} must have the shape of logits ${
        fmtShape(logits.shape)
      } without the last axis`,
    );
  }
  return tidy(() => neg(mean(takeAlongLastAxis(logSoftmax(logits), targets))));
}

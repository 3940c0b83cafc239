/**
 * Token ids must lie in `[0, vocab)`: an id outside it gathers no embedding row and turns the
 * loss into NaN without a word. Checked wherever the ids are on the host anyway, and for tensors
 * on the CPU backend.
 *
 * @module
 */
import { fmtShape, readableNow, type Tensor, unbatched } from "../core/mod.ts";

/**
 * Throws unless every id of `ids` (row-major, shape `shape`) lies in `[0, vocab)`; the message
 * starts with `op` and names the first bad id, its position and the vocabulary size.
 *
 * @example
 * ```ts
 * import { assertThrows } from "../testing/assert.ts";
 * import { checkTokenIds } from "./tokens.ts";
 * checkTokenIds(Int32Array.from([0, 1, 2, 3]), [2, 2], 4, "train");
 * assertThrows(
 *   () => checkTokenIds(Int32Array.from([0, 1, 7, 3]), [2, 2], 4, "train"),
 *   "train: token id 7 at [1, 0] of the [2,2] batch is outside [0, vocab 4)",
 * );
 * ```
 */
export function checkTokenIds(
  ids: ArrayLike<number>,
  shape: readonly number[],
  vocab: number,
  op: string,
): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id >= 0 && id < vocab) continue;
    const position: number[] = [];
    for (let rest = i, d = shape.length - 1; d >= 0; d--) {
      position.unshift(rest % shape[d]);
      rest = Math.floor(rest / shape[d]);
    }
    throw new Error(
      `${op}: token id ${id} at [${position.join(", ")}] of the ${
        fmtShape(shape)
      } batch is outside [0, vocab ${vocab})`,
    );
  }
}

/**
 * Check the ids of token tensor `tokens` where reading them costs nothing: on the CPU backend
 * (not inside a trace, where values are unknown). Elsewhere the checked mode
 * (`checks({ indices: true })`) reports a bad id at the next readback.
 *
 * @example
 * ```ts
 * import { tensor } from "../core/mod.ts";
 * import { assertThrows } from "../testing/assert.ts";
 * import { checkTokenTensor } from "./tokens.ts";
 * checkTokenTensor(tensor([[0, 3]], { dtype: "i32" }), 4, "apply");
 * assertThrows(
 *   () => checkTokenTensor(tensor([[0, -1]], { dtype: "i32" }), 4, "apply"),
 *   "apply: token id -1 at [0, 1] of the [1,2] batch is outside [0, vocab 4)",
 * );
 * ```
 */
export function checkTokenTensor(tokens: Tensor, vocab: number, op: string): void {
  if (tokens.dtype !== "i32" || !readableNow(tokens)) return;
  // Under vmap: every member's ids at once (they share the vocabulary).
  const stored = unbatched(tokens);
  checkTokenIds(stored.dataSync(), stored.shape, vocab, op);
}

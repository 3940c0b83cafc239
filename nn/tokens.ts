/**
 * Token ids must lie in `[0, vocab)`: an id outside it gathers no embedding row and turns the
 * loss into NaN without a word. Checked wherever the ids are on the host anyway.
 *
 * @module
 */
import { fmtShape } from "../core/mod.ts";

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

/**
 * Small helpers for the nn tests: host-side norms along an axis, disposal of trees.
 *
 * @module
 */
import { type Tensor, treeLeaves } from "../../core/mod.ts";

/** The L2 norms of a matrix `[r, c]` (or of `[..., d]` rows) along `axis` (-1 rows, 0 columns). */
export function norms(t: Tensor, axis: -1 | 0): number[] {
  const data = t.dataSync();
  const cols = t.shape[t.rank - 1];
  const rows = t.size / cols;
  const out: number[] = [];
  if (axis === -1) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += data[r * cols + c] ** 2;
      out.push(Math.sqrt(s));
    }
  } else {
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += data[r * cols + c] ** 2;
      out.push(Math.sqrt(s));
    }
  }
  return out;
}

/** The largest `|norm - 1|` along `axis`. */
export function worstUnitNormError(t: Tensor, axis: -1 | 0): number {
  return Math.max(...norms(t, axis).map((n) => Math.abs(n - 1)));
}

/** Dispose every tensor of a tree. */
export function disposeTree(tree: unknown): void {
  for (const t of treeLeaves<Tensor>(tree)) if (typeof t?.dispose === "function") t.dispose();
}

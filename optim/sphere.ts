/**
 * nGPT's weight normalization (spec section 4) as a post-step function on parameters.
 *
 * Why not a gradient transformation: an Optax transform returns updates that are *added* to
 * the parameters. A transform landing on the sphere would return `normalize(p + u) − p`, and
 * `applyUpdates` would then compute `p + (normalize(p + u) − p)`, which rounds differently from
 * `normalize(p + u)` (so norms are only near 1) and costs two extra ops per matrix. Projecting
 * the new parameters directly is exact up to one rounding and touches no optimizer state.
 *
 * @module
 */
import { l2Normalize, type Tensor, treeMap } from "../core/mod.ts";
import type { Params } from "./transform.ts";

/** Where each parameter keeps unit vectors: `-1` rows, `0` columns, `null` not normalized. */
export type SphereAxis = -1 | 0 | null;

/** Options of {@linkcode projectToSphere}. */
export interface ProjectOptions {
  /** Added under the square root of the squared norm (default 0: exact unit norms). */
  eps?: number;
}

/**
 * A function that renormalizes the vectors of each parameter along its axis (a tree of
 * `-1 | 0 | null` shaped like the parameters; `null` leaves pass through unchanged). Apply it
 * to the parameters after each update, and once at init. Optimizer state is not involved.
 * Each matrix is one `l2Normalize` (one fused primitive, one dispatch on WebGPU).
 *
 * @example
 * ```ts
 * import { assertAllClose } from "../testing/all_close.ts";
 * import { tensor } from "../core/mod.ts";
 * import { projectToSphere } from "./sphere.ts";
 * const project = projectToSphere({ rows: -1, cols: 0, gain: null });
 * const p = project({ rows: tensor([[3, 4]]), cols: tensor([[3], [4]]), gain: tensor([2]) });
 * await assertAllClose(p, { rows: [[0.6, 0.8]], cols: [[0.6], [0.8]], gain: [2] });
 * ```
 */
export function projectToSphere(
  axes: Params,
  options: ProjectOptions = {},
): (params: Params) => Params {
  const eps = options.eps ?? 0;
  treeMap((axis: unknown) => {
    if (axis !== -1 && axis !== 0 && axis !== null) {
      throw new Error(`projectToSphere: each axis must be -1, 0 or null, got ${String(axis)}`);
    }
  }, axes);
  return (params) =>
    treeMap(
      (p: Tensor, axis: SphereAxis) => {
        if (axis === null) return p;
        if (p.rank !== 2) {
          throw new Error(
            `projectToSphere: axis ${axis} needs a matrix, got shape [${p.shape.join(",")}]`,
          );
        }
        return l2Normalize(p, { axis, eps });
      },
      params,
      axes,
    );
}

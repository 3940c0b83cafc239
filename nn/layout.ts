/**
 * Where each nGPT matrix keeps its unit vectors (spec section 4): matrices
 * are stored `[out, in]`; the vectors along the model width `d` are the rows
 * of `embed`, `unembed`, `q`, `k`, `v`, `up`, `gate` and the columns of `o`
 * and `down`. Rescalers are not normalized.
 *
 * @module
 */

const ROWS = /^(embed|unembed|blocks\.\d+\.attn\.[qkv]|blocks\.\d+\.mlp\.(up|gate))$/;
const COLUMNS = /^blocks\.\d+\.(attn\.o|mlp\.down)$/;

/**
 * The axis along which the parameter at canonical `path` has unit-norm
 * vectors (`-1`: rows, `0`: columns), or `null` for parameters that are not
 * normalized (the rescalers).
 *
 * @example
 * ```ts
 * import { sphereAxisOf } from "./layout.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * assertEquals(sphereAxisOf("blocks.0.attn.q"), -1); // rows
 * assertEquals(sphereAxisOf("blocks.0.attn.o"), 0); // columns
 * assertEquals(sphereAxisOf("sz"), null);
 * ```
 */
export function sphereAxisOf(path: string): -1 | 0 | null {
  if (ROWS.test(path)) return -1;
  if (COLUMNS.test(path)) return 0;
  return null;
}

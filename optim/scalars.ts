/**
 * Scalar constants shared across the leaves of one update: `mul(t, 0.9)` uploads a fresh
 * one-element tensor for every call, so an update over many leaves would upload the same few
 * numbers again and again (one GPU buffer write each). A cache made per update uploads each
 * distinct (value, dtype, backend) once; the tensors die with the update's scope.
 *
 * @module
 */
import { fromData, type Tensor } from "../core/mod.ts";

/**
 * A function giving the scalar tensor `value` with the dtype and backend of `like`, created
 * once per distinct (value, dtype, backend) for the life of the returned function.
 *
 * @example
 * ```ts
 * import { mul, tensor } from "../core/mod.ts";
 * import { scalarCache } from "./scalars.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const scalar = scalarCache();
 * const a = tensor([1, 2]);
 * assertEquals(scalar(0.5, a) === scalar(0.5, a), true); // one tensor per value
 * assertEquals(await mul(a, scalar(0.5, a)).toArray(), [0.5, 1]);
 * ```
 */
export function scalarCache(): (value: number, like: Tensor) => Tensor {
  const cache = new Map<string, Tensor>();
  const backendIds = new Map<unknown, number>();
  return (value, like) => {
    const backend = like.backend;
    if (!backendIds.has(backend)) backendIds.set(backend, backendIds.size);
    const id = `${backendIds.get(backend)}:${like.dtype}:${value}`;
    let t = cache.get(id);
    if (t === undefined || t.disposed) {
      t = fromData([value], [], { dtype: like.dtype, backend });
      cache.set(id, t);
    }
    return t;
  };
}

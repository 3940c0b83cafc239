/**
 * nugrad: a functional tensor library for Deno, with reverse-mode autodiff,
 * CPU (BLAS) and WebGPU backends, and the normalized-transformer (nGPT)
 * building blocks, optimizer and parameterizations (nGPT, μP, νGPT) for
 * studying learning-rate transfer.
 *
 * @example
 * ```ts
 * import * as nu from "./mod.ts";
 * const f = (x: nu.Tensor) => nu.sum(nu.mul(x, x));
 * const g = nu.grad(f)(nu.tensor([1, 2, 3]));
 * console.log(await g.toArray()); // [2, 4, 6]
 * ```
 *
 * @module
 */
export * from "./core/mod.ts";

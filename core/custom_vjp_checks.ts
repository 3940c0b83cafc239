/**
 * What a `customVjp` rule returns is checked before it reaches the gradient:
 * one cotangent (or null) per argument, each a live tensor of its argument's
 * shape and dtype. A wrong shape would otherwise flow silently into the
 * gradient (or broadcast into a wrong one).
 *
 * @module
 */
import { fmtShape, Tensor } from "./tensor.ts";

function describe(x: unknown): string {
  if (x instanceof Tensor) return `a ${x.dtype} tensor of shape ${fmtShape(x.shape)}`;
  if (Array.isArray(x)) return `an array of ${x.length}`;
  return x === undefined ? "undefined" : typeof x === "object" ? "an object" : typeof x;
}

/**
 * Throws unless `cts` holds one null or tensor per argument, each of that
 * argument's shape and dtype; `name` (the rule's name) starts the message.
 *
 * @example
 * ```ts
 * import { checkCotangents } from "./custom_vjp_checks.ts";
 * import { ones, zeros } from "./ops/create.ts";
 * import { assertThrows } from "../testing/assert.ts";
 * checkCotangents("softClip", [ones([3])], [zeros([3])]);
 * assertThrows(
 *   () => checkCotangents("softClip", [ones([3])], [zeros([])]),
 *   "softClip: bwd returned a cotangent of shape [] for argument 0 of shape [3]",
 * );
 * ```
 */
export function checkCotangents(name: string, args: readonly Tensor[], cts: unknown): void {
  if (!Array.isArray(cts) || cts.length !== args.length) {
    throw new Error(
      `${name}: bwd must return an array of one cotangent (or null) per argument ` +
        `(${args.length}), got ${describe(cts)}`,
    );
  }
  cts.forEach((c, i) => {
    if (c === null) return;
    const a = args[i];
    if (!(c instanceof Tensor)) {
      throw new Error(
        `${name}: bwd returned ${describe(c)} for argument ${i} (${a.dtype} ${
          fmtShape(a.shape)
        }); expected a tensor or null`,
      );
    }
    if (c.shape.length !== a.shape.length || c.shape.some((d, k) => d !== a.shape[k])) {
      throw new Error(
        `${name}: bwd returned a cotangent of shape ${fmtShape(c.shape)} for argument ${i} ` +
          `of shape ${fmtShape(a.shape)}`,
      );
    }
    if (c.dtype !== a.dtype) {
      throw new Error(
        `${name}: bwd returned a ${c.dtype} cotangent for argument ${i} of dtype ${a.dtype} ` +
          `(shape ${fmtShape(a.shape)})`,
      );
    }
  });
}

/**
 * Throws unless `fwd`'s result is `[output tensor, residual tensors]`.
 *
 * @example
 * ```ts
 * import { checkForwardResult } from "./custom_vjp_checks.ts";
 * import { ones } from "./ops/create.ts";
 * import { assertThrows } from "../testing/assert.ts";
 * checkForwardResult("myExp", [ones([2]), []]);
 * assertThrows(() => checkForwardResult("myExp", ones([2])), "myExp: fwd must return [output, residuals]");
 * ```
 */
export function checkForwardResult(name: string, result: unknown): void {
  if (!Array.isArray(result) || result.length !== 2 || !(result[0] instanceof Tensor)) {
    throw new Error(
      `${name}: fwd must return [output, residuals] (a tensor and an array of tensors), got ${
        describe(result)
      }`,
    );
  }
  const residuals = result[1];
  if (!Array.isArray(residuals)) {
    throw new Error(
      `${name}: fwd's residuals must be an array of tensors, got ${describe(residuals)}`,
    );
  }
}

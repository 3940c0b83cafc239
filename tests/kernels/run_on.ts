/**
 * Run a core primitive on a backend at the buffer level: elementwise
 * primitives as their one-op generated kernel (what `bind` runs), the others
 * through `backend.run`.
 *
 * @module
 */
import type {
  Backend,
  BackendBuffer,
  Operand,
  OutSpec,
  Prim,
  PrimParams,
} from "../../kernels/backend.ts";
import { type CorePrim, type CorePrimParams, elementwiseKernel } from "../../core/bind.ts";
import { ruleFor } from "../../core/rules.ts";

/** `prim` on `inputs` into a new buffer of spec `out`. */
export function runOn<P extends CorePrim>(
  backend: Backend,
  prim: P,
  inputs: readonly Operand[],
  params: CorePrimParams[P],
  out: OutSpec,
): BackendBuffer {
  const rule = ruleFor(prim);
  if (rule.scalar === undefined) {
    return backend.run(prim as Prim, inputs, params as PrimParams[Prim], out);
  }
  const kernel = elementwiseKernel(rule, inputs, params, out);
  const y = backend.alloc(out.dtype, out.shape.reduce((a, b) => a * b, 1));
  try {
    backend.runFused(kernel, inputs.map((x) => x.buffer), [y]);
  } catch (e) {
    backend.release(y);
    throw e;
  }
  return y;
}

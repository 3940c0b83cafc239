/**
 * Run a core primitive on a backend at the buffer level (elementwise primitives as their one-op
 * generated kernel): the core's `runPrimitive`, under the name the kernel tests use.
 *
 * @module
 */
import "../../core/rules.ts";
export { runPrimitive as runOn } from "../../core/bind.ts";

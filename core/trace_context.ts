/**
 * Which `nu.jit` trace is recording, if any. While one records, every op
 * whose inputs live on the trace's target backend (or on the trace itself),
 * and every tensor created on that backend, goes to the trace instead, so a
 * traced function's whole computation is captured, constants included.
 *
 * @module
 */
import type { Backend } from "../kernels/backend.ts";

/** A recording backend standing in for `target` during a trace. */
export interface TraceBackend extends Backend {
  /** The backend the traced program will run on. */
  readonly target: Backend;
}

const stack: TraceBackend[] = [];

/**
 * The backend an op or a creation on `b` should use now: the active trace
 * when `b` is its target, else `b`.
 *
 * @example
 * ```ts
 * import { redirectBackend } from "./trace_context.ts";
 * import { cpuBackend } from "./backends.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * assertTrue(redirectBackend(cpuBackend()) === cpuBackend()); // no trace active
 * ```
 */
export function redirectBackend(b: Backend): Backend {
  const t = stack[stack.length - 1];
  return t !== undefined && (b === t.target || b === t) ? t : b;
}

/** True when `a` and `b` may meet in one op (the same backend, or a trace and its target). */
export function compatibleBackends(a: Backend, b: Backend): boolean {
  if (a === b) return true;
  const t = stack[stack.length - 1];
  return t !== undefined && (a === t || a === t.target) && (b === t || b === t.target);
}

/** The trace recording now, or null. */
export function activeTrace(): TraceBackend | null {
  return stack[stack.length - 1] ?? null;
}

/** Run `fn` with `trace` recording. */
export function withTrace<T>(trace: TraceBackend, fn: () => T): T {
  stack.push(trace);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/**
 * The error every value read inside a traced function gets (thrown at the
 * read, synchronously, inside the call that traces).
 *
 * @example
 * ```ts
 * import { readInsideTraceError } from "./trace_context.ts";
 * import { assertTrue } from "../testing/assert.ts";
 * assertTrue(readInsideTraceError("item").message.startsWith("jit: item: "));
 * ```
 */
export function readInsideTraceError(op: string): Error {
  return new Error(
    `jit: ${op}: a tensor's value cannot be read inside a traced function (item(), data(), ` +
      `toArray(), dataSync()): the function runs once on placeholders. Return the tensor and read ` +
      `it after the call, or pass the number as a static (non-tensor) argument`,
  );
}

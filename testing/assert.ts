/**
 * nugrad's one door to an assertion library.
 *
 * Deno's standard library (`@std/assert`) is the natural choice, but it lives
 * on JSR, which some machines cannot reach; Deno's built-in `node:assert/strict`
 * is always there. Everything in nugrad imports assertions from this file, so
 * moving to `@std/assert` later is a change to this file alone.
 *
 * @example
 * ```ts
 * import { assertEquals } from "./assert.ts";
 * assertEquals([1, 2], [1, 2]);
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";

/** Fails unless `actual` and `expected` are deeply equal. */
export function assertEquals<T>(
  actual: T,
  expected: T,
  message?: string,
): void {
  assert.deepStrictEqual(actual, expected, message);
}

/** Fails unless `value` is truthy. */
export function assertTrue(value: unknown, message?: string): asserts value {
  assert.ok(value, message);
}

/**
 * Fails unless `fn` throws an Error whose message contains `includes`
 * (a string, or each string of an array, or matches a RegExp).
 * Returns the error so a test can look further.
 */
export function assertThrows(
  fn: () => unknown,
  includes?: string | RegExp | readonly string[],
): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof Error)) {
    throw new assert.AssertionError({
      message: "expected the function to throw an Error",
    });
  }
  checkMessage(caught, includes);
  return caught;
}

/** Like {@linkcode assertThrows} for an async function or a promise. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  includes?: string | RegExp | readonly string[],
): Promise<Error> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof Error)) {
    throw new assert.AssertionError({
      message: "expected the promise to reject with an Error",
    });
  }
  checkMessage(caught, includes);
  return caught;
}

/**
 * Fails unless `|actual - expected| <= atol + rtol * |expected|` (defaults rtol 1e-6, atol 1e-9).
 * NaN equals NaN only with `equalNan: true`: a NaN on both sides is otherwise a failure.
 *
 * @example
 * ```ts
 * import { assertClose, assertThrows } from "./assert.ts";
 * assertClose(0.1 + 0.2, 0.3);
 * assertClose(NaN, NaN, { equalNan: true });
 * assertThrows(() => assertClose(NaN, NaN), "expected NaN, got NaN");
 * ```
 */
export function assertClose(
  actual: number,
  expected: number,
  opts: { rtol?: number; atol?: number; equalNan?: boolean; message?: string } = {},
): void {
  const rtol = opts.rtol ?? 1e-6;
  const atol = opts.atol ?? 1e-9;
  const ok = Math.abs(actual - expected) <= atol + rtol * Math.abs(expected) ||
    (opts.equalNan === true && Number.isNaN(actual) && Number.isNaN(expected)) ||
    (actual === expected && !Number.isNaN(actual));
  if (!ok) {
    throw new assert.AssertionError({
      message: `${opts.message ? opts.message + ": " : ""}expected ${expected}, got ${actual} ` +
        `(|diff| ${Math.abs(actual - expected)} > atol ${atol} + rtol ${rtol} * |expected|)`,
    });
  }
}

function checkMessage(
  e: Error,
  includes?: string | RegExp | readonly string[],
): void {
  if (includes === undefined) return;
  const parts = typeof includes === "string" || includes instanceof RegExp ? [includes] : includes;
  for (const p of parts) {
    const ok = typeof p === "string" ? e.message.includes(p) : p.test(e.message);
    if (!ok) {
      throw new assert.AssertionError({
        message: `error message ${JSON.stringify(e.message)} does not contain ${String(p)}`,
      });
    }
  }
}

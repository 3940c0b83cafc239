/**
 * Environment variables that native libraries read once, when they load: whether this process
 * may touch them, and setting defaults for the length of a `dlopen` only.
 *
 * @module
 */

/**
 * Whether `Deno.env` may read and write `variable` without a prompt.
 *
 * @example
 * ```ts
 * import { envGranted } from "./library_env.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(typeof envGranted("HOME"), "boolean");
 * ```
 */
export function envGranted(variable: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "env", variable }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Run `load` with each of `defaults` set where the user has set none of `unlessSet` (and the
 * variable itself is unset, and env access is granted); restore the environment afterwards, so
 * that only the library loaded inside sees the defaults (it reads them as it initialises).
 *
 * @example
 * ```ts
 * import { withLoadDefaults } from "./library_env.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const seen = withLoadDefaults({ NUGRAD_EXAMPLE_VAR: "1" }, [], () => Deno.env.get("NUGRAD_EXAMPLE_VAR"));
 * assertEquals([seen, Deno.env.get("NUGRAD_EXAMPLE_VAR")], ["1", undefined]);
 * ```
 */
export function withLoadDefaults<T>(
  defaults: Readonly<Record<string, string>>,
  unlessSet: readonly string[],
  load: () => T,
): T {
  const names = Object.keys(defaults);
  const settable = [...names, ...unlessSet].every(envGranted) &&
    [...names, ...unlessSet].every((v) => Deno.env.get(v) === undefined);
  if (!settable) return load();
  for (const name of names) Deno.env.set(name, defaults[name]);
  try {
    return load();
  } finally {
    for (const name of names) Deno.env.delete(name);
  }
}

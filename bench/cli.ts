/**
 * The one place the benchmark and experiment command lines get their flag parser: Deno's built-in
 * `node:util` `parseArgs` (Deno's `@std/cli` lives on JSR, which the machines nugrad is developed
 * on cannot reach). Moving to `@std/cli` is a change to this file.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./cli.ts";
 * import { assertEquals } from "../testing/assert.ts";
 * const { values, positionals } = parseArgs({
 *   args: ["run", "--out", "dir", "--signature-lr=-4"],
 *   options: { out: { type: "string" }, "signature-lr": { type: "string" } },
 *   allowPositionals: true,
 * });
 * assertEquals([positionals, values.out, values["signature-lr"]], [["run"], "dir", "-4"]);
 * ```
 *
 * @module
 */
export { parseArgs } from "node:util";

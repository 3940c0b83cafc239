/**
 * Names of parameterizations on the command line: a built-in name, or a reference
 * `./my_param.ts#myParam` to a module exporting a parameterization composed with `param`'s
 * building blocks. The sweep stores the string in each run's spec; the trainer turns it into a
 * parameterization (for references, with {@linkcode loadParameterization}).
 *
 * @example
 * ```ts
 * import { parseParamRef } from "./paramRef.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(parseParamRef("nugpt"), { kind: "builtin", name: "nugpt" });
 * assertEquals(parseParamRef("./p.ts#mine"), { kind: "module", path: "./p.ts", exportName: "mine" });
 * ```
 *
 * @module
 */

/** Built-in parameterizations (see the spec, section 7). */
export const BUILTIN_PARAMS = ["ngpt", "mup", "nugpt", "nugptPaper"] as const;

/** A parsed `--param` entry. */
export type ParamRef =
  | { kind: "builtin"; name: (typeof BUILTIN_PARAMS)[number] }
  | { kind: "module"; path: string; exportName: string };

const MODULE_REF = /^(.+\.(?:ts|js|mts|mjs))#([A-Za-z_$][\w$]*)$/;

/**
 * Parses one `--param` entry; throws naming the value when it is neither form.
 *
 * @example
 * ```ts
 * import { parseParamRef } from "./paramRef.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(parseParamRef("mup").kind, "builtin");
 * ```
 */
export function parseParamRef(text: string): ParamRef {
  if ((BUILTIN_PARAMS as readonly string[]).includes(text)) {
    return { kind: "builtin", name: text as (typeof BUILTIN_PARAMS)[number] };
  }
  const m = MODULE_REF.exec(text);
  if (m) return { kind: "module", path: m[1], exportName: m[2] };
  throw new Error(
    `--param: unknown parameterization '${text}' (built-ins: ${BUILTIN_PARAMS.join(", ")}; ` +
      `or a module reference ./file.ts#exportName)`,
  );
}

/**
 * Imports a module reference (resolved against the working directory) and returns its export.
 * Throws naming the file and export when either is missing.
 *
 * @example
 * ```ts
 * import { loadParameterization } from "./paramRef.ts";
 * import { assertRejects } from "../../testing/assert.ts";
 * await assertRejects(() => loadParameterization("./nowhere.ts#x"), "nowhere.ts");
 * ```
 */
export async function loadParameterization(text: string): Promise<unknown> {
  const ref = parseParamRef(text);
  if (ref.kind === "builtin") {
    throw new Error(`loadParameterization: '${text}' is a built-in; the trainer provides it`);
  }
  const url = new URL(ref.path, `file://${Deno.cwd()}/`).href;
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (e) {
    throw new Error(`--param ${text}: cannot import ${ref.path}: ${(e as Error).message}`);
  }
  if (!(ref.exportName in mod)) {
    throw new Error(
      `--param ${text}: ${ref.path} has no export '${ref.exportName}' ` +
        `(it exports: ${Object.keys(mod).join(", ") || "nothing"})`,
    );
  }
  return mod[ref.exportName];
}

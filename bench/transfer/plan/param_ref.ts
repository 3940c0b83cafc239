/**
 * Names of parameterizations on the command line: a built-in name, a reference
 * `./my_param.ts#myParam` to a module exporting a parameterization composed with `param`'s
 * building blocks, or either with some roles' learning rates scaled: `nugpt@hidden*2` (νGPT with
 * the hidden matrices' rate doubled), `nugpt@alpha+sqk+sz*0.5@output*4` (several roles joined by
 * `+`, several scalings chained). The scaled form is how `role_probe.ts` finds each role's best
 * rate. The sweep stores the string in each run's spec; the trainer turns it into a
 * parameterization (for references, with {@linkcode loadParameterization}).
 *
 * @example
 * ```ts
 * import { parseParamRef } from "./param_ref.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(parseParamRef("nugpt"), { kind: "builtin", name: "nugpt" });
 * assertEquals(parseParamRef("./p.ts#mine"), { kind: "module", path: "./p.ts", exportName: "mine" });
 * ```
 *
 * @module
 */

import { isRole, type Role, ROLES } from "../../../param/mod.ts";
import { fnv1a } from "./run_list.ts";

/** Built-in parameterizations (see the spec, section 7). */
export const BUILTIN_PARAMS = ["ngpt", "mup", "nugpt", "nugptPaper"] as const;

/** A parsed `--param` entry. */
export type ParamRef =
  | { kind: "builtin"; name: (typeof BUILTIN_PARAMS)[number] }
  | { kind: "module"; path: string; exportName: string }
  | { kind: "scaled"; base: string; roles: Role[]; factor: number };

const SCALED_REF = /^(.+)@([a-z]+(?:\+[a-z]+)*)\*([0-9.eE+-]+)$/;

const MODULE_REF = /^(.+\.(?:ts|js|mts|mjs))#([A-Za-z_$][\w$]*)$/;

/**
 * Parses one `--param` entry; throws naming the value when it is neither form.
 *
 * @example
 * ```ts
 * import { parseParamRef } from "./param_ref.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(parseParamRef("mup").kind, "builtin");
 * ```
 */
export function parseParamRef(text: string): ParamRef {
  const scaled = SCALED_REF.exec(text);
  if (scaled) {
    const [, base, roleText, factorText] = scaled;
    parseParamRef(base);
    const roles = roleText.split("+");
    const unknown = roles.filter((r) => !isRole(r));
    if (unknown.length > 0) {
      throw new Error(
        `--param '${text}': unknown role ${unknown.map((r) => `'${r}'`).join(", ")} ` +
          `(roles: ${ROLES.join(", ")})`,
      );
    }
    const factor = Number(factorText);
    if (!Number.isFinite(factor) || factor < 0) {
      throw new Error(
        `--param '${text}': the factor must be a non-negative number, got ${factorText}`,
      );
    }
    return { kind: "scaled", base, roles: roles as Role[], factor };
  }
  if ((BUILTIN_PARAMS as readonly string[]).includes(text)) {
    return { kind: "builtin", name: text as (typeof BUILTIN_PARAMS)[number] };
  }
  const m = MODULE_REF.exec(text);
  if (m) return { kind: "module", path: m[1], exportName: m[2] };
  throw new Error(
    `--param: unknown parameterization '${text}' (built-ins: ${BUILTIN_PARAMS.join(", ")}; ` +
      `a module reference ./file.ts#exportName; or either scaled, e.g. nugpt@hidden*2)`,
  );
}

/**
 * Imports a module reference (resolved against the working directory) and returns its export
 * (for a scaled reference, the export under the scaling, or undefined over a built-in). Throws
 * naming the file and export when either is missing.
 *
 * @example
 * ```ts
 * import { loadParameterization } from "./param_ref.ts";
 * import { assertRejects } from "../../../testing/assert.ts";
 * await assertRejects(() => loadParameterization("./nowhere.ts#x"), "nowhere.ts");
 * ```
 */
export async function loadParameterization(text: string): Promise<unknown> {
  const ref = parseParamRef(text);
  if (ref.kind === "scaled") {
    // Loads (and so checks) the module under the scaling; a built-in needs no loading.
    return parseParamRef(ref.base).kind === "builtin"
      ? undefined
      : await loadParameterization(ref.base);
  }
  if (ref.kind === "builtin") {
    throw new Error(`loadParameterization: '${text}' is a built-in; the trainer provides it`);
  }
  const url = new URL(ref.path, `file://${Deno.cwd()}/`).href;
  let mod: Record<string, unknown>;
  try {
    mod = await import(url + await versionQuery(url));
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

/**
 * `?v=<hash of the file's text>` for a module file (empty where it cannot be read): an import is
 * cached per specifier for the life of the process, so a module rewritten since (as `transfer fit`
 * rewrites `found.ts` when a re-run changes the fit) would otherwise keep its old definition.
 */
async function versionQuery(url: string): Promise<string> {
  try {
    return `?v=${fnv1a(await Deno.readTextFile(new URL(url)))}`;
  } catch {
    return "";
  }
}

/**
 * The names runs are shown under: a built-in's or scaled reference's own text, and for a module
 * reference the parameterization's declared name (its function's `name`, e.g. `nugpt-probed`),
 * or the export's name when it declares none or one already taken by another entry (so that
 * `./x.ts#mine`, defined as `ngpt` itself, is not shown as the built-in `ngpt`).
 *
 * @example
 * ```ts
 * import { paramLabels } from "./param_ref.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const labels = await paramLabels(["ngpt", "nugpt@hidden*2"]);
 * assertEquals([...labels], [["ngpt", "ngpt"], ["nugpt@hidden*2", "nugpt@hidden*2"]]);
 * ```
 */
export async function paramLabels(params: readonly string[]): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  const taken = new Set(params.filter((p) => parseParamRef(p).kind !== "module"));
  for (const p of params) {
    const ref = parseParamRef(p);
    if (ref.kind !== "module") {
      labels.set(p, p);
      continue;
    }
    const loaded = await loadParameterization(p);
    const declared = typeof loaded === "function" ? loaded.name : "";
    const label = declared && !taken.has(declared) ? declared : ref.exportName;
    taken.add(label);
    labels.set(p, label);
  }
  return labels;
}

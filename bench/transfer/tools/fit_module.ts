/**
 * The parameterization modules `transfer fit` writes (`probed.ts`, `found.ts`): a base composed
 * with one `param` rule per fitted exponent, e.g.
 * `compose("fit-found", nugpt, widthExponent(["hidden"], -0.5), batchExponent(0.2, [...]))`.
 *
 * @example
 * ```ts
 * import { relativeImport } from "./fit_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(relativeImport("/a/out/fit", "/a/param/mod.ts"), "../../param/mod.ts");
 * ```
 *
 * @module
 */
import type { Axis } from "../plan/types.ts";

/**
 * The import specifier of file `to` from a module in folder `fromDir` (both absolute).
 *
 * @example
 * ```ts
 * import { relativeImport } from "./fit_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(relativeImport("/r/param", "/r/param/mod.ts"), "./mod.ts");
 * ```
 */
export function relativeImport(fromDir: string, to: string): string {
  const norm = (p: string) => {
    const out: string[] = [];
    for (const s of p.split("/")) {
      if (s === "" || s === ".") continue;
      if (s === "..") out.pop();
      else out.push(s);
    }
    return out;
  };
  const a = norm(fromDir);
  const b = norm(to);
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const up = a.length - i;
  return (up === 0 ? "./" : "../".repeat(up)) + b.slice(i).join("/");
}

/** The `param` rule (and its name) that scales `roles` by a power of `axis`' multiplier. */
function axisRule(axis: Axis, roles: string, exponent: number): { name: string; text: string } {
  const list = `[${roles.split("+").map((r) => JSON.stringify(r)).join(", ")}]`;
  const e = Number(exponent.toFixed(4));
  switch (axis) {
    case "width":
      return { name: "widthExponent", text: `widthExponent(${list}, ${e})` };
    case "depth":
      return { name: "depthExponent", text: `depthExponent(${list}, ${e})` };
    case "steps":
      return { name: "horizonExponent", text: `horizonExponent(${e}, ${list})` };
    case "batch":
      return { name: "batchExponent", text: `batchExponent(${e}, ${list})` };
  }
}

/**
 * Writes a module exporting `exportName`: `base` composed with one rule per (axis, role group,
 * exponent), importing `param` by a path relative to the file.
 *
 * @example
 * ```ts
 * import { writeModule } from "./fit_module.ts";
 * const dir = await Deno.makeTempDir();
 * await writeModule(`${dir}/p.ts`, "p", "doc-p", "nugpt", [["batch", "hidden", 0.25]], "Example.");
 * ```
 */
export async function writeModule(
  file: string,
  exportName: string,
  declared: string,
  base: string,
  exponents: [Axis, string, number][],
  doc: string,
): Promise<void> {
  const absolute = file.startsWith("/") ? file : `${Deno.cwd()}/${file}`;
  const dir = absolute.slice(0, absolute.lastIndexOf("/"));
  const paramMod = relativeImport(dir, new URL("../../../param/mod.ts", import.meta.url).pathname);
  const rules = exponents.map(([axis, group, e]) => axisRule(axis, group, e));
  const names = [...new Set(["compose", base, ...rules.map((r) => r.name)])];
  await Deno.writeTextFile(
    file,
    `/** ${doc} */\nimport { ${names.join(", ")} } from "${paramMod}";\n\n` +
      `/** ${declared}: written by \`deno task transfer fit\`. */\n` +
      `export const ${exportName} = compose(\n  "${declared}",\n  ${base},\n${
        rules.map((r) => `  ${r.text},`).join("\n")
      }\n);\n`,
  );
}

/**
 * Every public export's JSDoc renders as a summary, then its example: `deno doc --json` parses
 * the example into an `example` tag only when `@example` starts its own line. This test reads
 * that JSON for mod.ts and the nn/optim/param namespaces and fails on an example merged into
 * the summary, and on a function, class or constant without an example.
 */
import { assertEquals } from "../../testing/assert.ts";

const ENTRIES = ["mod.ts", "nn/mod.ts", "optim/mod.ts", "param/mod.ts"];
const root = new URL("../../", import.meta.url).pathname;

interface DocDeclaration {
  kind: string;
  location: { filename: string; line: number };
  jsDoc?: { doc?: string; tags?: { kind: string }[] };
}

async function docJson(): Promise<{ name: string; declaration: DocDeclaration }[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...ENTRIES],
    cwd: root,
    stderr: "piped",
  }).output();
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
  const json = JSON.parse(new TextDecoder().decode(out.stdout));
  const found: { name: string; declaration: DocDeclaration }[] = [];
  for (
    const node of Object.values(json.nodes) as {
      symbols: { name: string; declarations: DocDeclaration[] }[];
    }[]
  ) {
    for (const symbol of node.symbols) {
      for (const declaration of symbol.declarations) found.push({ name: symbol.name, declaration });
    }
  }
  return found;
}

const where = (name: string, d: DocDeclaration) =>
  `${name} (${d.location.filename.replace(`file://${root}`, "")}:${d.location.line})`;

Deno.test("doc: no export's example is merged into its summary line", async () => {
  const exports = await docJson();
  assertEquals(exports.length > 150, true, `only ${exports.length} exports found`);
  const merged = exports
    .filter(({ declaration }) => /@example|```/.test(declaration.jsDoc?.doc ?? ""))
    .map(({ name, declaration }) => where(name, declaration));
  assertEquals(merged, [], "examples merged into the summary (put @example on its own line)");
});

Deno.test("doc: every exported function, class and constant has a summary and an example", async () => {
  const missing = (await docJson())
    .filter(({ declaration: d }) => ["function", "class", "variable"].includes(d.kind))
    .filter(({ declaration: d }) =>
      !(d.jsDoc?.doc ?? "").trim() || !(d.jsDoc?.tags ?? []).some((t) => t.kind === "example")
    )
    .map(({ name, declaration }) => where(name, declaration));
  assertEquals(missing, []);
});

/**
 * Layers import downward only (DESIGN.md): kernels < core < param < optim < nn < testing <
 * the root entry points < bench, tests. (param is plain arithmetic on roles and dimensions;
 * optim's `optimizerFor` reads a parameterization, so param sits below optim.) Each library
 * file's import lines (comments and doc examples skipped) are parsed and every relative import
 * is checked against that order. Library files import each other by relative paths only
 * (`node:` built-ins allowed); the property-testing helpers under `testing/` may use `npm:`.
 */
import { assertEquals } from "../../testing/assert.ts";
import { importCycles, importSpecifiers, tsFiles } from "./import_graph.ts";

const ROOT = new URL("../../", import.meta.url);

/** Rank of each top-level folder or root file; a file may import only lower ranks or its own. */
const RANK: Record<string, number> = {
  kernels: 0,
  core: 1,
  param: 2,
  optim: 3,
  nn: 4,
  testing: 5,
  "mod.ts": 6,
  "testing.ts": 6,
  bench: 7,
  tests: 7,
};

function topOf(relative: string): string {
  return relative.split("/")[0];
}

/** Every upward or sideways import among the library's files, as `from -> to` lines. */
async function violations(): Promise<string[]> {
  const bad: string[] = [];
  const roots = ["kernels/", "core/", "param/", "optim/", "nn/", "testing/"]
    .map((d) => new URL(d, ROOT));
  const files: URL[] = [new URL("mod.ts", ROOT), new URL("testing.ts", ROOT)];
  for (const root of roots) for await (const file of tsFiles(root)) files.push(file);
  for (const file of files) {
    const from = file.href.slice(ROOT.href.length);
    const source = await Deno.readTextFile(file);
    for (const spec of importSpecifiers(source)) {
      if (!spec.startsWith(".")) {
        const allowed = spec.startsWith("node:") ||
          (spec.startsWith("npm:") && topOf(from) === "testing");
        if (!allowed) bad.push(`${from} -> ${spec} (not a relative import)`);
        continue;
      }
      const to = new URL(spec, file).href.slice(ROOT.href.length);
      const [a, b] = [topOf(from), topOf(to)];
      if (a === b) continue;
      if (!(b in RANK) || !(RANK[b] < RANK[a])) bad.push(`${from} -> ${to}`);
    }
  }
  return bad;
}

/** The library's files (core, kernels, nn, optim, param) and their relative imports, as paths. */
async function libraryGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const dir of ["kernels/", "core/", "param/", "optim/", "nn/"]) {
    for await (const file of tsFiles(new URL(dir, ROOT))) {
      const from = file.href.slice(ROOT.href.length);
      const targets = importSpecifiers(await Deno.readTextFile(file))
        .filter((spec) => spec.startsWith("."))
        .map((spec) => new URL(spec, file).href.slice(ROOT.href.length));
      graph.set(from, [...new Set(targets)].sort());
    }
  }
  return graph;
}

Deno.test("import graph: the parser finds imports and skips comments and doc examples", () => {
  const source = [
    "/**",
    ' * import { x } from "../nn/mod.ts";',
    " */",
    '// import { y } from "../nn/y.ts";',
    'import { a, type B } from "./a.ts";',
    'import type { C } from "../core/c.ts";',
    'export { d } from "./d.ts";',
    "export * as e from '../e.ts';",
    'import "./side_effect.ts";',
    'const f = await import("./f.ts");',
    "import {",
    "  g,",
    '} from "./g.ts";',
  ].join("\n");
  assertEquals(importSpecifiers(source).sort(), [
    "../core/c.ts",
    "../e.ts",
    "./a.ts",
    "./d.ts",
    "./f.ts",
    "./g.ts",
    "./side_effect.ts",
  ]);
});

Deno.test("import graph: no library file imports a folder above its own", async () => {
  assertEquals(await violations(), []);
});

Deno.test("import graph: the cycle detector names each cycle and passes an acyclic graph", () => {
  const graph = new Map<string, string[]>([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts", "d.ts"]],
    ["c.ts", ["a.ts"]],
    ["d.ts", ["e.ts"]],
    ["e.ts", []],
    ["f.ts", ["f.ts"]],
  ]);
  assertEquals(importCycles(graph), ["a.ts -> b.ts -> c.ts -> a.ts", "f.ts -> f.ts"]);
  graph.set("c.ts", ["e.ts"]);
  graph.set("f.ts", []);
  assertEquals(importCycles(graph), []);
});

Deno.test("import graph: no import cycle among the library's files", async () => {
  assertEquals(importCycles(await libraryGraph()), []);
});

Deno.test("core: bind imports no op module and not the rule table (ops hand their rules to it)", async () => {
  // The cycle ops -> bind -> rules -> ops is gone: bind's whole import closure stays clear of
  // core/ops/ and core/rules.ts (rules.ts only gathers the ops' rules for tests and tools).
  const start = new URL("core/bind.ts", ROOT);
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const url = stack.pop()!;
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    for (const spec of importSpecifiers(await Deno.readTextFile(url))) {
      if (spec.startsWith(".")) stack.push(new URL(spec, url));
    }
  }
  const offending = [...seen]
    .map((href) => href.slice(ROOT.href.length))
    .filter((path) => path.startsWith("core/ops/") || path === "core/rules.ts");
  assertEquals(offending, []);
});

Deno.test("node:util and node:assert each come in through one module of ours", async () => {
  const owners: Record<string, string> = {
    "node:util": "bench/cli.ts",
    "node:assert": "testing/assert.ts",
  };
  const importers: Record<string, string[]> = { "node:util": [], "node:assert": [] };
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(new URL(rel, ROOT))) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory && !["node_modules", "results"].includes(e.name)) await walk(path);
      if (!e.isFile || !e.name.endsWith(".ts")) continue;
      const text = await Deno.readTextFile(new URL(path, ROOT));
      for (const module of Object.keys(owners)) {
        if (new RegExp(`from "${module}(/[a-z]+)?"`).test(text)) importers[module].push(path);
      }
    }
  };
  for (const dir of ["core", "kernels", "nn", "optim", "param", "testing", "bench", "tests"]) {
    await walk(dir);
  }
  // Each built-in is imported, and only by its owner.
  assertEquals(importers, {
    "node:util": [owners["node:util"]],
    "node:assert": [owners["node:assert"]],
  });
});

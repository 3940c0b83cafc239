/**
 * Layers import downward only (DESIGN.md): kernels < core < param < optim < nn < testing <
 * the root entry points < bench, tests. (param is plain arithmetic on roles and dimensions;
 * optim's `optimizerFor` reads a parameterization, so param sits below optim.) Each library
 * file's import lines (comments and doc examples skipped) are parsed and every relative import
 * is checked against that order. Library files import each other by relative paths only
 * (`node:` built-ins allowed); the property-testing helpers under `testing/` may use `npm:`.
 */
import { assertEquals } from "../../testing/assert.ts";

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

/** The specifiers of the static and dynamic imports and re-exports in `source`. */
export function importSpecifiers(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\/\/.*$/, ""))
    .join("\n");
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) found.push(match[1]);
  }
  return found;
}

function topOf(relative: string): string {
  return relative.split("/")[0];
}

async function* libraryFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* libraryFiles(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

/** Every upward or sideways import among the library's files, as `from -> to` lines. */
async function violations(): Promise<string[]> {
  const bad: string[] = [];
  const roots = ["kernels/", "core/", "param/", "optim/", "nn/", "testing/"]
    .map((d) => new URL(d, ROOT));
  const files: URL[] = [new URL("mod.ts", ROOT), new URL("testing.ts", ROOT)];
  for (const root of roots) for await (const file of libraryFiles(root)) files.push(file);
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
    for await (const file of libraryFiles(new URL(dir, ROOT))) {
      const from = file.href.slice(ROOT.href.length);
      const targets = importSpecifiers(await Deno.readTextFile(file))
        .filter((spec) => spec.startsWith("."))
        .map((spec) => new URL(spec, file).href.slice(ROOT.href.length));
      graph.set(from, [...new Set(targets)].sort());
    }
  }
  return graph;
}

/**
 * Every import cycle of `graph`, one per strongly connected component that has one, each
 * written as the path `a -> b -> ... -> a` (type-only imports count: they tie the modules too).
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  // Tarjan's strongly connected components, iteratively (no recursion limit on deep graphs).
  const index = new Map<string, number>(), low = new Map<string, number>();
  const onStack = new Set<string>(), stack: string[] = [], components: string[][] = [];
  let next = 0;
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: [string, number][] = [[root, 0]];
    index.set(root, next), low.set(root, next++), stack.push(root), onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      const edges = graph.get(node) ?? [];
      if (i < edges.length) {
        frame[1]++;
        const to = edges[i];
        if (!graph.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, next), low.set(to, next++), stack.push(to), onStack.add(to);
          work.push([to, 0]);
        } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(node)!));
      }
      if (low.get(node) === index.get(node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        const selfLoop = (graph.get(node) ?? []).includes(node);
        if (component.length > 1 || selfLoop) components.push(component.sort());
      }
    }
  }
  return components.map((component) => cycleThrough(graph, new Set(component)));
}

/** One shortest cycle through the first (sorted) member of a strongly connected `component`. */
function cycleThrough(graph: ReadonlyMap<string, readonly string[]>, component: Set<string>) {
  const start = [...component][0];
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!component.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at = node; at !== start; at = parent.get(at)!) path.splice(1, 0, at);
        return [...path, start].join(" -> ");
      }
      if (!parent.has(to)) parent.set(to, node), queue.push(to);
    }
  }
  return [...component].join(" -> ");
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

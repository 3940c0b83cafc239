/**
 * bench/transfer's one-way layout: plan (flags, presets, identity, the run list) < analyse
 * (fits, bootstrap, report, plots) < run (training, grouping, shards, Slurm, locks, resume) <
 * the entry points (`main.ts`, `tools/`, `examples/`). A file may import its own room or a lower
 * one, never a higher one; the imports (static, dynamic, re-exports; comments and doc examples
 * skipped) form no cycle; no file is over 400 lines. The adaptive search (run) places its
 * refinement points with the fits (analyse), which is why analyse sits below run.
 */
import { assertEquals } from "../../testing/assert.ts";
import { importCycles, importSpecifiers, tsFiles } from "./import_graph.ts";

const TRANSFER = new URL("../../bench/transfer/", import.meta.url);

/** Rank of each room; entry points (the folder's root files, tools/, examples/) are above all. */
const RANK: Record<string, number> = { plan: 0, analyse: 1, run: 2, tools: 3, examples: 3 };
const ENTRY = 3;
const MAX_LINES = 400;

/** The room of a path relative to bench/transfer (`plan/args.ts` → plan; `main.ts` → entry). */
function rankOf(relative: string): number {
  const parts = relative.split("/");
  return parts.length === 1 ? ENTRY : RANK[parts[0]] ?? ENTRY;
}

/** Every file's imports inside bench/transfer, as relative paths. */
async function importGraph(): Promise<
  { graph: Map<string, string[]>; lines: Map<string, number> }
> {
  const graph = new Map<string, string[]>();
  const lines = new Map<string, number>();
  for await (const file of tsFiles(TRANSFER)) {
    const from = file.href.slice(TRANSFER.href.length);
    const source = await Deno.readTextFile(file);
    lines.set(from, source.split("\n").length - (source.endsWith("\n") ? 1 : 0));
    graph.set(
      from,
      importSpecifiers(source)
        .filter((spec) => spec.startsWith("."))
        .map((spec) => new URL(spec, file).href)
        .filter((href) => href.startsWith(TRANSFER.href))
        .map((href) => href.slice(TRANSFER.href.length)),
    );
  }
  return { graph, lines };
}

/** Imports from a lower-ranked room into a higher one (and into entry points). */
export function upwardImports(graph: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      if (rankOf(to) > rankOf(from)) bad.push(`${from} -> ${to}`);
    }
  }
  return bad;
}

/** One cycle of the graph as `a -> b -> a`, or null when there is none. */
export function findCycle(graph: Map<string, string[]>): string | null {
  return importCycles(graph)[0] ?? null;
}

Deno.test("the checks catch what they look for: a cycle, an upward import", () => {
  const cyclic = new Map([["plan/a.ts", ["plan/b.ts"]], ["plan/b.ts", ["plan/a.ts"]]]);
  assertEquals(findCycle(cyclic), "plan/a.ts -> plan/b.ts -> plan/a.ts");
  assertEquals(findCycle(new Map([["plan/a.ts", ["plan/b.ts"]], ["plan/b.ts", []]])), null);
  const upward = new Map([
    ["analyse/fit.ts", ["run/sweep.ts", "plan/types.ts"]],
    ["plan/types.ts", ["main.ts"]],
    ["run/sweep.ts", ["analyse/fit.ts"]],
  ]);
  assertEquals(upwardImports(upward), [
    "analyse/fit.ts -> run/sweep.ts",
    "plan/types.ts -> main.ts",
  ]);
});

Deno.test("bench/transfer: no import cycle, no upward import, no file over 400 lines", async () => {
  const { graph, lines } = await importGraph();
  for (const room of ["plan", "analyse", "run"]) {
    assertEquals([...graph.keys()].some((f) => f.startsWith(`${room}/`)), true, `no ${room}/`);
  }
  assertEquals(findCycle(graph), null);
  assertEquals(upwardImports(graph), []);
  const long = [...lines].filter(([, n]) => n > MAX_LINES).map(([f, n]) => `${f}: ${n} lines`);
  assertEquals(long, []);
});

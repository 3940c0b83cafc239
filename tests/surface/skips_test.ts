/**
 * Nothing in the suite is skipped silently: the only test that may be ignored is one registered
 * through `tests/requires.ts` (which names the test and the missing requirement on stderr and
 * fails under CI), no test is focused with `only`, and the documentation examples that are not run
 * (```` ```ts ignore ````) are the ones listed here with the reason.
 */
import { assertEquals } from "../../testing/assert.ts";

const root = new URL("../../", import.meta.url);

/** Documentation examples marked `ignore`, and why each is not run by `deno test --doc`. */
const IGNORED_EXAMPLES: Record<string, string> = {
  "bench/alignment/worker.ts": "a Worker entry point: it only runs inside `main.ts --jobs 2`",
  "bench/alignment/coord_check.ts":
    "trains three models on the Brown corpus and writes files; run as `deno task coordcheck`",
  "bench/alignment/main.ts":
    "trains two models on the Brown corpus and writes files; run as `deno task alignment`",
};

async function* tsFiles(dir: URL, rel = ""): AsyncGenerator<[string, URL]> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".") || e.name === "node_modules" || e.name === "out") continue;
    const path = rel ? `${rel}/${e.name}` : e.name;
    const url = new URL(e.isDirectory ? `${e.name}/` : e.name, dir);
    if (e.isDirectory) yield* tsFiles(url, path);
    else if (e.name.endsWith(".ts")) yield [path, url];
  }
}

Deno.test("skips: every ignored test goes through tests/requires.ts, none is focused", async () => {
  const offenders: string[] = [];
  for await (const [path, url] of tsFiles(root)) {
    if (path === "tests/requires.ts" || path === "tests/surface/skips_test.ts") continue;
    const text = await Deno.readTextFile(url);
    if (!text.includes("Deno.test")) continue; // benchmarks (Deno.bench) may ignore cases
    const lines = text.split("\n");
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "");
      if (
        /\bignore\s*:/.test(code) || /Deno\.test\.(ignore|only)\b/.test(code) ||
        /\bonly\s*:\s*true/.test(code)
      ) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
    });
  }
  assertEquals(offenders, [], "use requires() from tests/requires.ts to skip a test");
});

Deno.test("skips: every documentation example not run is listed with its reason", async () => {
  const found: string[] = [];
  for await (const [path, url] of tsFiles(root)) {
    if (/^\s*\*\s*```(ts|typescript|js)\s+ignore\b/m.test(await Deno.readTextFile(url))) {
      found.push(path);
    }
  }
  assertEquals(found.sort(), Object.keys(IGNORED_EXAMPLES).sort());
});

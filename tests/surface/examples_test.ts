/**
 * Documentation examples check themselves: an `@example` either asserts (an `assert…` call from
 * the project's assert modules, or a `throw`) or states nothing, i.e. prints nothing and carries
 * no trailing `// result` comment; and no example is a `console.log(typeof …)` placeholder.
 * Every `.ts` file in the repository is checked (hidden folders, `node_modules` and `out` aside).
 */
import { assertEquals } from "../../testing/assert.ts";

const root = new URL("../../", import.meta.url);

async function* tsFiles(dir: URL, rel = ""): AsyncGenerator<[string, string]> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".") || e.name === "node_modules" || e.name === "out") continue;
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) yield* tsFiles(new URL(`${e.name}/`, dir), path);
    else if (e.name.endsWith(".ts")) yield [path, await Deno.readTextFile(new URL(e.name, dir))];
  }
}

/** The code of every fenced block inside an `@example` of `source`, with its line number. */
export function exampleBlocks(source: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  for (const m of source.matchAll(/@example([\s\S]*?)\*\//g)) {
    const start = source.slice(0, m.index).split("\n").length;
    for (const b of m[1].matchAll(/```[^\n]*\n([\s\S]*?)```/g)) {
      const line = start + m[1].slice(0, b.index).split("\n").length - 1;
      out.push({ line, code: b[1].replace(/^[ \t]*\* ?/gm, "") });
    }
  }
  return out;
}

/** Why an example's code fails the rule, or null. */
export function exampleProblem(code: string): string | null {
  if (/console\.log\(\s*typeof\b/.test(code)) return "a console.log(typeof ...) placeholder";
  if (/\bassert\w*\(|\bthrow\b/.test(code)) return null;
  if (/console\.log\(/.test(code)) return "prints without asserting";
  const claims = code.split("\n").filter((l) =>
    /\S.*;\s*\/\/\s*\S/.test(l) || /^\s*\/\/\s*[[{"'\d-]/.test(l)
  );
  return claims.length ? `states a result in a comment: ${claims[0].trim()}` : null;
}

Deno.test("examples: the rule itself", () => {
  assertEquals(exampleProblem("assertEquals(f(1), 2);"), null);
  assertEquals(exampleProblem("f(1); // 2"), "states a result in a comment: f(1); // 2");
  assertEquals(exampleProblem("console.log(f(1));"), "prints without asserting");
  assertEquals(exampleProblem("console.log(typeof f);"), "a console.log(typeof ...) placeholder");
  assertEquals(exampleProblem("const x = f(1);"), null);
});

Deno.test("examples: every example asserts or states nothing", async () => {
  const problems: string[] = [];
  for await (const [path, source] of tsFiles(root)) {
    for (const { line, code } of exampleBlocks(source)) {
      const problem = exampleProblem(code);
      if (problem) problems.push(`${path}:${line}: ${problem}`);
    }
  }
  assertEquals(problems, []);
});

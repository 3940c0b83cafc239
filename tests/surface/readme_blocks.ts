/**
 * Helpers that keep README examples and the tests that run them identical: the first `ts` code
 * block after a README heading, and the code between `// --- README snippet starts` and
 * `// --- README snippet ends` markers of a test file, dedented.
 */

const README = new URL("../../README.md", import.meta.url);

/** The first ```ts block after the line `heading` in README.md (without its fences). */
export async function readmeBlock(heading: string): Promise<string> {
  const text = await Deno.readTextFile(README);
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`readmeBlock: no heading ${JSON.stringify(heading)} in README.md`);
  const start = text.indexOf("```ts\n", at);
  const end = text.indexOf("\n```", start + 6);
  if (start < 0 || end < 0) throw new Error(`readmeBlock: no ts block after ${heading}`);
  return text.slice(start + 6, end);
}

/** The `index`-th marked snippet of a test file's `source`, with its indentation removed. */
export function snippetOf(source: string, index: number): string {
  const parts = source.split("// --- README snippet starts\n").slice(1);
  const body = parts[index]?.split(/\n\s*\/\/ --- README snippet ends/)[0];
  if (body === undefined) throw new Error(`snippetOf: no snippet ${index}`);
  const lines = body.split("\n");
  const indent = Math.min(
    ...lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length),
  );
  return lines.map((l) => l.slice(indent)).join("\n");
}

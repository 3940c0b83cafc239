/**
 * The README's code blocks, read from README.md itself, and a runner that executes a TypeScript
 * block in a fresh Deno process: the tests built on it keep the README from drifting away from
 * what is tested; and the helpers that keep a README example and the test that runs it identical
 * (the first `ts` block after a heading, and the code between `// --- README snippet starts` and
 * `// --- README snippet ends` markers of a test file, dedented).
 *
 * @module
 */

const root = new URL("../../", import.meta.url);

/** One fenced block of README.md: its language tag, its text, and the heading above it. */
export interface ReadmeBlock {
  lang: string;
  code: string;
  heading: string;
}

/** Every fenced block of README.md, in order. */
export async function readmeBlocks(): Promise<ReadmeBlock[]> {
  const text = await Deno.readTextFile(new URL("README.md", root));
  const blocks: ReadmeBlock[] = [];
  let heading = "";
  let open: ReadmeBlock | null = null;
  for (const line of text.split("\n")) {
    if (open) {
      if (line.startsWith("```")) {
        blocks.push(open);
        open = null;
      } else open.code += line + "\n";
    } else if (line.startsWith("```")) {
      open = { lang: line.slice(3).trim(), code: "", heading };
    } else if (line.startsWith("#")) heading = line.replace(/^#+\s*/, "");
  }
  if (open) throw new Error(`readmeBlocks: README.md has an unclosed block under "${heading}"`);
  return blocks;
}

/** The README's `ts` block under `heading` (exactly one must exist). */
export async function readmeTsBlock(heading: string): Promise<string> {
  const found = (await readmeBlocks()).filter((b) => b.lang === "ts" && b.heading === heading);
  if (found.length !== 1) {
    throw new Error(
      `readmeTsBlock: expected one ts block under "${heading}" in README.md, found ${found.length}`,
    );
  }
  return found[0].code;
}

/** The file URL of `mod.ts` at the repository root, for blocks that import nugrad. */
export const modUrl = new URL("mod.ts", root).href;

/** Run `source` as a module in a fresh `deno run -A` (type-checked); returns its stdout. */
export async function runModule(source: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/block.ts`;
    await Deno.writeTextFile(file, source);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--check", `--config=${new URL("deno.json", root).pathname}`, file],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new Error(
        `runModule: the block exited with ${out.code}\n--- source\n${source}\n--- stdout\n${stdout}` +
          `\n--- stderr\n${new TextDecoder().decode(out.stderr)}`,
      );
    }
    return stdout;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The first ```ts block after the line `heading` in README.md (without its fences). */
export async function readmeBlock(heading: string): Promise<string> {
  const text = await Deno.readTextFile(new URL("README.md", root));
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

/**
 * The README's "Your own parameterization" example, taken from README.md and run as written in a
 * fresh process: `nu` and the `windows` batches the README leaves to the reader are defined in
 * front of it, and checks of its result follow it. The table it prints must be the table the
 * README shows.
 */
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { modUrl, readmeBlocks, readmeTsBlock, runModule } from "./readme_blocks.ts";

const HEADING = "Your own parameterization";

/** What the README leaves to the reader: `nu`, and i32 [rows, 33] token windows of some text. */
const prelude = `import * as nu from ${JSON.stringify(modUrl)};
const text = new TextEncoder().encode("the cat sat on the mat. ".repeat(100));
const windows = (step: number, rows: number) => {
  const data = new Int32Array(rows * 33);
  for (let r = 0; r < rows; r++) {
    const start = (step * 7 + r * 13) % (text.length - 33);
    data.set(text.subarray(start, start + 33), r * 33);
  }
  return { data, count: rows };
};
`;

/** Checks appended to the block: the run finished and learned the repeated sentence. */
const checks = `
if (result.status !== "ok") throw new Error("status " + result.status);
if (!(result.finalValLoss! < result.initialValLoss! - 1)) {
  throw new Error("loss did not fall by 1: " + result.initialValLoss + " -> " + result.finalValLoss);
}
`;

Deno.test("README: a custom parameterization in a few lines, trained", async () => {
  const block = await readmeTsBlock(HEADING);
  const stdout = await runModule(prelude + block + checks);
  // The README shows the table `describe` prints, in the untagged block after this one.
  const blocks = await readmeBlocks();
  const at = blocks.findIndex((b) => b.lang === "ts" && b.heading === HEADING);
  const table = blocks[at + 1];
  assertEquals(table.lang, "", "the block after the example is the printed table");
  assertTrue(
    stdout.startsWith(table.code),
    `the README's table differs from what the example prints:\n${stdout}\n---\n${table.code}`,
  );
  assertTrue(/^ok \d/m.test(stdout), `the example's last line: ${stdout}`);
});

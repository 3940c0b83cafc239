/**
 * What the sweep prints: each run under its parameterization's declared name (not the module
 * path), and the closing count once.
 */
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { withTrainer } from "../../bench/transfer/run/trainers.ts";
import { syntheticTrainer } from "../../bench/transfer/run/synthetic.ts";

Deno.test("run labels name the parameterization; the count line is printed once", async () => {
  const dir = await Deno.makeTempDir();
  const param = new URL("../../param/mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    `${dir}/p.ts`,
    `import { ngpt } from "${param}";\n` +
      `export const mine = Object.defineProperty((q) => ngpt(q), "name", { value: "my-param" });\n`,
  );
  const lines: string[] = [];
  const code = await withTrainer(syntheticTrainer, () =>
    main([
      ...["--search", "grid", "--param", `ngpt,${dir}/p.ts#mine`, "--sizes", "16,32"],
      ...["--lrs=-8:-7:1", "--signature-lr", "off", "--out", `${dir}/out`],
    ], {
      loadData: () =>
        Promise.resolve({ name: "fake", train: new Uint8Array(2000), val: new Uint8Array(500) }),
      progress: (text) => lines.push(text),
      print: (line) => lines.push(line),
    }));
  assertEquals(code, 0);
  const runs = lines.filter((l) => /^\[\d+\/\d+\]/.test(l));
  assertEquals(runs.length, 8);
  assertTrue(runs.some((l) => l.includes("] my-param width=16 lr=2^-8 seed 0 ")), runs.join(""));
  assertTrue(runs.some((l) => l.includes("] ngpt width=32 lr=2^-7 seed 0 ")), runs.join(""));
  assertTrue(runs.every((l) => !l.includes("p.ts")), runs.join(""));
  const counts = lines.filter((l) => l.includes("runs trained"));
  assertEquals(counts.length, 1, lines.join("\n"));
  assertTrue(counts[0].startsWith("8 runs trained, 0 reused, 0 already done, 0 failed"), counts[0]);
});

/**
 * The transfer experiment gives the same results with its compiled training step and with
 * `--no-jit` (every step op by op): the same runs, the same statuses, the final losses equal to
 * f32 rounding; and the two folders record their compile mode, so they cannot be mixed.
 */
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";

const argv = (data: string, out: string) => [
  ...["--sizes", "32,64", "--lrs=-8:-5:1", "--search", "grid", "--param", "ngpt"],
  ...["--steps", "12", "--eval-every", "6", "--batch", "2", "--seq", "8", "--depth", "1"],
  ...["--signature-lr", "off", "--data", data, "--out", out],
];

Deno.test("transfer: the same sweep with and without --no-jit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = `${dir}/tiny.txt`;
    await Deno.writeTextFile(data, "a small corpus of words for a tiny sweep. ".repeat(200));
    const quiet = { print: () => {} };
    assertEquals(await main(argv(data, `${dir}/jit`), quiet), 0);
    assertEquals(await main([...argv(data, `${dir}/eager`), "--no-jit"], quiet), 0);
    const read = async (d: string) =>
      parseResults(await Deno.readTextFile(`${d}/results.jsonl`))
        .sort((a, b) => a.spec.id.localeCompare(b.spec.id));
    const [jit, eager] = [await read(`${dir}/jit`), await read(`${dir}/eager`)];
    assertEquals(jit.map((r) => [r.spec.id, r.status]), eager.map((r) => [r.spec.id, r.status]));
    assertTrue(jit.length === 8, `8 runs, got ${jit.length}`);
    jit.forEach((r, i) => {
      const [a, b] = [r.finalValLoss, eager[i].finalValLoss];
      if (a === null || b === null) return assertEquals(a, b);
      assertTrue(Math.abs(a - b) <= 1e-4 * Math.abs(b), `${r.spec.id}: ${a} vs ${b}`);
    });
    // resuming the compiled folder with --no-jit is refused, naming the setting
    const lines: string[] = [];
    const code = await main([...argv(data, `${dir}/jit`), "--resume", "--no-jit"], {
      print: (l) => lines.push(l),
    });
    assertTrue(code !== 0, `refused (exit ${code})`);
    assertTrue(lines.join("\n").includes("--no-jit"), lines.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

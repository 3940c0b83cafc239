/**
 * `--precision f16` trains every run in f16 mixed precision (f16 activations and gradients, f32
 * weights and optimizer state): its runs get their own ids (float32 runs keep theirs), the folder
 * records the precision, their losses are close to float32's but not equal, and a float32 folder
 * refuses to resume in f16, naming the flag and both values.
 */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { parseCommand } from "../../bench/transfer/plan/args.ts";
import { makeRunSpec } from "../../bench/transfer/plan/run_list.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";

const argv = (data: string, out: string) => [
  ...["--sizes", "32", "--lrs=-6:-5:1", "--search", "grid", "--param", "nugpt"],
  ...["--steps", "12", "--eval-every", "6", "--batch", "2", "--seq", "8", "--depth", "1"],
  ...["--signature-lr", "off", "--data", data, "--out", out],
];

Deno.test("--precision: parsed, refused when unknown, part of the id only for f16", () => {
  const config = (extra: string[]) => {
    const cmd = parseCommand(extra);
    if (cmd.kind !== "sweep") throw new Error("expected a sweep");
    return cmd.config;
  };
  const point = { parameterization: "nugpt", size: 32, log2Lr: -6, seed: 0 };
  const f32 = makeRunSpec(config([]), point, "brown");
  const f16 = makeRunSpec(config(["--precision", "f16"]), point, "brown");
  assertEquals(makeRunSpec(config(["--precision", "f32"]), point, "brown").id, f32.id);
  assertEquals([f32.precision, f16.precision], [undefined, "f16"]);
  assertTrue(f32.id !== f16.id, `${f32.id} vs ${f16.id}`);
  assertThrows(
    () => parseCommand(["--precision", "bf16"]),
    "--precision 'bf16': expected one of f32, f16",
  );
});

Deno.test("--precision f16: trains in mixed precision, and cannot be mixed with a float32 folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = `${dir}/tiny.txt`;
    await Deno.writeTextFile(data, "a small corpus of words for a tiny sweep. ".repeat(200));
    const quiet = { print: () => {} };
    assertEquals(await main(argv(data, `${dir}/f32`), quiet), 0);
    assertEquals(await main([...argv(data, `${dir}/f16`), "--precision", "f16"], quiet), 0);
    const read = async (d: string) =>
      parseResults(await Deno.readTextFile(`${d}/results.jsonl`))
        .sort((a, b) => a.spec.log2Lr - b.spec.log2Lr);
    const [f32, f16] = [await read(`${dir}/f32`), await read(`${dir}/f16`)];
    assertEquals(f16.map((r) => r.spec.precision), ["f16", "f16"]);
    f32.forEach((r, i) => {
      const [a, b] = [r.finalValLoss!, f16[i].finalValLoss!];
      assertTrue(a !== b && Math.abs(a - b) < 0.05, `lr 2^${r.spec.log2Lr}: f32 ${a}, f16 ${b}`);
    });
    const settings = JSON.parse(await Deno.readTextFile(`${dir}/f16/settings.json`));
    assertEquals(settings.precision, "f16-mixed, loss scale 1024");
    const lines: string[] = [];
    const code = await main([...argv(data, `${dir}/f32`), "--resume", "--precision", "f16"], {
      print: (l) => lines.push(l),
    });
    assertTrue(code !== 0, `refused (exit ${code})`);
    assertTrue(lines.join("\n").includes("--precision"), lines.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

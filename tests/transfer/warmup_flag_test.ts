/**
 * `--warmup N|P%` trains with a linear warm-up before the cosine decay: runs with one get their own
 * ids (runs without keep theirs), a percentage follows each run's length, bad values are refused by
 * name, and a folder made with one warm-up refuses to resume with another.
 */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { main } from "../../bench/transfer/main.ts";
import { parseCommand } from "../../bench/transfer/plan/args.ts";
import { makeRunSpec } from "../../bench/transfer/plan/run_list.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";

const config = (extra: string[]) => {
  const cmd = parseCommand(extra);
  if (cmd.kind !== "sweep") throw new Error("expected a sweep");
  return cmd.config;
};

Deno.test("--warmup: steps or a share of each run, part of the id only when set, bad values named", () => {
  const point = { parameterization: "nugpt", size: 200, log2Lr: -6, seed: 0 };
  const steps = ["--axis", "steps", "--sizes", "100,200"];
  const none = makeRunSpec(config(steps), point, "brown");
  assertEquals(makeRunSpec(config([...steps, "--warmup", "0"]), point, "brown").id, none.id);
  const share = makeRunSpec(config([...steps, "--warmup", "10%"]), point, "brown");
  const fixed = makeRunSpec(config([...steps, "--warmup", "20"]), point, "brown");
  assertEquals([none.warmup, share.warmup, fixed.warmup], [undefined, 20, 20]);
  assertTrue(share.id !== none.id, "a warm-up changes the id");
  assertEquals(share.id, fixed.id, "the same warm-up steps are the same run");
  const short = makeRunSpec(
    config([...steps, "--warmup", "10%"]),
    { ...point, size: 100 },
    "brown",
  );
  assertEquals(short.warmup, 10, "10 % of a 100-step run");
  assertThrows(
    () => parseCommand(["--warmup", "ten"]),
    "--warmup 'ten': expected a number of steps",
  );
  assertThrows(() => parseCommand(["--warmup", "100%"]), "--warmup '100%'");
  assertThrows(
    () => makeRunSpec(config([...steps, "--warmup", "150"]), { ...point, size: 100 }, "brown"),
    "--warmup 150: 150 steps leave no decay in a 100-step run",
  );
});

Deno.test("--warmup: trains differently, and cannot be mixed with a folder without it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = `${dir}/tiny.txt`;
    await Deno.writeTextFile(data, "a small corpus of words for a tiny sweep. ".repeat(200));
    const argv = (out: string) => [
      ...["--sizes", "32", "--lrs=-5:-5:1", "--search", "grid", "--param", "nugpt"],
      ...["--steps", "12", "--eval-every", "6", "--batch", "2", "--seq", "8", "--depth", "1"],
      ...["--signature-lr", "off", "--data", data, "--out", out],
    ];
    const quiet = { print: () => {} };
    assertEquals(await main(argv(`${dir}/none`), quiet), 0);
    assertEquals(await main([...argv(`${dir}/warm`), "--warmup", "50%"], quiet), 0);
    const [a] = parseResults(await Deno.readTextFile(`${dir}/none/results.jsonl`));
    const [b] = parseResults(await Deno.readTextFile(`${dir}/warm/results.jsonl`));
    assertEquals([a.spec.warmup, b.spec.warmup], [undefined, 6]);
    assertTrue(
      a.finalValLoss !== b.finalValLoss,
      `the same loss ${a.finalValLoss} with and without`,
    );
    const lines: string[] = [];
    const code = await main([...argv(`${dir}/none`), "--resume", "--warmup", "50%"], {
      print: (l) => lines.push(l),
    });
    assertTrue(code !== 0, `refused (exit ${code})`);
    assertTrue(lines.join("\n").includes("--warmup 0 vs 50%"), lines.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

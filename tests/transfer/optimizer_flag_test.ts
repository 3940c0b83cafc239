/**
 * `--optimizer adam-atan2` trains with Adam-atan2 in place of Adam: the runs get their own ids
 * (Adam runs keep theirs), their losses differ from Adam's, and a folder made with one direction
 * refuses to resume with the other, naming the flag and both values.
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

Deno.test("--optimizer: parsed, refused when unknown, part of the id only when not adam", () => {
  const config = (extra: string[]) => {
    const cmd = parseCommand(extra);
    if (cmd.kind !== "sweep") throw new Error("expected a sweep");
    return cmd.config;
  };
  const point = { parameterization: "nugpt", size: 32, log2Lr: -6, seed: 0 };
  const adam = makeRunSpec(config([]), point, "brown");
  const atan2 = makeRunSpec(config(["--optimizer", "adam-atan2"]), point, "brown");
  assertEquals(makeRunSpec(config(["--optimizer", "adam"]), point, "brown").id, adam.id);
  assertEquals([adam.optimizer, atan2.optimizer], [undefined, "adam-atan2"]);
  assertTrue(adam.id !== atan2.id, `${adam.id} vs ${atan2.id}`);
  assertThrows(
    () => parseCommand(["--optimizer", "sgd"]),
    "--optimizer 'sgd': expected one of adam, adam-atan2",
  );
});

Deno.test("--optimizer adam-atan2: trains differently, and cannot be mixed with Adam's folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = `${dir}/tiny.txt`;
    await Deno.writeTextFile(data, "a small corpus of words for a tiny sweep. ".repeat(200));
    const quiet = { print: () => {} };
    assertEquals(await main(argv(data, `${dir}/adam`), quiet), 0);
    assertEquals(
      await main([...argv(data, `${dir}/atan2`), "--optimizer", "adam-atan2"], quiet),
      0,
    );
    const read = async (d: string) =>
      parseResults(await Deno.readTextFile(`${d}/results.jsonl`))
        .sort((a, b) => a.spec.log2Lr - b.spec.log2Lr);
    const [adam, atan2] = [await read(`${dir}/adam`), await read(`${dir}/atan2`)];
    assertEquals(adam.length, 2);
    assertEquals(atan2.map((r) => r.spec.optimizer), ["adam-atan2", "adam-atan2"]);
    adam.forEach((r, i) => {
      const [a, b] = [r.finalValLoss!, atan2[i].finalValLoss!];
      assertTrue(Number.isFinite(a) && Number.isFinite(b), `${a}, ${b}`);
      assertTrue(a !== b, `lr 2^${r.spec.log2Lr}: the same loss ${a} with both directions`);
    });
    const lines: string[] = [];
    const code = await main(
      [...argv(data, `${dir}/adam`), "--resume", "--optimizer", "adam-atan2"],
      {
        print: (l) => lines.push(l),
      },
    );
    assertTrue(code !== 0, `refused (exit ${code})`);
    assertTrue(lines.join("\n").includes("--optimizer adam vs adam-atan2"), lines.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

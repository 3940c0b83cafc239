/**
 * Scaled parameterization references (`nugpt@hidden*2`): parsed, checked by name, resolved to the
 * base parameterization with those roles' learning rates multiplied, fingerprinted apart from the
 * base, and trained by a sweep like any other.
 */
import { assertEquals, assertRejects, assertThrows, assertTrue } from "../../testing/assert.ts";
import { parseParamRef } from "../../bench/transfer/plan/param_ref.ts";
import {
  parameterizationFingerprint,
  resolveParameterization,
} from "../../bench/transfer/run/trainer.ts";
import { ROLES } from "../../param/mod.ts";
import { main } from "../../bench/transfer/main.ts";
import { parseResults } from "../../bench/transfer/run/results.ts";

const dims = { width: 64, depth: 2, steps: 200, baseWidth: 16, baseDepth: 2, baseSteps: 200 };

Deno.test("scaled references: parsed, chained, and refused with the bad part named", () => {
  assertEquals(parseParamRef("nugpt@hidden*2"), {
    kind: "scaled",
    base: "nugpt",
    roles: ["hidden"],
    factor: 2,
  });
  assertEquals(parseParamRef("./p.ts#mine@alpha+sz*0.25"), {
    kind: "scaled",
    base: "./p.ts#mine",
    roles: ["alpha", "sz"],
    factor: 0.25,
  });
  assertThrows(() => parseParamRef("nugpt@hiden*2"), "unknown role 'hiden'");
  assertThrows(() => parseParamRef("nugpt@hidden*-1"), "non-negative number, got -1");
  assertThrows(() => parseParamRef("nogpt@hidden*2"), "unknown parameterization 'nogpt'");
});

Deno.test("scaled references: only the named roles' rates change, and the fingerprint with them", async () => {
  const base = await resolveParameterization("nugpt");
  const scaled = await resolveParameterization("nugpt@alpha+sz*0.5@output*4");
  for (const role of ROLES) {
    const want = role === "output" ? 4 : role === "alpha" || role === "sz" ? 0.5 : 1;
    const ratio = scaled({ role, dims }).lr / base({ role, dims }).lr;
    assertTrue(Math.abs(ratio - want) < 1e-12, `${role}: ${ratio} vs ${want}`);
    assertEquals(scaled({ role, dims }).init, base({ role, dims }).init);
  }
  assertTrue(
    (await parameterizationFingerprint("nugpt@hidden*2")) !==
      (await parameterizationFingerprint("nugpt")),
  );
  await assertRejects(() => resolveParameterization("./nowhere.ts#x@hidden*2"), "nowhere.ts");
});

Deno.test("scaled references: a sweep trains them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = `${dir}/tiny.txt`;
    await Deno.writeTextFile(data, "a small corpus of words for a tiny sweep. ".repeat(200));
    const code = await main([
      ...["--sizes", "32", "--lrs=-5:-5:1", "--search", "grid", "--param", "nugpt,nugpt@hidden*4"],
      ...["--steps", "8", "--eval-every", "4", "--batch", "2", "--seq", "8", "--depth", "1"],
      ...["--signature-lr", "off", "--data", data, "--out", `${dir}/out`],
    ], { print: () => {} });
    assertEquals(code, 0);
    const rows = parseResults(await Deno.readTextFile(`${dir}/out/results.jsonl`));
    const loss = (p: string) => rows.find((r) => r.spec.parameterization === p)!.finalValLoss;
    assertTrue(loss("nugpt") !== loss("nugpt@hidden*4"), `${loss("nugpt")}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

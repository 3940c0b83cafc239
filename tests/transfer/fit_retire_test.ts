/**
 * `retireSuperseded` (`tools/fit_retire.ts`): a stage folder's runs of a module `transfer fit`
 * wrote anew are moved aside, the rest kept with that module dropped from their settings; a cut
 * last line is dropped as the sweep's reader drops it; an unchanged definition leaves the folder
 * as it was, byte for byte.
 */
import { retireSuperseded } from "../../bench/transfer/tools/fit_retire.ts";
import { assertEquals } from "../../testing/assert.ts";

const FOUND = "./out/fit/found.ts#found";

async function folder(params: Record<string, string>, runs: string[], tail = ""): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/settings.json`, JSON.stringify({ steps: 200, params }));
  const line = (p: string) =>
    JSON.stringify({ spec: { parameterization: p }, settings: { params } });
  await Deno.writeTextFile(`${dir}/results.jsonl`, runs.map((p) => line(p) + "\n").join("") + tail);
  return dir;
}

const lines = async (path: string) =>
  (await Deno.readTextFile(path)).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));

Deno.test("retireSuperseded: the old definition's runs move aside, the base's stay, a cut line goes", async () => {
  const dir = await folder(
    { nugpt: "n1", [FOUND]: "old" },
    ["nugpt", FOUND, "nugpt", FOUND],
    '{"spec": {"parameterization": "nug',
  );
  const r = await retireSuperseded(dir, FOUND, "new");
  assertEquals([r?.runs, r?.was, r?.file], [2, "old", `${dir}/superseded-old.jsonl`]);
  const kept = await lines(`${dir}/results.jsonl`);
  assertEquals(kept.map((k) => k.spec.parameterization), ["nugpt", "nugpt"]);
  assertEquals(kept.map((k) => Object.keys(k.settings.params)), [["nugpt"], ["nugpt"]]);
  assertEquals((await lines(`${dir}/superseded-old.jsonl`)).length, 2);
  const settings = JSON.parse(await Deno.readTextFile(`${dir}/settings.json`));
  assertEquals([settings.steps, settings.params], [200, { nugpt: "n1" }]);
});

Deno.test("retireSuperseded: the same definition, or a module the folder never saw, changes nothing", async () => {
  const dir = await folder({ nugpt: "n1", [FOUND]: "same" }, ["nugpt", FOUND]);
  const before = await Deno.readTextFile(`${dir}/results.jsonl`);
  assertEquals(await retireSuperseded(dir, FOUND, "same"), null);
  assertEquals(await retireSuperseded(dir, "./other.ts#x", "any"), null);
  assertEquals(await Deno.readTextFile(`${dir}/results.jsonl`), before);
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "results.jsonl",
    "settings.json",
  ]);
});

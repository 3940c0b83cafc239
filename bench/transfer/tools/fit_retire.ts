/**
 * What `transfer fit` does with a stage folder's runs of a module it writes itself (`found.ts`,
 * `probed.ts`) when a re-run has written that module anew with another definition: those runs
 * measured a parameterization that no longer exists, so they are moved to
 * `DIR/superseded-<old fingerprint>.jsonl` (kept, never read again), and the module's name is
 * dropped from the settings the folder and its other runs recorded. The stage then resumes with
 * the other runs (the base's, whose definition has not changed) instead of refusing the folder as a
 * whole; a changed base is still refused, as any `--resume` refuses it.
 *
 * @example
 * ```ts
 * import { retireSuperseded } from "./fit_retire.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const dir = await Deno.makeTempDir();
 * // No folder settings yet: nothing to retire.
 * assertEquals(await retireSuperseded(dir, "./out/found.ts#found", "abc"), null);
 * ```
 *
 * @module
 */
import { RESULTS_FILE } from "../run/results.ts";

/** What {@linkcode retireSuperseded} set aside. */
export interface Retired {
  /** Runs moved out of `results.jsonl`. */
  runs: number;
  /** The file they were moved to. */
  file: string;
  /** The definition they were made with. */
  was: string;
}

async function readText(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Write `text` to `path` through a temporary file, so a crash leaves the old or the new file. */
async function replaceFile(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

/**
 * In stage folder `dir`, set aside the runs of parameterization `name` when the folder recorded it
 * with a definition other than `fingerprint` (see the module doc); null when there is nothing to
 * do (no folder settings, `name` not recorded, or the same definition).
 *
 * @example
 * ```ts
 * import { retireSuperseded } from "./fit_retire.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const dir = await Deno.makeTempDir();
 * const settings = { params: { nugpt: "n1", "./o/found.ts#found": "old" } };
 * await Deno.writeTextFile(`${dir}/settings.json`, JSON.stringify(settings));
 * const run = (p: string) => JSON.stringify({ spec: { parameterization: p }, settings });
 * await Deno.writeTextFile(`${dir}/results.jsonl`, [run("nugpt"), run("./o/found.ts#found")].join("\n") + "\n");
 * const r = await retireSuperseded(dir, "./o/found.ts#found", "new");
 * assertEquals([r?.runs, r?.was], [1, "old"]);
 * const kept = (await Deno.readTextFile(`${dir}/results.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
 * assertEquals(kept.map((k) => [k.spec.parameterization, Object.keys(k.settings.params)]), [["nugpt", ["nugpt"]]]);
 * assertEquals(await retireSuperseded(dir, "./o/found.ts#found", "new"), null);
 * ```
 */
export async function retireSuperseded(
  dir: string,
  name: string,
  fingerprint: string,
): Promise<Retired | null> {
  const settingsText = await readText(`${dir}/settings.json`);
  if (settingsText === null) return null;
  const settings = JSON.parse(settingsText);
  const was: unknown = settings?.params?.[name];
  if (typeof was !== "string" || was === fingerprint) return null;
  const lines = ((await readText(`${dir}/${RESULTS_FILE}`)) ?? "").split("\n")
    .filter((l) => l.trim() !== "");
  const kept: string[] = [];
  const retired: string[] = [];
  for (const [i, line] of lines.entries()) {
    let run;
    try {
      run = JSON.parse(line);
    } catch {
      // A cut last line (a run killed while it was written) is dropped, as the sweep's own
      // reader drops it; anything else is kept for that reader to report.
      if (i < lines.length - 1) kept.push(line);
      continue;
    }
    if (run?.spec?.parameterization === name) {
      retired.push(line);
      continue;
    }
    if (run?.settings?.params) delete run.settings.params[name];
    kept.push(JSON.stringify(run));
  }
  const file = `${dir}/superseded-${was}.jsonl`;
  if (retired.length > 0) {
    const before = (await readText(file)) ?? "";
    await replaceFile(file, before + retired.map((l) => l + "\n").join(""));
  }
  await replaceFile(`${dir}/${RESULTS_FILE}`, kept.map((l) => l + "\n").join(""));
  delete settings.params[name];
  await replaceFile(`${dir}/settings.json`, JSON.stringify(settings, null, 2) + "\n");
  return { runs: retired.length, file, was };
}

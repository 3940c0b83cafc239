/**
 * One summary over sweep folders that differ only in their training recipe (`--optimizer`,
 * `--warmup`), so that the report compares, say, νGPT with Adam and νGPT with Adam-atan2 as two
 * curves, slope difference and significance included (paired by seed, like any two curves of one
 * sweep):
 *
 *   deno run -A bench/transfer/tools/compare.ts out/adam out/atan2 --out out/both
 *
 * Each run's parameterization is relabelled `<name> (<optimizer>)`, `<name> (warmup <w>)` or
 * `<name> (<optimizer>, warmup <w>)`, naming what varies between the folders. Folders that differ
 * in anything else (steps, model, data, a parameterization's definition, …) are refused with the
 * differences named: their curves would not be comparable. Only each folder's main settings group
 * is used (see `groupBySettings`).
 *
 * @example
 * ```ts
 * import { labelRuns } from "./compare.ts";
 * import { exampleSettings } from "../plan/identity.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const settings = { ...exampleSettings(), optimizer: "adam-atan2" as const };
 * const run = { spec: { id: "a", parameterization: "nugpt" }, status: "ok", settings };
 * // deno-lint-ignore no-explicit-any
 * const [labelled] = labelRuns([run as any]);
 * assertEquals(labelled.spec.parameterization, "nugpt (adam-atan2)");
 * ```
 *
 * @module
 */
import { parseArgs } from "../../cli.ts";
import {
  formatDifferences,
  groupBySettings,
  settingsDifferences,
  withDefaults,
} from "../plan/differences.ts";
import type { SweepSettings } from "../plan/types.ts";
import { writeOutputs } from "../analyse/outputs.ts";
import { readResults } from "../run/results.ts";
import type { RunResult } from "../plan/types.ts";

/** The settings folders may differ in, with the flag that sets each. */
const RECIPE = [["optimizer", "--optimizer"], ["warmup", "--warmup"]] as const;
type RecipeSetting = typeof RECIPE[number][0];

function recipeOf(r: RunResult): Record<RecipeSetting, string> {
  if (r.settings) {
    const { optimizer, warmup } = withDefaults(r.settings);
    return { optimizer: optimizer!, warmup: warmup! };
  }
  // A row without settings predates them: its spec names any direction other than Adam.
  return { optimizer: r.spec.optimizer ?? "adam", warmup: "0" };
}

/**
 * Relabels each run's parameterization by the recipe settings in `vary` (default: the optimizer)
 * and gives the runs settings that differ only in their (relabelled) parameterization, so that one
 * summary holds them all.
 *
 * @example
 * ```ts
 * import { labelRuns } from "./compare.ts";
 * import { exampleSettings } from "../plan/identity.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const run = { spec: { id: "a", parameterization: "ngpt" }, status: "ok", settings: exampleSettings() };
 * // deno-lint-ignore no-explicit-any
 * assertEquals(labelRuns([run as any])[0].settings!.params, { "ngpt (adam)": "f1" });
 * ```
 */
export function labelRuns(
  results: readonly RunResult[],
  vary: readonly RecipeSetting[] = ["optimizer"],
): RunResult[] {
  return results.map((r) => {
    const s = r.settings;
    const recipe = recipeOf(r);
    const parts = vary.map((k) => k === "warmup" ? `warmup ${recipe.warmup}` : recipe[k]);
    const label = `${r.spec.parameterization} (${parts.join(", ")})`;
    const settings: SweepSettings | undefined = s && {
      ...s,
      optimizer: "adam",
      warmup: "0",
      params: { [label]: s.params[r.spec.parameterization] ?? "" },
    };
    return {
      ...r,
      spec: { ...r.spec, parameterization: label },
      ...(settings ? { settings } : {}),
    };
  });
}

/**
 * The runs of `folders` (each folder's main settings group), relabelled for one summary by the
 * recipe settings that vary; throws, naming every difference, when two folders differ in more
 * than `--optimizer` and `--warmup`.
 *
 * @example
 * ```ts
 * import { combineFolders } from "./compare.ts";
 * import { assertThrows } from "../../../testing/assert.ts";
 * assertThrows(() => combineFolders([]), "compare: give two or more sweep folders");
 * ```
 */
export function combineFolders(
  folders: readonly { dir: string; results: readonly RunResult[] }[],
): RunResult[] {
  if (folders.length < 2) throw new Error("compare: give two or more sweep folders");
  const main = folders.map((f) => {
    const group = groupBySettings(f.results)[0] ?? [];
    if (group.length === 0) throw new Error(`compare: ${f.dir} has no results`);
    return { dir: f.dir, runs: group, settings: group[0].settings ?? null };
  });
  const [first] = main;
  const flags: readonly string[] = RECIPE.map(([, flag]) => flag);
  for (const other of main.slice(1)) {
    const differences = settingsDifferences(first.settings, other.settings)
      .filter((d) => !flags.includes(d.setting));
    if (differences.length > 0) {
      throw new Error(
        `compare: ${first.dir} and ${other.dir} differ in more than ${flags.join(" and ")}: ` +
          formatDifferences(differences),
      );
    }
  }
  const runs = main.flatMap((m) => m.runs);
  const vary = RECIPE.map(([key]) => key)
    .filter((key) => new Set(runs.map((r) => recipeOf(r)[key])).size > 1);
  return labelRuns(runs, vary.length > 0 ? vary : ["optimizer"]);
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string" }, "signature-lr": { type: "string" } },
    allowPositionals: true,
  });
  if (values.out === undefined || positionals.length < 2) {
    console.error(
      "usage: deno run -A bench/transfer/tools/compare.ts DIR DIR... --out OUT [--signature-lr X|off]",
    );
    Deno.exit(2);
  }
  const folders = [];
  for (const dir of positionals) folders.push({ dir, results: await readResults(dir) });
  const runs = combineFolders(folders);
  const sig = values["signature-lr"];
  const signatureLog2Lr = sig === undefined || sig === "off" ? null : Number(sig);
  if (signatureLog2Lr !== null && !Number.isFinite(signatureLog2Lr)) {
    console.error(`compare: --signature-lr '${sig}' is not a number`);
    Deno.exit(2);
  }
  const files = await writeOutputs(values.out, runs, { signatureLog2Lr });
  console.log(`${files.summarized} runs compared; report: ${files.report}`);
}

/**
 * Writes a sweep folder's derived files from its results: `summary.json`, `report.md` and the
 * SVG plots (`loss-vs-lr-<param>.svg`, `lr-star.svg`, `signature.svg`). Only runs made with
 * identical settings are summarized together (`identity.ts`): when the results hold several
 * settings groups, the largest is summarized and the others are counted in `leftOut`.
 *
 * @example
 * ```ts
 * import { writeOutputs } from "./outputs.ts";
 * const files = await writeOutputs(await Deno.makeTempDir(), [], { signatureLog2Lr: -5 });
 * ```
 *
 * @module
 */
import { groupBySettings } from "../plan/differences.ts";
import { renderReport } from "./report.ts";
import { surfaceSection } from "./surface_report.ts";
import { curves, summarize, type Summary, type SummaryBootstrapOptions } from "./summary.ts";
import type { RunResult } from "../plan/types.ts";

/** Paths of the files written. */
export interface OutputFiles {
  summary: string;
  report: string;
  plots: string[];
  /** Runs summarized (one settings group). */
  summarized: number;
  /** Runs left out of the summary because they were made with other settings. */
  leftOut: number;
}

/**
 * A file-name-safe form of a parameterization name (`./my.ts#p` → `my.ts-p`).
 *
 * @example
 * ```ts
 * import { safeName } from "./outputs.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(safeName("./my_param.ts#mine"), "my_param.ts-mine");
 * ```
 */
export function safeName(name: string): string {
  return name.replace(/^\.\//, "").replace(/[^A-Za-z0-9._-]+/g, "-");
}

/**
 * Computes the summary and writes summary, report and plots into `dir`.
 *
 * @example
 * ```ts
 * import { writeOutputs } from "./outputs.ts";
 * const files = await writeOutputs(await Deno.makeTempDir(), [], { signatureLog2Lr: -5 });
 * ```
 */
export async function writeOutputs(
  dir: string,
  allResults: readonly RunResult[],
  options: { signatureLog2Lr: number | null; bootstrap?: SummaryBootstrapOptions },
): Promise<OutputFiles & { data: Summary }> {
  await Deno.mkdir(dir, { recursive: true });
  const results = groupBySettings(allResults)[0] ?? [];
  const summary = summarize(results, {
    signatureLog2Lr: options.signatureLog2Lr,
    bootstrap: options.bootstrap,
  });
  const plots: string[] = [];
  const finite = results.filter((r) => r.status === "ok" && r.finalValLoss !== null)
    .map((r) => r.finalValLoss!);
  const yDomain: [number, number] | undefined = finite.length
    ? [Math.min(...finite), Math.max(...finite)]
    : undefined;
  const params = [...new Set(curves(results).map((c) => c.parameterization))];
  // The plots need npm:vega, loaded only here: on a machine without the npm registry (a GPU box
  // running a sweep offline) the summary and report are still written, and `merge` on another
  // machine draws the plots from results.jsonl.
  let plot: typeof import("./plot.ts") | null = null;
  try {
    plot = await import("./plot.ts");
  } catch (e) {
    console.error(
      `plots skipped: cannot load the plotting library (${(e as Error).message.split("\n")[0]})`,
    );
  }
  const { lossCurvesSpec, lrStarSpec, renderSvg, signatureSpec } = plot ?? {};
  for (const parameterization of plot ? params : []) {
    const name = `loss-vs-lr-${safeName(parameterization)}.svg`;
    const spec = lossCurvesSpec!(results, { parameterization, optima: summary.optima, yDomain });
    await Deno.writeTextFile(`${dir}/${name}`, await renderSvg!(spec));
    plots.push(name);
  }
  if (plot && summary.optima.some((o) => o.log2LrStar !== null)) {
    await Deno.writeTextFile(`${dir}/lr-star.svg`, await renderSvg!(lrStarSpec!(summary.optima)));
    plots.unshift("lr-star.svg");
  }
  if (plot && summary.signature !== null) {
    await Deno.writeTextFile(
      `${dir}/signature.svg`,
      await renderSvg!(signatureSpec!(summary.signature)),
    );
    plots.push("signature.svg");
  }
  await Deno.writeTextFile(`${dir}/summary.json`, JSON.stringify(summary, null, 2) + "\n");
  const surface = surfaceSection(results, summary); // the design-free estimator, beside the parabola
  await Deno.writeTextFile(`${dir}/report.md`, renderReport(summary, { plots }) + surface);
  return {
    summary: `${dir}/summary.json`,
    report: `${dir}/report.md`,
    plots: plots.map((p) => `${dir}/${p}`),
    summarized: results.length,
    leftOut: allResults.length - results.length,
    data: summary,
  };
}

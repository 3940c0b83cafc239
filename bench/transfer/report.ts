/**
 * `DIR/report.md`: the summary as Markdown tables (optima, slopes, high-learning-rate
 * signature, run counts) with links to the plots.
 *
 * @example
 * ```ts
 * import { renderReport } from "./report.ts";
 * import { summarize } from "./summary.ts";
 * const md = renderReport(summarize([], { signatureLog2Lr: null }), { plots: [] });
 * ```
 *
 * @module
 */
import type { Summary } from "./summary.ts";

const fmt = (x: number | null, digits = 3) => (x === null ? "—" : x.toFixed(digits));

/**
 * Renders the report; `plots` are file names (relative to the report) to embed.
 *
 * @example
 * ```ts
 * import { renderReport } from "./report.ts";
 * import { summarize } from "./summary.ts";
 * const md = renderReport(summarize([], { signatureLog2Lr: -5 }), { plots: ["lr-star.svg"] });
 * ```
 */
export function renderReport(
  summary: Summary,
  options: { plots: string[]; title?: string },
): string {
  const out: string[] = [`# ${options.title ?? "Learning-rate transfer sweep"}`, ""];
  const r = summary.runs;
  out.push(
    `${r.total} runs: ${r.ok} ok, ${r.diverged} diverged, ${r.failed} failed` +
      ` (${r.reused} reused from a provably identical run).`,
    "",
    "## Transfer",
    "",
    "Slope of log2 lr* against log2 of the size multiplier (0 = perfect transfer), and the spread " +
      "of log2 lr* over the sizes, in octaves.",
    "",
    "| parameterization | axis | slope | spread (octaves) | sizes |",
    "| --- | --- | ---: | ---: | --- |",
  );
  for (const s of summary.slopes) {
    out.push(
      `| ${s.parameterization} | ${s.axis} | ${fmt(s.slope)} | ${fmt(s.spreadOctaves, 2)} | ` +
        `${s.sizes.join(", ")} |`,
    );
  }
  out.push(
    "",
    "## Optima",
    "",
    "log2 lr* from a parabola through the 3–5 points within one octave of each curve's best " +
      "point (seed-mean final validation loss). ≤ / ≥: the best point was at the low / high " +
      "end of the rates tried, so lr* is only a bound.",
    "",
    "| parameterization | axis | size | log2 lr* | min loss | fit | lrs tried | seeds |",
    "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |",
  );
  for (const o of summary.optima) {
    const mark = o.edge === "low" ? "≤ " : o.edge === "high" ? "≥ " : "";
    out.push(
      `| ${o.parameterization} | ${o.axis} | ${o.size} | ${mark}${fmt(o.log2LrStar, 2)} | ` +
        `${fmt(o.minLoss, 4)} | ${o.method} | ${o.points} | ${o.seeds} |`,
    );
  }
  const sig = summary.signature;
  if (sig !== null) {
    const sizes = [...new Set(sig.rows.map((x) => x.size))].sort((a, b) => a - b);
    const params = [...new Set(sig.rows.map((x) => x.parameterization))];
    out.push(
      "",
      `## High-learning-rate signature (lr = 2^${sig.log2Lr})`,
      "",
      "Final loss at a fixed high learning rate as the model grows: rising for a " +
        "parameterization whose optimum drifts down, flat or falling for one that transfers.",
      "",
      `| parameterization | ${sizes.join(" | ")} | loss change per doubling |`,
      `| --- | ${sizes.map(() => "---:").join(" | ")} | ---: |`,
    );
    for (const p of params) {
      const cells = sizes.map((s) => {
        const row = sig.rows.find((x) => x.parameterization === p && x.size === s);
        return row === undefined ? "" : row.loss === null ? "diverged" : row.loss.toFixed(4);
      });
      const trend = sig.trends.find((t) => t.parameterization === p)?.lossPerDoubling ?? null;
      out.push(`| ${p} | ${cells.join(" | ")} | ${trend === null ? "—" : trend.toFixed(4)} |`);
    }
  }
  if (options.plots.length > 0) {
    out.push("", "## Plots", "");
    for (const p of options.plots) out.push(`![${p}](${p})`, "");
  }
  return out.join("\n") + "\n";
}

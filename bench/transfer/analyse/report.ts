/**
 * `DIR/report.md`: the summary as Markdown tables (slopes and spreads with their intervals, the
 * pairwise slope comparisons, optima with intervals, high-learning-rate signature, run counts)
 * with links to the plots.
 *
 * @example
 * ```ts
 * import { renderReport } from "./report.ts";
 * import { summarize } from "./summary.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const md = renderReport(summarize([], { signatureLog2Lr: null }), { plots: [] });
 * assertTrue(md.startsWith("# Learning-rate transfer sweep\n"));
 * ```
 *
 * @module
 */
import { formatInterval } from "./intervals.ts";
import {
  fmt,
  noiseClause,
  optimumCell,
  slopeCell,
  spreadCell,
  undeterminedNotes,
  verdictCell,
} from "./report_text.ts";
import type { Summary } from "./summary.ts";

/**
 * Renders the report; `plots` are file names (relative to the report) to embed.
 *
 * @example
 * ```ts
 * import { renderReport } from "./report.ts";
 * import { summarize } from "./summary.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const md = renderReport(summarize([], { signatureLog2Lr: -5 }), { plots: ["lr-star.svg"] });
 * assertTrue(md.includes("![lr-star.svg](lr-star.svg)"));
 * ```
 */
export function renderReport(
  summary: Summary,
  options: { plots: string[]; title?: string },
): string {
  const out: string[] = [`# ${options.title ?? "Learning-rate transfer sweep"}`, ""];
  const r = summary.runs;
  const b = summary.bootstrap;
  const pct = `${Math.round(b.level * 100)} %`;
  out.push(
    `${r.total} runs: ${r.ok} ok, ${r.diverged} diverged, ${r.failed} failed` +
      ` (${r.reused} reused from a provably identical run).`,
    "",
    `Intervals are ${pct} bootstrap intervals (${b.replicates} replicates, seed ${b.seed}): ` +
      `each replicate resamples the seeds, ${
        noiseClause(b.noise)
      }, and refits every curve with a fit ` +
      `window drawn from ${b.windows.join(", ")} octaves. ≤ x / ≥ x: one-sided, the optimum ` +
      "sits at (or too near) the low / high end of the rates tried. They assume the loss is " +
      "parabolic near its minimum; a lopsided curve can bias the fit beyond them.",
    "",
    "## Transfer",
    "",
    "Slope of log2 lr* against log2 of the size multiplier (0 = perfect transfer), and the spread " +
      `of log2 lr* over the sizes, in octaves, with ${pct} intervals. † : in more than ` +
      `${
        Math.round(((1 - b.level) / 2) * 100)
      } % of replicates some size's lr* was only a bound, ` +
      "so the slope is too. undetermined ‡: every size's optimum was only a bound (see the note " +
      "under the table).",
    "",
    "| parameterization | axis | slope [interval] | spread (octaves) [interval] | sizes |",
    "| --- | --- | ---: | ---: | --- |",
  );
  for (const s of summary.slopes) {
    out.push(
      `| ${s.parameterization} | ${s.axis} | ${slopeCell(s, b.level)} | ${spreadCell(s)} | ` +
        `${s.sizes.join(", ")} |`,
    );
  }
  const notes = undeterminedNotes(summary.slopes);
  if (notes.length > 0) out.push("", ...notes);
  if (summary.comparisons.length > 0) {
    out.push(
      "",
      "## Do the slopes differ?",
      "",
      `slope(a) − slope(b) with its ${pct} interval from paired replicates: significant when ` +
        "the interval excludes 0.",
      "",
      "| a | b | axis | slope(a) − slope(b) [interval] | verdict |",
      "| --- | --- | --- | ---: | --- |",
    );
    for (const c of summary.comparisons) {
      const verdict = verdictCell(c, summary.slopes, pct);
      out.push(
        `| ${c.a} | ${c.b} | ${c.axis} | ${fmt(c.difference)} ${formatInterval(c.interval, 3)} | ` +
          `${verdict} |`,
      );
    }
  }
  out.push(
    "",
    "## Optima",
    "",
    "log2 lr* from a parabola through the 3–5 points within one octave of each curve's best " +
      "point (seed-mean final validation loss). ≤ / ≥ before a value: the best point was at the " +
      "low / high end of the rates tried, so lr* is only a bound. Seeds for ±¼: the seed count " +
      "at which the interval's half-width would fall under a quarter octave (— : not by 64 " +
      "seeds; the fit window's own uncertainty is larger).",
    "",
    `| parameterization | axis | size | log2 lr* | ${pct} interval | min loss | fit | lrs tried ` +
      "| seeds | seeds for ±¼ |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
  );
  for (const o of summary.optima) {
    out.push(
      `| ${o.parameterization} | ${o.axis} | ${o.size} | ${optimumCell(o)} | ` +
        `${formatInterval(o.interval)} | ${fmt(o.minLoss, 4)} | ${o.method} | ${o.points} | ` +
        `${o.seeds} | ${o.seedsForQuarterOctave ?? "—"} |`,
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

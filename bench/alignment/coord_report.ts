/**
 * The coordinate-check plot's outputs: a Markdown table (movement per width and the fitted
 * exponent, per parameterization and quantity) and a faceted log-log Vega-Lite plot.
 *
 * @example
 * ```ts
 * import { coordMarkdown } from "./coord_report.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const rows = [{ parameterization: "ngpt", quantity: "embedding output", metric: "vector" as const,
 *   widths: [32, 64], values: [1, 1.41], exponent: 0.5, verdict: "growing" }];
 * const md = coordMarkdown(rows, { command: "x" });
 * assertTrue(md.includes("| ngpt | embedding output | vector | 1.00e+0 | 1.41e+0 | 0.500 | growing |"));
 * ```
 *
 * @module
 */
import type { VegaLiteSpec } from "../transfer/analyse/plot.ts";

/** One quantity's movement across widths under one parameterization. */
export interface CoordRow {
  parameterization: string;
  /** What moved, e.g. `embedding output`. */
  quantity: string;
  /** `vector` (RMS over rows of the row's L2 change) or `coordinate` (RMS over entries). */
  metric: "vector" | "coordinate";
  widths: number[];
  values: number[];
  /** Fitted exponent of movement against width. */
  exponent: number;
  /** `flat`, `growing`, `shrinking`, `static` or `unstable` (coordCheck's verdict). */
  verdict: string;
}

const e3 = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : "n/a");

/**
 * The Markdown table of a coordinate check.
 *
 * @example
 * ```ts
 * import { coordMarkdown } from "./coord_report.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const md = coordMarkdown([], { command: "deno run -A bench/alignment/coord_check.ts" });
 * assertEquals(md.split("\n").slice(0, 3), [
 *   "# Coordinate check: nGPT vs νGPT",
 *   "",
 *   "Command: `deno run -A bench/alignment/coord_check.ts`",
 * ]);
 * ```
 */
export function coordMarkdown(
  rows: readonly CoordRow[],
  info: { command: string; notes?: string[] },
): string {
  const widths = rows[0]?.widths ?? [];
  const lines = [
    "# Coordinate check: nGPT vs νGPT",
    "",
    `Command: \`${info.command}\``,
    "",
    "How far each quantity moved from its value at init after a few Adam steps, at each width",
    "(`testing.ts` `coordCheck`; base width of the dims = the first width), and the fitted",
    "exponent of that movement in width. A width-transferable parameterization keeps it flat;",
    "Adam at a fixed learning rate moves an embedding row by about lr·sqrt(width) per step.",
    "",
    `| parameterization | quantity | metric | ${
      widths.map((w) => `d=${w}`).join(" | ")
    } | exponent | verdict |`,
    `| --- | --- | --- | ${widths.map(() => "---:").join(" | ")} | ---: | --- |`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.parameterization} | ${r.quantity} | ${r.metric} | ${r.values.map(e3).join(" | ")} | ` +
        `${Number.isFinite(r.exponent) ? r.exponent.toFixed(3) : "n/a"} | ${r.verdict} |`,
    );
  }
  if (info.notes?.length) lines.push("", ...info.notes);
  return lines.join("\n") + "\n";
}

/**
 * Movement vs width (log-log), one panel per quantity, one line per parameterization.
 *
 * @example
 * ```ts
 * import { coordSpec } from "./coord_report.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(coordSpec([]).facet, { column: { field: "quantity", type: "nominal", title: null } });
 * ```
 */
export function coordSpec(rows: readonly CoordRow[]): VegaLiteSpec {
  const values = rows.flatMap((r) =>
    r.widths.map((width, i) => ({
      width,
      movement: r.values[i],
      quantity: `${r.quantity} (${r.metric})`,
      parameterization: r.parameterization,
      label: i === r.widths.length - 1 && Number.isFinite(r.exponent)
        ? `${r.exponent >= 0 ? "+" : ""}${r.exponent.toFixed(2)}`
        : "",
    }))
  ).filter((v) => v.movement > 0 && Number.isFinite(v.movement));
  const widths = [...new Set(values.map((v) => v.width))].sort((a, b) => a - b);
  const x = {
    field: "width",
    type: "quantitative",
    title: "width",
    scale: { type: "log", base: 2 },
    axis: { values: widths },
  };
  const y = {
    field: "movement",
    type: "quantitative",
    title: "movement since init",
    scale: { type: "log", base: 2 },
  };
  const color = { field: "parameterization", type: "nominal", title: "parameterization" };
  return {
    title: {
      text: "Coordinate check: movement after a few Adam steps vs width",
      subtitle: "log-log; the number at the right end of a line is its fitted exponent in width",
    },
    data: { values },
    facet: { column: { field: "quantity", type: "nominal", title: null } },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 220,
      height: 220,
      layer: [
        { mark: { type: "line", point: true }, encoding: { x, y, color } },
        {
          mark: { type: "text", align: "left", dx: 6, fontSize: 11 },
          encoding: { x, y, color, text: { field: "label", type: "nominal" } },
        },
      ],
    },
  };
}

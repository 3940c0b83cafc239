/**
 * The alignment bench's outputs: the Markdown summary (mean α, ω, ν over the hidden matrices
 * at early, middle and late steps, per parameterization, and per matrix kind at the last step)
 * and the Vega-Lite specifications of the exponent-vs-step plots.
 *
 * @example
 * ```ts
 * import { alignmentMarkdown } from "./report.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * const rec = (step: number, a: number) => ({
 *   parameterization: "ngpt", width: 64, step, probeLoss: 3,
 *   mean: { alpha: a, omega: 0.5, nu: a }, matrices: {},
 * });
 * const md = alignmentMarkdown([rec(25, 0.8), rec(50, 0.7), rec(75, 0.6)], { command: "x" });
 * assertTrue(md.includes("| ngpt | late | 75 | 0.600 | 0.500 | 0.600 | 3.000 |"), md);
 * ```
 *
 * @module
 */
import type { VegaLiteSpec } from "../transfer/analyse/plot.ts";
import { type AlignmentRecord, finiteMean } from "./measure.ts";
import { HIDDEN_LEAVES } from "./probe.ts";

/** The three exponents, with their symbols and meanings. */
export const EXPONENTS = [
  { key: "alpha", symbol: "α", what: "ΔW against h" },
  { key: "omega", symbol: "ω", what: "W0 against Δh" },
  { key: "nu", symbol: "ν", what: "ΔW against Δh" },
] as const;

/** The exponent keys. */
export type ExponentKey = (typeof EXPONENTS)[number]["key"];

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");

function byParameterization(records: readonly AlignmentRecord[]): Map<string, AlignmentRecord[]> {
  const groups = new Map<string, AlignmentRecord[]>();
  for (const r of records) {
    const g = groups.get(r.parameterization) ?? [];
    g.push(r);
    groups.set(r.parameterization, g);
  }
  for (const g of groups.values()) g.sort((a, b) => a.step - b.step);
  return groups;
}

/**
 * First, middle and last of a sorted list (fewer when it is shorter).
 *
 * @example
 * ```ts
 * import { earlyMiddleLate } from "./report.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(earlyMiddleLate([1, 2, 3, 4]), [["early", 1], ["middle", 2], ["late", 4]]);
 * ```
 */
export function earlyMiddleLate<T>(xs: readonly T[]): [string, T][] {
  if (xs.length === 0) return [];
  const picks: [string, T][] = [["early", xs[0]]];
  if (xs.length >= 3) picks.push(["middle", xs[Math.floor((xs.length - 1) / 2)]]);
  if (xs.length >= 2) picks.push(["late", xs[xs.length - 1]]);
  return picks;
}

/**
 * The Markdown summary of an alignment run.
 *
 * @example
 * ```ts
 * import { alignmentMarkdown } from "./report.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const md = alignmentMarkdown([], { command: "deno run -A bench/alignment/main.ts" });
 * assertEquals(md.split("\n").slice(0, 3), [
 *   "# Alignment exponents",
 *   "",
 *   "Command: `deno run -A bench/alignment/main.ts`",
 * ]);
 * ```
 */
export function alignmentMarkdown(
  records: readonly AlignmentRecord[],
  info: { command: string; notes?: string[] },
): string {
  const lines = [
    "# Alignment exponents",
    "",
    `Command: \`${info.command}\``,
    "",
    "For each hidden matrix W (`[out, in]`, applied to its input h; q, k, v, o, up, gate, down of",
    "every block), on a fixed probe batch, with ΔW = W − W0 and Δh = h − h0 since init:",
    "α = log(d_in · ‖ΔW hᵀ‖ / (‖ΔW‖_F ‖h‖)) / log(d_in), ω the same for W0 against Δh, ν for",
    "ΔW against Δh (norms pooled over the probe's rows). 1 = fully aligned, 1/2 = unrelated.",
    "",
    "## Mean over the hidden matrices",
    "",
    "| parameterization | phase | step | α | ω | ν | probe loss |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  const groups = byParameterization(records);
  for (const [name, rs] of groups) {
    for (const [phase, r] of earlyMiddleLate(rs)) {
      lines.push(
        `| ${name} | ${phase} | ${r.step} | ${f3(r.mean.alpha)} | ${f3(r.mean.omega)} | ` +
          `${f3(r.mean.nu)} | ${f3(r.probeLoss)} |`,
      );
    }
  }
  lines.push("", "## By matrix kind at the last step (mean over blocks)", "");
  lines.push(`| parameterization | exponent | ${HIDDEN_LEAVES.join(" | ")} |`);
  lines.push(`| --- | --- | ${HIDDEN_LEAVES.map(() => "---:").join(" | ")} |`);
  for (const [name, rs] of groups) {
    const last = rs[rs.length - 1];
    for (const e of EXPONENTS) {
      const cells = HIDDEN_LEAVES.map((leaf) =>
        f3(finiteMean(
          Object.entries(last.matrices).filter(([p]) => p.endsWith(`.${leaf}`)).map(([, m]) =>
            m[e.key]
          ),
        ))
      );
      lines.push(`| ${name} | ${e.symbol} | ${cells.join(" | ")} |`);
    }
  }
  if (info.notes?.length) lines.push("", ...info.notes);
  return lines.join("\n") + "\n";
}

/**
 * One exponent vs step: faint lines per matrix, a bold mean line per parameterization.
 *
 * @example
 * ```ts
 * import { exponentSpec } from "./report.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals((exponentSpec([], "alpha") as { layer: unknown[] }).layer.length, 3);
 * ```
 */
export function exponentSpec(
  records: readonly AlignmentRecord[],
  exponent: ExponentKey,
): VegaLiteSpec {
  const e = EXPONENTS.find((x) => x.key === exponent)!;
  const perMatrix: { step: number; value: number; matrix: string; parameterization: string }[] = [];
  const means: { step: number; value: number; parameterization: string }[] = [];
  for (const r of records) {
    for (const [matrix, m] of Object.entries(r.matrices)) {
      if (Number.isFinite(m[exponent])) {
        perMatrix.push({
          step: r.step,
          value: m[exponent],
          matrix: `${r.parameterization}:${matrix}`,
          parameterization: r.parameterization,
        });
      }
    }
    if (Number.isFinite(r.mean[exponent])) {
      means.push({ step: r.step, value: r.mean[exponent], parameterization: r.parameterization });
    }
  }
  const x = { field: "step", type: "quantitative", title: "training step" };
  const y = {
    field: "value",
    type: "quantitative",
    title: `${e.symbol} (${e.what})`,
    scale: { zero: false },
  };
  const color = { field: "parameterization", type: "nominal", title: "parameterization" };
  return {
    title: {
      text: `Alignment exponent ${e.symbol} (${e.what}) vs step`,
      subtitle: "bold: mean over the hidden matrices; faint: each matrix; dashed: 1/2 (unrelated)",
    },
    width: 460,
    height: 280,
    layer: [
      {
        data: { values: perMatrix },
        mark: { type: "line", opacity: 0.18, strokeWidth: 1 },
        encoding: {
          x,
          y,
          color: { ...color, legend: null },
          detail: { field: "matrix", type: "nominal" },
        },
      },
      {
        data: { values: means },
        mark: { type: "line", point: true, strokeWidth: 2.5 },
        encoding: { x, y, color },
      },
      {
        data: { values: [{ value: 0.5 }] },
        mark: { type: "rule", strokeDash: [4, 4], color: "#888" },
        encoding: { y: { field: "value", type: "quantitative" } },
      },
    ],
  };
}

/**
 * Probe loss vs step, one line per parameterization.
 *
 * @example
 * ```ts
 * import { lossSpec } from "./report.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(lossSpec([]).mark, { type: "line", point: true });
 * ```
 */
export function lossSpec(records: readonly AlignmentRecord[]): VegaLiteSpec {
  return {
    title: "Loss on the probe windows vs step",
    width: 460,
    height: 240,
    data: {
      values: records.map((r) => ({
        step: r.step,
        loss: r.probeLoss,
        parameterization: r.parameterization,
      })),
    },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "step", type: "quantitative", title: "training step" },
      y: {
        field: "loss",
        type: "quantitative",
        title: "probe loss (nats)",
        scale: { zero: false },
      },
      color: { field: "parameterization", type: "nominal" },
    },
  };
}

/**
 * The report of `transfer fit`: what was fitted on what, and what was validated on what, kept
 * apart — every table has a *data* column saying whether its row's size and configuration were
 * used in the fit (`fitted`) or never trained by it (`held-out`).
 *
 * @example
 * ```ts
 * import { renderFitReport } from "./fit_report.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const md = renderFitReport({
 *   command: "deno task transfer fit ...", base: "nugpt", fitSizes: [16, 32], validateSizes: [64],
 *   fitConfig: "seq 32", validateConfig: "seq 64", baseOptima: [], probe: [], ranges: [],
 *   edges: [], calibration: null, validation: [], validationSlopes: [], module: "found.ts",
 * });
 * assertTrue(md.includes("| data |"));
 * ```
 *
 * @module
 */
import { excludes, formatInterval, type Interval } from "../analyse/intervals.ts";
import { type PairedDifference, pairedDifference } from "../analyse/paired.ts";
import type { Provenance } from "./fit_held_out.ts";
import type { GroupExponent } from "./fit_probe.ts";
import type { Axis } from "../plan/types.ts";

/** One lr* row. */
export interface OptimumRow {
  parameterization: string;
  size: number;
  config: string;
  data: Provenance;
  log2LrStar: number | null;
  edge: "low" | "high" | null;
  interval: Interval | null;
  minLoss: number | null;
  /** Each seed's lowest final loss over the rates tried (`bestLossBySeed`), for paired gaps. */
  seedBest?: Record<number, number>;
}

/** One slope row. */
export interface SlopeRow {
  parameterization: string;
  config: string;
  sizes: number[];
  /** What the sizes were: e.g. "fitted 16 → held-out 64, 128". */
  data: string;
  slope: number | null;
  interval: Interval | null;
  /** The design-free surface's slope, beside the parabola's. */
  surface: { slope: number | null; interval: Interval | null } | null;
}

/** Everything the report shows. */
export interface FitReport {
  command: string;
  /** The axis fitted (default `width`); on another there is no role probe. */
  axis?: Axis;
  base: string;
  fitSizes: number[];
  validateSizes: number[];
  fitConfig: string;
  validateConfig: string;
  baseOptima: OptimumRow[];
  probe: GroupExponent[];
  /** Per probe group: whether its exponent entered the parameterization (absent: all did). */
  kept?: boolean[];
  /** Final probe range per group (octaves). */
  ranges: number[];
  /** Groups still at the edge of their range after the last widening. */
  edges: string[];
  calibration: {
    slope: number | null;
    interval: Interval | null;
    sizes: number[];
    /** The exponent folded in (0 where the slope's interval held 0 under `--fold significant`). */
    folded?: number;
  } | null;
  validation: OptimumRow[];
  validationSlopes: SlopeRow[];
  module: string;
}

const f = (x: number | null, d = 2) => (x === null ? "—" : x.toFixed(d));

function optimumCell(r: OptimumRow): string {
  if (r.log2LrStar === null) return "—";
  const bound = r.edge === "low" ? "≤ " : r.edge === "high" ? "≥ " : "";
  return `${bound}${f(r.log2LrStar)} ${formatInterval(r.interval)}`;
}

function optimaTable(rows: readonly OptimumRow[]): string[] {
  return [
    "| parameterization | size | configuration | data | log2 lr* [90 %] | best loss |",
    "| --- | ---: | --- | --- | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.parameterization} | ${r.size} | ${r.config} | ${r.data} | ${optimumCell(r)} | ` +
      `${f(r.minLoss, 3)} |`
    ),
  ];
}

/** Section 3's row: the measured slope, and what was folded (0, said so, when it held 0). */
function calibrationRow(what: string, c: FitReport["calibration"]): string {
  if (c === null) return `| ${what} | fitted | — | — | 0 |`;
  const folded = c.folded ?? c.slope;
  const heldZero = folded === 0 && c.slope !== null && c.slope !== 0 ? " (interval holds 0)" : "";
  return `| ${what} | fitted | ${c.sizes.join(", ")} | ${f(c.slope, 3)} ` +
    `${formatInterval(c.interval, 3)} | ${f(folded, 3)}${heldZero} |`;
}

/**
 * How the report names sizes on `axis`: "widths", "batch sizes", "depth sizes", "steps sizes".
 *
 * @example
 * ```ts
 * import { axisNoun } from "./fit_report.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals([axisNoun("width"), axisNoun("batch")], ["widths", "batch sizes"]);
 * ```
 */
export function axisNoun(axis: Axis): string {
  return axis === "width" ? "widths" : axis === "batch" ? "batch sizes" : `${axis} sizes`;
}

/**
 * The target a found parameterization is held to: |slope| ≤ 0.1, its interval inside ±0.2 (a
 * one-sided interval is not).
 *
 * @example
 * ```ts
 * import { flatEnough } from "./fit_report.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(flatEnough(0.04, { level: 0.9, lo: -0.1, hi: 0.23 }), false);
 * assertEquals(flatEnough(0.04, { level: 0.9, lo: -0.1, hi: 0.19 }), true);
 * ```
 */
export function flatEnough(slope: number | null, interval: Interval | null): boolean {
  return slope !== null && interval !== null && Math.abs(slope) <= 0.1 &&
    interval.lo !== null && interval.hi !== null && interval.lo >= -0.2 && interval.hi <= 0.2;
}

/**
 * Section 5: what the held-out data say of the found parameterization against the base — each
 * held-out slope held to the target (|slope| ≤ 0.1 with its interval inside ±0.2), and each
 * held-out size's best loss (seed-mean curve) beside the base's. The report says "worse" where
 * the found one's is higher, however small the gap, and beside it the gap paired by seed with its
 * t-interval (`analyse/paired.ts`), "above" only where that interval excludes 0.
 *
 * @example
 * ```ts
 * import { verdictSection } from "./fit_report.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const row = (parameterization: string, minLoss: number) => ({
 *   parameterization, size: 64, config: "seq 32", data: "held-out" as const, log2LrStar: -5,
 *   edge: null, interval: null, minLoss,
 * });
 * const lines = verdictSection("nugpt", [row("nugpt", 2.0), row("found", 2.1)], []);
 * assertTrue(lines.join("\n").includes("worse at 1 of 1"));
 * ```
 */
export function verdictSection(
  base: string,
  validation: readonly OptimumRow[],
  slopes: readonly SlopeRow[],
): string[] {
  const found = slopes.filter((s) => s.parameterization !== base);
  const pairs = validation.filter((v) => v.parameterization !== base && v.data === "held-out")
    .map((v) => {
      const b = validation.find((b) =>
        b.parameterization === base && b.size === v.size && b.config === v.config
      );
      const baseLoss = b?.minLoss ?? null;
      const gap = v.minLoss !== null && baseLoss !== null ? v.minLoss - baseLoss : null;
      const paired = v.seedBest && b?.seedBest ? pairedDifference(v.seedBest, b.seedBest) : null;
      return { found: v, baseLoss, gap, paired };
    });
  const worse = pairs.filter((p) => p.gap !== null && p.gap > 0);
  const above = pairs.filter((p) =>
    p.paired?.interval && excludes(p.paired.interval, 0) &&
    p.paired.mean > 0
  );
  const withPairs = pairs.filter((p) => p.paired?.interval);
  const pairedCell = (d: PairedDifference | null) => {
    if (d === null) return "—";
    // Three decimals; a mean that rounds to zero is written 0.000, not −0.000.
    const mean = Math.abs(d.mean) < 5e-4 ? "0.000" : `${d.mean > 0 ? "+" : ""}${d.mean.toFixed(3)}`;
    if (d.interval === null) return `${mean} (1 seed)`;
    const verdict = !excludes(d.interval, 0) ? "" : d.mean > 0 ? " **above**" : " below";
    return `${mean} ${formatInterval(d.interval, 3)}${verdict}`;
  };
  const yes = (ok: boolean) => (ok ? "met" : "**missed**");
  return [
    "## 5. Verdict on the held-out data",
    "",
    "Each held-out slope of the found parameterization against the target |slope| ≤ 0.1 with its " +
    "90 % interval inside ±0.2, by each estimator:",
    "",
    "| configuration | sizes | data | parabola | surface |",
    "| --- | --- | --- | --- | --- |",
    ...found.map((s) =>
      `| ${s.config} | ${s.sizes.join(", ")} | ${s.data} | ${
        yes(flatEnough(s.slope, s.interval))
      } | ${s.surface ? yes(flatEnough(s.surface.slope, s.surface.interval)) : "—"} |`
    ),
    "",
    `Best loss (seed-mean curve) at each held-out size, the found parameterization against ${base}; ` +
    "beside it the difference paired by seed (each seed's lowest loss over the rates tried, found " +
    "minus base; mean and 90 % t-interval over the seeds; **above** / below where the interval " +
    "excludes 0):",
    "",
    `| size | configuration | ${base} | found | found − ${base} | paired by seed [90 %] |`,
    "| ---: | --- | ---: | ---: | ---: | ---: |",
    ...pairs.map(({ found, baseLoss, gap, paired }) => {
      const cell = gap === null ? "—" : gap > 0 ? `+${gap.toFixed(3)} (worse)` : gap.toFixed(3);
      return `| ${found.size} | ${found.config} | ${f(baseLoss, 3)} | ${f(found.minLoss, 3)} | ` +
        `${cell} | ${pairedCell(paired)} |`;
    }),
    "",
    worse.length === 0
      ? `The found parameterization's best loss is at or below ${base}'s at every held-out size.`
      : `The found parameterization's best loss is **worse at ${worse.length} of ${pairs.length}** ` +
        `held-out sizes (${
          worse.map((p) => `${p.found.size}, ${p.found.config}: +${p.gap!.toFixed(3)}`).join("; ")
        }).`,
    ...(withPairs.length === 0 ? [] : [
      "",
      above.length === 0
        ? `Paired by seed, it is above ${base}'s beyond the seed-to-seed noise at none of the ` +
          `${withPairs.length} held-out sizes.`
        : `Paired by seed, it is **above ${base}'s beyond the seed-to-seed noise at ${above.length} ` +
          `of ${withPairs.length}** held-out sizes (${
            above.map((p) => `${p.found.size}, ${p.found.config}`).join("; ")
          }).`,
    ]),
    "",
  ];
}

/**
 * The markdown report.
 *
 * @example
 * ```ts
 * import { renderFitReport } from "./fit_report.ts";
 * import { assertTrue } from "../../../testing/assert.ts";
 * const md = renderFitReport({
 *   command: "x", base: "nugpt", fitSizes: [16, 32], validateSizes: [64], fitConfig: "a",
 *   validateConfig: "b", baseOptima: [], probe: [], ranges: [], edges: [], calibration: null,
 *   validation: [], validationSlopes: [], module: "found.ts",
 * });
 * assertTrue(md.includes("**Fitted on**: widths 16, 32"));
 * ```
 */
export function renderFitReport(r: FitReport): string {
  const axis = r.axis ?? "width";
  const noun = axisNoun(axis);
  const probeSection = axis === "width"
    ? [
      "## 2. Joint role probe (fitted)",
      "",
      "Best log2 factor of each group's learning rate, all groups scaled together (a quadratic " +
      "with interactions through a central composite design), at each fitted width; its slope " +
      "over log2 width is the group's exponent on top of the base. A stationary point outside " +
      "the factors tried is clamped to them (`edge`); where the fitted surface is not convex the " +
      "best design point stands in (`best point`). `— dropped`: left out of the parameterization " +
      "under `--probe-keep significant` (a bound, or its interval holds 0).",
      "",
      `| group | data | ${r.fitSizes.map((w) => `best log2 factor at ${w}`).join(" | ")} | ` +
      "width exponent [90 %] | range tried |",
      `| --- | --- | ${r.fitSizes.map(() => "---:").join(" | ")} | ---: | ---: |`,
      ...r.probe.map((g, i) => {
        const cells = r.fitSizes.map((w) => {
          const o = g.optima.find((o) => o.width === w);
          if (!o) return "—";
          const how = o.method === "best-point" ? " (best point)" : "";
          return `${o.edge ? "edge " : ""}${f(o.k)} ${formatInterval(o.interval)}${how}`;
        });
        const note = (r.edges.includes(g.group) ? " (at the edge: a bound)" : "") +
          (r.kept && !r.kept[i] && g.exponent !== null ? " — dropped" : "");
        return `| ${g.group} | fitted | ${cells.join(" | ")} | ${f(g.exponent, 3)} ` +
          `${formatInterval(g.interval, 3)}${note} | ±${r.ranges[i]} |`;
      }),
    ]
    : [
      "## 2. Role probe: none on this axis",
      "",
      `The role groups' exponents are width exponents; on the ${axis} axis the fit folds one ` +
      `exponent of the ${axis} multiplier into every role's rate (section 3).`,
    ];
  const calibrated = axis === "width"
    ? "probed parameterization, folded into every rate"
    : `${r.base}'s own slope, folded into every rate as a ${axis} exponent`;
  const out = [
    "# Parameterization fit, validated out of sample",
    "",
    "```sh",
    r.command,
    "```",
    "",
    `- **Fitted on**: ${noun} ${r.fitSizes.join(", ")} (${r.fitConfig}). ` +
    (axis === "width"
      ? "The base optimum, the joint role probe and the calibration trained only these."
      : "The base optimum, whose slope is the calibration, trained only these."),
    `- **Validated on**: ${noun} ${r.validateSizes.join(", ")} (${r.fitConfig}) and the other ` +
    `configuration ${r.validateConfig} — never trained by the fit. The smallest fitted size ` +
    "appears in the validation too, as the anchor every slope starts from; its rows say " +
    "`fitted`.",
    `- The result: \`${r.module}\` (${r.base} with the exponents below), composed from \`param\`.`,
    "",
    `## 1. ${r.base}'s optimum at the fitted ${noun} (fitted)`,
    "",
    ...optimaTable(r.baseOptima),
    "",
    ...probeSection,
    "",
    "## 3. Calibration (fitted)",
    "",
    "| what | data | sizes | slope of log2 lr* [90 %] | folded |",
    "| --- | --- | --- | ---: | ---: |",
    calibrationRow(calibrated, r.calibration),
    "",
    "## 4. Validation (held out)",
    "",
    ...optimaTable(r.validation),
    "",
    "| parameterization | configuration | sizes | data | slope (parabola) [90 %] | slope (surface) [90 %] |",
    "| --- | --- | --- | --- | ---: | ---: |",
    ...r.validationSlopes.map((s) =>
      `| ${s.parameterization} | ${s.config} | ${s.sizes.join(", ")} | ${s.data} | ` +
      `${f(s.slope, 3)} ${formatInterval(s.interval, 3)} | ` +
      `${s.surface ? `${f(s.surface.slope, 3)} ${formatInterval(s.surface.interval, 3)}` : "—"} |`
    ),
    "",
    ...verdictSection(r.base, r.validation, r.validationSlopes),
  ];
  return out.join("\n");
}

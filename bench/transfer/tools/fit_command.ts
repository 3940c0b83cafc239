/**
 * `deno task transfer fit`: the parameterization search as one command with a declared split.
 *
 * 1. **Base optimum** (fitted): the base parameterization's adaptive sweep at `--fit-sizes`.
 * 2. **Joint role probe** (fitted): at each fitted width, the base rate at that width's optimum,
 *    every role group scaled together on a central composite design (`fit_probe.ts`); a group
 *    whose best factor sits at the edge of its range gets the range doubled and is probed again
 *    (`--max-widen` times at most).
 * 3. **Calibration** (fitted): the probed parameterization's own sweep at the fitted widths; the
 *    slope of its lr* is folded into every rate (`calibrate.ts`).
 * 4. **Validation** (held out): the found parameterization and the base at the smallest fitted
 *    width (the anchor) and `--validate-sizes`, and both again in `--validate-config`.
 *
 * On another axis (`--axis depth|steps|batch`) there is no role probe (its exponents are width
 * exponents): the base's own slope over the fitted sizes is folded into every role's rate as an
 * exponent of that axis' multiplier (`depthExponent`, `horizonExponent`, `batchExponent`), and
 * the validation is the same.
 *
 * It writes OUT/found.ts (the parameterization, composed from `param`: the base with one
 * `widthExponent` per group and the calibration; `fit_module.ts`), OUT/probed.ts, OUT/fit-report.md and a sweep
 * folder per stage (re-running the command resumes them). Before the report it checks, from the
 * runs themselves, that no size or configuration declared held out was trained by the fit, and
 * refuses with the size otherwise (`fit_held_out.ts`).
 *
 * @example
 * ```ts
 * import { fitMain } from "./fit_command.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // A held-out width that is also fitted is refused before anything trains (exit code 2).
 * const argv = ["--fit-sizes", "16,32", "--validate-sizes", "32,64", "--validate-config", "seq=64"];
 * assertEquals(await fitMain(argv, { print: () => {} }), 2);
 * ```
 *
 * @module
 */
import type { Summary } from "../analyse/summary.ts";
import { curveSamples } from "../analyse/samples.ts";
import { curves } from "../analyse/summary.ts";
import { surfaceBootstrap } from "../analyse/surface_bootstrap.ts";
import type { Axis, RunResult, RunSpec } from "../plan/types.ts";
import { FIT_HELP, type FitArgs, parseFitArgs } from "./fit_args.ts";
import { checkHeldOut, configKey, provenance } from "./fit_held_out.ts";
import { probeDesign, probeRef } from "./fit_design.ts";
import { droppedWhy, edgeGroups, jointExponents, jointOptima, keptExponent } from "./fit_probe.ts";
import { axisNoun, type OptimumRow, renderFitReport, type SlopeRow } from "./fit_report.ts";
import { writeModule } from "./fit_module.ts";
import { foldedSlope } from "./calibrate.ts";
import { type FitOptions, stage } from "./fit_stage.ts";
import { bestLossBySeed } from "../analyse/paired.ts";

export type { FitOptions } from "./fit_stage.ts";

/**
 * A run's or the sweep's configuration in words, leaving out the size on `axis` (a row's size
 * column; a batch sweep's configuration has no batch).
 */
function configText(
  c: { seq: number; headSize: number; steps: number; depth: number; batch: number | null },
  axis: Axis,
): string {
  const parts: [Axis | "seq" | "head size", number | null][] = [
    ["seq", c.seq],
    ["head size", c.headSize],
    ["steps", c.steps],
    ["depth", c.depth],
    ["batch", c.batch],
  ];
  return parts.filter(([k]) => k !== axis).map(([k, v]) => `${k} ${v}`).join(", ");
}

/** The base size on `axis` that a run's multipliers are measured from. */
function baseSizeOf(spec: RunSpec, axis: Axis): number {
  return axis === "batch" ? spec.base.batch ?? spec.batch : spec.base[axis];
}

const ALL_ROLES = "input+hidden+output+alpha+sqk+su+sv+sz";

const moduleRef = (out: string, file: string, name: string) =>
  `${out.startsWith("/") || out.startsWith(".") ? out : `./${out}`}/${file}#${name}`;

function optimumRows(
  summary: Summary,
  runs: readonly RunResult[],
  fitRuns: readonly RunResult[],
  axis: Axis,
): OptimumRow[] {
  const labels = provenance(fitRuns, runs);
  return summary.optima.map((o) => {
    const curve = runs.filter((r) =>
      r.spec.parameterization === o.parameterization && r.spec.size === o.size
    );
    const run = curve[0];
    const key = configKey(run.spec);
    return {
      parameterization: o.parameterization,
      size: o.size,
      config: configText(run.spec, axis),
      data: labels.get(key) ?? "held-out",
      log2LrStar: o.log2LrStar,
      edge: o.edge,
      interval: o.interval,
      minLoss: o.minLoss,
      seedBest: bestLossBySeed(curve),
    };
  });
}

function slopeRows(
  summary: Summary,
  runs: readonly RunResult[],
  fitRuns: readonly RunResult[],
  replicates: number,
  axis: Axis,
): SlopeRow[] {
  const labels = provenance(fitRuns, runs);
  const groups = curves(runs);
  return summary.slopes.map((s) => {
    const mine = groups.filter((g) => g.parameterization === s.parameterization);
    const tag = (g: (typeof mine)[number]) => `${labels.get(configKey(g.runs[0].spec))} ${g.size}`;
    const surface = surfaceBootstrap(
      mine.map((g) => ({
        log2Multiplier: Math.log2(g.size / baseSizeOf(g.runs[0].spec, axis)),
        samples: curveSamples(g.runs),
      })),
      { sigma: summary.bootstrap.noise.sigma ?? 0, replicates },
    );
    const spec = mine[0].runs[0].spec;
    return {
      parameterization: s.parameterization,
      config: configText(spec, axis),
      sizes: s.sizes,
      data: mine.map(tag).join(" → "),
      slope: s.slope,
      interval: s.interval,
      surface: { slope: surface.slope.value, interval: surface.slope.interval },
    };
  });
}

/**
 * Runs the whole fit (see the module doc); returns the report's path and the found module's.
 *
 * @example
 * ```ts
 * import { runFit } from "./fit_command.ts";
 * ```
 */
export async function runFit(
  args: FitArgs,
  options: FitOptions = {},
): Promise<{ report: string; module: string; exponents: Record<string, number> }> {
  const print = options.print ?? ((l: string) => console.log(l));
  const { out, baseParam: base, fitSizes, groups, seeds, common, axis } = args;
  const noun = axisNoun(axis);
  const minFit = Math.min(...fitSizes);
  const shared = [...common, "--seeds", String(seeds), "--base", String(minFit)];
  await Deno.mkdir(out, { recursive: true });
  print(`fit 1/4: ${base} at ${noun} ${fitSizes.join(", ")}`);
  const baseStage = await stage(
    [...shared, "--sizes", fitSizes.join(","), "--param", base, "--out", `${out}/fit-base`],
    options,
  );
  const fitRuns: { folder: string; runs: RunResult[] }[] = [
    { folder: `${out}/fit-base`, runs: baseStage.results },
  ];
  const lrAt = new Map<number, number>();
  for (const o of baseStage.summary.optima) {
    if (o.log2LrStar === null || o.edge !== null) {
      throw new Error(
        `transfer fit: ${base}'s optimum at ${axis} ${o.size} is ${
          o.log2LrStar === null ? "undetermined" : `only a bound (${o.edge} edge)`
        }; widen --lrs`,
      );
    }
    lrAt.set(o.size, Math.round(o.log2LrStar * 100) / 100);
  }
  const ranges = axis === "width" ? groups.map(() => args.range) : [];
  const probeRuns: RunResult[] = [];
  let edges: number[] = [];
  const probeGroups = axis === "width" ? groups : [];
  for (let round = 0; probeGroups.length > 0 && round <= args.maxWiden; round++) {
    const params = probeDesign(groups.length, ranges).map((k) => probeRef(base, groups, k));
    print(`fit 2/4: joint probe, round ${round + 1}, ${params.length} points per width`);
    for (const w of fitSizes) {
      const folder = `${out}/probe-r${round}-w${w}`;
      // Points an earlier round ran at this width are reused, not trained again.
      const fresh = params.filter((p) =>
        !probeRuns.some((r) => r.spec.width === w && r.spec.parameterization === p)
      );
      if (fresh.length === 0) continue;
      const { results } = await stage(
        [
          ...shared,
          "--search",
          "grid",
          "--sizes",
          String(w),
          `--lrs=${lrAt.get(w)}`,
          "--param",
          fresh.join(","),
          "--out",
          folder,
        ],
        options,
      );
      probeRuns.push(...results);
      fitRuns.push({ folder, runs: results });
    }
    edges = edgeGroups([...jointOptima(probeRuns, base, groups).values()], groups.length);
    if (edges.length === 0 || round === args.maxWiden) break;
    for (const g of edges) ranges[g] *= 2;
    print(`  at the edge: ${edges.map((g) => groups[g]).join(", ")}; range doubled`);
  }
  const probe = probeGroups.length > 0
    ? jointExponents(probeRuns, { base, groups, replicates: args.replicates })
    : [];
  const edgeNames = edges.map((e) => groups[e]);
  const kept = probe.map((g) => keptExponent(g, edgeNames, args.probeKeep));
  probe.forEach((g, i) => {
    if (g.exponent === null || kept[i]) return;
    print(`  probe: ${g.group} ${g.exponent.toFixed(3)} dropped (${droppedWhy(g, edgeNames)})`);
  });
  const exponents = probe.filter((g, i) => g.exponent !== null && kept[i])
    .map((g): [Axis, string, number] => ["width", g.group, g.exponent!]);
  let calSlope: Summary["slopes"][number] | null;
  if (axis === "width") {
    await writeModule(`${out}/probed.ts`, "probed", "fit-probed", base, exponents, "Probed only.");
    print(`fit 3/4: calibration of the probed parameterization`);
    const calib = await stage(
      [
        ...shared,
        "--sizes",
        fitSizes.join(","),
        "--param",
        moduleRef(out, "probed.ts", "probed"),
        "--out",
        `${out}/calibrate`,
      ],
      options,
      [moduleRef(out, "probed.ts", "probed")],
    );
    fitRuns.push({ folder: `${out}/calibrate`, runs: calib.results });
    calSlope = calib.summary.slopes[0] ?? null;
  } else {
    // No probe on this axis: the base's own drift over the fitted sizes is the calibration.
    print(`fit 2/4 and 3/4: no role probe on the ${axis} axis; ${base}'s own slope calibrates`);
    calSlope = baseStage.summary.slopes[0] ?? null;
  }
  const folded = foldedSlope(calSlope, args.fold);
  if (calSlope?.slope != null && folded === 0 && calSlope.slope !== 0) {
    print(`  calibration slope ${calSlope.slope.toFixed(3)}: its interval holds 0, not folded`);
  }
  const found: [Axis, string, number][] = [...exponents, [axis, ALL_ROLES, folded]];
  await writeModule(
    `${out}/found.ts`,
    "found",
    "fit-found",
    base,
    found,
    `Fitted on ${noun} ${fitSizes.join(", ")}; see fit-report.md.`,
  );
  print(
    `fit 4/4: validation at ${noun} ${args.validateSizes.join(", ")} and ${
      args.validateConfig.map((c) => c.join(" ")).join(" ")
    }`,
  );
  const foundRef = moduleRef(out, "found.ts", "found");
  const params = ["--param", `${base},${foundRef}`];
  const sizes = [minFit, ...args.validateSizes].join(",");
  const val = await stage(
    [...shared, ...params, "--sizes", sizes, "--out", `${out}/validate`],
    options,
    [foundRef],
  );
  const other = await stage(
    [
      ...shared,
      ...args.validateConfig.flat(),
      ...params,
      "--sizes",
      sizes,
      "--out",
      `${out}/validate-config`,
    ],
    options,
    [foundRef],
  );
  const allFit = fitRuns.flatMap((f) => f.runs);
  checkHeldOut(fitRuns, val.results, (s) => args.validateSizes.includes(s.size), axis);
  checkHeldOut(fitRuns, other.results, () => true, axis);
  const report = `${out}/fit-report.md`;
  const cfg = args.config;
  const fitConfig = configText(cfg, axis) + (axis === "width" ? "" : `, width ${cfg.width}`);
  await Deno.writeTextFile(
    report,
    renderFitReport({
      command: `deno task transfer fit ${args.argv.join(" ")}`,
      axis,
      base,
      fitSizes,
      validateSizes: args.validateSizes,
      fitConfig,
      validateConfig: args.validateConfig.map(([k, v]) => `${k.slice(2)} ${v}`).join(", "),
      baseOptima: optimumRows(baseStage.summary, baseStage.results, allFit, axis),
      probe,
      kept,
      ranges,
      edges: edgeNames,
      calibration: calSlope === null ? null : {
        slope: calSlope.slope,
        interval: calSlope.interval,
        sizes: calSlope.sizes,
        folded,
      },
      validation: [
        ...optimumRows(val.summary, val.results, allFit, axis),
        ...optimumRows(other.summary, other.results, allFit, axis),
      ],
      validationSlopes: [
        ...slopeRows(val.summary, val.results, allFit, args.replicates, axis),
        ...slopeRows(other.summary, other.results, allFit, args.replicates, axis),
      ],
      module: `${out}/found.ts`,
    }),
  );
  print(`wrote ${report} and ${out}/found.ts`);
  return {
    report,
    module: `${out}/found.ts`,
    exponents: Object.fromEntries(found.map(([, group, e]) => [group, e])),
  };
}

/**
 * The `transfer fit` entry: parses, runs, prints; 0 on success, 2 on bad flags, 1 on failure.
 *
 * @example
 * ```ts
 * import { fitMain } from "./fit_command.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const lines: string[] = [];
 * assertEquals(await fitMain(["--fit-sizes", "16"], { print: (l) => lines.push(l) }), 2);
 * ```
 */
export async function fitMain(argv: readonly string[], options: FitOptions = {}): Promise<number> {
  const print = options.print ?? ((l: string) => console.log(l));
  if (argv.includes("--help") || argv.includes("-h")) {
    print(FIT_HELP);
    return 0;
  }
  let args: FitArgs;
  try {
    args = parseFitArgs(argv);
  } catch (e) {
    print(`error: ${(e as Error).message}`);
    return 2;
  }
  try {
    await runFit(args, options);
    return 0;
  } catch (e) {
    print(`error: ${(e as Error).message}`);
    return 1;
  }
}

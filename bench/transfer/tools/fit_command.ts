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
 * It writes OUT/found.ts (the parameterization, composed from `param`: the base with one
 * `widthExponent` per group and the calibration), OUT/probed.ts, OUT/fit-report.md and a sweep
 * folder per stage (re-running the command resumes them). Before the report it checks, from the
 * runs themselves, that no size or configuration declared held out was trained by the fit, and
 * refuses with the size otherwise (`fit_held_out.ts`).
 *
 * @example
 * ```ts
 * import { relativeImport } from "./fit_command.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(relativeImport("/a/out/fit", "/a/param/mod.ts"), "../../param/mod.ts");
 * ```
 *
 * @module
 */
import type { Summary } from "../analyse/summary.ts";
import { writeOutputs } from "../analyse/outputs.ts";
import { curveSamples } from "../analyse/samples.ts";
import { curves } from "../analyse/summary.ts";
import { surfaceBootstrap } from "../analyse/surface_bootstrap.ts";
import { parseCommand } from "../plan/args.ts";
import type { SweepConfig } from "../plan/config.ts";
import { sweepSettings } from "../plan/identity.ts";
import type { Dataset, RunResult } from "../plan/types.ts";
import { loadBrownCorpus } from "../run/corpus.ts";
import { loadTextFile, validationWindows } from "../run/data.ts";
import { runSweep } from "../run/sweep.ts";
import { trainerFor } from "../run/trainers.ts";
import { FIT_HELP, type FitArgs, parseFitArgs } from "./fit_args.ts";
import { checkHeldOut, configKey, provenance } from "./fit_held_out.ts";
import { probeDesign, probeRef } from "./fit_design.ts";
import { edgeGroups, jointExponents, jointOptima } from "./fit_probe.ts";
import { type OptimumRow, renderFitReport, type SlopeRow } from "./fit_report.ts";

/** Seams of {@linkcode fitMain} (tests: fake data; the trainer through `withTrainer`). */
export interface FitOptions {
  loadData?: (config: SweepConfig) => Promise<Dataset>;
  print?: (line: string) => void;
}

async function defaultData(config: SweepConfig): Promise<Dataset> {
  const data = config.data !== null
    ? await loadTextFile(config.data, { seq: config.seq })
    : await loadBrownCorpus();
  validationWindows(data.val, { seq: config.seq, count: 1 });
  return data;
}

/** One stage: a sweep into its own folder (resumed when there), its results and summary. */
async function stage(
  argv: string[],
  options: FitOptions,
): Promise<{ results: RunResult[]; summary: Summary }> {
  const command = parseCommand([...argv, "--resume", "--signature-lr", "off"]);
  if (command.kind !== "sweep") throw new Error(`transfer fit: not a sweep: ${argv.join(" ")}`);
  const config = command.config;
  const data = await (options.loadData ?? defaultData)(config);
  const settings = await sweepSettings(config, data, trainerFor(config).identity);
  const outcome = await runSweep(config, { data, settings });
  const files = await writeOutputs(config.out, outcome.results, config);
  return { results: outcome.results, summary: files.data };
}

/**
 * The import specifier of file `to` from a module in folder `fromDir` (both absolute).
 *
 * @example
 * ```ts
 * import { relativeImport } from "./fit_command.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(relativeImport("/r/param", "/r/param/mod.ts"), "./mod.ts");
 * ```
 */
export function relativeImport(fromDir: string, to: string): string {
  const norm = (p: string) => {
    const out: string[] = [];
    for (const s of p.split("/")) {
      if (s === "" || s === ".") continue;
      if (s === "..") out.pop();
      else out.push(s);
    }
    return out;
  };
  const a = norm(fromDir);
  const b = norm(to);
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const up = a.length - i;
  return (up === 0 ? "./" : "../".repeat(up)) + b.slice(i).join("/");
}

/** Writes a module exporting `name`: `base` with the given per-group width exponents. */
async function writeModule(
  file: string,
  exportName: string,
  declared: string,
  base: string,
  exponents: [string, number][],
  doc: string,
): Promise<void> {
  const absolute = file.startsWith("/") ? file : `${Deno.cwd()}/${file}`;
  const dir = absolute.slice(0, absolute.lastIndexOf("/"));
  const paramMod = relativeImport(dir, new URL("../../../param/mod.ts", import.meta.url).pathname);
  const rules = exponents.map(([group, e]) =>
    `  widthExponent([${group.split("+").map((r) => JSON.stringify(r)).join(", ")}], ${
      Number(e.toFixed(4))
    }),`
  );
  await Deno.writeTextFile(
    file,
    `/** ${doc} */\nimport { compose, ${base}, widthExponent } from "${paramMod}";\n\n` +
      `/** ${declared}: written by \`deno task transfer fit\`. */\n` +
      `export const ${exportName} = compose(\n  "${declared}",\n  ${base},\n${
        rules.join("\n")
      }\n);\n`,
  );
}

const ALL_ROLES = "input+hidden+output+alpha+sqk+su+sv+sz";

const moduleRef = (out: string, file: string, name: string) =>
  `${out.startsWith("/") || out.startsWith(".") ? out : `./${out}`}/${file}#${name}`;

function optimumRows(
  summary: Summary,
  runs: readonly RunResult[],
  fitRuns: readonly RunResult[],
): OptimumRow[] {
  const labels = provenance(fitRuns, runs);
  return summary.optima.map((o) => {
    const run = runs.find((r) =>
      r.spec.parameterization === o.parameterization && r.spec.width === o.size
    )!;
    const key = configKey(run.spec);
    return {
      parameterization: o.parameterization,
      size: o.size,
      config: `seq ${run.spec.seq}, head size ${run.spec.headSize}, steps ${run.spec.steps}`,
      data: labels.get(key) ?? "held-out",
      log2LrStar: o.log2LrStar,
      edge: o.edge,
      interval: o.interval,
      minLoss: o.minLoss,
    };
  });
}

function slopeRows(
  summary: Summary,
  runs: readonly RunResult[],
  fitRuns: readonly RunResult[],
  replicates: number,
): SlopeRow[] {
  const labels = provenance(fitRuns, runs);
  const groups = curves(runs);
  return summary.slopes.map((s) => {
    const mine = groups.filter((g) => g.parameterization === s.parameterization);
    const tag = (g: (typeof mine)[number]) => `${labels.get(configKey(g.runs[0].spec))} ${g.size}`;
    const surface = surfaceBootstrap(
      mine.map((g) => ({
        log2Multiplier: Math.log2(g.size / g.runs[0].spec.base.width),
        samples: curveSamples(g.runs),
      })),
      { sigma: summary.bootstrap.noise.sigma ?? 0, replicates },
    );
    const spec = mine[0].runs[0].spec;
    return {
      parameterization: s.parameterization,
      config: `seq ${spec.seq}, head size ${spec.headSize}, steps ${spec.steps}`,
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
  const { out, baseParam: base, fitSizes, groups, seeds, common } = args;
  const minFit = Math.min(...fitSizes);
  const shared = [...common, "--seeds", String(seeds), "--base", String(minFit)];
  await Deno.mkdir(out, { recursive: true });
  print(`fit 1/4: ${base} at widths ${fitSizes.join(", ")}`);
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
        `transfer fit: ${base}'s optimum at width ${o.size} is ${
          o.log2LrStar === null ? "undetermined" : `only a bound (${o.edge} edge)`
        }; widen --lrs`,
      );
    }
    lrAt.set(o.size, Math.round(o.log2LrStar * 100) / 100);
  }
  const ranges = groups.map(() => args.range);
  const probeRuns: RunResult[] = [];
  let edges: number[] = [];
  for (let round = 0; round <= args.maxWiden; round++) {
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
  const probe = jointExponents(probeRuns, { base, groups, replicates: args.replicates });
  const exponents = probe.filter((g) => g.exponent !== null)
    .map((g): [string, number] => [g.group, g.exponent!]);
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
  );
  fitRuns.push({ folder: `${out}/calibrate`, runs: calib.results });
  const calSlope = calib.summary.slopes[0] ?? null;
  const found: [string, number][] = [...exponents, [ALL_ROLES, calSlope?.slope ?? 0]];
  await writeModule(
    `${out}/found.ts`,
    "found",
    "fit-found",
    base,
    found,
    `Fitted on widths ${fitSizes.join(", ")}; see fit-report.md.`,
  );
  print(
    `fit 4/4: validation at widths ${args.validateSizes.join(", ")} and ${
      args.validateConfig.map((c) => c.join(" ")).join(" ")
    }`,
  );
  const params = ["--param", `${base},${moduleRef(out, "found.ts", "found")}`];
  const sizes = [minFit, ...args.validateSizes].join(",");
  const val = await stage(
    [...shared, ...params, "--sizes", sizes, "--out", `${out}/validate`],
    options,
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
  );
  const allFit = fitRuns.flatMap((f) => f.runs);
  checkHeldOut(fitRuns, val.results, (s) => args.validateSizes.includes(s.width), "width");
  checkHeldOut(fitRuns, other.results, () => true, "width");
  const report = `${out}/fit-report.md`;
  const cfg = args.config;
  await Deno.writeTextFile(
    report,
    renderFitReport({
      command: `deno task transfer fit ${args.argv.join(" ")}`,
      base,
      fitSizes,
      validateSizes: args.validateSizes,
      fitConfig:
        `seq ${cfg.seq}, head size ${cfg.headSize}, steps ${cfg.steps}, depth ${cfg.depth}`,
      validateConfig: args.validateConfig.map(([k, v]) => `${k.slice(2)} ${v}`).join(", "),
      baseOptima: optimumRows(baseStage.summary, baseStage.results, allFit),
      probe,
      ranges,
      edges: edges.map((g) => groups[g]),
      calibration: calSlope === null
        ? null
        : { slope: calSlope.slope, interval: calSlope.interval, sizes: calSlope.sizes },
      validation: [
        ...optimumRows(val.summary, val.results, allFit),
        ...optimumRows(other.summary, other.results, allFit),
      ],
      validationSlopes: [
        ...slopeRows(val.summary, val.results, allFit, args.replicates),
        ...slopeRows(other.summary, other.results, allFit, args.replicates),
      ],
      module: `${out}/found.ts`,
    }),
  );
  print(`wrote ${report} and ${out}/found.ts`);
  return { report, module: `${out}/found.ts`, exponents: Object.fromEntries(found) };
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

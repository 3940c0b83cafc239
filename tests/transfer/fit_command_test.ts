import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fitMain, type FitOptions } from "../../bench/transfer/tools/fit_command.ts";
import { checkHeldOut } from "../../bench/transfer/tools/fit_held_out.ts";
import { parseFitArgs } from "../../bench/transfer/tools/fit_args.ts";
import { fitJointOptimum, jointExponents } from "../../bench/transfer/tools/fit_probe.ts";
import { probeDesign, probeRef } from "../../bench/transfer/tools/fit_design.ts";
import { withTrainer } from "../../bench/transfer/run/trainers.ts";
import { resolveParameterization, trainerIdentity } from "../../bench/transfer/run/trainer.ts";
import { dimsOf, fnv1a } from "../../bench/transfer/plan/run_list.ts";
import { readResults } from "../../bench/transfer/run/results.ts";
import { main } from "../../bench/transfer/main.ts";
import type { Dataset, RunResult, Trainer } from "../../bench/transfer/plan/types.ts";

const fakeData = (): Promise<Dataset> =>
  Promise.resolve({ name: "fake", train: new Uint8Array(2000), val: new Uint8Array(500) });

/**
 * A model whose loss is a sum over roles of a parabola in the log2 of the role's effective
 * learning rate, each role's optimum moving with width at its own rate (input 0, hidden −1,
 * output −0.5 octave per doubling from width 16), plus seed noise. The rate a run gives a role is
 * its base rate times what its parameterization says, so the fit must find the exponents.
 */
const TRUE_SLOPES: Record<string, number> = { input: 0, hidden: -1, output: -0.5 };
const roleModel: Trainer = async (spec) => {
  const p = await resolveParameterization(spec.parameterization);
  const dims = dimsOf(spec);
  const u = Math.log2(spec.width / 16);
  let loss = 2 - 0.05 * u;
  for (const [role, slope] of Object.entries(TRUE_SLOPES)) {
    const x = spec.log2Lr + Math.log2(p({ role: role as "hidden", dims }).lr);
    loss += 0.2 * (x - (-7 + slope * u)) ** 2;
  }
  const jitter = parseInt(fnv1a(`${spec.seed}/${spec.id}`), 16) / 2 ** 32 - 0.5;
  const finalValLoss = loss + 0.004 * jitter;
  return {
    spec,
    status: "ok",
    finalValLoss,
    curves: [],
    wallSeconds: 0,
    msPerStep: 0,
    backend: "fake",
    multipliers: { note: "role model" },
  };
};

const ARGS = [
  "--synthetic",
  "--fit-sizes",
  "16,32",
  "--validate-sizes",
  "64",
  "--validate-config",
  "seq=64",
  "--groups",
  "input,hidden,output",
  "--seeds",
  "2",
  "--replicates",
  "100",
  // A first range too narrow for the hidden and input groups at width 32: the probe must widen.
  "--range",
  "0.25",
];

Deno.test("transfer fit: end to end on a role model, the found parameterization is flat on held-out widths", async () => {
  const out = await Deno.makeTempDir();
  const lines: string[] = [];
  const code = await withTrainer(
    roleModel,
    () => fitMain([...ARGS, "--out", out], { loadData: fakeData, print: (l) => lines.push(l) }),
  );
  assertEquals(code, 0, lines.join("\n"));
  const report = await Deno.readTextFile(`${out}/fit-report.md`);
  assertTrue(report.includes("**Fitted on**: widths 16, 32"));
  assertTrue(report.includes("**Validated on**: widths 64"));
  // Every table has the data column; the held-out width and the other configuration say so.
  assertEquals(
    report.split("\n").filter((l) =>
      l.startsWith("| parameterization") || l.startsWith("| group") || l.startsWith("| what")
    ).every((l) => l.includes("| data |")),
    true,
  );
  const val = report.slice(report.indexOf("## 4."));
  assertTrue(/found\.ts#found \| 64 \| seq 32[^|]*\| held-out \|/.test(val), val);
  assertTrue(/found\.ts#found \| 16 \| seq 32[^|]*\| fitted \|/.test(val), val);
  assertTrue(/found\.ts#found \| 16 \| seq 64[^|]*\| held-out \|/.test(val), val);
  // The hidden and input groups' optima (−0.41, +0.32 at width 32) sat past ±0.25: doubled once.
  assertTrue(/\| hidden \| fitted \|[^\n]*\| ±0\.5 \|/.test(report), report);
  assertTrue(/\| input \| fitted \|[^\n]*\| ±0\.5 \|/.test(report), report);
  assertTrue(/\| output \| fitted \|[^\n]*\| ±0\.25 \|/.test(report), report);
  assertTrue(!report.includes("at the edge: a bound"), report);
  // The module composes the base with the probed exponents and the calibration.
  const found = await Deno.readTextFile(`${out}/found.ts`);
  assertTrue(found.includes("compose(") && found.includes("widthExponent("));
  const p = await resolveParameterization(`${out}/found.ts#found`);
  const nugpt = await resolveParameterization("nugpt");
  const dims = { width: 64, depth: 2, steps: 200, baseWidth: 16, baseDepth: 2, baseSteps: 200 };
  // Relative to the input role, the hidden rate should fall by 1 octave per doubling and the
  // output by 0.5 (the model's truth), whatever νGPT's own exponents were.
  const rel = (q: typeof p, role: "hidden" | "output") =>
    Math.log2(q({ role, dims }).lr / q({ role: "input", dims }).lr) / 2;
  assertClose(rel(p, "hidden"), -1, { atol: 0.1 });
  assertClose(rel(p, "output"), -0.5, { atol: 0.1 });
  assertTrue(Math.abs(rel(nugpt, "hidden") + 1) > 0.2, "νGPT alone is not already right");
  // And its optimum stays put on the held-out width.
  const runs = await readResults(`${out}/validate`);
  const best = (param: string, width: number) => {
    const mine = runs.filter((r) =>
      r.spec.parameterization.endsWith("#found") === (param === "found") && r.spec.width === width
    );
    return mine.reduce((b, r) => (r.finalValLoss! < b.finalValLoss! ? r : b)).spec.log2Lr;
  };
  assertTrue(Math.abs(best("found", 64) - best("found", 16)) <= 0.5);
});

Deno.test("transfer fit --probe-keep significant: real exponents are kept, the rest dropped and said", async () => {
  const out = await Deno.makeTempDir();
  const lines: string[] = [];
  const code = await withTrainer(
    roleModel,
    () =>
      fitMain([...ARGS, "--probe-keep", "significant", "--out", out], {
        loadData: fakeData,
        print: (l) => lines.push(l),
      }),
  );
  assertEquals(code, 0, lines.join("\n"));
  const report = await Deno.readTextFile(`${out}/fit-report.md`);
  // The model's hidden and output exponents are real: kept, as under the default.
  for (const group of ["hidden", "output"]) {
    const row = report.split("\n").find((l) => l.startsWith(`| ${group} | fitted |`))!;
    assertTrue(!row.includes("dropped"), row);
  }
  // Whatever was dropped is said in the log and the report alike, and left out of the module.
  const dropped = lines.filter((l) => l.includes(" dropped ("));
  const found = await Deno.readTextFile(`${out}/found.ts`);
  for (const line of dropped) {
    const group = line.trim().split(" ")[1];
    assertTrue(report.includes(`| ${group} | fitted |`) && report.includes("— dropped"), report);
    assertTrue(!found.includes(`widthExponent(["${group}"]`), found);
  }
  assertTrue(found.includes('widthExponent(["hidden"]'), found);
  assertThrows(
    () => parseFitArgs([...ARGS, "--probe-keep", "sometimes"]),
    "--probe-keep must be always or significant, got 'sometimes'",
  );
});

Deno.test("transfer fit: refuses to call a fitted size validated", () => {
  assertThrows(
    () =>
      parseFitArgs([
        "--fit-sizes",
        "16,32",
        "--validate-sizes",
        "32,64",
        "--validate-config",
        "seq=64",
      ]),
    "transfer fit: width 32 is both fitted and held out",
  );
  assertThrows(
    () =>
      parseFitArgs([
        "--fit-sizes",
        "16,32",
        "--validate-sizes",
        "48",
        "--validate-config",
        "seq=64",
      ]),
    "needs one width ≥ 2 × the largest fitted (64)",
  );
  assertThrows(
    () =>
      parseFitArgs([
        "--fit-sizes",
        "16,32",
        "--validate-sizes",
        "64",
        "--validate-config",
        "seq=32",
      ]),
    "--validate-config seq=32 is the fitted configuration (seq 32)",
  );
});

Deno.test("transfer fit: a sweep whose held-out size was in the fit is refused, naming the size", async () => {
  // A real sweep (synthetic trainer) at widths 16 and 64 is the "fit"; a validation sweep that
  // re-runs width 64 in the same configuration cannot be reported as held out.
  const fitOut = await Deno.makeTempDir();
  const valOut = await Deno.makeTempDir();
  const sweep = (sizes: string, out: string) =>
    main(["--synthetic", "--sizes", sizes, "--param", "nugpt", "--out", out, "--jobs", "1"], {
      loadData: fakeData,
      progress: false,
      print: () => {},
    });
  assertEquals(await sweep("16,64", fitOut), 0);
  assertEquals(await sweep("16,64", valOut), 0);
  const fit = [{ folder: fitOut, runs: await readResults(fitOut) }];
  const val: RunResult[] = await readResults(valOut);
  assertThrows(
    () => checkHeldOut(fit, val, (s) => s.width === 64, "width"),
    "transfer fit: width 64 was used in the fit (width 64, depth 2, steps 200",
  );
  // The anchor (width 16) is not declared held out, and a held-out width passes.
  checkHeldOut(fit, val.filter((r) => r.spec.width === 16), (s) => s.width === 64, "width");
});

Deno.test("joint probe: the design's quadratic finds interacting optima; edges need more range", () => {
  const design = probeDesign(3, [1, 1, 1]);
  assertEquals(design.length, 1 + 6 + 8);
  const truth = [0.4, -0.3, 0.1];
  const points = design.map((k) => {
    const d = k.map((x, i) => x - truth[i]);
    return {
      k,
      loss: 2 + 0.05 * (d[0] ** 2 + d[1] ** 2 + d[2] ** 2) + 0.03 * d[0] * d[1],
      weight: 2,
    };
  });
  const best = fitJointOptimum(points, 3)!;
  truth.forEach((t, i) => assertClose(best.k[i], t, { atol: 1e-9 }));
  assertTrue(best.convex);
});

Deno.test("transfer fit is a subcommand of the sweep CLI; bad splits exit 2 with the reason", async () => {
  const lines: string[] = [];
  const code = await main(
    ["fit", "--fit-sizes", "16,32", "--validate-sizes", "32,64", "--validate-config", "seq=64"],
    { print: (l) => lines.push(l) },
  );
  assertEquals(code, 2);
  assertTrue(lines.join("\n").includes("width 32 is both fitted and held out"), lines.join("\n"));
});

Deno.test("joint probe: exponents and intervals from one seed use the quadratics' residuals", () => {
  const groups = ["hidden", "output"];
  const runs: RunResult[] = [];
  let i = 0;
  for (const [width, best] of [[16, [0, 0]], [32, [-0.5, 0.25]], [64, [-1, 0.5]]] as const) {
    for (const k of probeDesign(2, [1, 1])) {
      const noise = 0.002 * Math.sin(1000 * ++i); // deterministic scatter
      const loss = 2 + 0.1 * ((k[0] - best[0]) ** 2 + (k[1] - best[1]) ** 2) + noise;
      const parameterization = probeRef("nugpt", groups, k);
      runs.push(
        {
          spec: { parameterization, width, seed: 0 },
          status: "ok",
          finalValLoss: loss,
        } as unknown as RunResult,
      );
    }
  }
  const [hidden, output] = jointExponents(runs, { base: "nugpt", groups, replicates: 200 });
  assertClose(hidden.exponent!, -0.5, { atol: 0.05 });
  assertClose(output.exponent!, 0.25, { atol: 0.05 });
  for (const g of [hidden, output]) {
    assertTrue(g.interval!.lo! < g.exponent! && g.exponent! < g.interval!.hi!, JSON.stringify(g));
  }
});

Deno.test("transfer fit re-run: runs of a found parameterization written anew are set aside, the base's kept", async () => {
  const out = await Deno.makeTempDir();
  const quiet: FitOptions = { loadData: fakeData, print: () => {} };
  // The real trainer's identity: a parameterization's fingerprint is its definition, not its name.
  const fit = (t: Trainer, options: FitOptions) =>
    withTrainer(t, () => fitMain([...ARGS, "--out", out], options), trainerIdentity);
  assertEquals(await fit(roleModel, quiet), 0);
  const foundBefore = await Deno.readTextFile(`${out}/found.ts`);
  const before = await readResults(`${out}/validate`);
  const found = (r: RunResult) => r.spec.parameterization.endsWith("#found");
  // The base's runs at width 32 are lost and train again on a model whose optimum there moved:
  // the fit changes, and so does the found parameterization's definition.
  const base = await Deno.readTextFile(`${out}/fit-base/results.jsonl`);
  await Deno.writeTextFile(
    `${out}/fit-base/results.jsonl`,
    base.split("\n").filter((l) => l !== "" && JSON.parse(l).spec.width !== 32).join("\n") + "\n",
  );
  const moved: Trainer = async (spec, data, progress) => {
    const r = await roleModel(spec, data, progress);
    return {
      ...r,
      finalValLoss: r.finalValLoss! + 0.2 * (spec.width === 32 ? spec.log2Lr + 7 : 0),
    };
  };
  const trained: RunResult["spec"][] = [];
  const lines: string[] = [];
  const counting: Trainer = (spec, data, progress) => {
    trained.push(spec);
    return moved(spec, data, progress);
  };
  const code = await fit(counting, {
    loadData: fakeData,
    print: (l: string) => void lines.push(l),
  });
  assertEquals(code, 0, lines.join("\n"));
  assertTrue(foundBefore !== await Deno.readTextFile(`${out}/found.ts`), "the fit did not change");
  const log = lines.join("\n");
  assertTrue(
    /validate: \d+ runs of .*found\.ts#found made with its previous definition/.test(log),
    log,
  );
  assertTrue(
    /calibrate: \d+ runs of .*probed\.ts#probed made with its previous definition/.test(log),
    log,
  );
  const superseded = [...Deno.readDirSync(`${out}/validate`)].filter((e) =>
    e.name.startsWith("superseded-")
  );
  assertEquals(superseded.length, 1);
  // Nothing of the base was trained again in the validation, every run of the found one was.
  const validation = (s: RunResult["spec"]) => s.width === 64 || s.seq === 64;
  assertEquals(trained.filter((s) => validation(s) && !s.parameterization.endsWith("#found")), []);
  const after = await readResults(`${out}/validate`);
  assertEquals(after.filter((r) => !found(r)).length, before.filter((r) => !found(r)).length);
  assertTrue(after.filter(found).every((r) => trained.some((s) => s.id === r.spec.id)));
});

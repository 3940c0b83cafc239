/**
 * `transfer fit --axis batch|depth|steps`: the loop fits an axis other than width the same way —
 * fitted on some sizes, validated on sizes and a configuration it never trained — by folding the
 * base's own drift on that axis into every role's rate as an exponent of the axis multiplier
 * (`batchExponent` for the batch). And `batchExponent` itself: the batch reaches a
 * parameterization through the run's dims, only in a batch sweep, and changes the fingerprint
 * only of parameterizations that read it.
 */
import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fitMain } from "../../bench/transfer/tools/fit_command.ts";
import { parseFitArgs } from "../../bench/transfer/tools/fit_args.ts";
import { withTrainer } from "../../bench/transfer/run/trainers.ts";
import {
  parameterizationFingerprint,
  resolveParameterization,
} from "../../bench/transfer/run/trainer.ts";
import { dimsOf, fnv1a, makeRunSpec } from "../../bench/transfer/plan/run_list.ts";
import { parseCommand } from "../../bench/transfer/plan/args.ts";
import { readResults } from "../../bench/transfer/run/results.ts";
import type { Dataset, Trainer } from "../../bench/transfer/plan/types.ts";
import { batchExponent, compose, multipliers, nugpt, validateDims } from "../../param/mod.ts";

const fakeData = (): Promise<Dataset> =>
  Promise.resolve({ name: "fake", train: new Uint8Array(2000), val: new Uint8Array(500) });

/**
 * A model whose optimum (the log2 of every role's effective rate) rises by `BATCH_SLOPE` octave
 * per doubling of the batch from 8, and does not move with the sequence length; seed noise on top.
 */
const BATCH_SLOPE = 0.3;
const modelWithSlope = (slope: number): Trainer => async (spec) => {
  const p = await resolveParameterization(spec.parameterization);
  const dims = dimsOf(spec);
  const target = -7 + slope * Math.log2(spec.batch / 8);
  const x = spec.log2Lr + Math.log2(p({ role: "hidden", dims }).lr);
  const jitter = parseInt(fnv1a(`${spec.seed}/${spec.id}`), 16) / 2 ** 32 - 0.5;
  return {
    spec,
    status: "ok",
    finalValLoss: 2 - 0.02 * Math.log2(spec.batch) + 0.2 * (x - target) ** 2 + 0.004 * jitter,
    curves: [],
    wallSeconds: 0,
    msPerStep: 0,
    backend: "fake",
    multipliers: { note: "batch model" },
  };
};
const batchModel: Trainer = modelWithSlope(BATCH_SLOPE);

/** `transfer fit --axis batch` at width 32 on fake data: fitted on 8, 16, held out `validate`. */
const batchFitArgv = (out: string, validate: string, extra: string[] = []) => [
  "--synthetic",
  "--axis",
  "batch",
  "--width",
  "32",
  "--fit-sizes",
  "8,16",
  "--validate-sizes",
  validate,
  "--validate-config",
  "seq=64",
  "--seeds",
  "2",
  "--replicates",
  "100",
  "--out",
  out,
  ...extra,
];

Deno.test("transfer fit --axis batch: the found batch exponent is the drift, flat on held-out batches", async () => {
  const out = await Deno.makeTempDir();
  const lines: string[] = [];
  const argv = batchFitArgv(out, "32,64");
  const code = await withTrainer(
    batchModel,
    () => fitMain(argv, { loadData: fakeData, print: (l) => lines.push(l) }),
  );
  assertEquals(code, 0, lines.join("\n"));
  assertTrue(lines.some((l) => l.includes("no role probe on the batch axis")), lines.join("\n"));
  const report = await Deno.readTextFile(`${out}/fit-report.md`);
  assertTrue(report.includes("**Fitted on**: batch sizes 8, 16"), report);
  assertTrue(report.includes("**Validated on**: batch sizes 32, 64"), report);
  assertTrue(report.includes("## 2. Role probe: none on this axis"), report);
  const val = report.slice(report.indexOf("## 4."));
  assertTrue(/found\.ts#found \| 64 \| seq 32[^|]*\| held-out \|/.test(val), val);
  assertTrue(/found\.ts#found \| 8 \| seq 32[^|]*\| fitted \|/.test(val), val);
  assertTrue(/found\.ts#found \| 8 \| seq 64[^|]*\| held-out \|/.test(val), val);
  // The module folds the drift into every role as a batch exponent...
  const found = await Deno.readTextFile(`${out}/found.ts`);
  assertTrue(found.includes("batchExponent("), found);
  const p = await resolveParameterization(`${out}/found.ts#found`);
  const base = { width: 32, depth: 2, steps: 200, baseWidth: 32, baseDepth: 2, baseSteps: 200 };
  const at = (batch: number) => p({ role: "hidden", dims: { ...base, batch, baseBatch: 8 } }).lr;
  assertClose(Math.log2(at(64) / at(8)) / 3, BATCH_SLOPE, { atol: 0.05 });
  // ...and the runs themselves say so: the base drifts on the held-out batches, the found does not.
  const runs = await readResults(`${out}/validate`);
  const best = (found: boolean, batch: number) => {
    const mine = runs.filter((r) =>
      r.spec.parameterization.endsWith("#found") === found && r.spec.batch === batch
    );
    return mine.reduce((b, r) => (r.finalValLoss! < b.finalValLoss! ? r : b)).spec.log2Lr;
  };
  assertTrue(Math.abs(best(true, 64) - best(true, 8)) <= 0.5);
  assertTrue(best(false, 64) - best(false, 8) >= 0.5, "the base does drift here");
});

Deno.test("transfer fit --axis: bad splits are refused by name", () => {
  const args = (extra: string[]) => [
    "--axis",
    "batch",
    "--fit-sizes",
    "8,16",
    "--validate-sizes",
    "32",
    "--validate-config",
    "seq=64",
    ...extra,
  ];
  assertEquals(parseFitArgs(args([])).axis, "batch");
  assertThrows(
    () => parseFitArgs(["--axis", "heads", ...args([]).slice(2)]),
    "--axis must be one of width, depth, steps, batch, got 'heads'",
  );
  assertThrows(
    () => parseFitArgs(args(["--groups", "hidden"])),
    "--groups hidden with --axis batch",
  );
  assertThrows(
    () =>
      parseFitArgs([
        "--axis",
        "batch",
        "--fit-sizes",
        "8,16",
        "--validate-sizes",
        "16,32",
        "--validate-config",
        "seq=64",
      ]),
    "transfer fit: batch 16 is both fitted and held out",
  );
  assertThrows(
    () =>
      parseFitArgs([
        "--axis",
        "batch",
        "--fit-sizes",
        "8,16",
        "--validate-sizes",
        "32",
        "--validate-config",
        "batch=64",
      ]),
    "--validate-config batch=64 sets the fitted axis (batch)",
  );
});

Deno.test("batchExponent: the batch multiplier reaches a parameterization only in a batch sweep", () => {
  const scaled = compose("nugpt+batch", nugpt, batchExponent(0.25));
  const spec = (argv: string[], size: number) => {
    const cmd = parseCommand(argv);
    if (cmd.kind !== "sweep") throw new Error("expected a sweep");
    return makeRunSpec(cmd.config, { parameterization: "nugpt", size, log2Lr: -6, seed: 0 }, "d");
  };
  // A batch sweep from batch 8: at 128 the rate is (128/8)^0.25 = 2 times νGPT's.
  const batchRun = spec(["--axis", "batch", "--sizes", "8,128", "--width", "32"], 128);
  const dims = dimsOf(batchRun);
  assertEquals(multipliers(dims).mB, 16);
  assertClose(scaled({ role: "sv", dims }).lr / nugpt({ role: "sv", dims }).lr, 2);
  // A width sweep at batch 64 has no base batch: the multiplier is 1.
  const widthRun = spec(["--sizes", "32,64", "--batch", "64"], 64);
  assertEquals(multipliers(dimsOf(widthRun)).mB, 1);
  // dims with half a batch are refused by name.
  assertThrows(
    () =>
      validateDims({
        width: 1,
        depth: 1,
        steps: 1,
        baseWidth: 1,
        baseDepth: 1,
        baseSteps: 1,
        batch: 8,
      }),
    "dims.batch and dims.baseBatch come together",
  );
});

Deno.test("fingerprints: a batch term changes them; parameterizations without one keep theirs", async () => {
  const dir = await Deno.makeTempDir();
  const module = (e: number) =>
    `import { batchExponent, compose, nugpt } from "${
      new URL("../../param/mod.ts", import.meta.url).href
    }";\nexport const p = compose("b", nugpt, batchExponent(${e}));\n`;
  await Deno.writeTextFile(`${dir}/a.ts`, module(0.25));
  await Deno.writeTextFile(`${dir}/b.ts`, module(0.5));
  await Deno.writeTextFile(`${dir}/zero.ts`, module(0));
  const [a, b, zero, plain] = await Promise.all([
    parameterizationFingerprint(`${dir}/a.ts#p`),
    parameterizationFingerprint(`${dir}/b.ts#p`),
    parameterizationFingerprint(`${dir}/zero.ts#p`),
    parameterizationFingerprint("nugpt"),
  ]);
  assertTrue(a !== b && a !== plain && b !== plain, `${a} ${b} ${plain}`);
  assertEquals(zero, plain);
});

Deno.test("transfer fit --fold: a slope whose interval holds 0 is not folded unless asked", async () => {
  // The optimum does not move with the batch: the fitted slope is noise around 0.
  const flat = modelWithSlope(0);
  const argv = (out: string, extra: string[]) => batchFitArgv(out, "32", extra);
  const base = { width: 32, depth: 2, steps: 200, baseWidth: 32, baseDepth: 2, baseSteps: 200 };
  const exponentOf = async (out: string) => {
    const p = await resolveParameterization(`${out}/found.ts#found`);
    const at = (batch: number) => p({ role: "sv", dims: { ...base, batch, baseBatch: 8 } }).lr;
    return Math.log2(at(32) / at(8)) / 2;
  };
  const quiet = await Deno.makeTempDir();
  const lines: string[] = [];
  const code = await withTrainer(
    flat,
    () => fitMain(argv(quiet, []), { loadData: fakeData, print: (l) => lines.push(l) }),
  );
  assertEquals(code, 0, lines.join("\n"));
  const report = await Deno.readTextFile(`${quiet}/fit-report.md`);
  const row = report.split("\n").find((l) => l.includes("own slope, folded"))!;
  const [lo, hi] = row.match(/\[(-?[\d.]+), (-?[\d.]+)\]/)!.slice(1).map(Number);
  assertTrue(lo <= 0 && hi >= 0, row);
  assertTrue(row.endsWith("| 0.000 (interval holds 0) |"), row);
  assertEquals(await exponentOf(quiet), 0);
  // --fold always folds the measured slope, whatever it is.
  const always = await Deno.makeTempDir();
  assertEquals(
    await withTrainer(
      flat,
      () => fitMain(argv(always, ["--fold", "always"]), { loadData: fakeData, print: () => {} }),
    ),
    0,
  );
  const slope = Number(row.split("|")[4].trim().split(" ")[0]);
  assertClose(await exponentOf(always), slope, { atol: 5e-4 });
  assertThrows(
    () => parseFitArgs([...argv("x", []).slice(1), "--fold", "sometimes"]),
    "--fold must be significant or always",
  );
});

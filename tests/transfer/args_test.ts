import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { FLAG_NAMES, HELP } from "../../bench/transfer/plan/flags.ts";
import { parseCommand } from "../../bench/transfer/plan/args.ts";
import { parseGrid, parseShard } from "../../bench/transfer/plan/values.ts";
import type { SweepConfig } from "../../bench/transfer/plan/config.ts";
import { PRESETS } from "../../bench/transfer/plan/presets.ts";

function sweep(argv: string[]): SweepConfig {
  const cmd = parseCommand(argv);
  if (cmd.kind !== "sweep") throw new Error(`expected a sweep, got ${cmd.kind}`);
  return cmd.config;
}

Deno.test("defaults are the quick preset's; --preset full switches them", () => {
  const q = sweep([]);
  assertEquals(q.preset, "quick");
  assertEquals(q.sizes, PRESETS.quick.sizes.width);
  assertEquals(q.params, PRESETS.quick.params);
  assertEquals(q.lrs, parseGrid(PRESETS.quick.lrs));
  assertEquals(q.base, {
    width: PRESETS.quick.sizes.width[0],
    depth: PRESETS.quick.depth,
    steps: PRESETS.quick.steps,
  });
  assertEquals([q.shard, q.resume, q.data, q.headSize], [
    null,
    false,
    null,
    PRESETS.quick.headSize,
  ]);
  const f = sweep(["--preset", "full", "--axis", "depth"]);
  assertEquals(f.sizes, PRESETS.full.sizes.depth);
  assertEquals(f.seeds, 2);
  assertEquals(f.base, { width: 64, depth: 1, steps: 500 });
});

Deno.test("every flag is parsed; explicit flags override the preset", () => {
  const c = sweep([
    "--axis=steps",
    "--sizes",
    "400,100,200",
    "--head-size",
    "16",
    "--width",
    "48",
    "--depth",
    "3",
    "--base",
    "width=48,depth=3,steps=200",
    "--lrs",
    "-12:-10:0.5",
    "--param",
    "ngpt,mup,./my_param.ts#myParam",
    "--batch",
    "8",
    "--seq",
    "32",
    "--seed",
    "7",
    "--seeds",
    "3",
    "--data",
    "x.txt",
    "--out",
    "o",
    "--backend",
    "cpu",
    "--shard",
    "1/3",
    "--resume",
    "--eval-every",
    "10",
    "--signature-lr",
    "off",
    "--search",
    "grid",
    "--synthetic",
  ]);
  assertEquals(c.sizes, [100, 200, 400]);
  assertEquals(c.base, { width: 48, depth: 3, steps: 200 });
  assertEquals(c.lrs, [-12, -11.5, -11, -10.5, -10]);
  assertEquals(c.lrStep, 0.5);
  assertEquals(c.params, ["ngpt", "mup", "./my_param.ts#myParam"]);
  assertEquals(c.shard, { index: 1, count: 3 });
  assertEquals([c.headSize, c.width, c.depth, c.batch, c.seq, c.seed, c.seeds], [
    16,
    48,
    3,
    8,
    32,
    7,
    3,
  ]);
  assertEquals([c.data, c.out, c.backend, c.resume, c.evalEvery], ["x.txt", "o", "cpu", true, 10]);
  assertEquals([c.signatureLog2Lr, c.search, c.synthetic], [null, "grid", true]);
  assertEquals(sweep(["--base", "64", "--sizes", "32,64,128"]).base.width, 64);
  assertEquals(sweep(["--lrs", "-9,-7.5,-8"]).lrs, [-9, -8, -7.5]);
});

Deno.test("--help documents every flag", () => {
  assertEquals(parseCommand(["--help"]), { kind: "help" });
  assertEquals(parseCommand(["-h"]).kind, "help");
  for (const name of FLAG_NAMES) assertTrue(HELP.includes(`--${name}`), `--${name} in help`);
  assertTrue(HELP.includes("merge DIR"));
});

Deno.test("merge subcommand", () => {
  assertEquals(parseCommand(["merge", "a", "b", "--out", "m"]), {
    kind: "merge",
    dirs: ["a", "b"],
    out: "m",
    signatureLog2Lr: PRESETS.quick.signatureLog2Lr,
  });
  assertThrows(() => parseCommand(["merge"]), "at least one folder");
  assertThrows(() => parseCommand(["frobnicate"]), "unexpected argument 'frobnicate'");
});

Deno.test("CLI errors name the flag and the value", () => {
  assertThrows(() => parseCommand(["--widht", "64"]), ["unknown flag", "--widht"]);
  assertThrows(() => parseCommand(["--lrs"]), ["--lrs", "needs a value"]);
  assertThrows(() => parseCommand(["--resume=yes"]), ["--resume", "takes no value"]);
  assertThrows(() => parseCommand(["--axis", "height"]), ["--axis", "height"]);
  assertThrows(() => parseCommand(["--preset", "huge"]), ["--preset", "huge"]);
  assertThrows(() => parseCommand(["--sizes", "32,abc"]), ["--sizes", "abc"]);
  assertThrows(() => parseCommand(["--sizes", "48", "--head-size", "32"]), [
    "width 48",
    "--head-size 32",
  ]);
  assertThrows(() => parseCommand(["--seeds", "0"]), ["--seeds", "'0'"]);
  assertThrows(() => parseCommand(["--param", "gpt2"]), ["--param", "gpt2"]);
  assertThrows(() => parseCommand(["--base", "wide=3"]), ["--base", "wide=3"]);
  assertThrows(() => parseCommand(["--search", "random"]), ["--search", "random"]);
});

Deno.test("malformed grids are rejected with the value", () => {
  for (const bad of ["-12:-4", "-12:-4:0", "-4:-12:1", "a:b:c", "-12:-4:-1", "1,,2", "1,1", ""]) {
    assertThrows(() => parseGrid(bad), ["--lrs", `'${bad}'`]);
  }
  assertThrows(() => parseCommand(["--lrs", "-12:x:1"]), [
    "--lrs '-12:x:1'",
    "'x' is not a number",
  ]);
  assertEquals(parseGrid("-12:-4:1").length, 9);
  assertEquals(parseGrid("-3:-2:0.1").length, 11);
});

Deno.test("malformed shards are rejected; valid ones parse", () => {
  for (const bad of ["3/3", "1", "a/b", "-1/2", "1/0", "1/2/3", "0.5/2"]) {
    assertThrows(() => parseShard(bad), ["--shard", `'${bad}'`]);
  }
  assertThrows(() => parseCommand(["--shard", "4/4"]), "--shard '4/4'");
  assertEquals(parseShard("0/1"), { index: 0, count: 1 });
});

Deno.test("--shard auto reads a Slurm array task or a Kubernetes Indexed Job", () => {
  const withEnv = (env: Record<string, string>, argv: string[] = []) => {
    const cmd = parseCommand(["--shard", "auto", ...argv], { env: (k) => env[k] });
    if (cmd.kind !== "sweep") throw new Error("not a sweep");
    return cmd.config;
  };
  const slurm = { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "3" };
  assertEquals(withEnv(slurm).shard, { index: 2, count: 3 });
  assertEquals(withEnv(slurm).jobs, 1);
  const minMax = { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "3" };
  assertEquals(withEnv(minMax).shard, { index: 1, count: 4 });
  // A resubmitted single task (--array=1) sees a count of 1; --shard-count gives the real one.
  const resubmitted = { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "1" };
  assertEquals(withEnv(resubmitted, ["--shard-count", "3"]).shard, { index: 1, count: 3 });
  assertThrows(() => withEnv(resubmitted), ["SLURM_ARRAY_TASK_ID=1", "0..0", "--array=0-0"]);
  const k8s = { JOB_COMPLETION_INDEX: "4" };
  assertEquals(withEnv(k8s, ["--shard-count", "5"]).shard, { index: 4, count: 5 });
  assertEquals(withEnv({ ...k8s, NUGRAD_SHARD_COUNT: "6" }).shard, { index: 4, count: 6 });
  assertThrows(() => withEnv(k8s), [
    "JOB_COMPLETION_INDEX=4",
    "--shard-count",
    "NUGRAD_SHARD_COUNT",
  ]);
  assertThrows(() => withEnv(k8s, ["--shard-count", "4"]), ["JOB_COMPLETION_INDEX=4", "0..3"]);
  assertThrows(() => withEnv({}), ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "--shard i/n"]);
  assertThrows(() => parseCommand(["--shard-count", "3"]), ["--shard-count '3'", "--shard auto"]);
});

Deno.test("slurm subcommand: task count, indices, sbatch options; sweep flags kept as given", () => {
  const cmd = parseCommand([
    "slurm",
    "--tasks",
    "3",
    "--lrs",
    "-9:-5:1",
    "--out",
    "/shared/w",
    "--partition",
    "gpu",
    "--steps",
    "50",
    "--resume",
    "--time=1:00:00",
  ]);
  if (cmd.kind !== "slurm") throw new Error(`expected slurm, got ${cmd.kind}`);
  assertEquals(cmd.sweepArgs, ["--lrs", "-9:-5:1", "--steps", "50"]);
  assertEquals(cmd.config.out, "/shared/w");
  assertEquals(cmd.config.steps, 50);
  assertEquals(cmd.slurm, {
    tasks: 3,
    indices: [0, 1, 2],
    partition: "gpu",
    time: "1:00:00",
    account: null,
    dryRun: false,
  });
  const again = parseCommand(["slurm", "--tasks", "4", "--out", "w", "--array", "1,3"]);
  assertEquals(again.kind === "slurm" && again.slurm.indices, [1, 3]);
  assertThrows(() => parseCommand(["slurm", "--out", "w"]), "--tasks N is required");
  assertThrows(() => parseCommand(["slurm", "--tasks", "2"]), "--out DIR is required");
  assertThrows(
    () => parseCommand(["slurm", "--tasks", "2", "--out", "w", "--array", "2"]),
    ["--array '2'", "0..1"],
  );
  assertThrows(
    () => parseCommand(["slurm", "--tasks", "2", "--out", "w", "--shard", "0/2"]),
    "--shard is set by the job script",
  );
  assertThrows(() => parseCommand(["--tasks", "2"]), "--tasks is a flag of 'transfer slurm'");
  assertThrows(() => parseCommand(["slurm", "--tasks", "2", "--out", "w", "--steps", "x"]), [
    "--steps",
    "'x'",
  ]);
});

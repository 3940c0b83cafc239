/**
 * The compiled nGPT training step's CPU time (user + system, this process's), for comparing
 * builds on a machine that other work loads: wall time then counts the time slices other
 * processes take, CPU time much less so (page faults on fresh memory still count, as system
 * time). Run it with one BLAS thread (`OPENBLAS_NUM_THREADS=1`) so that no spinning thread is
 * counted. `--mod` points at another checkout's `mod.ts` (e.g. main's) to compare builds.
 *
 *   OPENBLAS_NUM_THREADS=1 deno run -A bench/step_cpu_time.ts [--widths 32,64,128]
 *       [--steps 20] [--warmup 10] [--mod ../other/mod.ts] [--no-epilogues]
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "./cli.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    widths: { type: "string", default: "32,64,128" },
    steps: { type: "string", default: "20" },
    warmup: { type: "string", default: "10" },
    mod: { type: "string", default: new URL("../mod.ts", import.meta.url).href },
    "no-epilogues": { type: "boolean", default: false },
  },
});
const modUrl = /^[a-z]+:/.test(values.mod)
  ? values.mod
  : new URL(values.mod, `file://${Deno.cwd()}/`).href;
const nu = await import(modUrl) as typeof import("../mod.ts");
const steps = Number(values.steps), warmup = Number(values.warmup);
const backend = nu.getBackend();
if (values["no-epilogues"]) {
  Object.defineProperty(backend, "runMatmulEpilogue", { value: undefined });
}
console.log(`${modUrl}: ${backend.info()}${values["no-epilogues"] ? ", no matmul epilogues" : ""}`);

for (const width of values.widths.split(",").map(Number)) {
  const config = nu.nn.modelConfig({ vocab: 256, width, depth: 2, seqLen: 64, headSize: 32 });
  const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
  let params = model.init(nu.key(0));
  const opt = model.optimizer({ lr: 2 ** -7, steps: steps + warmup, params });
  let state = opt.init(params);
  const batch = nu.keep(nu.randint(nu.key(1), [16, 65], 0, 256));
  const step = nu.nn.trainStep(model, opt, { jit: true });
  const run = () => {
    const [loss, p, s] = step(params, state, batch);
    nu.optim.disposeReplaced([params, state, loss], [p, s]);
    [params, state] = [p, s];
  };
  for (let i = 0; i < warmup; i++) run();
  const [c0, t0] = [process.cpuUsage(), performance.now()];
  for (let i = 0; i < steps; i++) run();
  const cpu = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / steps;
  const [user, system] = [cpu.user / 1000 / steps, cpu.system / 1000 / steps];
  console.log(
    `width ${String(width).padStart(4)}: cpu ${(user + system).toFixed(1).padStart(6)} ms/step ` +
      `(user ${user.toFixed(1)}, system ${system.toFixed(1)}), wall ${wall.toFixed(1)} ms/step`,
  );
  step.dispose();
  nu.optim.disposeReplaced([params, state, batch], []);
}

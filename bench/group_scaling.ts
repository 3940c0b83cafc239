/**
 * How a group's training step scales with its member count: the compiled, vmapped step of
 * `nn.trainGroup` (`nn/train_group_step.ts`) timed at N = 1, 2, 4, 8, 16 members, beside the
 * plain compiled step of one run (`nn.trainStep`), on the sweep presets' models. Prints ms per
 * group step and ms per member-step: a group pays where ms per member-step falls as N grows.
 *
 *   deno run -A bench/group_scaling.ts [--preset quick|reference] [--widths 16,32,64]
 *                                      [--members 1,2,4,8,16] [--steps 10] [--blocks 3] [--warmup 5]
 *                                      [--fused-threads N] [--backend cpu|webgpu] [--json FILE]
 *
 * `quick`: widths 16/32/64, depth 2, head 16, sequence 32, batch 16 (the quick preset's model);
 * `reference`: widths 32/64/128, head 32, sequence 64. One readback at the end of each timed
 * block of `--steps` steps, as a sweep reads its loss only at read points; the fastest of
 * `--blocks` blocks is reported (the least disturbed on a shared machine), with the process's CPU
 * time per step (all threads), which load disturbs less. `--fused-threads 1` (and
 * `OPENBLAS_NUM_THREADS=1` in the environment) times one core, as a `--jobs` shard runs.
 *
 * @module
 */
import { parseArgs } from "./cli.ts";
import * as nu from "../mod.ts";
import { groupStep, rateTables, stackTrees } from "../nn/train_group_step.ts";
import { setFusedWasm } from "../kernels/cpu/wasm/fused_dispatch.ts";
import { cpuUsage } from "node:process";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    preset: { type: "string", default: "quick" },
    widths: { type: "string" },
    members: { type: "string", default: "1,2,4,8,16" },
    steps: { type: "string", default: "10" },
    warmup: { type: "string", default: "5" },
    blocks: { type: "string", default: "3" },
    backend: { type: "string", default: "cpu" },
    "fused-threads": { type: "string" },
    json: { type: "string" },
  },
});
const MODELS = {
  quick: { widths: [16, 32, 64], depth: 2, headSize: 16, seq: 32, batch: 16 },
  reference: { widths: [32, 64, 128], depth: 2, headSize: 32, seq: 64, batch: 16 },
} as const;
const preset = MODELS[values.preset as keyof typeof MODELS];
if (preset === undefined) {
  throw new Error(`group_scaling: --preset must be quick or reference, got '${values.preset}'`);
}
const widths = values.widths ? values.widths.split(",").map(Number) : [...preset.widths];
const memberCounts = values.members.split(",").map(Number);
const steps = Number(values.steps), warmup = Number(values.warmup);
const blocks = Number(values.blocks);
if (values["fused-threads"]) setFusedWasm({ threads: Number(values["fused-threads"]) });
if (values.backend !== "cpu") await nu.useBackend(values.backend as "webgpu");
const { depth, headSize, seq, batch } = preset;
const VOCAB = 256;

/** Random token windows `[...lead, batch, seq + 1]`, kept. */
function tokens(lead: number[], i: number): nu.Tensor {
  return nu.keep(nu.randint(nu.key(100 + i), [...lead, batch, seq + 1], 0, VOCAB));
}

/**
 * ms per step of the fastest of `--blocks` blocks of `--steps` steps: on a shared machine the
 * fastest block is the one least disturbed by other work.
 */
async function fastestBlock(run: (count: number) => Promise<void>): Promise<Timing> {
  let best: Timing = { ms: Infinity, cpuMs: Infinity };
  for (let b = 0; b < blocks; b++) {
    const [t0, c0] = [performance.now(), cpuUsage()];
    await run(steps);
    const c1 = cpuUsage(c0);
    const ms = (performance.now() - t0) / steps;
    if (ms < best.ms) best = { ms, cpuMs: (c1.user + c1.system) / 1000 / steps };
  }
  return best;
}

/** Wall and process CPU time (all threads) per step, in ms. */
interface Timing {
  ms: number;
  cpuMs: number;
}

/** ms per step of one run's compiled step (`nn.trainStep`), the baseline. */
async function singleStep(model: nu.nn.NgptModel): Promise<Timing> {
  let params = model.init(nu.key(0));
  const opt = model.optimizer({ lr: 2 ** -7, steps: steps + warmup, params });
  let state = opt.init(params);
  const batches = [0, 1].map((i) => tokens([], i));
  const step = nu.nn.trainStep(model, opt, { jit: true });
  const run = async (count: number) => {
    let loss: nu.Tensor | null = null;
    for (let i = 0; i < count; i++) {
      loss?.dispose();
      const [l, p, s] = step(params, state, batches[i % 2]);
      nu.optim.disposeReplaced([params, state], [p, s]);
      [loss, params, state] = [l, p, s];
    }
    await loss!.data();
    loss!.dispose();
  };
  await run(warmup);
  const ms = await fastestBlock(run);
  step.dispose?.();
  for (const b of batches) b.dispose();
  nu.optim.disposeReplaced([params, state], []);
  return ms;
}

/** ms per step of a group of `n` members (`groupStep`, vmapped and compiled). */
async function groupStepMs(model: nu.nn.NgptModel, n: number): Promise<Timing> {
  const members = Array.from({ length: n }, (_, m) => model.init(nu.key(m)));
  const schedule = (lr: number) => nu.optim.cosineDecay({ peak: lr, steps: steps + warmup });
  const optimizer = (rateTable?: nu.Tensor) =>
    model.optimizer({ schedule: schedule(2 ** -7), params: members[0], rateTable });
  let params = stackTrees(members);
  const states = members.map((p) => optimizer().init(p));
  let state = stackTrees(states);
  nu.optim.disposeReplaced([members, states], []);
  const lrs = Array.from({ length: n }, (_, m) => 2 ** (-9 + m * 0.5));
  const rates = rateTables(lrs, schedule, "f32");
  const batches = [0, 1].map((i) => tokens([n], i));
  const step = groupStep(model, optimizer);
  const run = async (count: number) => {
    let loss: nu.Tensor | null = null;
    for (let i = 0; i < count; i++) {
      loss?.dispose();
      const [l, p, s] = step(params, state, batches[i % 2], rates);
      nu.optim.disposeReplaced([params, state], [p, s]);
      [loss, params, state] = [l, p, s];
    }
    await loss!.data();
    loss!.dispose();
  };
  await run(warmup);
  const ms = await fastestBlock(run);
  step.dispose();
  rates.dispose();
  for (const b of batches) b.dispose();
  nu.optim.disposeReplaced([params, state], []);
  return ms;
}

const rows: Record<string, unknown>[] = [];
console.log(
  `${values.preset} model: depth ${depth}, head ${headSize}, seq ${seq}, batch ${batch}; ` +
    `fastest of ${blocks} blocks of ${steps} steps after ${warmup}; backend ${nu.backendInfo()}`,
);
for (const width of widths) {
  const config = nu.nn.modelConfig({ vocab: VOCAB, width, depth, seqLen: seq, headSize });
  const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt() });
  const single = await singleStep(model);
  console.log(
    `width ${width}: one run (trainStep) ${single.ms.toFixed(2)} ms/step ` +
      `(CPU ${single.cpuMs.toFixed(2)} ms)`,
  );
  for (const n of memberCounts) {
    const { ms, cpuMs } = await groupStepMs(model, n);
    const perMember = ms / n;
    rows.push({
      width,
      members: n,
      msPerStep: ms,
      msPerMemberStep: perMember,
      cpuMsPerMemberStep: cpuMs / n,
      singleMsPerStep: single.ms,
      singleCpuMsPerStep: single.cpuMs,
    });
    console.log(
      `  N=${String(n).padStart(2)}: ${ms.toFixed(2).padStart(8)} ms/step, ` +
        `${perMember.toFixed(2).padStart(7)} ms/member-step (×${
          (single.ms / perMember).toFixed(2)
        } of one run's step), CPU ${(cpuMs / n).toFixed(2)} ms/member-step`,
    );
  }
}
if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(rows, null, 2) + "\n");

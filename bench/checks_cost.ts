/**
 * What the index checks cost on the compiled nGPT training step (the `bench/nn_step.ts` step:
 * width 64, depth 2, batch 16, sequence 64, vocabulary 256, `nu.jit`), on each backend asked
 * for. Rounds alternate checks off and on (`nu.checks({ indices })`) so that drifting machine
 * load hits both alike; the medians and their ratio are printed. On the CPU the checks are
 * always on (the kernels test every index), so the CPU row also times that test alone: the
 * four index passes of a step (embedding gather and its scatterAdd, cross-entropy forward and
 * backward) over the step's token ids.
 *
 *   deno run -A bench/checks_cost.ts [--backends cpu,webgpu] [--width 64] [--rounds 6]
 *                                    [--steps 10] [--read-every-step] [--json FILE]
 *
 * With `--read-every-step` each step's loss is read back (as a loop printing every loss does),
 * so the checked mode's readback work is paid every step.
 *
 * @module
 */
import { parseArgs } from "./cli.ts";
import * as nu from "../mod.ts";
import { findBadIndex } from "../kernels/index_error.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backends: { type: "string", default: "cpu,webgpu" },
    width: { type: "string", default: "64" },
    rounds: { type: "string", default: "6" },
    steps: { type: "string", default: "10" },
    "read-every-step": { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const width = Number(values.width), rounds = Number(values.rounds), steps = Number(values.steps);
const [depth, batch, seq, vocab] = [2, 16, 64, 256];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A compiled training step and a function timing `n` steps (one readback at the end). */
function stepper() {
  const config = nu.nn.modelConfig({ vocab, width, depth, seqLen: seq, headSize: 32 });
  const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
  let params = model.init(nu.key(0));
  const opt = model.optimizer({ lr: 2 ** -7, steps: 10_000, params });
  let state = opt.init(params);
  const batches = Array.from(
    { length: 4 },
    (_, i) => nu.keep(nu.randint(nu.key(i), [batch, seq + 1], 0, vocab)),
  );
  const trainStep = nu.nn.trainStep(model, opt, { jit: true });
  let i = 0;
  const run = async (n: number) => {
    const t0 = performance.now();
    let last: nu.Tensor | null = null;
    for (let k = 0; k < n; k++, i++) {
      if (last !== null && values["read-every-step"]) await last.item();
      last?.dispose();
      const [loss, p, s] = trainStep(params, state, batches[i % batches.length]);
      nu.optim.disposeReplaced([params, state], [p, s]);
      [params, state] = [p, s];
      last = loss;
    }
    await last!.item();
    last!.dispose();
    return (performance.now() - t0) / n;
  };
  return { run, batches };
}

const rows: Record<string, unknown>[] = [];
for (const name of values.backends.split(",")) {
  const backend = await nu.useBackend(name as nu.BackendName);
  console.log(`backend: ${backend.info()}`);
  const { run, batches } = stepper();
  const before = nu.checks();
  // warm up both variants (trace, compile both pipeline variants)
  for (const indices of [false, true]) {
    nu.checks({ indices });
    await run(3);
  }
  const off: number[] = [], on: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const indices of r % 2 ? [true, false] : [false, true]) {
      nu.checks({ indices });
      (indices ? on : off).push(await run(steps));
    }
  }
  nu.checks(before);
  const row: Record<string, unknown> = {
    backend: name,
    width,
    msOff: median(off),
    msOn: median(on),
    ratio: median(on) / median(off),
  };
  if (name === "cpu") {
    const ids = await batches[0].data();
    const reps = 200;
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) {
      for (let pass = 0; pass < 4; pass++) findBadIndex("gather", ids, [ids.length], vocab);
    }
    row.cpuCheckMsPerStep = (performance.now() - t0) / reps;
    row.cpuCheckFraction = (row.cpuCheckMsPerStep as number) / (row.msOff as number);
  }
  row.readEveryStep = values["read-every-step"];
  rows.push(row);
  console.log(
    `${name.padEnd(7)} width ${width}: checks off ${median(off).toFixed(2)} ms/step, on ${
      median(on).toFixed(2)
    } ms/step (ratio ${(median(on) / median(off)).toFixed(3)})` +
      (row.cpuCheckMsPerStep === undefined
        ? ""
        : `; the CPU index test alone ${(row.cpuCheckMsPerStep as number).toFixed(4)} ms/step (${
          ((row.cpuCheckFraction as number) * 100).toFixed(3)
        } %)`),
  );
}
if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(rows, null, 2));

/**
 * Training-step speed of the nGPT model: forward, backward and the optimizer
 * step, timed over many steps with one readback at the end (a readback costs
 * ≥ 11 ms on WebGPU in Deno), on the backends asked for.
 *
 *   deno run -A bench/nn_step.ts [--backends cpu,webgpu] [--widths 32,64,128]
 *                                [--depth 2] [--batch 16] [--seq 64] [--head-size 32]
 *                                [--steps 20] [--json FILE]
 *
 * Prints ms per step and tokens per second for each backend and width.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as nu from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backends: { type: "string", default: "cpu" },
    widths: { type: "string", default: "32,64,128" },
    depth: { type: "string", default: "2" },
    batch: { type: "string", default: "16" },
    seq: { type: "string", default: "64" },
    steps: { type: "string", default: "20" },
    "head-size": { type: "string", default: "32" },
    json: { type: "string" },
  },
});
const depth = Number(values.depth), batch = Number(values.batch), seq = Number(values.seq);
const steps = Number(values.steps), headSize = Number(values["head-size"]);
const rows: Record<string, unknown>[] = [];

for (const name of values.backends.split(",")) {
  const backend = await nu.useBackend(name as nu.BackendName);
  console.log(`backend: ${backend.info()}`);
  for (const width of values.widths.split(",").map(Number)) {
    const config = nu.nn.modelConfig({ vocab: 256, width, depth, seqLen: seq, headSize });
    const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt() });
    let params = model.init(nu.key(0));
    const opt = model.optimizer({
      lr: 2 ** -7,
      steps,
      params,
    });
    let state = opt.init(params);
    const lossAndGrad = nu.valueAndGrad((p: nu.nn.NgptParams, b: nu.Tensor) => model.loss(p, b));
    const batches = Array.from(
      { length: 4 },
      (_, i) => nu.keep(nu.randint(nu.key(i), [batch, seq + 1], 0, 256)),
    );
    const step = (i: number) => {
      const [loss, grads] = lossAndGrad(params, batches[i % batches.length]);
      const [p, s] = opt.step(params, grads, state);
      nu.optim.disposeReplaced([params, state, grads], [p, s]);
      params = p;
      state = s;
      return loss;
    };
    for (let i = 0; i < 3; i++) await step(i).item(); // warm up: compile kernels, fill pools
    const t0 = performance.now();
    let last: nu.Tensor | null = null;
    for (let i = 0; i < steps; i++) {
      last?.dispose();
      last = step(i);
    }
    const finalLoss = await last!.item();
    const ms = (performance.now() - t0) / steps;
    const row = {
      backend: name,
      width,
      depth,
      batch,
      seq,
      msPerStep: ms,
      tokensPerSecond: (batch * seq * 1000) / ms,
      finalLoss,
    };
    rows.push(row);
    console.log(
      `${name.padEnd(7)} width ${String(width).padStart(5)}: ${
        ms.toFixed(1).padStart(8)
      } ms/step  ` +
        `${Math.round(row.tokensPerSecond).toString().padStart(8)} tokens/s  (loss ${
          finalLoss.toFixed(3)
        })`,
    );
    last?.dispose();
    nu.optim.disposeReplaced([params, state, batches], []);
  }
}
if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(rows, null, 2));

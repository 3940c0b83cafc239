/**
 * Training-step speed of the nGPT model: forward, backward and the optimizer
 * step (compiled by `nu.jit` unless `--no-jit`), timed over many steps with
 * one readback at the end (a readback costs ≥ 11 ms on WebGPU in Deno), on the
 * backends asked for; with `--peers torch`, the same step in PyTorch
 * (`bench/peers/torch_ngpt.py`, run by `--python`) in the same invocation, and
 * the ratio.
 *
 *   deno run -A bench/nn_step.ts [--backends cpu,webgpu] [--widths 32,64,128]
 *                                [--depth 2] [--batch 16] [--seq 64] [--head-size 32]
 *                                [--steps 20] [--warmup 10] [--no-jit] [--compare-eager]
 *                                [--peers torch,torch-compile] [--python python3] [--json FILE]
 *
 * Prints ms per step and tokens per second for each backend and width.
 *
 * @module
 */
import { parseArgs } from "./cli.ts";
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
    warmup: { type: "string", default: "10" },
    "head-size": { type: "string", default: "32" },
    "no-jit": { type: "boolean", default: false },
    "compare-eager": { type: "boolean", default: false },
    peers: { type: "string", default: "" },
    python: { type: "string", default: Deno.env.get("NUGRAD_PYTHON") ?? "python3" },
    json: { type: "string" },
  },
});
const depth = Number(values.depth), batch = Number(values.batch), seq = Number(values.seq);
const steps = Number(values.steps), headSize = Number(values["head-size"]);
const warmup = Number(values.warmup);
const widths = values.widths.split(",").map(Number);
const rows: Record<string, unknown>[] = [];
const modes = values["compare-eager"] ? [true, false] : [!values["no-jit"]];

/** ms per step of nugrad's nGPT step at `width` on the current backend. */
async function nugradStep(width: number, jit: boolean) {
  const config = nu.nn.modelConfig({ vocab: 256, width, depth, seqLen: seq, headSize });
  const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
  let params = model.init(nu.key(0));
  const opt = model.optimizer({ lr: 2 ** -7, steps: steps + warmup, params });
  let state = opt.init(params);
  const batches = Array.from(
    { length: 4 },
    (_, i) => nu.keep(nu.randint(nu.key(i), [batch, seq + 1], 0, 256)),
  );
  const trainStep = nu.nn.trainStep(model, opt, { jit });
  const step = (i: number) => {
    const [loss, p, s] = trainStep(params, state, batches[i % batches.length]);
    nu.optim.disposeReplaced([params, state], [p, s]);
    params = p;
    state = s;
    return loss;
  };
  // warm up: trace and compile, let V8 optimize the generated kernels, fill pools
  for (let i = 0; i < warmup; i++) await step(i).item();
  const t0 = performance.now();
  let last: nu.Tensor | null = null;
  for (let i = 0; i < steps; i++) {
    last?.dispose();
    last = step(i);
  }
  const finalLoss = await last!.item();
  const ms = (performance.now() - t0) / steps;
  last?.dispose();
  trainStep.dispose();
  nu.optim.disposeReplaced([params, state, batches], []);
  return { ms, finalLoss };
}

// The peers run first, before nugrad opens its BLAS library (whose idle threads would spin):
// `torch` is PyTorch eager, `torch-compile` the same loss through `torch.compile` (Inductor).
for (const peer of values.peers.split(",").filter((p) => p === "torch" || p === "torch-compile")) {
  const script = new URL("./peers/torch_ngpt.py", import.meta.url).pathname;
  const out = await new Deno.Command(values.python, {
    args: [
      script,
      ...["--widths", values.widths, "--depth", values.depth, "--batch", values.batch],
      ...["--seq", values.seq, "--head-size", values["head-size"], "--steps", values.steps],
      ...["--threads", String(navigator.hardwareConcurrency)],
      ...(peer === "torch-compile" ? ["--compile"] : []),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `nn_step: ${values.python} ${script} failed (${out.code}): ` +
        new TextDecoder().decode(out.stderr).slice(-2000),
    );
  }
  for (const line of new TextDecoder().decode(out.stdout).trim().split("\n")) {
    const r = JSON.parse(line);
    rows.push(r);
    console.log(
      `${r.peer} (${r.threads} threads) width ${String(r.width).padStart(5)}: ${
        r.msPerStep.toFixed(1).padStart(8)
      } ms/step`,
    );
  }
}

for (const name of values.backends.split(",")) {
  const backend = await nu.useBackend(name as nu.BackendName);
  console.log(`backend: ${backend.info()}`);
  for (const width of widths) {
    for (const jit of modes) {
      const { ms, finalLoss } = await nugradStep(width, jit);
      const row = {
        peer: "nugrad",
        backend: name,
        jit,
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
        `nugrad ${name.padEnd(7)} ${jit ? "jit  " : "eager"} width ${String(width).padStart(5)}: ${
          ms.toFixed(1).padStart(8)
        } ms/step  ${Math.round(row.tokensPerSecond).toString().padStart(8)} tokens/s  (loss ${
          finalLoss.toFixed(3)
        })`,
      );
    }
  }
}

for (const r of rows.filter((x) => x.peer !== "nugrad")) {
  for (const ours of rows.filter((x) => x.peer === "nugrad" && x.width === r.width)) {
    const ratio = (ours.msPerStep as number) / (r.msPerStep as number);
    console.log(
      `width ${r.width}: nugrad ${ours.backend} ${ours.jit ? "jit" : "eager"} / ${r.peer} = ${
        ratio.toFixed(2)
      }x`,
    );
  }
}
if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(rows, null, 2));

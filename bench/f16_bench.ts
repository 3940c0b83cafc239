/**
 * Mixed precision against f32 on one backend (issue 21's targets): the nGPT
 * model trained from the same init on the same batches in f32 and in f16-mixed
 * (`ngptModel(config, { precision: "f16" })`), printing each run's first and
 * final training loss, their difference (target: within 0.02 after 300 steps
 * at width 64), ms per step, and the bytes a forward pass's activations hold
 * in each precision (target: halved), read from `nu.memory()`: the hidden
 * states and logits `apply` keeps, and the residuals a `vjp` of the loss keeps
 * for the backward pass.
 *
 * The data is a synthetic Markov chain (each token has two equally likely
 * successors), so the loss falls well below ln(vocab) in a few hundred steps.
 *
 *   DENO_WEBGPU_BACKEND=vulkan deno run -A bench/f16_bench.ts [--backend webgpu|cpu]
 *     [--width 64] [--depth 2] [--steps 300] [--batch 8] [--seq 32] [--vocab 64]
 *     [--lr 0.01] [--head-size 16] [--json]
 *
 * @module
 */
import { parseArgs } from "./cli.ts";
import * as nu from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "webgpu" },
    width: { type: "string", default: "64" },
    depth: { type: "string", default: "2" },
    steps: { type: "string", default: "300" },
    batch: { type: "string", default: "8" },
    seq: { type: "string", default: "32" },
    vocab: { type: "string", default: "64" },
    lr: { type: "string", default: "0.01" },
    "head-size": { type: "string", default: "16" },
    json: { type: "boolean", default: false },
  },
});
const num = (k: keyof typeof values) => Number(values[k]);
const [width, depth, steps, batch, seq, vocab, lr, headSize] = (
  ["width", "depth", "steps", "batch", "seq", "vocab", "lr", "head-size"] as const
).map(num);
const backend = await nu.useBackend(values.backend === "cpu" ? "cpu" : "webgpu");
const config = nu.nn.modelConfig({ vocab, width, depth, seqLen: seq, headSize });

/** `rows` windows of `length` tokens of the Markov chain, seeded. */
function markov(seed: number, rows: number, length: number): nu.Tensor {
  let s = seed >>> 0;
  const random = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const out = new Int32Array(rows * length);
  for (let r = 0; r < rows; r++) {
    let cur = Math.floor(random() * vocab);
    for (let t = 0; t < length; t++) {
      out[r * length + t] = cur;
      cur = (5 * cur + 3 + (random() < 0.5 ? 0 : 7)) % vocab;
    }
  }
  return nu.fromData(out, [rows, length], { dtype: "i32", backend });
}

interface RunResult {
  precision: nu.nn.Precision;
  firstLoss: number;
  finalLoss: number;
  /** Mean training loss of the last 10 steps (less noisy than the last one). */
  finalMean10: number;
  msPerStep: number;
}

async function run(precision: nu.nn.Precision): Promise<RunResult> {
  const model = nu.nn.ngptModel(config, { precision });
  let params = model.init(nu.key(0), { backend });
  const opt = model.optimizer({ schedule: nu.optim.cosineDecay({ peak: lr, steps }), params });
  let state = opt.init(params);
  const step = nu.nn.trainStep(model, opt);
  const losses: Promise<number>[] = [];
  let t0 = 0;
  for (let i = 0; i < steps; i++) {
    if (i === 1) {
      await backend.flush();
      t0 = performance.now(); // the first step traces and compiles
    }
    const tokens = markov(i, batch, seq + 1);
    const [loss, next, nextState] = step(params, state, tokens);
    tokens.dispose();
    // Reading a loss waits; keep the reads off the step loop until the end.
    losses.push(loss.item().finally(() => loss.dispose()));
    nu.optim.disposeReplaced(state, nextState);
    nu.optim.disposeReplaced(params, next);
    params = next;
    state = nextState;
  }
  const values = await Promise.all(losses);
  const ms = steps > 1 ? (performance.now() - t0) / (steps - 1) : NaN;
  step.dispose();
  nu.optim.disposeReplaced(state, []);
  nu.optim.disposeReplaced(params, []);
  const tail = values.slice(-10);
  return {
    precision,
    firstLoss: values[0],
    finalLoss: values[values.length - 1],
    finalMean10: tail.reduce((a, b) => a + b, 0) / tail.length,
    msPerStep: ms,
  };
}

interface Bytes {
  precision: nu.nn.Precision;
  /** Tensor bytes of the hidden states and logits of one forward pass. */
  forwardTensorBytes: number;
  /** The backend's live bytes for them (size-class rounded on WebGPU). */
  forwardBackendBytes: number;
  /** Tensor bytes a `vjp` of the loss holds for its backward pass. */
  residualTensorBytes: number;
}

function activationBytes(precision: nu.nn.Precision): Bytes {
  using _ = nu.scope();
  const model = nu.nn.ngptModel(config, { precision });
  const params = model.init(nu.key(0), { backend });
  const tokens = markov(12345, batch, seq + 1);
  const inputs = nu.sliceAxis(tokens, 1, 0, seq);
  const m0 = nu.memory(backend);
  const states = model.hiddenStates(params, inputs);
  const logits = model.apply(params, inputs);
  const m1 = nu.memory(backend);
  for (const s of [...states, logits]) s.dispose();
  const m2 = nu.memory(backend);
  const [loss, pullback] = nu.vjp((p: typeof params) => model.loss(p, tokens), params);
  const m3 = nu.memory(backend);
  pullback.dispose();
  (loss as nu.Tensor).dispose();
  return {
    precision,
    forwardTensorBytes: m1.bytes - m0.bytes,
    forwardBackendBytes: m1.backend.bytes - m0.backend.bytes,
    residualTensorBytes: m3.bytes - m2.bytes,
  };
}

const bytes = [activationBytes("f32"), activationBytes("f16")];
const runs = [await run("f32"), await run("f16")];
const report = {
  backend: backend.info(),
  config,
  steps,
  batch,
  lr,
  runs,
  finalLossDiff: runs[1].finalLoss - runs[0].finalLoss,
  finalMean10Diff: runs[1].finalMean10 - runs[0].finalMean10,
  bytes,
  forwardBytesRatio: bytes[1].forwardTensorBytes / bytes[0].forwardTensorBytes,
  forwardBackendBytesRatio: bytes[1].forwardBackendBytes / bytes[0].forwardBackendBytes,
  residualBytesRatio: bytes[1].residualTensorBytes / bytes[0].residualTensorBytes,
};
if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(`backend: ${report.backend}`);
  console.log(
    `nGPT width ${width}, depth ${depth}, vocab ${vocab}, batch ${batch} x ${seq}, ` +
      `${steps} steps, lr ${lr} (cosine)`,
  );
  for (const r of runs) {
    console.log(
      `${r.precision.padEnd(4)} loss ${r.firstLoss.toFixed(4)} -> ${r.finalLoss.toFixed(4)} ` +
        `(last-10 mean ${r.finalMean10.toFixed(4)}), ${r.msPerStep.toFixed(1)} ms/step`,
    );
  }
  console.log(
    `f16 - f32 final loss: ${report.finalLossDiff.toFixed(4)} ` +
      `(last-10 mean: ${report.finalMean10Diff.toFixed(4)}; target |diff| <= 0.02)`,
  );
  for (const b of bytes) {
    console.log(
      `${b.precision.padEnd(4)} forward activations ${b.forwardTensorBytes} B ` +
        `(backend ${b.forwardBackendBytes} B), vjp residuals ${b.residualTensorBytes} B`,
    );
  }
  console.log(
    `f16/f32 bytes: forward ${report.forwardBytesRatio.toFixed(3)}, backend ` +
      `${report.forwardBackendBytesRatio.toFixed(3)}, residuals ${
        report.residualBytesRatio.toFixed(3)
      } (target 0.5)`,
  );
}

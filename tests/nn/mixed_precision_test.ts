/**
 * Mixed-precision nGPT training (`ngptModel(config, { precision: "f16" })`):
 * f16 activations, f32 loss, gradients, master parameters and optimizer state;
 * the loss scale's effect on gradient underflow; training that tracks f32 on
 * the CPU emulation and on WebGPU; activation bytes halved.
 */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import {
  type Backend,
  cpuBackend,
  fromData,
  grad,
  key,
  memory,
  mul,
  scope,
  type Tensor,
  treeLeaves,
} from "../../core/mod.ts";
import { createWebGpuBackend } from "../../kernels/webgpu/backend.ts";
import { requires, webgpuAdapter } from "../requires.ts";
import { cosineDecay, disposeReplaced } from "../../optim/mod.ts";
import {
  modelConfig,
  type NgptModel,
  ngptModel,
  type NgptParams,
  type Precision,
  trainStep,
} from "../../nn/mod.ts";

const cpu = cpuBackend();

/** Token windows of a small Markov chain (two successors per token): learnable in a few steps. */
function markovTokens(seed: number, rows: number, length: number, vocab: number): Int32Array {
  let s = seed >>> 0;
  const random = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out = new Int32Array(rows * length);
  for (let r = 0; r < rows; r++) {
    let cur = Math.floor(random() * vocab);
    for (let t = 0; t < length; t++) {
      out[r * length + t] = cur;
      cur = (5 * cur + 3 + (random() < 0.5 ? 0 : 7)) % vocab;
    }
  }
  return out;
}

/** Train `steps` steps from the same init and batches; the loss of every step. */
async function trainLosses(
  precision: Precision,
  backend: Backend,
  opts: { width: number; depth: number; steps: number; lr?: number },
): Promise<number[]> {
  const vocab = 32, seqLen = 16;
  const config = modelConfig({ vocab, width: opts.width, depth: opts.depth, seqLen });
  const model = ngptModel(config, { precision });
  let params = model.init(key(0), { backend });
  const opt = model.optimizer({
    schedule: cosineDecay({ peak: opts.lr ?? 0.02, steps: opts.steps }),
    params,
  });
  let state = opt.init(params);
  const step = trainStep(model, opt);
  const losses: number[] = [];
  for (let i = 0; i < opts.steps; i++) {
    const batch = fromData(markovTokens(i, 8, seqLen + 1, vocab), [8, seqLen + 1], {
      dtype: "i32",
      backend,
    });
    const [loss, next, nextState] = step(params, state, batch);
    batch.dispose();
    losses.push(await loss.item());
    loss.dispose();
    disposeReplaced(state, nextState);
    disposeReplaced(params, next);
    params = next;
    state = nextState;
  }
  if (precision === "f16") {
    // Master parameters and optimizer state stay f32.
    assertEquals(new Set(treeLeaves<Tensor>(params).map((t) => t.dtype)), new Set(["f32"]));
    const stateDtypes = treeLeaves<unknown>(state)
      .filter((t): t is Tensor => typeof t === "object" && t !== null && "dtype" in t)
      .map((t) => t.dtype);
    assertTrue(stateDtypes.every((d) => d !== "f16"), `optimizer state dtypes ${stateDtypes}`);
  }
  step.dispose();
  disposeReplaced(state, []);
  disposeReplaced(params, []);
  return losses;
}

Deno.test("mixed precision: f16 activations and logits, f32 loss, parameters and gradients", () => {
  using _ = scope();
  const config = modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 });
  const model = ngptModel(config, { precision: "f16" });
  assertEquals(model.precision, { precision: "f16", compute: "f16", lossScale: 1024 });
  const params = model.init(key(0), { backend: cpu });
  const tokens = fromData(markovTokens(1, 2, 9, 16), [2, 9], { dtype: "i32", backend: cpu });
  const inputs = fromData(markovTokens(1, 2, 8, 16), [2, 8], { dtype: "i32", backend: cpu });
  assertEquals(model.hiddenStates(params, inputs).map((h) => h.dtype), ["f16", "f16"]);
  assertEquals(model.apply(params, inputs).dtype, "f16");
  assertEquals(model.loss(params, tokens).dtype, "f32");
  const g = grad((p: NgptParams) => model.loss(p, tokens))(params);
  assertEquals(new Set(treeLeaves<Tensor>(g).map((t) => t.dtype)), new Set(["f32"]));
});

Deno.test("mixed precision: bad precision options are refused with the value", () => {
  const config = modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 });
  assertThrows(
    () => ngptModel(config, { precision: "bf16" as Precision }),
    'ngptModel: precision must be "f32" or "f16", got "bf16"',
  );
  assertThrows(
    () => ngptModel(config, { precision: "f16", lossScale: 100 }),
    "ngptModel: lossScale must be a positive power of two, got 100",
  );
});

Deno.test("mixed precision: unscaled f16 gradients underflow; the loss scale keeps them", async () => {
  using _ = scope();
  const config = modelConfig({ vocab: 32, width: 64, depth: 2, seqLen: 32 });
  const params = ngptModel(config).init(key(0), { backend: cpu });
  const tokens = fromData(markovTokens(7, 8, 33, 32), [8, 33], { dtype: "i32", backend: cpu });
  const gradsOf = async (precision: Precision, scale: number) => {
    const model = ngptModel(config, { precision, lossScale: scale });
    const g = grad((p: NgptParams) => mul(model.loss(p, tokens), scale))(params);
    return await Promise.all(
      treeLeaves<Tensor>(g).map(async (t) => Array.from(await t.data(), (v) => v / scale)),
    );
  };
  const exact = (await gradsOf("f32", 1)).flat();
  const measure = async (scale: number) => {
    const half = (await gradsOf("f16", scale)).flat();
    let underflowed = 0, lifted = 0, err = 0, norm = 0;
    exact.forEach((e, i) => {
      if (e !== 0 && half[i] === 0) {
        underflowed++;
        // Scaled into f16's normal range (2^-14 and up), where no value should flush.
        if (Math.abs(e * scale) >= 2 ** -14) lifted++;
      }
      err += Math.abs(half[i] - e);
      norm += Math.abs(e);
    });
    return { underflowed, lifted, relErr: err / norm };
  };
  const unscaled = await measure(1);
  const scaled = await measure(1024);
  // Measured (see DEFAULT_F16_LOSS_SCALE): ~0.1% of the entries flush to 0 unscaled; scaled,
  // none of those the scale lifts into f16's normal range, and at most a few still below it
  // (one, 3e-5 of the gradient's RMS, lost to cancellation in the softmax's derivative); the
  // gradient's error falls to the f16 rounding floor.
  assertTrue(
    unscaled.underflowed > 0,
    `no underflow without a loss scale: ${unscaled.underflowed}`,
  );
  assertEquals(scaled.lifted, 0);
  assertTrue(
    scaled.underflowed * 20 <= unscaled.underflowed,
    `scaled ${scaled.underflowed} flushed entries against ${unscaled.underflowed} unscaled`,
  );
  assertTrue(
    scaled.relErr < 0.6 * unscaled.relErr && scaled.relErr < 4e-3,
    `relative L1 error: scaled ${scaled.relErr}, unscaled ${unscaled.relErr}`,
  );
});

Deno.test("mixed precision: 20 f16 steps on the CPU emulation track f32 within 0.02", async () => {
  const opts = { width: 32, depth: 1, steps: 20 };
  const full = await trainLosses("f32", cpu, opts);
  const before = memory(cpu);
  const half = await trainLosses("f16", cpu, opts);
  const after = memory(cpu);
  // Nothing leaks: the casts, loss scaling and unscaling are all freed each step.
  assertEquals([after.tensors, after.backend.buffers], [before.tensors, before.backend.buffers]);
  assertTrue(half[19] < half[0] - 0.3, `f16 loss did not fall: ${half[0]} -> ${half[19]}`);
  const worst = Math.max(...half.map((h, i) => Math.abs(h - full[i])));
  assertTrue(worst < 0.02, `f16 vs f32 losses differ by ${worst}: ${half} vs ${full}`);
});

requires(await webgpuAdapter(), {
  name: "mixed precision on WebGPU: f16 steps track f32, and activations take half the bytes",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const gpu = await createWebGpuBackend();
    try {
      const opts = { width: 64, depth: 1, steps: 12 };
      const full = await trainLosses("f32", gpu, opts);
      const before = memory(gpu);
      const half = await trainLosses("f16", gpu, opts);
      const after = memory(gpu);
      // The f16 kernels' f32 temporaries go back to the pool: no live buffer is left behind.
      assertEquals([after.tensors, after.backend.buffers, after.backend.bytes], [
        before.tensors,
        before.backend.buffers,
        before.backend.bytes,
      ]);
      const emulated = await trainLosses("f16", cpu, opts);
      assertTrue(half[11] < half[0] - 0.2, `f16 loss did not fall: ${half[0]} -> ${half[11]}`);
      const worst = Math.max(...half.map((h, i) => Math.abs(h - full[i])));
      assertTrue(worst < 0.02, `webgpu f16 vs f32 losses differ by ${worst}`);
      const vsCpu = Math.max(...half.map((h, i) => Math.abs(h - emulated[i])));
      assertTrue(vsCpu < 0.01, `webgpu f16 vs the CPU emulation differ by ${vsCpu}`);
      const bytes = (m: NgptModel) => activationBytes(m, gpu);
      const config = modelConfig({ vocab: 32, width: 64, depth: 2, seqLen: 16 });
      const b32 = bytes(ngptModel(config)), b16 = bytes(ngptModel(config, { precision: "f16" }));
      assertEquals(b16.tensors * 2, b32.tensors);
      // The backend's pool rounds buffers up to size classes: about half, not exactly.
      assertTrue(
        b16.backend <= 0.55 * b32.backend,
        `backend bytes ${b16.backend} vs ${b32.backend}`,
      );
    } finally {
      gpu.destroy();
    }
  },
});

/** Live bytes (tensor and backend counts) that a forward pass's hidden states hold. */
function activationBytes(model: NgptModel, backend: Backend): { tensors: number; backend: number } {
  using _ = scope();
  const params = model.init(key(0), { backend });
  const tokens = fromData(markovTokens(3, 8, 16, 32), [8, 16], { dtype: "i32", backend });
  const before = memory(backend);
  const states = model.hiddenStates(params, tokens);
  const after = memory(backend);
  assertEquals(states.length, 3);
  return {
    tensors: after.bytes - before.bytes,
    backend: after.backend.bytes - before.backend.bytes,
  };
}

/**
 * The compiled nGPT training step (`nn.trainStep`, `nu.jit`) equals the eager one: the losses
 * of 20 steps and the parameters after them, on the CPU and on WebGPU; and `nn.train` gives the
 * same run with and without `jit`.
 */
import * as nu from "../../mod.ts";
import { assertAllClose } from "../../testing/all_close.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { gpuRequirement } from "../kernels/webgpu_helpers.ts";
import { requires } from "../requires.ts";

async function run(backend: nu.Backend, jit: boolean) {
  const config = nu.nn.modelConfig({ vocab: 32, width: 32, depth: 2, seqLen: 16, headSize: 16 });
  const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
  let params = model.init(nu.key(0), { backend });
  const opt = model.optimizer({ lr: 2 ** -5, steps: 20, params });
  let state = opt.init(params);
  const step = nu.nn.trainStep(model, opt, { jit });
  const losses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const batch = nu.randint(nu.key(100 + (i % 5)), [4, 17], 0, 32, { backend });
    const [loss, p, s] = step(params, state, batch);
    losses.push(await loss.item());
    nu.optim.disposeReplaced([params, state, loss, batch], [p, s]);
    [params, state] = [p, s];
  }
  step.dispose();
  const values = await Promise.all(nu.treeLeaves<nu.Tensor>(params).map((t) => t.data()));
  nu.optim.disposeReplaced([params, state], []);
  return { losses, values };
}

async function compare(backend: nu.Backend) {
  const eager = await run(backend, false);
  const compiled = await run(backend, true);
  assertTrue(eager.losses[19] < eager.losses[0] - 0.2, `it learns: ${eager.losses}`);
  // f32 with f64 intermediates in the compiled kernels: the runs agree to f32 rounding, which
  // 20 steps of training amplify only a little.
  await assertAllClose(compiled.losses, eager.losses, { rtol: 1e-4, atol: 1e-5 });
  compiled.values.forEach((v, i) =>
    assertAllClose(Array.from(v), Array.from(eager.values[i]), { rtol: 1e-3, atol: 1e-4 })
  );
}

Deno.test("nn.trainStep: compiled and eager nGPT steps agree over 20 steps (CPU)", async () => {
  await compare(nu.cpuBackend());
});

requires(gpuRequirement, {
  name: "nn.trainStep: compiled and eager nGPT steps agree over 20 steps (WebGPU)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await nu.useBackend("webgpu");
    try {
      await compare(gpu);
    } finally {
      await nu.useBackend("cpu");
    }
  },
});

Deno.test("nn.train: the same run with and without jit", async () => {
  const config = nu.nn.modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8, headSize: 16 });
  const model = nu.nn.ngptModel(config);
  const windows = (step: number, rows: number) => {
    const data = new Int32Array(rows * 9);
    for (let i = 0; i < data.length; i++) data[i] = (i * 5 + step * 3 + (i >> 3)) % 16;
    return { data, count: rows };
  };
  const go = (jit: boolean) =>
    nu.nn.train(model, {
      lr: 2 ** -5,
      steps: 12,
      batch: (step) => windows(step, 4),
      evalWindows: windows(99, 8),
      evalEvery: 4,
      jit,
    });
  const [eager, compiled] = [await go(false), await go(true)];
  assertEquals([eager.status, compiled.status], ["ok", "ok"]);
  await assertAllClose(
    compiled.curves.map((p) => [p.trainLoss, p.valLoss ?? 0]),
    eager.curves.map((p) => [p.trainLoss, p.valLoss ?? 0]),
    { rtol: 1e-4, atol: 1e-5 },
  );
});

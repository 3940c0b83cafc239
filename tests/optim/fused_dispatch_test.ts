/**
 * Dispatches recorded by one nGPT training step (loss, gradients, the optimizer's update and
 * the sphere projection) at width 64 on WebGPU, compiled by `nu.jit` and run op by op. The
 * compiled step must stay within 150 dispatches (the eager one records about 880).
 */
import * as nu from "../../mod.ts";
import type { WebGpuBackend } from "../../kernels/webgpu/backend.ts";
import { assertTrue } from "../../testing/assert.ts";
import { gpuRequirement } from "../kernels/webgpu_helpers.ts";
import { requires } from "../requires.ts";

async function count(jit: boolean): Promise<number> {
  const backend = await nu.useBackend("webgpu") as WebGpuBackend;
  const config = nu.nn.modelConfig({ vocab: 64, width: 64, depth: 2, seqLen: 8, headSize: 32 });
  const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
  let params = model.init(nu.key(0));
  const opt = model.optimizer({ lr: 2 ** -7, params });
  let state = opt.init(params);
  const batch = nu.keep(nu.randint(nu.key(1), [2, 9], 0, 64));
  const step = nu.nn.trainStep(model, opt, { jit });
  let dispatches = 0;
  for (let i = 0; i < 3; i++) {
    const d0 = backend.stats().dispatches;
    const [loss, p, s] = step(params, state, batch);
    dispatches = backend.stats().dispatches - d0;
    await loss.item();
    nu.optim.disposeReplaced([params, state, loss], [p, s]);
    [params, state] = [p, s];
  }
  step.dispose();
  nu.optim.disposeReplaced([params, state, batch], []);
  await nu.useBackend("cpu");
  return dispatches;
}

requires(gpuRequirement, {
  name: "webgpu: a compiled nGPT step (width 64) records at most 150 dispatches",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const compiled = await count(true);
    const eager = await count(false);
    console.log(`dispatches per nGPT step at width 64: compiled ${compiled}, eager ${eager}`);
    assertTrue(compiled <= 150, `compiled step: ${compiled} dispatches, over 150`);
    assertTrue(compiled < eager, `compiled ${compiled} vs eager ${eager}`);
  },
});

/**
 * Dispatches recorded by one nGPT training step at width 64 on WebGPU, with the optimizer's
 * fused step and with the composable chain. Prints both counts.
 */
import * as nu from "../../mod.ts";
import type { WebGpuBackend } from "../../kernels/webgpu/backend.ts";
import { assertTrue } from "../../testing/assert.ts";
import { skipGpu } from "../kernels/webgpu_helpers.ts";

async function count(fused: boolean): Promise<{ step: number; optimizer: number }> {
  const backend = await nu.useBackend("webgpu") as WebGpuBackend;
  const config = nu.nn.modelConfig({ vocab: 64, width: 64, depth: 2, seqLen: 8, headSize: 32 });
  const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
  let params = model.init(nu.key(0));
  const opt = model.optimizer({
    lr: 2 ** -7,
    params,
    fused,
  });
  let state = opt.init(params);
  const batch = nu.keep(nu.randint(nu.key(1), [2, 9], 0, 64));
  const lossAndGrad = nu.valueAndGrad((p: nu.nn.NgptParams, b: nu.Tensor) => model.loss(p, b));
  let result = { step: 0, optimizer: 0 };
  for (let i = 0; i < 2; i++) {
    const d0 = backend.stats().dispatches;
    const [loss, grads] = lossAndGrad(params, batch);
    const d1 = backend.stats().dispatches;
    const [p, s] = opt.step(params, grads, state);
    const d2 = backend.stats().dispatches;
    await loss.item();
    nu.optim.disposeReplaced([params, state, grads, loss], [p, s]);
    [params, state] = [p, s];
    result = { step: d2 - d0, optimizer: d2 - d1 };
  }
  nu.optim.disposeReplaced([params, state, batch], []);
  await nu.useBackend("cpu");
  return result;
}

Deno.test({
  name: "nGPT step at width 64 on WebGPU: the fused optimizer records far fewer dispatches",
  ignore: skipGpu,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const chain = await count(false);
    const fused = await count(true);
    console.log(
      `dispatches per training step (width 64): chain ${chain.step} (optimizer ${chain.optimizer}), ` +
        `fused ${fused.step} (optimizer ${fused.optimizer})`,
    );
    assertTrue(fused.optimizer * 4 < chain.optimizer, JSON.stringify({ chain, fused }));
    assertTrue(fused.step - fused.optimizer === chain.step - chain.optimizer);
  },
});

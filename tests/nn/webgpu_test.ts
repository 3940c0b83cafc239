import { assertClose, assertEquals } from "../../testing/assert.ts";
import {
  cpuBackend,
  key,
  randint,
  sliceAxis,
  type Tensor,
  toBackend,
  treePaths,
  valueAndGrad,
} from "../../core/mod.ts";
import { createWebGpuBackend } from "../../kernels/webgpu/backend.ts";
import { requires, webgpuAdapter } from "../requires.ts";
import { nugpt } from "../../param/mod.ts";
import { modelConfig, ngptModel, type NgptParams } from "../../nn/mod.ts";
import { disposeTree } from "./helpers.ts";

requires(await webgpuAdapter(), {
  name: "the same forward and backward on the CPU and WebGPU backends agree",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const gpu = await createWebGpuBackend();
    const cpu = cpuBackend();
    const config = modelConfig({ vocab: 40, width: 64, headSize: 16, depth: 2, seqLen: 12 });
    const dims = { width: 64, depth: 2, steps: 100, baseWidth: 32, baseDepth: 1, baseSteps: 100 };
    const model = ngptModel(config, { parameterization: nugpt(), dims });
    const paramsCpu = model.init(key(0), { backend: cpu });
    const paramsGpu: NgptParams = model.init(key(0), { backend: gpu });
    const batchCpu = randint(key(1), [3, 13], 0, 40, { backend: cpu });
    const batchGpu = await toBackend(batchCpu, gpu);
    const lossAndGrad = valueAndGrad((p: NgptParams, b: Tensor) => model.loss(p, b));
    const [lc, gc] = lossAndGrad(paramsCpu, batchCpu);
    const [lg, gg] = lossAndGrad(paramsGpu, batchGpu);
    assertEquals(lg.backend.name, "webgpu");
    assertClose(await lg.item(), await lc.item(), { rtol: 1e-5 });
    const cpuGrads = treePaths<Tensor>(gc);
    const gpuGrads = treePaths<Tensor>(gg);
    for (let i = 0; i < cpuGrads.length; i++) {
      const [path, c] = cpuGrads[i];
      const a = c.dataSync(), b = await gpuGrads[i][1].data();
      const scale = Math.max(...Array.from(a, Math.abs));
      for (let j = 0; j < a.length; j++) {
        assertClose(b[j], a[j], { atol: 1e-4 * scale + 1e-9, rtol: 1e-3, message: path });
      }
    }
    const inputsCpu = sliceAxis(batchCpu, 1, 0, 12);
    const inputsGpu = sliceAxis(batchGpu, 1, 0, 12);
    const logitsGpu = await model.apply(paramsGpu, inputsGpu).data();
    const logitsCpu = model.apply(paramsCpu, inputsCpu).dataSync();
    logitsCpu.forEach((v, i) => assertClose(logitsGpu[i], v, { atol: 1e-5, rtol: 1e-4 }));
    disposeTree([paramsCpu, paramsGpu, batchCpu, batchGpu, inputsCpu, inputsGpu, lc, lg, gc, gg]);
  },
});

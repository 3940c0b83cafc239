import { assertTrue } from "../../testing/assert.ts";
import { assertGradsClose } from "../../testing/check_grads.ts";
import {
  cpuBackend,
  key,
  normal,
  split,
  type Tensor,
  tensor,
  treeMapWithPath,
} from "../../core/mod.ts";
import { nugpt } from "../../param/mod.ts";
import {
  init,
  loss,
  modelConfig,
  type NgptParams,
  rescalerFactors,
  sphereAxisOf,
} from "../../nn/mod.ts";
import { disposeTree } from "./helpers.ts";

Deno.test("the whole model's gradient agrees with central differences (f64, CPU)", async () => {
  const cpu = cpuBackend();
  const config = modelConfig({ vocab: 7, width: 16, headSize: 8, depth: 2, seqLen: 5 });
  const dims = { width: 16, depth: 2, steps: 300, baseWidth: 8, baseDepth: 1, baseSteps: 100 };
  const factors = rescalerFactors(nugpt(), dims);
  let k = key(11);
  // rescalers moved away from their (all-equal) init, so that every one of them matters
  const params: NgptParams = treeMapWithPath((path: string, t: Tensor) => {
    if (sphereAxisOf(path) !== null) return t;
    let sub;
    [k, sub] = split(k);
    return normal(sub, t.shape, { dtype: "f64", backend: cpu, mean: 0.5, std: 0.2 });
  }, init(key(10), config, { dtype: "f64", backend: cpu }));
  const batch = tensor([[1, 4, 0, 6, 2, 2], [5, 3, 3, 0, 1, 6]], { dtype: "i32", backend: cpu });
  const report = await assertGradsClose(
    (p: NgptParams, b: Tensor) => loss(p, b, { config, factors }),
    [params, batch],
    { argnums: 0, directions: 3, rtol: 1e-5, key: key(12) },
  );
  assertTrue(report.checked === 3 * 27, `checked ${report.checked} directions`);
  disposeTree([params, batch]);
});

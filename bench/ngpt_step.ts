/**
 * The compiled nGPT training step the CPU benches time (depth 2, head size 32, batch 16,
 * sequence 64, byte vocabulary, νGPT, Adam), one place for the setup they share.
 *
 * @example
 * ```ts
 * import { ngptStep } from "./ngpt_step.ts";
 * import { memory } from "../mod.ts";
 * const step = ngptStep(32);
 * step(); // traces and compiles
 * const before = memory().tensors;
 * step();
 * if (memory().tensors !== before) throw new Error("a step leaked tensors");
 * ```
 *
 * @module
 */
import * as nu from "../mod.ts";

/**
 * A function running one compiled training step of the width-`width` model (its parameters,
 * optimizer state and fixed batch kept between calls), on `opts.backend` (default: the
 * current one), with a cosine schedule over `opts.scheduleSteps` (default 100).
 */
export function ngptStep(
  width: number,
  opts: { backend?: nu.Backend; scheduleSteps?: number } = {},
): () => void {
  const { backend } = opts;
  const config = nu.nn.modelConfig({ vocab: 256, width, depth: 2, seqLen: 64, headSize: 32 });
  const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
  let params = model.init(nu.key(0), { backend });
  const opt = model.optimizer({ lr: 2 ** -7, steps: opts.scheduleSteps ?? 100, params });
  let state = opt.init(params);
  const batch = nu.keep(nu.randint(nu.key(1), [16, 65], 0, 256, { backend }));
  const step = nu.nn.trainStep(model, opt, { jit: true });
  return () => {
    const [loss, p, s] = step(params, state, batch);
    nu.optim.disposeReplaced([params, state, loss], [p, s]);
    [params, state] = [p, s];
  };
}

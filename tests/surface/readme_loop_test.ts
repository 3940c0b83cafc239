/**
 * The README's "Train your own model" loop, run as written (the import is this file's), and
 * checked to be the README's text: the loss falls and the live tensor count stays flat.
 */
import * as nu from "../../mod.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { readmeBlock, snippetOf } from "./readme_blocks.ts";

Deno.test("README: a hand-written training loop keeps memory flat and learns", async () => {
  // --- README snippet starts
  type Params = { hidden: nu.nn.LinearParams; out: nu.nn.LinearParams };
  const { gelu, initLinear, linear } = nu.nn;
  const [k1, k2, k3] = nu.split(nu.key(0), 3);
  let params: Params = {
    hidden: initLinear(k1, 1, 64, { std: 1 }),
    out: initLinear(k2, 64, 1, { std: 0.1 }),
  };
  const x = nu.normal(k3, [256, 1]);
  const y = nu.sin(nu.mul(x, 2)); // learn y = sin(2x)

  const loss = (p: Params, x: nu.Tensor, y: nu.Tensor) =>
    nu.mean(nu.square(nu.sub(linear(p.out, gelu(linear(p.hidden, x))), y)));
  const lossAndGrad = nu.valueAndGrad(loss); // grads are typed like Params
  const opt = nu.optim.adam(1e-2);
  let state = opt.init(params); // [AdamState, ScheduleState]

  const losses: number[] = [];
  const liveTensors: number[] = [];
  for (let step = 1; step <= 300; step++) {
    const [value, next, nextState] = nu.tidy(() => {
      const [value, grads] = lossAndGrad(params, x, y);
      const [updates, nextState] = opt.update(grads, state, params);
      return [value, nu.optim.applyUpdates(params, updates) as Params, nextState] as const;
    });
    nu.optim.disposeReplaced([params, state], [next, nextState]);
    [params, state] = [next, nextState];
    if (step === 1 || step % 100 === 0) {
      losses.push(await value.item());
      liveTensors.push(nu.memory().tensors);
    }
    value.dispose();
  }
  console.log("loss", losses, "live tensors", liveTensors); // the loss falls; the count does not grow
  // --- README snippet ends
  assertTrue(losses[3] < 0.1 * losses[0], `loss ${losses}`);
  assertEquals(liveTensors, liveTensors.map(() => liveTensors[0]));
  nu.optim.disposeReplaced([params, state, x, y]);
});

Deno.test("README: the loop above is the README's text", async () => {
  const block = await readmeBlock("## Train your own model");
  const source = await Deno.readTextFile(new URL(import.meta.url));
  assertEquals(block, ['import * as nu from "./mod.ts";', "", snippetOf(source, 0)].join("\n"));
});

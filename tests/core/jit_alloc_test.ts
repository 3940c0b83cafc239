/**
 * A compiled nGPT training step allocates no fresh memory once warm: every kernel's, matmul's
 * and the program's own outputs come from the arena or the CPU backend's pool, as its counters
 * (`memory().backend.created`, fresh typed-array storage) show; live buffers stay flat. And
 * reused storage is never read before it is written: on a backend that fills every output it
 * hands out unzeroed with NaN, the steps give the same losses as on a clean one.
 */
import * as nu from "../../mod.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";

Deno.test("jit: a warm compiled training step creates no new typed arrays on the CPU", async () => {
  const backend = nu.cpuBackend();
  const config = nu.nn.modelConfig({ vocab: 32, width: 32, depth: 2, seqLen: 16, headSize: 16 });
  const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
  let params = model.init(nu.key(0), { backend });
  const opt = model.optimizer({ lr: 2 ** -5, steps: 12, params });
  let state = opt.init(params);
  const step = nu.nn.trainStep(model, opt, { jit: true });
  const batches = [0, 1, 2].map((i) =>
    nu.keep(nu.randint(nu.key(100 + i), [4, 17], 0, 32, { backend }))
  );
  const losses: number[] = [];
  const run = (i: number) => {
    const [loss, p, s] = step(params, state, batches[i % batches.length]);
    losses.push(loss.dataSync()[0]);
    nu.optim.disposeReplaced([params, state, loss], [p, s]);
    [params, state] = [p, s];
  };
  for (let i = 0; i < 3; i++) run(i); // compile, fill the arena and the pool
  const before = nu.memory(backend).backend;
  for (let i = 3; i < 9; i++) run(i);
  const after = nu.memory(backend).backend;
  assertEquals(after.created, before.created, "fresh typed arrays created by warm steps");
  assertEquals(after.buffers, before.buffers, "live buffers");
  assertTrue(after.poolHits! > before.poolHits!, "the warm steps drew on the pool");
  assertTrue(losses.every(Number.isFinite) && losses[8] < losses[0], `it learns: ${losses}`);
  // The counter does move when new storage is needed (so the check above can fail).
  const odd = nu.zeros([12_345], { backend });
  assertEquals(nu.memory(backend).backend.created, after.created! + 1);
  odd.dispose();
  step.dispose();
  nu.optim.disposeReplaced([params, state, batches], []);
  await backend.flush();
});

Deno.test("jit and eager steps read no output before writing it (reused storage filled with NaN)", async () => {
  const losses = async (backend: nu.Backend, jit: boolean) => {
    const config = nu.nn.modelConfig({ vocab: 32, width: 32, depth: 1, seqLen: 16, headSize: 16 });
    const model = nu.nn.ngptModel(config, { parameterization: nu.param.nugpt });
    let params = model.init(nu.key(0), { backend });
    const opt = model.optimizer({ lr: 2 ** -5, steps: 4, params });
    let state = opt.init(params);
    const step = nu.nn.trainStep(model, opt, { jit });
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      const batch = nu.randint(nu.key(200 + i), [4, 17], 0, 32, { backend });
      const [loss, p, s] = step(params, state, batch);
      out.push(await loss.item());
      nu.optim.disposeReplaced([params, state, loss, batch], [p, s]);
      [params, state] = [p, s];
    }
    step.dispose();
    nu.optim.disposeReplaced([params, state], []);
    return out;
  };
  for (const jit of [true, false]) {
    const clean = await losses(createCpuBackend(), jit);
    const poisoned = await losses(createCpuBackend({ debugFill: NaN }), jit);
    assertTrue(clean.every(Number.isFinite), `${clean}`);
    assertEquals(poisoned, clean, jit ? "compiled" : "eager");
  }
});

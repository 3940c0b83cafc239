/**
 * `nn.trainGroup`: each member of a group trained as one vmapped, compiled step gives the same
 * losses at every read point of a 50-step run as the same run trained alone by `nn.train`
 * (within 1e-5 relative; here they are bit-identical on the CPU and on lavapipe), on the CPU and on WebGPU; a member
 * made to diverge is recorded as `train` records it and the others finish with their solo
 * losses; bad options get clear errors.
 */
import * as nu from "../../mod.ts";
import type { Backend, Tensor } from "../../core/mod.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { createWebGpuBackend } from "../../kernels/webgpu/backend.ts";
import { requires, webgpuAdapter } from "../requires.ts";
import type { NgptParams, TrainResult, Windows } from "../../nn/mod.ts";
import { rateTables, stackTrees } from "../../nn/train_group_step.ts";

const { nn } = nu;
const VOCAB = 16, T = 8;
const model = nn.ngptModel(nn.modelConfig({ vocab: VOCAB, width: 32, depth: 1, seqLen: T }));

/** Rows of T+1 tokens with a learnable pattern; `start` varies the rows. */
function rows(start: number, count: number): Int32Array {
  return Int32Array.from(
    { length: count * (T + 1) },
    (_, i) => {
      const [r, j] = [Math.floor(i / (T + 1)), i % (T + 1)];
      return (start * 3 + 5 * r + j * (1 + (r % 3))) % VOCAB;
    },
  );
}

/** Member `m`'s batch at `step`: host data, or a tensor on `backend`. */
function batchOf(step: number, m: number, asTensor: boolean, backend: Backend): Windows {
  const data = rows(step + 7 * m, 4);
  return asTensor
    ? nu.fromData(data, [4, T + 1], { dtype: "i32", backend }) as Tensor
    : { data, count: 4 };
}

function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), 1e-12);
}

/** Every read point of `group` matches `solo` within `rtol` (statuses and steps equal). */
function assertSameRun(group: TrainResult, solo: TrainResult, rtol: number, what: string) {
  assertEquals([group.status, group.steps, group.curves.length], [
    solo.status,
    solo.steps,
    solo.curves.length,
  ], what);
  solo.curves.forEach((p, i) => {
    const q = group.curves[i];
    assertEquals(q.step, p.step, what);
    assertTrue(
      relDiff(q.trainLoss, p.trainLoss) <= rtol,
      `${what} step ${p.step}: train ${q.trainLoss} vs ${p.trainLoss}`,
    );
    if (p.valLoss !== undefined) {
      assertTrue(
        relDiff(q.valLoss!, p.valLoss) <= rtol,
        `${what} step ${p.step}: val ${q.valLoss} vs ${p.valLoss}`,
      );
    }
  });
  if (solo.finalValLoss !== null) {
    assertTrue(relDiff(group.finalValLoss!, solo.finalValLoss) <= rtol, `${what}: final val loss`);
  }
}

async function compareWithSolo(
  backend: Backend,
  lrs: number[],
  asTensor: boolean,
  on: typeof model = model,
  steps = 50,
) {
  const evalWindows = nu.fromData(rows(100, 8), [8, T + 1], { dtype: "i32", backend });
  const common = { steps, evalEvery: 10, evalWindows, backend };
  const progress: [number, number][] = [];
  const group = await nn.trainGroup(on, {
    ...common,
    lrs,
    keys: lrs.map((_, m) => nu.key(m)),
    batch: (step, m) => batchOf(step, m, asTensor, backend),
    onProgress: (m, step) => progress.push([m, step]),
  });
  const solos: TrainResult[] = [];
  for (const [m, lr] of lrs.entries()) {
    solos.push(
      await nn.train(on, {
        ...common,
        lr,
        key: nu.key(m),
        batch: (step) => batchOf(step, m, asTensor, backend),
      }),
    );
  }
  evalWindows.dispose();
  return { group, solos, progress };
}

Deno.test("trainGroup (CPU): every member equals its run alone at every read point", async () => {
  const lrs = [2 ** -6, 2 ** -4, 2 ** -3];
  const { group, solos, progress } = await compareWithSolo(nu.cpuBackend(), lrs, false);
  for (const m of lrs.keys()) assertSameRun(group[m], solos[m], 1e-5, `member ${m}`);
  assertEquals(progress.length, 5 * lrs.length);
  // The members differ from each other (the test compares distinct runs).
  assertTrue(group[0].curves[4].trainLoss !== group[1].curves[4].trainLoss);
});

Deno.test("trainGroup (CPU): mixed-precision members equal their runs alone (the loss scale too)", async () => {
  const f16 = nn.ngptModel(nn.modelConfig({ vocab: VOCAB, width: 32, depth: 1, seqLen: T }), {
    precision: "f16",
  });
  const lrs = [2 ** -6, 2 ** -4];
  const { group, solos } = await compareWithSolo(nu.cpuBackend(), lrs, false, f16, 20);
  for (const m of lrs.keys()) assertSameRun(group[m], solos[m], 1e-5, `f16 member ${m}`);
});

Deno.test("trainGroup (CPU): a diverging member is recorded and dropped; the rest finish as alone", async () => {
  const lrs = [2 ** -5, 64, 2 ** -4];
  const { group, solos } = await compareWithSolo(nu.cpuBackend(), lrs, true);
  assertEquals(solos[1].status, "diverged");
  assertEquals(group[1].status, "diverged");
  assertTrue(group[1].steps < 50 && group[1].reason!.includes("learning rate 64"), group[1].reason);
  for (const m of lrs.keys()) assertSameRun(group[m], solos[m], 1e-5, `member ${m}`);
});

requires(await webgpuAdapter(), {
  name: "trainGroup (WebGPU): every member equals its run alone at every read point",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const gpu = await createWebGpuBackend();
    const lrs = [2 ** -6, 2 ** -4];
    const { group, solos } = await compareWithSolo(gpu, lrs, false);
    for (const m of lrs.keys()) assertSameRun(group[m], solos[m], 1e-5, `member ${m}`);
  },
});

Deno.test("trainGroup (CPU): the grouped held-out evaluations equal `train`'s, final windows apart", async () => {
  // Distinct final windows (a partial last chunk too): the last read point's held-out loss then
  // comes from the evaluation windows, the final loss from the final ones, as `train` does it.
  const backend = nu.cpuBackend();
  const evalWindows = { data: rows(100, 6), count: 6 };
  const finalWindows = { data: rows(200, 11), count: 11 };
  const lrs = [2 ** -6, 2 ** -4];
  const common = { steps: 12, evalEvery: 4, evalWindows, finalWindows, evalBatch: 4, backend };
  const group = await nn.trainGroup(model, {
    ...common,
    lrs,
    keys: lrs.map((_, m) => nu.key(m)),
    batch: (step, m) => batchOf(step, m, false, backend),
  });
  for (const [m, lr] of lrs.entries()) {
    const solo = await nn.train(model, {
      ...common,
      lr,
      key: nu.key(m),
      batch: (step) => batchOf(step, m, false, backend),
    });
    assertSameRun(group[m], solo, 1e-5, `member ${m}`);
    assertEquals(group[m].initialValLoss !== null, true);
    assertTrue(relDiff(group[m].initialValLoss!, solo.initialValLoss!) <= 1e-5, "initial loss");
    assertTrue(group[m].curves.every((p) => p.valLoss !== undefined), "a held-out loss per point");
  }
  assertTrue(group[0].finalValLoss !== group[0].curves[2].valLoss, "final and held-out differ");
});

Deno.test("trainGroup: no tensor outlives a group, a dropped member's included", async () => {
  const evalWindows = nu.fromData(rows(100, 4), [4, T + 1], { dtype: "i32" });
  const run = () =>
    nn.trainGroup(model, {
      lrs: [2 ** -5, 64],
      keys: [nu.key(0), nu.key(1)],
      steps: 8,
      evalEvery: 4,
      evalWindows,
      batch: (step, m) => batchOf(step, m, false, nu.cpuBackend()),
    });
  await run(); // compiles once, warms caches
  const before = nu.memory().tensors;
  const results = await run();
  assertEquals(results.map((r) => r.status), ["ok", "diverged"]);
  assertEquals(nu.memory().tensors, before);
  evalWindows.dispose();
});

Deno.test("trainGroup: the group's compiled step runs as many kernels as one member's", () => {
  // A group of N costs one step's dispatches: the vmapped program has the solo program's units.
  const members = [0, 1, 2].map((m) => model.init(nu.key(m)));
  const optimizer = (rateTable?: Tensor) =>
    model.optimizer({
      schedule: nu.optim.cosineDecay({ peak: 1, steps: 10 }),
      params: members[0],
      ...(rateTable ? { rateTable } : {}),
    });
  const lossAndGrad = nu.valueAndGrad((p: NgptParams, b: Tensor) => model.loss(p, b));
  const step = (params: NgptParams, state: unknown[], batch: Tensor, rates?: Tensor) =>
    nu.tidy(() => {
      const [loss, grads] = lossAndGrad(params, batch);
      return [loss, ...optimizer(rates).step(params, grads, state)];
    });
  const solo = nu.jit((p: NgptParams, s: unknown[], b: Tensor) => step(p, s, b));
  const states = members.map((p) => optimizer().init(p));
  solo(members[0], states[0], nu.fromData(rows(0, 4), [4, T + 1], { dtype: "i32" }));
  const group = nu.jit(nu.vmap(step));
  const rates = rateTables(
    [0.01, 0.02, 0.03],
    (lr) => nu.optim.cosineDecay({ peak: lr, steps: 10 }),
    "f32",
  );
  const batch = nu.fromData(rows(0, 12), [3, 4, T + 1], { dtype: "i32" });
  group(stackTrees(members), stackTrees(states), batch, rates);
  const [g, one] = [group.lastStats!, solo.lastStats!];
  assertTrue(g.units <= one.units + 2, `group ${g.units} units, one member ${one.units}`);
  assertTrue(g.kernels <= one.kernels + 2, `group ${g.kernels} kernels, one member ${one.kernels}`);
  group.dispose();
  solo.dispose();
});

Deno.test("trainGroup: bad options get clear errors", async () => {
  const base = { steps: 2, batch: () => ({ data: rows(0, 1), count: 1 }) };
  for (
    const [opts, message] of [
      [{ ...base, lrs: [], keys: [] }, "lrs must be a non-empty array"],
      [
        { ...base, lrs: [0.1, -1], keys: [nu.key(0), nu.key(1)] },
        "lrs[1] must be a positive number, got -1",
      ],
      [{ ...base, lrs: [0.1, 0.2], keys: [nu.key(0)] }, "2 lrs but 1 keys"],
      [{ ...base, lrs: [0.1], keys: [nu.key(0)], steps: 0 }, "steps must be a positive integer"],
    ] as const
  ) {
    let caught: Error | null = null;
    try {
      await nn.trainGroup(model, opts as unknown as Parameters<typeof nn.trainGroup>[1]);
    } catch (e) {
      caught = e as Error;
    }
    assertTrue(
      caught !== null && caught.message.includes(message),
      `${caught?.message} ∌ ${message}`,
    );
  }
});

Deno.test("vmapped model.loss reads every member's token ids on the host, op by op too", () => {
  const params = model.init(nu.key(0));
  const loss = nu.vmap((b: Tensor) => model.loss(params, b));
  const good = nu.fromData(rows(0, 4), [2, 2, T + 1], { dtype: "i32" });
  assertEquals(loss(good).shape, [2]);
  const data = rows(0, 4);
  data[T + 3] = VOCAB + 3;
  const bad = nu.fromData(data, [2, 2, T + 1], { dtype: "i32" });
  let message = "";
  try {
    loss(bad);
  } catch (e) {
    message = (e as Error).message;
  }
  assertTrue(message.includes(`token id ${VOCAB + 3}`), message);
  for (const t of nu.treeLeaves(params) as Tensor[]) t.dispose();
});

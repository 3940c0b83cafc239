/**
 * `nn.trainGroup`: each member of a group trained as one vmapped, compiled step gives the same
 * losses at every read point of a 50-step run as the same run trained alone by `nn.train`
 * (within 1e-5 relative; on the CPU they are bit-identical), on the CPU and on WebGPU; a member
 * made to diverge is recorded as `train` records it and the others finish with their solo
 * losses; bad options get clear errors.
 */
import * as nu from "../../mod.ts";
import type { Backend, Tensor } from "../../core/mod.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { createWebGpuBackend } from "../../kernels/webgpu/backend.ts";
import { requires, webgpuAdapter } from "../requires.ts";
import type { TrainResult, Windows } from "../../nn/mod.ts";

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

async function compareWithSolo(backend: Backend, lrs: number[], asTensor: boolean) {
  const evalWindows = nu.fromData(rows(100, 8), [8, T + 1], { dtype: "i32", backend });
  const common = { steps: 50, evalEvery: 10, evalWindows, backend };
  const progress: [number, number][] = [];
  const group = await nn.trainGroup(model, {
    ...common,
    lrs,
    keys: lrs.map((_, m) => nu.key(m)),
    batch: (step, m) => batchOf(step, m, asTensor, backend),
    onProgress: (m, step) => progress.push([m, step]),
  });
  const solos: TrainResult[] = [];
  for (const [m, lr] of lrs.entries()) {
    solos.push(
      await nn.train(model, {
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

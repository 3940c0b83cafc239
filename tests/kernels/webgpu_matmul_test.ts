/**
 * WebGPU matmul against the CPU backend: every kernel variant (the one chosen
 * on this adapter, the register kernel of software adapters, the tiled
 * kernels of hardware adapters, the simple kernel), any sizes (vec4 and
 * scalar layouts, edges), transposes and broadcast batches.
 */
import { assertEquals } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  chooseMatmulVariant,
  forceMatmulVariant,
  type MatmulVariant,
  variantName,
} from "../../kernels/webgpu/matmul.ts";
import { layoutFor } from "../../kernels/webgpu/matmul_common.ts";
import {
  broadcastableArb,
  compareWithCpu,
  gpuTest,
  type HostTensor,
  shapeArb,
  tensorArb,
} from "./webgpu_helpers.ts";
import type { WebGpuBackend } from "../../kernels/webgpu/backend.ts";

const dim = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 70 }));

const matmulCase = fc.record({
  m: dim,
  n: dim,
  k: dim,
  transA: fc.boolean(),
  transB: fc.boolean(),
  batch: shapeArb({ maxRank: 2, maxDim: 3 }),
}).chain((c) =>
  fc.tuple(fc.constant(c), broadcastableArb(c.batch), broadcastableArb(c.batch)).chain((
    [c, ba, bb],
  ) =>
    fc.tuple(
      fc.constant(c),
      tensorArb([...ba, ...(c.transA ? [c.k, c.m] : [c.m, c.k])], "f32", { min: -2, max: 2 }),
      tensorArb([...bb, ...(c.transB ? [c.n, c.k] : [c.k, c.n])], "f32", { min: -2, max: 2 }),
    )
  )
);

/** Every variant the backend can pick, plus other shapes of the same kernels. */
const VARIANTS: MatmulVariant[] = [
  { kind: "regs", shape: { tm: 4, tn: 8, wgm: 8, wgn: 8 } },
  { kind: "regs", shape: { tm: 3, tn: 4, wgm: 4, wgn: 2 } },
  { kind: "tiled", shape: { tm: 8, bk: 16 } },
  { kind: "tiled", shape: { tm: 4, bk: 16 } },
  { kind: "tiled", shape: { tm: 8, bk: 8 } },
  { kind: "simple" },
];

async function withVariant(v: MatmulVariant | null, fn: () => Promise<void>): Promise<void> {
  forceMatmulVariant(v);
  try {
    await fn();
  } finally {
    forceMatmulVariant(null);
  }
}

async function check(
  g: WebGpuBackend,
  c: { m: number; n: number; batch: number[]; transA: boolean; transB: boolean },
  a: HostTensor,
  b: HostTensor,
): Promise<void> {
  await compareWithCpu(g, "matmul", [a, b], { transA: c.transA, transB: c.transB }, {
    shape: [...c.batch, c.m, c.n],
    dtype: "f32",
  }, { rtol: 1e-4, atol: 1e-4 });
}

gpuTest("webgpu matmul: any sizes, transposes and broadcast batches match the CPU", async (g) => {
  await fc.assert(fc.asyncProperty(matmulCase, ([c, a, b]) => check(g, c, a, b)));
});

for (const v of VARIANTS) {
  // Fewer runs per forced variant (the default-choice test above runs 100): the
  // tiled kernels' barriers are slow on lavapipe and each layout compiles anew.
  const numRuns = v.kind === "tiled" ? 20 : 40;
  gpuTest(`webgpu matmul ${variantName(v)}: random cases match the CPU`, async (g) => {
    await withVariant(v, () =>
      fc.assert(
        fc.asyncProperty(matmulCase, ([c, a, b]) => check(g, c, a, b)),
        { numRuns },
      ));
  });
}

gpuTest("webgpu matmul: every variant on several tiles, aligned and ragged", async (g) => {
  const sizes: [number, number, number][] = [[136, 260, 36], [131, 67, 33]];
  const values = (n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 0.37 + seed) * 1.5));
  for (const v of VARIANTS) {
    await withVariant(v, async () => {
      for (const [m, n, k] of sizes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = {
              data: values(2 * m * k, 1),
              shape: [2, ...(transA ? [k, m] : [m, k])],
              dtype: "f32" as const,
            };
            const b = {
              data: values(k * n, 2),
              shape: transB ? [n, k] : [k, n],
              dtype: "f32" as const,
            };
            await check(g, { m, n, batch: [2], transA, transB }, a, b);
          }
        }
      }
    });
  }
});

Deno.test("webgpu matmul: per-adapter choice and vec4 layouts", () => {
  const soft = chooseMatmulVariant({ m: 1024, n: 1024, k: 1024, batch: 1 }, { isSoftware: true });
  assertEquals(soft.kind, "regs");
  const big = chooseMatmulVariant({ m: 4096, n: 4096, k: 4096, batch: 1 }, { isSoftware: false });
  assertEquals(variantName(big), "tiled8/16");
  const small = chooseMatmulVariant({ m: 256, n: 256, k: 256, batch: 1 }, { isSoftware: false });
  assertEquals(variantName(small), "tiled4/16");
  const thin = chooseMatmulVariant({ m: 2, n: 4096, k: 64, batch: 1 }, { isSoftware: false });
  assertEquals(thin.kind, "simple");
  const l = layoutFor({ m: 6, n: 8, k: 12, transA: true, transB: true, batchRank: 0 });
  assertEquals([l.vecA, l.vecB, l.vecC, l.k4], [false, true, true, true]);
});

gpuTest("webgpu matmul: i32 operands use the simple kernel exactly", async (g) => {
  const arb = fc.tuple(dim, dim, dim).chain(([m, k, n]) =>
    fc.tuple(tensorArb([m, k], "i32", { min: -5, max: 5 }), tensorArb([k, n], "i32"))
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([a, b]) => {
      await compareWithCpu(g, "matmul", [a, b], { transA: false, transB: false }, {
        shape: [a.shape[0], b.shape[1]],
        dtype: "i32",
      }, { rtol: 0, atol: 0 });
    }),
    { numRuns: 30 },
  );
});

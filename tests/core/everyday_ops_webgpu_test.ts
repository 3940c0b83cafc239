/**
 * The everyday ops across backends: the same f32 inputs through the CPU and
 * WebGPU give the same results within f32 tolerance (skipped without an
 * adapter, failed under CI; run with `DENO_WEBGPU_BACKEND=vulkan` on Mesa).
 * Also erf, log1p and expm1 on WebGPU within a few f32 ulp of the f64 values.
 * numRuns 8 per op.
 */
import * as nu from "../../mod.ts";
import { assertAllClose, fc, tensorArb } from "../../testing.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { requires } from "../requires.ts";
import { gpuRequirement } from "../kernels/webgpu_helpers.ts";
import { CASES } from "./everyday_ops_cases.ts";
import { erfReference } from "./special_reference.ts";

requires(gpuRequirement, {
  name: "everyday ops (WebGPU): every op matches the CPU on the same f32 inputs",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const cpu = nu.cpuBackend();
    const gpu = await nu.useBackend("webgpu");
    try {
      for (const c of CASES) {
        await fc.assert(
          fc.asyncProperty(c.inputs, async ({ xs, ints }) => {
            using _s = nu.scope();
            const run = (backend: nu.Backend) =>
              c.op(
                xs.map((x) => x.tensor({ backend, dtype: x.dtype === "f64" ? "f32" : x.dtype })),
                ints,
              );
            const a = run(cpu), b = run(gpu);
            assertEquals(b.shape, a.shape, `${c.name}: shapes`);
            await assertAllClose(Array.from(await b.data()), Array.from(await a.data()), {
              rtol: c.gpuRtol ?? 2e-5,
              atol: 2e-6,
              message: `${c.name} on ${xs.join(" ; ")} ints [${ints}]`,
            });
          }),
          { numRuns: 8 },
        );
      }
    } finally {
      await nu.useBackend("cpu");
    }
  },
});

requires(gpuRequirement, {
  name: "everyday ops (WebGPU): erf, log1p, expm1 within 4 f32 ulp of the f64 values",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await nu.useBackend("webgpu");
    const ulp = (v: number) => 2 ** (Math.floor(Math.log2(Math.max(Math.abs(v), 2 ** -126))) - 23);
    const fns: [(x: nu.Tensor) => nu.Tensor, (v: number) => number, number, number][] = [
      [nu.erf, erfReference, -5, 5],
      [nu.log1p, Math.log1p, -0.99, 10],
      [nu.expm1, Math.expm1, -10, 10],
    ];
    try {
      for (const [f, ref, min, max] of fns) {
        await fc.assert(
          fc.asyncProperty(tensorArb([256], { dtype: "f32", domain: { min, max } }), async (x) => {
            using _s = nu.scope();
            const got = await f(x.tensor({ backend: gpu })).data();
            x.values.forEach((v, i) => {
              const want = ref(v);
              assertTrue(
                Math.abs(got[i] - want) <= 4 * ulp(want),
                `${f.name}(${v}) = ${got[i]} on WebGPU, want ${want}`,
              );
            });
          }),
          { numRuns: 4 },
        );
      }
    } finally {
      await nu.useBackend("cpu");
    }
  },
});

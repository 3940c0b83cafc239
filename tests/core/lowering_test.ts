/**
 * Lowered primitives (reductions, logSoftmax, normalizeAxis) run eagerly as their rule's fused
 * kernels, asking for wide accumulation, and a `nu.jit` trace records the same kernels (views
 * folded into their strides): one path. Intermediate buffers are released, also when a kernel
 * throws; f16 computes in f32; WebGPU gives the CPU's results.
 *
 * numRuns: fast-check's default (100) on the CPU, 30 on WebGPU.
 */
import "../../core/rules.ts";
import { type CorePrim, type CorePrimParams, ruleOf, runPrimitive } from "../../core/bind.ts";
import type { Backend, DType, FusedRunOptions } from "../../kernels/backend.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { Recorder } from "../../core/jit/trace_backend.ts";
import { type FusedKernel, kernelKey } from "../../kernels/fused.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { compareWithCpu, gpuTest, shapeArb, tensorArb } from "../kernels/webgpu_helpers.ts";

const cpu = createCpuBackend({ blas: false });

/** `inner` with every fused kernel it is handed recorded; the `failAt`-th one (0-based) throws. */
function spying(inner: Backend, failAt = -1) {
  const runs: { kernel: FusedKernel; options?: FusedRunOptions }[] = [];
  const backend: Backend = {
    name: inner.name,
    dtypes: inner.dtypes,
    maxKernelBuffers: inner.maxKernelBuffers,
    upload: (data, dtype) => inner.upload(data, dtype),
    read: (b, dtype, size) => inner.read(b, dtype, size),
    release: (b) => inner.release(b),
    alloc: (dtype, size) => inner.alloc(dtype, size),
    runFused: (kernel, inputs, outputs, options) => {
      if (runs.length === failAt) throw new Error(`kernel ${failAt} fails`);
      runs.push({ kernel, options });
      inner.runFused(kernel, inputs, outputs, options);
    },
    run: (prim, inputs, params, out) => inner.run(prim, inputs, params, out),
    memory: () => inner.memory(),
    flush: () => inner.flush(),
    info: () => `spying on ${inner.info()}`,
  };
  return { backend, runs };
}

type Lowered = "reduceSum" | "reduceMax" | "logSoftmax" | "softmax" | "normalizeAxis";

/** A lowered primitive with an f32 operand, its parameters and output spec. */
const loweredCase = fc.oneof(
  shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) =>
    fc.tuple(
      fc.constantFrom<Lowered>("reduceSum", "reduceMax"),
      tensorArb(shape, "f32"),
      fc.subarray(shape.map((_, i) => i), { minLength: 1 }).map((axes) => ({ axes })),
    )
  ).filter(([prim, x, { axes }]) =>
    // A max over an empty axis has no value (the `max` op refuses it before the primitive runs).
    prim === "reduceSum" || axes.every((a) => x.shape[a] > 0)
  ),
  shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) =>
    fc.tuple(
      fc.constantFrom<Lowered>("logSoftmax", "softmax"),
      tensorArb(shape, "f32"),
      fc.constant({}),
    )
  ),
  shapeArb({ minRank: 2, maxRank: 2 }).chain((shape) =>
    fc.tuple(
      fc.constant<Lowered>("normalizeAxis"),
      tensorArb(shape, "f32"),
      fc.constantFrom<0 | -1>(0, -1).map((axis) => ({ axis, eps: 1e-6 })),
    )
  ),
);

function outSpec(
  prim: Lowered,
  x: { shape: number[]; dtype: DType },
  params: unknown,
): { shape: number[]; dtype: DType } {
  const out = ruleOf(prim).outSpec([x], params as never);
  return { shape: [...out.shape], dtype: out.dtype };
}

Deno.test("eager lowered primitives run their rule's kernels, wide, leaving no buffer behind", () => {
  fc.assert(fc.property(loweredCase, ([prim, x, params]) => {
    const { backend, runs } = spying(cpu);
    const out = outSpec(prim, x, params);
    const before = cpu.memory().buffers;
    const buffer = cpu.upload(Float32Array.from(x.data), "f32");
    const op = { buffer, shape: x.shape, dtype: "f32" as const };
    const y = runPrimitive(backend, prim, [op], params as CorePrimParams[Lowered], out);
    const lowering = ruleOf(prim).lower!([op], params as never, out);
    assertEquals(
      runs.map((r) => kernelKey(r.kernel)),
      lowering.steps.map((s) => kernelKey(s.kernel)),
    );
    assertTrue(runs.every((r) => r.options?.wideAccumulation === true));
    assertEquals(cpu.memory().buffers, before + 2); // the operand and the result
    cpu.release(y);
    cpu.release(buffer);
    assertEquals(cpu.memory().buffers, before);
  }));
});

Deno.test("a jit trace records a lowered primitive's kernels, reading a view through its strides", () => {
  const rec = new Recorder(cpu);
  const x = rec.input(0, "f32", 12);
  const spec = { shape: [4, 3], dtype: "f32" as const };
  const xt = rec.run(
    "transpose",
    [{ buffer: x, shape: [3, 4], dtype: "f32" }],
    { perm: [1, 0] },
    spec,
  );
  runPrimitive(rec, "logSoftmax", [{ buffer: xt, ...spec }], {}, spec);
  const lowering = ruleOf("logSoftmax").lower!([spec], {}, spec);
  assertEquals(rec.steps.length, 2);
  rec.steps.forEach((step, i) => {
    if (step.kind !== "fused") throw new Error(`step ${i} is a ${step.kind} step`);
    const want = lowering.steps[i].kernel;
    assertEquals([step.kernel.nodes, step.kernel.reduce], [want.nodes, want.reduce]);
    // The transposed view of x is read in place: its strides, not a copy.
    assertEquals(step.kernel.inputs[0].strides, [1, 4]);
    assertEquals(step.inputs[0], x.value);
  });
});

Deno.test("a lowered primitive whose kernel throws releases the buffers it allocated", () => {
  const x = cpu.upload(new Float32Array([1, 2, 3, 4, 5, 6]), "f32");
  const op = { buffer: x, shape: [2, 3], dtype: "f32" as const };
  const calls: [CorePrim, unknown][] = [["logSoftmax", {}], ["softmax", {}], ["normalizeAxis", {
    axis: 0,
    eps: 0,
  }], ["reduceSum", { axes: [1] }]];
  for (const [prim, params] of calls) {
    for (const failAt of prim === "reduceSum" ? [0] : [0, 1]) {
      const before = cpu.memory().buffers;
      const { backend } = spying(cpu, failAt);
      const out = outSpec(prim as Lowered, op, params);
      assertThrows(
        () => runPrimitive(backend, prim, [op], params as never, out),
        `kernel ${failAt} fails`,
      );
      assertEquals(cpu.memory().buffers, before, `${prim}, kernel ${failAt} failing`);
    }
  }
  cpu.release(x);
});

Deno.test("f16 logSoftmax, softmax and normalizeAxis compute in f32 and round once (CPU)", () => {
  const values = [0.1, -2.5, 3.3, 0.7, 1e-3, -0.25];
  const h = values.map(Math.f16round);
  const x = cpu.upload(Float32Array.from(h), "f16");
  const op = { buffer: x, shape: [2, 3], dtype: "f16" as const };
  const spec = { shape: [2, 3], dtype: "f16" as const };
  const lsm = cpu.readSync(runPrimitive(cpu, "logSoftmax", [op], {}, spec), "f16", 6);
  const sm = cpu.readSync(runPrimitive(cpu, "softmax", [op], {}, spec), "f16", 6);
  const norm = cpu.readSync(
    runPrimitive(cpu, "normalizeAxis", [op], { axis: -1, eps: 0 }, spec),
    "f16",
    6,
  );
  for (let r = 0; r < 2; r++) {
    const row = h.slice(3 * r, 3 * r + 3);
    const m = Math.max(...row);
    const s = row.reduce((s, v) => s + Math.exp(v - m), 0), lse = m + Math.log(s);
    const n = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
    row.forEach((v, j) => {
      assertEquals(lsm[3 * r + j], Math.f16round(v - lse), `logSoftmax [${r}, ${j}]`);
      assertEquals(sm[3 * r + j], Math.f16round(Math.exp(v - m) / s), `softmax [${r}, ${j}]`);
      assertEquals(norm[3 * r + j], Math.f16round(v / n), `normalizeAxis [${r}, ${j}]`);
    });
  }
});

gpuTest("webgpu: eager lowered primitives match the CPU and leave no buffer behind", async (g) => {
  const before = g.memory().buffers;
  await fc.assert(
    fc.asyncProperty(loweredCase, async ([prim, x, params]) => {
      await compareWithCpu(g, prim, [x], params as never, outSpec(prim, x, params), {
        rtol: 1e-5,
        atol: 1e-5,
      });
    }),
    { numRuns: 30 },
  );
  assertEquals(g.memory().buffers, before);
});

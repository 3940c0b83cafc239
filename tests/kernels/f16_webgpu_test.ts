/**
 * WebGPU f16 (the `shader-f16` feature; lavapipe has it) against the CPU
 * emulation and the binary16 oracle: casts, overflow to Inf, subnormals and
 * underflow, elementwise ops in f16, matmul/reductions/softmax/cross-entropy
 * accumulating in f32, a jit-fused f16 chain, and the error without the feature.
 */
import * as nu from "../../mod.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { createWebGpuBackend, type WebGpuBackend } from "../../kernels/webgpu/backend.ts";
import {
  forceMatmulVariant,
  type MatmulVariant,
  variantName,
} from "../../kernels/webgpu/matmul.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { gpuTest } from "./webgpu_helpers.ts";
import {
  assertCloseF16,
  decodeF16,
  F16_MAX,
  F16_MIN_NORMAL,
  f32SumSpread,
  roundToF16,
} from "./f16_reference.ts";

const cpu = createCpuBackend({ blas: false });
const read = async (x: nu.Tensor) => Array.from(await x.data());
const on = (b: nu.Backend, data: number[], shape: number[], dtype: nu.DType = "f16") =>
  nu.fromData(data, shape, { dtype, backend: b });

/** Run `f` on the same host data on WebGPU and on the CPU; both results read back. */
async function both(
  g: WebGpuBackend,
  inputs: { data: number[]; shape: number[]; dtype?: nu.DType }[],
  f: (...xs: nu.Tensor[]) => nu.Tensor,
): Promise<[number[], number[]]> {
  const run = async (b: nu.Backend) => {
    using _ = nu.scope();
    return await read(f(...inputs.map((x) => on(b, x.data, x.shape, x.dtype))));
  };
  return [await run(g), await run(cpu)];
}

const wideF32 = fc.oneof(
  fc.float({ noNaN: true, min: -1e6, max: 1e6 }),
  fc.float({ noNaN: true, min: Math.fround(-1e-4), max: Math.fround(1e-4) }),
  fc.constantFrom(65504, 65519.99, 65520, -65520, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1e-30),
).map(Math.fround);

gpuTest(
  "webgpu f16: upload and cast from f32 round like the oracle (Inf, subnormals, 0)",
  async (g) => {
    await fc.assert(
      fc.asyncProperty(fc.array(wideF32, { minLength: 1, maxLength: 64 }), async (xs) => {
        const want = xs.map(roundToF16);
        const [cast] = await both(
          g,
          [{ data: xs, shape: [xs.length], dtype: "f32" }],
          (x) => nu.cast(x, "f16"),
        );
        assertEquals(cast, want);
        assertEquals(await read(on(g, xs, [xs.length])), want);
      }),
      { numRuns: 25 },
    );
  },
);

gpuTest("webgpu f16: representable values survive every cast exactly", async (g) => {
  const bits = Array.from({ length: 4096 }, (_, i) => (i * 16 + (i % 13)) & 0xffff)
    .filter((b) => (b & 0x7c00) !== 0x7c00);
  const vals = bits.map(decodeF16);
  const h = on(g, vals, [vals.length]);
  assertEquals(await read(h), vals);
  assertEquals(await read(nu.cast(h, "f32")), vals);
  assertEquals(await read(nu.cast(nu.cast(h, "f32"), "f16")), vals);
  assertEquals(await read(nu.cast(h, "i32")), vals.map((v) => Math.trunc(v) | 0));
  const ints = [-2048, -1, 0, 1, 2047, 2049, 70000];
  assertEquals(await read(nu.cast(on(g, ints, [7], "i32"), "f16")), ints.map(roundToF16));
  h.dispose();
});

gpuTest("webgpu f16: arithmetic overflows to Inf and underflows to subnormals and 0", async (g) => {
  const big = on(g, [F16_MAX, F16_MAX, -F16_MAX], [3]);
  assertEquals(await read(nu.add(big, on(g, [16, 15, -16], [3]))), [Infinity, F16_MAX, -Infinity]);
  const small = on(g, [F16_MIN_NORMAL, F16_MIN_NORMAL, 3 * 2 ** -24], [3]);
  assertEquals(await read(nu.mul(small, on(g, [2 ** -10, 2 ** -11, 1], [3]))), [
    2 ** -24,
    0,
    3 * 2 ** -24,
  ]);
  // Constants past the range are infinities (a mask's -1e9), NaN stays NaN.
  const masked = nu.where(on(g, [1, 0, 1], [3], "bool"), on(g, [2, 3, 4], [3]), -1e9);
  assertEquals(await read(masked), [2, -Infinity, 4]);
  assertEquals(await read(nu.add(on(g, [1, -1], [2]), 1e6)), [Infinity, Infinity]);
  assertEquals((await read(nu.mul(on(g, [1], [1]), NaN))).map(Number.isNaN), [true]);
  assertEquals(await read(nu.max(on(g, [-1e5, -1e5], [2]))), [-Infinity]);
  // A sum accumulates in f32 and overflows only when it stores its f16 result.
  assertEquals(await read(nu.sum(on(g, [40000, 40000, -40000], [3]))), [40000]);
  assertEquals(await read(nu.sum(on(g, [40000, 40000], [2]))), [Infinity]);
  // Long rows (the workgroup path) and strided axes: an f16 accumulator would lose the
  // 250s past 4096 (steps of 4); the f32 one sums 256 of them exactly to 64000.
  const rows = on(g, new Array(2 * 256).fill(250), [2, 256]);
  assertEquals(await read(nu.sum(rows, { axis: 1 })), [64000, 64000]);
  assertEquals(await read(nu.sum(nu.transpose(rows), { axis: 0 })), [64000, 64000]);
  assertEquals(await read(nu.max(rows, { axis: 1 })), [250, 250]);
  // Scatter-add (an embedding's gradient) accumulates in f32 the same way.
  const ids = on(g, new Array(256).fill(0).map((_, i) => (i < 255 ? 1 : 0)), [256], "i32");
  const grads = on(g, new Array(256).fill(250), [256]);
  assertEquals(await read(nu.scatterAdd(grads, ids, 2)), [250, roundToF16(255 * 250)]);
});

const UNARY: [string, (x: nu.Tensor) => nu.Tensor, number, number][] = [
  ["exp", nu.exp, -8, 8],
  ["log", nu.log, 0.01, 100],
  ["sqrt", nu.sqrt, 0, 100],
  ["rsqrt", nu.rsqrt, 0.01, 100],
  ["tanh", nu.tanh, -5, 5],
  ["sin", nu.sin, -3, 3],
  ["sigmoid", nu.sigmoid, -8, 8],
  ["erf", nu.erf, -3, 3],
  ["silu", nu.silu, -6, 6],
];

gpuTest("webgpu f16: unary ops match the CPU emulation within f16 steps", async (g) => {
  for (const [name, f, min, max] of UNARY) {
    const arb = fc.array(fc.float({ noNaN: true, min: Math.fround(min), max: Math.fround(max) }), {
      minLength: 1,
      maxLength: 50,
    });
    await fc.assert(
      fc.asyncProperty(arb, async (xs) => {
        const [got, want] = await both(g, [{ data: xs, shape: [xs.length] }], f);
        // The adapter's f16 transcendentals may differ from correctly rounded ones by a step
        // or two; compositions (sigmoid, silu) round at each op.
        assertCloseF16(got, want, { ulps: 4, atol: 2 ** -14, what: name });
      }),
      { numRuns: 8 },
    );
  }
  // Large arguments, where an f16 builtin may err by many steps (WGSL allows exp 3 + 2|x| ulps;
  // lavapipe's gave exp(6.578125) = 716.5): computed in f32, each rounds once, as on the CPU.
  const xs = [6.578125, 7.9921875, -7.9921875, 3.140625, -2.5, 100, 0.015625];
  for (const [name, f] of [["exp", nu.exp], ["sin", nu.sin], ["cos", nu.cos]] as const) {
    const [got, want] = await both(g, [{ data: xs, shape: [xs.length] }], f);
    assertCloseF16(got, want, { ulps: 1, what: `${name} at large arguments` });
  }
  const [logGot, logWant] = await both(g, [{ data: [1e-3, 0.5, 1000, 60000], shape: [4] }], nu.log);
  assertCloseF16(logGot, logWant, { ulps: 1, what: "log" });
});

gpuTest("webgpu f16: binary ops round like the CPU emulation", async (g) => {
  const val = fc.float({ noNaN: true, min: -300, max: 300 });
  const arb = fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.tuple(
      fc.array(val, { minLength: n, maxLength: n }),
      fc.array(val, { minLength: n, maxLength: n }),
    )
  );
  const ops: [string, (a: nu.Tensor, b: nu.Tensor) => nu.Tensor][] = [
    ["add", nu.add],
    ["sub", nu.sub],
    ["mul", nu.mul],
    ["maximum", nu.maximum],
  ];
  await fc.assert(
    fc.asyncProperty(arb, async ([a, b]) => {
      for (const [name, f] of ops) {
        const [got, want] = await both(g, [{ data: a, shape: [a.length] }, {
          data: b,
          shape: [b.length],
        }], f);
        // One correctly rounded f16 operation: equal on both.
        assertCloseF16(got, want, { ulps: 0, what: name });
      }
    }),
    { numRuns: 20 },
  );
});

gpuTest("webgpu f16: matmul, sums, softmax and cross-entropy accumulate in f32", async (g) => {
  const small = fc.float({ noNaN: true, min: -4, max: 4 });
  const arb = fc.tuple(
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 70 }),
    fc.integer({ min: 1, max: 5 }),
  ).chain(([m, k, n]) =>
    fc.tuple(
      fc.constant([m, k, n]),
      fc.array(small, { minLength: m * k, maxLength: m * k }),
      fc.array(small, { minLength: k * n, maxLength: k * n }),
      fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: m, maxLength: m }),
    )
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([[m, k, n], av, bv, targets]) => {
      const a = { data: av, shape: [m, k] }, b = { data: bv, shape: [k, n] };
      const t = { data: targets, shape: [m], dtype: "i32" as const };
      // f32 accumulation on both sides in different orders, then one rounding: within one f16
      // step plus what two f32 accumulations of the terms may differ by (terms of ±4 · ±4 can
      // cancel to near 0, where that spread is larger than the result).
      const [ah, bh] = [av.map(roundToF16), bv.map(roundToF16)];
      const productSpread = Array.from({ length: m * n }, (_, e) => {
        const [i, j] = [Math.floor(e / n), e % n];
        const terms = Array.from({ length: k }, (_, p) => ah[i * k + p] * bh[p * n + j]);
        return Math.max(2 ** -20, f32SumSpread(terms));
      });
      const [mm, mmCpu] = await both(g, [a, b], (x, y) => nu.matmul(x, y));
      assertCloseF16(mm, mmCpu, { ulps: 1, atol: productSpread, what: "matmul" });
      const sumSpread = Array.from(
        { length: m },
        (_, i) => Math.max(2 ** -20, f32SumSpread(ah.slice(i * k, (i + 1) * k))),
      );
      const [s, sCpu] = await both(g, [a], (x) => nu.sum(x, { axis: 1 }));
      assertCloseF16(s, sCpu, { ulps: 1, atol: sumSpread, what: "sum" });
      const [sm, smCpu] = await both(g, [a], (x) => nu.softmax(x));
      // Rounded intermediates (x - max, exp, the sum) differ between the two: see the CPU test.
      assertCloseF16(sm, smCpu, { ulps: 16, atol: 2 ** -20, what: "softmax" });
      const [ce, ceCpu] = await both(g, [a, t], (x, y) => nu.crossEntropy(x, y));
      assertCloseF16(ce, ceCpu, { ulps: 2, atol: 2 ** -12, what: "crossEntropy" });
      // And the f16 matmul stays within f16 tolerance of the f32 product.
      const [mm32] = await both(
        g,
        [a, b],
        (x, y) => nu.matmul(nu.cast(x, "f32"), nu.cast(y, "f32")),
      );
      assertCloseF16(mm, mm32.map(roundToF16), {
        ulps: 1,
        atol: productSpread,
        what: "matmul vs f32",
      });
    }),
    { numRuns: 6 },
  );
});

gpuTest("webgpu f16: a jit-fused f16 chain with a reduction matches the CPU", async (g) => {
  const f = nu.jit((x: nu.Tensor, y: nu.Tensor) => {
    const z = nu.add(nu.mul(x, y), 1);
    return nu.sum(nu.mul(nu.tanh(z), z), { axis: 1 });
  });
  const xs = Array.from({ length: 96 }, (_, i) => Math.sin(i) * 3);
  const ys = Array.from({ length: 96 }, (_, i) => Math.cos(i * 0.7));
  const [got, want] = await both(
    g,
    [{ data: xs, shape: [8, 12] }, { data: ys, shape: [8, 12] }],
    f,
  );
  assertCloseF16(got, want, { ulps: 8, atol: 2 ** -10, what: "jit" });
});

gpuTest("webgpu f16: without shader-f16 the error names the missing feature", async () => {
  const plain = await createWebGpuBackend({ shaderF16: false });
  try {
    assertEquals(plain.dtypes.includes("f16"), false);
    const x = nu.fromData([1, 2], [2], { backend: plain });
    assertThrows(
      () => nu.cast(x, "f16"),
      'cast: f16 needs the WebGPU adapter feature "shader-f16", which this adapter lacks',
    );
    assertThrows(
      () => nu.fromData([1], [1], { dtype: "f16", backend: plain }),
      'fromData: f16 needs the WebGPU adapter feature "shader-f16", which this adapter lacks',
    );
    x.dispose();
  } finally {
    plain.destroy();
  }
});

/** Every matmul kernel the backend can pick, each reading f16 natively. */
const MATMUL_VARIANTS: MatmulVariant[] = [
  { kind: "regs", shape: { tm: 4, tn: 8, wgm: 8, wgn: 8 } },
  { kind: "regs", shape: { tm: 3, tn: 4, wgm: 4, wgn: 2 } },
  { kind: "tiled", shape: { tm: 8, bk: 16 } },
  { kind: "tiled", shape: { tm: 4, bk: 16 } },
  { kind: "simple" },
];

gpuTest("webgpu f16 matmul: every kernel, aligned and ragged, transposed, batched", async (g) => {
  const values = (n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => roundToF16(Math.sin(i * 0.37 + seed) * 1.5));
  // Aligned sizes take the vec4 paths, ragged ones the scalar ones; each transpose pair once
  // (every layout compiles anew, slowly on lavapipe).
  const cases: [number, number, number, boolean, boolean][] = [
    [36, 68, 20, false, false],
    [36, 68, 20, true, true],
    [9, 7, 13, false, true],
    [9, 7, 13, true, false],
  ];
  for (const v of MATMUL_VARIANTS) {
    forceMatmulVariant(v);
    try {
      for (const [m, n, k, transA, transB] of cases) {
        const a = { data: values(2 * m * k, 1), shape: [2, ...(transA ? [k, m] : [m, k])] };
        const b = { data: values(k * n, 2), shape: transB ? [n, k] : [k, n] };
        const f = (x: nu.Tensor, y: nu.Tensor) => nu.matmul(x, y, { transA, transB });
        const [got, want] = await both(g, [a, b], f);
        // f32 accumulation and one rounding on both; the summation orders differ.
        assertCloseF16(got, want, {
          ulps: 1,
          atol: 2 ** -20,
          what: `${variantName(v)} ${m}x${n}x${k} transA=${transA} transB=${transB}`,
        });
      }
    } finally {
      forceMatmulVariant(null);
    }
  }
});

gpuTest("webgpu f16: toBackend moves f16 tensors between the CPU and WebGPU exactly", async (g) => {
  const vals = [0.333251953125, -65504, 2 ** -24, Infinity, -0, 1.5];
  const onCpu = on(cpu, vals, [2, 3]);
  const onGpu = await nu.toBackend(onCpu, g);
  assertEquals([onGpu.dtype, onGpu.backend.name, await read(onGpu)], ["f16", "webgpu", vals]);
  const back = await nu.toBackend(nu.mul(onGpu, 2), cpu);
  assertEquals(await read(back), vals.map((v) => roundToF16(v * 2)));
  for (const t of [onCpu, onGpu, back]) t.dispose();
});

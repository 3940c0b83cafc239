/**
 * The CPU backend's f16 emulation against an independent binary16 oracle:
 * rounding on upload and cast (nearest, ties to even, overflow to ±Inf,
 * subnormals, underflow to 0), exact casts of representable values, every op's
 * f16 result within an f16 step of its f32 result, and the missing-feature error.
 */
import * as nu from "../../mod.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { checkBackendDtype } from "../../core/ops/create.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  assertCloseF16,
  decodeF16,
  F16_MAX,
  F16_MIN_NORMAL,
  F16_MIN_SUBNORMAL,
  roundToF16,
} from "./f16_reference.ts";

const backend = createCpuBackend({ blas: false });
const t = (data: number[], dtype: nu.DType = "f32") =>
  nu.fromData(data, [data.length], { dtype, backend });
const read = async (x: nu.Tensor) => Array.from(await x.data());

/** Finite f32 values over the whole f16 range and beyond, subnormals included. */
const wideF32 = fc.oneof(
  fc.float({ noNaN: true, min: -1e6, max: 1e6 }),
  fc.float({ noNaN: true, min: Math.fround(-1e-4), max: Math.fround(1e-4) }),
  fc.constantFrom(65504, 65519.99, 65520, -65520, 2 ** -24, 2 ** -25, 3 * 2 ** -26, -0),
).map(Math.fround);

Deno.test("cpu f16: upload and cast f32 -> f16 round to nearest even, like the oracle", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(wideF32, { minLength: 1, maxLength: 40 }), async (xs) => {
      const want = xs.map(roundToF16);
      assertEquals(await read(nu.fromData(xs, [xs.length], { dtype: "f16", backend })), want);
      assertEquals(await read(nu.cast(t(xs), "f16")), want);
    }),
    { numRuns: 60 },
  );
});

Deno.test("cpu f16: casts of representable values are exact both ways (f32, f64, i32)", async () => {
  const bits = fc.integer({ min: 0, max: 0xffff }).filter((b) => (b & 0x7c00) !== 0x7c00);
  await fc.assert(
    fc.asyncProperty(fc.array(bits, { minLength: 1, maxLength: 50 }), async (bs) => {
      const vals = bs.map(decodeF16);
      const h = t(vals, "f16");
      assertEquals(await read(h), vals);
      assertEquals(await read(nu.cast(h, "f32")), vals);
      assertEquals(await read(nu.cast(h, "f64")), vals);
      assertEquals(await read(nu.cast(nu.cast(h, "f64"), "f16")), vals);
      assertEquals(await read(nu.cast(h, "i32")), vals.map((v) => Math.trunc(v) | 0));
    }),
    { numRuns: 40 },
  );
  const ints = [-2048, -1, 0, 1, 2047, 2048, 2049];
  assertEquals(await read(nu.cast(t(ints, "i32"), "f16")), ints.map(roundToF16));
});

Deno.test("cpu f16: overflow goes to Inf and underflow through the subnormals to 0", async () => {
  assertEquals(
    await read(nu.cast(t([65504, 65519.99, 65520, -65520, 1e9]), "f16")),
    [65504, 65504, Infinity, -Infinity, Infinity],
  );
  const tiny = [
    F16_MIN_NORMAL,
    3 * F16_MIN_SUBNORMAL,
    F16_MIN_SUBNORMAL,
    2 ** -25,
    2 ** -25 * 1.01,
  ];
  assertEquals(await read(t(tiny, "f16")), [F16_MIN_NORMAL, 3 * 2 ** -24, 2 ** -24, 0, 2 ** -24]);
  // Arithmetic overflows and underflows the same way: each result is rounded.
  assertEquals(await read(nu.add(t([F16_MAX, F16_MAX], "f16"), t([16, 15], "f16"))), [
    Infinity,
    F16_MAX,
  ]);
  assertEquals(await read(nu.mul(t([F16_MIN_NORMAL], "f16"), 2 ** -11)), [0]);
  assertEquals(await read(nu.mul(t([F16_MIN_NORMAL], "f16"), 2 ** -10)), [F16_MIN_SUBNORMAL]);
  // A sum past the range overflows although each addend is finite.
  assertEquals(await read(nu.sum(t([40000, 40000], "f16"))), [Infinity]);
});

/** f16 results of `op` within one f16 step of the f32 result on the same (f16) inputs. */
const UNARY: [string, (x: nu.Tensor) => nu.Tensor, number, number][] = [
  ["exp", nu.exp, -8, 8],
  ["log", nu.log, 0.01, 100],
  ["sqrt", nu.sqrt, 0, 100],
  ["tanh", nu.tanh, -5, 5],
  ["sin", nu.sin, -6, 6],
  ["sigmoid", nu.sigmoid, -8, 8],
  ["erf", nu.erf, -3, 3],
  ["neg", nu.neg, -100, 100],
];

Deno.test("cpu f16: unary ops within an f16 step of f32 on the same inputs", async () => {
  for (const [name, f, min, max] of UNARY) {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.float({ noNaN: true, min: Math.fround(min), max: Math.fround(max) }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (xs) => {
          const h = t(xs, "f16");
          const want = await read(f(nu.cast(h, "f32")));
          // sigmoid is a composition of f16 ops: a few steps of rounding.
          const ulps = name === "sigmoid" ? 3 : 1;
          assertCloseF16(await read(f(h)), want, { ulps, atol: 1e-7, what: name });
        },
      ),
      { numRuns: 15 },
    );
  }
});

const small = fc.float({ noNaN: true, min: -4, max: 4, noDefaultInfinity: true });

Deno.test("cpu f16: matmul, sum and softmax accumulate in f32 and round once", async () => {
  const dims = fc.tuple(
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 1, max: 40 }),
    fc.integer({ min: 1, max: 6 }),
  );
  const operands = dims.chain(([m, k, n]) =>
    fc.tuple(
      fc.constant([m, k, n]),
      fc.array(small, { minLength: m * k, maxLength: m * k }),
      fc.array(small, { minLength: k * n, maxLength: k * n }),
    )
  );
  await fc.assert(
    fc.asyncProperty(operands, async ([[m, k, n], av, bv]) => {
      const a = nu.fromData(av, [m, k], { dtype: "f16", backend });
      const b = nu.fromData(bv, [k, n], { dtype: "f16", backend });
      const a32 = nu.cast(a, "f32"), b32 = nu.cast(b, "f32");
      // One rounding of the f32 result: exactly the rounded f32 value.
      assertEquals(await read(nu.matmul(a, b)), (await read(nu.matmul(a32, b32))).map(roundToF16));
      // The sum accumulates in f64 on the CPU: within a step of the rounded f32 sum.
      assertCloseF16(
        await read(nu.sum(a, { axis: 1 })),
        (await read(nu.sum(a32, { axis: 1 }))).map(roundToF16),
        { what: "sum" },
      );
      // x - max is rounded to f16 before exp: an error of up to 2^-9 absolute in the
      // exponent for |x| < 8, so ~2^-9 relative in each output (~8 f16 steps).
      assertCloseF16(await read(nu.softmax(a)), await read(nu.softmax(a32)), {
        ulps: 12,
        what: "softmax",
      });
    }),
    { numRuns: 20 },
  );
});

Deno.test("cpu f16: gradients flow through casts into f32 leaves", async () => {
  const x = t([0.1, 2, -3]);
  const g = nu.grad((x: nu.Tensor) => nu.sum(nu.cast(nu.mul(nu.cast(x, "f16"), 3), "f32")))(x);
  assertEquals(g.dtype, "f32");
  assertEquals(await read(g), [3, 3, 3]);
});

Deno.test("cpu f16: a backend without f16 names the missing WebGPU feature", () => {
  const noF16 = { name: "webgpu", dtypes: ["f32", "i32", "bool"] as const };
  assertThrows(
    () => checkBackendDtype("cast", noF16, "f16"),
    'cast: f16 needs the WebGPU adapter feature "shader-f16", which this adapter lacks',
  );
  assertThrows(
    () => checkBackendDtype("fromData", { name: "cpu", dtypes: ["f32"] }, "f64"),
    "fromData: the cpu backend has no f64 (it has f32)",
  );
});

Deno.test("cpu f16: grad and jvp differentiate f16 leaves, in f16", async () => {
  const x = t([0.5, 3, -2], "f16");
  const g = nu.grad((x: nu.Tensor) => nu.sum(nu.mul(x, x)))(x);
  assertEquals([g.dtype, await read(g)], ["f16", [1, 6, -4]]);
  const [y, dy] = nu.jvp((x: nu.Tensor) => nu.mul(x, x), [x], [t([1, 1, 1], "f16")]);
  assertEquals([y.dtype, await read(dy)], ["f16", [1, 6, -4]]);
  // The gradient of an f16 loss rounds like every other f16 result: 2 · 65504 overflows.
  assertEquals(await read(nu.grad((x: nu.Tensor) => nu.sum(nu.mul(x, x)))(t([65504], "f16"))), [
    Infinity,
  ]);
});

Deno.test("cpu f16: random draws in f16 are the f32 draws rounded", async () => {
  const k = nu.key(3);
  const half = nu.normal(k, [64], { dtype: "f16", backend });
  const full = nu.normal(k, [64], { dtype: "f64", backend });
  assertEquals(half.dtype, "f16");
  assertEquals(await read(half), (await read(full)).map(roundToF16));
  assertThrows(() => nu.normal(k, [2], { dtype: "i32", backend }), "f32, f64 or f16, got i32");
});

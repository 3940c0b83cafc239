/** WebGPU elementwise kernels (unary, binary, compare, where, cast) against the CPU backend. */
import type { BinaryOp, CompareOp, DType, UnaryOp } from "../../kernels/backend.ts";
import { fc } from "../../testing/fc.ts";
import {
  broadcastableArb,
  compareWithCpu,
  gpuTest,
  shapeArb,
  tensorArb,
} from "./webgpu_helpers.ts";

const UNARY_DOMAIN: Record<UnaryOp, { min: number; max: number }> = {
  neg: { min: -10, max: 10 },
  exp: { min: -10, max: 10 },
  log: { min: 0.01, max: 100 },
  sqrt: { min: 0, max: 100 },
  rsqrt: { min: 0.01, max: 100 },
  abs: { min: -10, max: 10 },
  sign: { min: -3, max: 3 },
  tanh: { min: -30, max: 30 },
  sin: { min: -6, max: 6 },
  cos: { min: -6, max: 6 },
  sigmoid: { min: -30, max: 30 },
  erf: { min: -5, max: 5 },
  log1p: { min: -0.99, max: 10 },
  expm1: { min: -10, max: 10 },
  floor: { min: -10, max: 10 },
  ceil: { min: -10, max: 10 },
  round: { min: -10, max: 10 },
};

const INT_UNARY: UnaryOp[] = ["neg", "abs", "sign"];

gpuTest("webgpu unary: every op on f32 (and neg/abs/sign on i32) matches the CPU", async (g) => {
  const ops = Object.keys(UNARY_DOMAIN) as UnaryOp[];
  const arb = fc.constantFrom(...ops).chain((op) =>
    fc.tuple(
      fc.constant(op),
      fc.constantFrom<DType>(
        ...(INT_UNARY.includes(op) ? ["f32", "i32"] as DType[] : ["f32"] as DType[]),
      ),
      shapeArb(),
    ).chain(([op, dtype, shape]) =>
      fc.tuple(fc.constant(op), tensorArb(shape, dtype, UNARY_DOMAIN[op]))
    )
  );
  // 200 runs: the op is drawn too, so each of the 17 ops gets ~12 cases.
  await fc.assert(
    fc.asyncProperty(arb, async ([op, x]) => {
      await compareWithCpu(g, "unary", [x], { op }, { shape: x.shape, dtype: x.dtype }, {
        rtol: 2e-5,
        atol: 2e-6,
      });
    }),
    { numRuns: 200 },
  );
});

/**
 * The sample with subnormal values replaced by 0: WGSL lets a GPU flush subnormals to zero, and
 * lavapipe does (atan2 of two subnormals came back as atan2(0, 0) = π/2 against the CPU's exact
 * ratio), so the comparison draws normal numbers and zeros only.
 */
function normalOnly<T extends { data: number[] }>(sample: T): T {
  return { ...sample, data: sample.data.map((v) => (Math.abs(v) < 2 ** -126 ? 0 : v)) };
}

/** An output shape and two input shapes broadcastable to it. */
const broadcastPair = shapeArb().chain((out) =>
  fc.tuple(fc.constant(out), broadcastableArb(out), broadcastableArb(out))
);

gpuTest("webgpu binary: broadcasting, every op, f32 and i32 match the CPU", async (g) => {
  const ops: BinaryOp[] = ["add", "sub", "mul", "div", "pow", "max", "min", "atan2"];
  const arb = fc.tuple(fc.constantFrom(...ops), fc.constantFrom<DType>("f32", "i32"), broadcastPair)
    .map(([op, dtype, shapes]) => [op, op === "atan2" ? "f32" : dtype, shapes] as const)
    .chain(([op, dtype, [out, sa, sb]]) => {
      // pow: positive bases with any exponent, or any base with small integer exponents.
      const aRange = op === "pow" ? { min: 0.1, max: 4 } : {};
      const bRange = op === "pow" ? { min: -3, max: 3 } : op === "div" ? { min: 0.5, max: 10 } : {};
      return fc.tuple(
        fc.constant(op),
        fc.constant(out),
        tensorArb(sa, dtype, aRange).map(normalOnly),
        tensorArb(sb, dtype, bRange).map(normalOnly),
      );
    });
  await fc.assert(
    fc.asyncProperty(arb, async ([op, out, a, b]) => {
      await compareWithCpu(g, "binary", [a, b], { op }, { shape: out, dtype: a.dtype }, {
        rtol: 2e-5,
        atol: 1e-5,
      });
    }),
    { numRuns: 150 },
  );
});

gpuTest("webgpu pow: negative bases with integer exponents match Math.pow", async (g) => {
  const arb = fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc.tuple(
      // Subnormal bases become 0: WGSL lets a GPU flush them to zero (lavapipe does), so
      // 1 / 3e-39 is 3.4e38 on the CPU and Infinity or anything on the GPU.
      tensorArb([n], "f32", { min: -4, max: 4 }).map((t) => ({
        ...t,
        data: t.data.map((v) => (Math.abs(v) < 1.1754943508222875e-38 ? 0 : v)),
      })),
      fc.array(fc.integer({ min: -3, max: 4 }), { minLength: n, maxLength: n })
        .map((data) => ({ data, shape: [n], dtype: "f32" as DType })),
    )
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([a, b]) => {
      await compareWithCpu(g, "binary", [a, b], { op: "pow" }, { shape: a.shape, dtype: "f32" }, {
        rtol: 2e-5,
        atol: 1e-5,
      });
    }),
    { numRuns: 50 },
  );
});

gpuTest("webgpu compare: broadcasting, every op, gives bool equal to the CPU", async (g) => {
  const ops: CompareOp[] = ["lt", "le", "gt", "ge", "eq", "ne"];
  const arb = fc.tuple(fc.constantFrom(...ops), fc.constantFrom<DType>("f32", "i32"), broadcastPair)
    .chain(([op, dtype, [out, sa, sb]]) =>
      fc.tuple(
        fc.constant(op),
        fc.constant(out),
        tensorArb(sa, dtype, { min: -2, max: 2 }),
        tensorArb(sb, dtype, { min: -2, max: 2 }),
      )
    );
  await fc.assert(
    fc.asyncProperty(arb, async ([op, out, a, b]) => {
      await compareWithCpu(g, "compare", [a, b], { op }, { shape: out, dtype: "bool" });
    }),
  );
});

gpuTest("webgpu where: bool condition, broadcasting, f32/i32/bool values", async (g) => {
  const arb = fc.tuple(
    shapeArb().chain((out) =>
      fc.tuple(
        fc.constant(out),
        broadcastableArb(out),
        broadcastableArb(out),
        broadcastableArb(out),
      )
    ),
    fc.constantFrom<DType>("f32", "i32", "bool"),
  ).chain(([[out, sc, sa, sb], dtype]) =>
    fc.tuple(
      fc.constant(out),
      tensorArb(sc, "bool"),
      tensorArb(sa, dtype),
      tensorArb(sb, dtype),
    )
  );
  await fc.assert(
    fc.asyncProperty(arb, async ([out, c, a, b]) => {
      await compareWithCpu(g, "where", [c, a, b], {}, { shape: out, dtype: a.dtype });
    }),
  );
});

gpuTest("webgpu cast: between f32, i32 and bool (truncation, != 0)", async (g) => {
  const dtypes: DType[] = ["f32", "i32", "bool"];
  const arb = fc.tuple(fc.constantFrom(...dtypes), fc.constantFrom(...dtypes), shapeArb())
    .chain(([from, to, shape]) => fc.tuple(fc.constant(to), tensorArb(shape, from)));
  await fc.assert(
    fc.asyncProperty(arb, async ([to, x]) => {
      await compareWithCpu(g, "cast", [x], { to }, { shape: x.shape, dtype: to });
    }),
  );
});

/** Properties of the CPU elementwise kernels against index-by-index references. */
import { exp, tensor } from "../../mod.ts";
import type { BinaryOp, CompareOp, DType, UnaryOp } from "../../kernels/backend.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  assertAllClose,
  broadcastableArb,
  broadcastIndex,
  FLOAT_DTYPES,
  type Host,
  numel,
  ravel,
  runPrim,
  shapeArb,
  store,
  tensorArb,
  unravel,
} from "./cpu_naive.ts";
import { erfReference, roundHalfEven } from "../core/special_reference.ts";

const cpu = createCpuBackend({ blas: false });

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  sign: Math.sign,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  erf: erfReference,
  log1p: Math.log1p,
  expm1: Math.expm1,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
};

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  max: Math.max,
  min: Math.min,
  // A zero first argument counts as +0 on every backend (see `atan2` in core).
  atan2: (a, b) => (a === 0 ? (b < 0 ? Math.PI : 0) : Math.atan2(a, b)),
};

/** Integer ops: every binary op but atan2, which is float only (refused in core for i32). */
const INT_BINARY: Record<Exclude<BinaryOp, "atan2">, (a: number, b: number) => number> = {
  add: BINARY.add,
  sub: BINARY.sub,
  mul: BINARY.mul,
  max: BINARY.max,
  min: BINARY.min,
  div: (a, b) => (b === 0 ? 0 : Math.trunc(a / b)),
  pow: intPow,
};

/**
 * Integer power written out: repeated multiplication for b >= 0; for b < 0 the truncated
 * 1 / a^|b| (1 for a = 1, ±1 for a = -1, 0 for |a| > 1), and 0 for 0^negative, as i32 division
 * by zero gives 0.
 */
function intPow(a: number, b: number): number {
  if (b < 0) {
    if (a === 1) return 1;
    if (a === -1) return b % 2 === 0 ? 1 : -1;
    return 0;
  }
  let r = 1;
  for (let i = 0; i < b; i++) r = Math.imul(r, a);
  return r;
}

const COMPARE: Record<CompareOp, (a: number, b: number) => boolean> = {
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
};

/** Output shape plus inputs broadcastable to it (ranks may be lower). */
function broadcastCase(dtype: DType, nInputs: number, range = 10) {
  return shapeArb().chain((out) =>
    fc.array(broadcastableArb(out), { minLength: nInputs, maxLength: nInputs })
      .chain((shapes) => fc.tuple(...shapes.map((s) => tensorArb(s, dtype, range))))
      .map((inputs) => ({ out, inputs: inputs as Host[] }))
  );
}

/** Naive broadcast elementwise reference over `out`. */
function naiveMap(out: number[], inputs: Host[], f: (...v: number[]) => number): number[] {
  const res: number[] = [];
  for (let flat = 0; flat < numel(out); flat++) {
    const idx = unravel(flat, out);
    res.push(f(...inputs.map((x) => x.data[ravel(broadcastIndex(idx, x.shape), x.shape)])));
  }
  return res;
}

Deno.test("unary: every float op matches Math on f32 and f64", () => {
  for (const dtype of FLOAT_DTYPES) {
    for (const op of Object.keys(UNARY) as UnaryOp[]) {
      fc.assert(
        fc.property(shapeArb().chain((s) => tensorArb(s, dtype)), (x) => {
          const got = runPrim(cpu, "unary", [x], { op }, { shape: x.shape, dtype });
          const want = x.data.map((v) => store(UNARY[op](v), dtype));
          // Exact, except: sigmoid's two-branch form may differ from the naive one in the last
          // bit; f32 exp (and sigmoid) use a polynomial exp good to f32 rounding (≤ 1 ulp,
          // 2^-23 relative); rsqrt is 1 / sqrt, rounded twice. NaN is expected where Math gives
          // it (log, sqrt, rsqrt of negatives).
          // erf is a series against the reference's quadrature: a few ulp (f64 near 2.5: 8).
          const loose = op === "sigmoid" || op === "rsqrt" || (op === "exp" && dtype === "f32");
          assertAllClose(got, want, {
            rtol: op === "erf" ? 4e-15 : op === "sigmoid" ? 1e-6 : loose ? 2.5e-7 : 0,
            atol: op === "erf" ? 1e-300 : 0,
            equalNan: true,
          });
        }),
      );
    }
  }
});

Deno.test("unary: i32 supports neg, abs, sign and rejects float ops", () => {
  for (const op of ["neg", "abs", "sign"] as const) {
    fc.assert(fc.property(shapeArb().chain((s) => tensorArb(s, "i32", 1000)), (x) => {
      const got = runPrim(cpu, "unary", [x], { op }, { shape: x.shape, dtype: "i32" });
      assertEquals(got, x.data.map((v) => store(UNARY[op](v), "i32")));
    }));
  }
  // Float functions of integers are refused where the op is called (the kernels trust the core).
  assertThrows(() => exp(tensor([1], { dtype: "i32" })), "exp: needs a float tensor, got i32");
});

Deno.test("binary: broadcast (lower-rank inputs too) matches the reference, f32/f64", () => {
  for (const dtype of FLOAT_DTYPES) {
    for (const op of Object.keys(BINARY) as BinaryOp[]) {
      fc.assert(
        fc.property(broadcastCase(dtype, 2), ({ out, inputs }) => {
          const got = runPrim(cpu, "binary", inputs, { op }, { shape: out, dtype });
          const want = naiveMap(out, inputs, (a, b) => store(BINARY[op](a, b), dtype));
          // NaN is expected where Math gives it: 0 / 0, and pow of a negative base to a
          // fractional power.
          assertAllClose(got, want, { equalNan: op === "pow" || op === "div" });
        }),
      );
    }
  }
});

Deno.test("binary: i32 arithmetic, div truncates toward zero", () => {
  for (const op of Object.keys(INT_BINARY) as Exclude<BinaryOp, "atan2">[]) {
    const range = op === "pow" ? 5 : 1000;
    fc.assert(
      fc.property(broadcastCase("i32", 2, range), ({ out, inputs }) => {
        const got = runPrim(cpu, "binary", inputs, { op }, { shape: out, dtype: "i32" });
        assertEquals(got, naiveMap(out, inputs, (a, b) => store(INT_BINARY[op](a, b), "i32")));
      }),
    );
  }
  const a: Host = { data: [7, -7, 7, 5], shape: [4], dtype: "i32" };
  const b: Host = { data: [2, 2, -2, 0], shape: [4], dtype: "i32" };
  assertEquals(runPrim(cpu, "binary", [a, b], { op: "div" }, a), [3, -3, -3, 0]);
});

Deno.test("binary: large same-shape and scalar-broadcast fast paths", () => {
  for (const dtype of FLOAT_DTYPES) {
    const n = 5000;
    const a: Host = { data: Array.from({ length: n }, (_, i) => i * 0.5), shape: [n], dtype };
    const s: Host = { data: [3], shape: [], dtype };
    assertEquals(
      runPrim(cpu, "binary", [a, a], { op: "add" }, { shape: [n], dtype }),
      a.data.map((v) => v + v),
    );
    assertEquals(
      runPrim(cpu, "binary", [s, a], { op: "sub" }, { shape: [n], dtype }),
      a.data.map((v) => 3 - v),
    );
  }
});

Deno.test("compare: every op gives 0/1 bools with broadcasting", () => {
  for (const dtype of ["f32", "f64", "i32"] as const) {
    for (const op of Object.keys(COMPARE) as CompareOp[]) {
      // A small integer range makes ties (eq, le, ge) common.
      fc.assert(
        fc.property(broadcastCase(dtype, 2, 2), ({ out, inputs }) => {
          const got = runPrim(cpu, "compare", inputs, { op }, { shape: out, dtype: "bool" });
          assertEquals(got, naiveMap(out, inputs, (a, b) => (COMPARE[op](a, b) ? 1 : 0)));
        }),
      );
    }
  }
});

Deno.test("where: picks a or b by cond, all three broadcast", () => {
  for (const dtype of ["f32", "f64", "i32"] as const) {
    fc.assert(
      fc.property(
        shapeArb().chain((out) =>
          fc.tuple(broadcastableArb(out), broadcastableArb(out), broadcastableArb(out))
            .chain(([c, a, b]) =>
              fc.tuple(tensorArb(c, "bool"), tensorArb(a, dtype), tensorArb(b, dtype))
            )
            .map((inputs) => ({ out, inputs }))
        ),
        ({ out, inputs }) => {
          const got = runPrim(cpu, "where", inputs, {}, { shape: out, dtype });
          assertEquals(got, naiveMap(out, inputs, (c, a, b) => (c !== 0 ? a : b)));
        },
      ),
    );
  }
});

Deno.test("cast: between all dtypes (truncation, x != 0 for bool)", () => {
  const dtypes: DType[] = ["f32", "f64", "i32", "bool"];
  const convert = (v: number, to: DType) =>
    to === "bool" ? (v !== 0 ? 1 : 0) : to === "i32" ? store(Math.trunc(v), "i32") : store(v, to);
  for (const from of dtypes) {
    for (const to of dtypes) {
      fc.assert(
        fc.property(shapeArb().chain((s) => tensorArb(s, from, 5)), (x) => {
          const got = runPrim(cpu, "cast", [x], { to }, { shape: x.shape, dtype: to });
          assertEquals(got, x.data.map((v) => convert(store(v, from), to)));
        }),
      );
    }
  }
});

/**
 * The Wasm SIMD renderer's vector math against f64 references (`Math.*`):
 * each function as a one-node kernel over every kind of f32 (random bit
 * patterns, so subnormals, huge and tiny values), its usual range, and the
 * special values (±0, ±Inf, NaN, subnormals, large arguments). The error is
 * counted in f32 ulps from the correctly rounded value; the bound is asserted
 * and the worst case printed. Run with relaxed SIMD on (where the runtime has
 * it) and forced off.
 */
import { runFusedWasm, setFusedWasm } from "../../kernels/cpu/wasm/fused_dispatch.ts";
import type { FusedKernel, ScalarFn } from "../../kernels/fused.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";

const N = 1 << 15;

/** Steps between two f32 values on the ordered integer line (0 for equal, NaN with NaN). */
function ulps(got: number, want: number): number {
  const w = Math.fround(want);
  if (Number.isNaN(w) || Number.isNaN(got)) {
    return Number.isNaN(w) && Number.isNaN(got) ? 0 : Infinity;
  }
  if (w === 0 && got === 0) return Object.is(w, got) ? 0 : Infinity;
  const i = new Int32Array(new Float32Array([got, w]).buffer);
  const ord = (b: number) => (b < 0 ? -0x80000000 - b : b);
  return Math.abs(ord(i[0]) - ord(i[1]));
}

const SPECIAL = [
  0,
  -0,
  Infinity,
  -Infinity,
  NaN,
  1,
  -1,
  2,
  -2,
  0.5,
  1e-45,
  -1e-45,
  1e-40,
  -1e-40,
  1.1754943508222875e-38,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  88.72,
  88.73,
  -87.3,
  -103.9,
  -104,
  1e5,
  -1e5,
  1048577,
  1e20,
  -1e30,
  0.25,
  0.2499,
  3.14159,
  1.5707964,
  10,
  44,
  -44,
];

/** Random f32 bit patterns. */
function randomBits(n: number, seed: number): Float32Array {
  const u = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    u[i] = s ^ (s >>> 13) * 2654435761;
  }
  return new Float32Array(u.buffer);
}

function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const r = randomBits(n, seed);
  const bits = new Uint32Array(r.buffer);
  return Float32Array.from(r, (_, i) => {
    const t = (bits[i] >>> 8) / 2 ** 24;
    return lo + (hi - lo) * t;
  });
}

/** Run `fn` over `a` (and `b`) as a kernel of one node per function argument. */
function apply(fn: ScalarFn, a: Float32Array, b?: Float32Array): Float32Array {
  const two = b !== undefined;
  const k: FusedKernel = {
    shape: [a.length],
    inputs: two
      ? [{ dtype: "f32", strides: [1], offset: 0 }, { dtype: "f32", strides: [1], offset: 0 }]
      : [{ dtype: "f32", strides: [1], offset: 0 }],
    nodes: [
      { fn: "load", input: 0, dtype: "f32" },
      ...(two ? [{ fn: "load" as const, input: 1, dtype: "f32" as const }] : []),
      { fn, args: two ? [0, 1] : [0], dtype: "f32" },
    ],
    outputs: [two ? 2 : 1],
  };
  const out = new Float32Array(a.length);
  assertTrue(runFusedWasm(k, two ? [a, b!] : [a], [out]), `${fn}: not rendered to Wasm`);
  return out;
}

const atan2Rule = (y: number, x: number) => (y === 0 ? (x < 0 ? Math.PI : 0) : Math.atan2(y, x));

/** Each function: reference, its usual domain, ulp bound. */
const CASES: {
  fn: ScalarFn;
  ref: (a: number, b: number) => number;
  lo: number;
  hi: number;
  bound: number;
}[] = [
  { fn: "exp", ref: Math.exp, lo: -104, hi: 89, bound: 1 },
  { fn: "log", ref: Math.log, lo: 0, hi: 100, bound: 0 },
  { fn: "tanh", ref: Math.tanh, lo: -12, hi: 12, bound: 0 },
  { fn: "sin", ref: Math.sin, lo: -100, hi: 100, bound: 0 },
  { fn: "cos", ref: Math.cos, lo: -100, hi: 100, bound: 0 },
  { fn: "sqrt", ref: Math.sqrt, lo: 0, hi: 1e6, bound: 0 },
  { fn: "pow", ref: Math.pow, lo: 0, hi: 20, bound: 1 },
  { fn: "atan2", ref: atan2Rule, lo: -10, hi: 10, bound: 0 },
  { fn: "sign", ref: Math.sign, lo: -3, hi: 3, bound: 0 },
  { fn: "abs", ref: Math.abs, lo: -3, hi: 3, bound: 0 },
];

/** Results that must come out exact: ±0 (signed), ±Inf, NaN, and integers. */
function edge(v: number): boolean {
  const w = Math.fround(v);
  return !Number.isFinite(w) || Number.isInteger(w);
}

function worst(
  fn: ScalarFn,
  ref: (a: number, b: number) => number,
  a: Float32Array,
  b: Float32Array,
  only: (want: number) => boolean = () => true,
) {
  const two = fn === "pow" || fn === "atan2";
  const out = apply(fn, a, two ? b : undefined);
  let max = 0, at = 0;
  for (let i = 0; i < a.length; i++) {
    const want = ref(a[i], b[i]);
    if (!only(want)) continue;
    const u = ulps(out[i], want);
    if (u > max) [max, at] = [u, i];
  }
  return { max, detail: `${fn}(${a[at]}${two ? `, ${b[at]}` : ""}) = ${out[at]}` };
}

for (const relaxed of [true, false]) {
  Deno.test(`wasm vector math within its ulp bounds (relaxed SIMD ${relaxed ? "on" : "off"})`, () => {
    const before = setFusedWasm({ enabled: true, relaxed });
    try {
      const report: string[] = [];
      for (const { fn, ref, lo, hi, bound } of CASES) {
        const two = fn === "pow" || fn === "atan2";
        const pow = fn === "pow";
        const domains: [string, Float32Array, Float32Array][] = [
          ["all floats", randomBits(N, 1), randomBits(N, 2)],
          ["range", uniform(N, lo, hi, 3), pow ? uniform(N, -30, 30, 4) : uniform(N, lo, hi, 4)],
        ];
        if (pow) {
          domains.push([
            "negative base",
            uniform(N, -4, 0, 5),
            Float32Array.from(uniform(N, -8, 8, 6), Math.round),
          ]);
        }
        // Special values (every pair for two-argument functions), each filling a whole vector
        // (so that no lane takes another lane's path), then one more in the one-lane tail.
        const pairs = two
          ? SPECIAL.flatMap((x) => SPECIAL.map((y) => [x, y]))
          : SPECIAL.map((x) => [x, x]);
        const lanes = [...pairs.flatMap((p) => [p, p, p, p]), pairs[0]];
        const sa = Float32Array.from(lanes, (p) => p[0]);
        const sb = Float32Array.from(lanes, (p) => p[1]);
        const exact = worst(fn, ref, sa, sb, edge);
        assertEquals(exact.max, 0, `${fn}: an edge value is not exact: ${exact.detail}`);
        domains.push(["special", sa, sb]);
        for (const [name, a, b] of domains) {
          const w = worst(fn, ref, a, b);
          report.push(`${fn} ${name}: ${w.max} ulp`);
          assertTrue(w.max <= bound, `${fn} over ${name}: ${w.max} ulp > ${bound}: ${w.detail}`);
        }
      }
      console.log(report.join("; "));
    } finally {
      setFusedWasm(before);
    }
  });
}

for (const relaxed of [true, false]) {
  Deno.test(`wasm exp: a lane's bits do not depend on its vector's path (relaxed SIMD ${relaxed ? "on" : "off"})`, () => {
    // A vector whose lanes all lie in [-87, 88] takes the short path; one lane outside sends the
    // whole vector through the path that handles subnormal, zero and infinite results.
    const before = setFusedWasm({ enabled: true, relaxed });
    try {
      const inRange = uniform(N, -87, 88, 7);
      inRange.set([-87, 88, -86.99, 87.99, 0, -0, 1e-30, -1e-30, -86.5, -86.6, -86.7, -86.8]);
      const mixed = inRange.slice();
      for (let i = 3; i < mixed.length; i += 4) mixed[i] = i % 8 === 3 ? -100 : Infinity;
      const short = apply("exp", inRange), long = apply("exp", mixed);
      for (let i = 0; i < N; i++) {
        if (i % 4 === 3) continue;
        assertTrue(
          Object.is(short[i], long[i]),
          `exp(${inRange[i]}): ${short[i]} on the short path, ${long[i]} on the long one`,
        );
      }
    } finally {
      setFusedWasm(before);
    }
  });
}

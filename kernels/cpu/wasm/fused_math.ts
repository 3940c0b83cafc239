/**
 * Vectorized transcendental functions for the fused-kernel renderer, emitted
 * as WebAssembly functions of `v128` (four f32 lanes) returning `v128`.
 *
 * - `exp` (the hot one: softmax, sigmoid) runs in f32x4: Cody–Waite range
 *   reduction by ln 2, a degree-7 polynomial, and the exponent rebuilt from
 *   integer bits in two steps so that subnormal results round once (≤ 1 ulp).
 * - `log`, `tanh`, `sin`, `cos`, `pow`, `atan2` run in f64x2 on each half of
 *   the vector and round once to f32, so they agree with `Math.*` rounded to
 *   f32 (the JavaScript renderer) but for rare double roundings: the
 *   reduction by π/2 and `pow`'s `y·log2|x|` need more than 24 bits anyway.
 *   Lanes of `sin`/`cos` above 2^20 in magnitude (where the two-part
 *   reduction runs out of bits) take the imported scalar `Math.sin` /
 *   `Math.cos` instead.
 *
 * Special values follow JavaScript's `Math` (and the CPU renderer's `atan2`
 * rule that a zero `y` gives π left of the origin, else 0).
 *
 * @example
 * ```ts
 * import { emitMath, mathImports } from "./fused_math.ts";
 * import { assembleModule, FunctionBody, V128 } from "./wasm_binary.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const imports = mathImports(new Set(["cos"]));
 * const f = new FunctionBody([V128], [V128]);
 * emitMath(f, "cos", [0], { fma: false, imports });
 * const bytes = assembleModule([{ name: "cos4", body: f }], undefined, imports);
 * assertEquals(WebAssembly.validate(bytes), true);
 * ```
 *
 * @module
 */
import { HIGH_HALF, JOIN_LOW_HALVES, SIMD } from "./fused_opcodes.ts";
import { F64, type FunctionBody, type ImportedFunction, V128 } from "./wasm_binary.ts";

/** The functions this file vectorizes. */
export type MathFn = "exp" | "log" | "tanh" | "sin" | "cos" | "pow" | "atan2";

/** Every {@linkcode MathFn}. */
export const MATH_FNS: readonly MathFn[] = ["exp", "log", "tanh", "sin", "cos", "pow", "atan2"];

const LOG2E = 1.4426950408889634;
/** ln 2 split: 9 significant bits (products with |n| < 2^15 exact), then the rest. */
const LN2_HI = 0.693359375;
const LN2_LO = Math.LN2 - LN2_HI;
/** 1.5 · 2^23: adding it to an f32 below 2^22 rounds to an integer held in the low bits. */
const ROUNDER = 12582912;
const ROUNDER_BITS = 0x4b400000;
const F32_SIGN = -0x80000000;
const F64_SIGN = -0;

/** Coefficients of the Taylor series of e^x from degree `hi` down to 0. */
function expTaylor(hi: number): number[] {
  const c: number[] = [];
  let f = 1;
  for (let i = 0; i <= hi; i++) {
    if (i > 0) f *= i;
    c.unshift(1 / f);
  }
  return c;
}

/** π/2 in two f64 parts: 33 significant bits (k·P1 exact for |k| < 2^20), then the rest. */
const PIO2_HI = Math.round((Math.PI / 2) * 2 ** 32) / 2 ** 32;
const PIO2_LO = 6.123233995736766e-17 + (Math.PI / 2 - PIO2_HI);

/**
 * Where constants live: given a `v128` constant's 16 bytes, the local that holds it (set once
 * before the loops, so that no constant is rebuilt per iteration).
 */
export type ConstantPool = (bytes: readonly number[]) => number;

/** A builder for one math function: Horner steps with or without relaxed madd. */
class Emitter {
  readonly f: FunctionBody;
  readonly fma: boolean;
  readonly pool?: ConstantPool;
  constructor(f: FunctionBody, fma: boolean, pool?: ConstantPool) {
    this.f = f;
    this.fma = fma;
    this.pool = pool;
  }
  /** A `v128` constant of 16 bytes: from the pool's local when there is one. */
  v128(bytes: readonly number[]): this {
    if (this.pool) this.f.localGet(this.pool(bytes));
    else this.f.simd(SIMD.v128_const, ...bytes);
    return this;
  }
  s(name: keyof typeof SIMD, ...imm: number[]): this {
    this.f.simd(SIMD[name], ...imm);
    return this;
  }
  get(i: number): this {
    this.f.localGet(i);
    return this;
  }
  set(i: number): this {
    this.f.localSet(i);
    return this;
  }
  tee(i: number): this {
    this.f.localTee(i);
    return this;
  }
  local(): number {
    return this.f.local(V128);
  }
  c32(...v: number[]): this {
    const lanes = v.length === 1 ? [v[0], v[0], v[0], v[0]] : v;
    return this.v128([...new Uint8Array(new Float32Array(lanes).buffer)]);
  }
  c64(...v: number[]): this {
    const lanes = v.length === 1 ? [v[0], v[0]] : v;
    return this.v128([...new Uint8Array(new Float64Array(lanes).buffer)]);
  }
  i32(...v: number[]): this {
    const lanes = v.length === 1 ? [v[0], v[0], v[0], v[0]] : v;
    return this.v128([...new Uint8Array(new Int32Array(lanes).buffer)]);
  }
  /** Horner in f32x4 over local `x`, coefficients highest degree first; leaves the value. */
  horner32(x: number, coeffs: readonly number[]): this {
    this.c32(coeffs[0]);
    for (const c of coeffs.slice(1)) {
      if (this.fma) this.get(x).c32(c).s("f32x4_relaxed_madd");
      else this.get(x).s("f32x4_mul").c32(c).s("f32x4_add");
    }
    return this;
  }
  /** Horner in f64x2. */
  horner64(x: number, coeffs: readonly number[]): this {
    this.c64(coeffs[0]);
    for (const c of coeffs.slice(1)) {
      if (this.fma) this.get(x).c64(c).s("f64x2_relaxed_madd");
      else this.get(x).s("f64x2_mul").c64(c).s("f64x2_add");
    }
    return this;
  }
  /** `bitselect(a, b, mask)` of three locals: a where mask is set. */
  pick(a: number, b: number, mask: number): this {
    return this.get(a).get(b).get(mask).s("v128_bitselect");
  }
}

/**
 * Below this, e^x rounds to +0 in f32 (ln 2^-150 = -103.9721; the constant sits just under it,
 * so the few lanes between take the subnormal path and are still exact).
 */
const EXP_ZERO_BELOW = -103.98;

/** Below this or above {@linkcode EXP_FAST_ABOVE}, a lane takes {@linkcode expF32Edges}. */
const EXP_FAST_BELOW = -87;
const EXP_FAST_ABOVE = 88;

/**
 * `e^x` in f32x4. A vector whose lanes all lie in [-87, 88] (or are NaN) — nearly every vector
 * of a softmax or a sigmoid — takes {@linkcode expF32Normal}; one with a lane outside takes the
 * path that also handles subnormal, zero and infinite results. The two give the same bits
 * in that range (2^n is exact there, and p·2^n rounds once either way).
 */
function expF32(e: Emitter, [x]: readonly number[]): void {
  e.get(x).c32(EXP_FAST_BELOW).s("f32x4_lt");
  e.get(x).c32(EXP_FAST_ABOVE).s("f32x4_gt");
  e.s("v128_or").s("v128_any_true");
  e.f.op(0x04, V128); // if (result v128)
  expF32Edges(e, [x]);
  e.f.else();
  expF32Normal(e, [x]);
  e.f.end();
}

/**
 * Cody–Waite reduction of local `x` (lanes below 2^22 in magnitude): `ni`, the integer
 * n = round(x log2 e), and `r` = x − n ln 2 with ln 2 in two parts, both new locals.
 */
function expReduce(e: Emitter, x: number): { ni: number; r: number } {
  const n = e.local(), r = e.local(), ni = e.local();
  // Adding 1.5·2^23 rounds to an integer, kept in the low mantissa bits.
  if (e.fma) e.get(x).c32(LOG2E).c32(ROUNDER).s("f32x4_relaxed_madd");
  else e.get(x).c32(LOG2E).s("f32x4_mul").c32(ROUNDER).s("f32x4_add");
  e.tee(n).i32(ROUNDER_BITS).s("i32x4_sub").set(ni);
  e.get(n).c32(ROUNDER).s("f32x4_sub").set(n);
  e.get(x).get(n).c32(LN2_HI).s("f32x4_mul").s("f32x4_sub");
  e.get(n).c32(LN2_LO).s("f32x4_mul").s("f32x4_sub").set(r);
  return { ni, r };
}

/** The value on the stack times 2^k, k an i32x4 (each lane in [-126, 127]) that `push` leaves. */
function timesPow2(e: Emitter, push: () => void): void {
  push();
  e.i32(127).s("i32x4_add").f.i32(23);
  e.s("i32x4_shl").s("f32x4_mul");
}

/** `e^x` for lanes in [-87, 88] or NaN: one power-of-two factor, no clamping. */
function expF32Normal(e: Emitter, [x]: readonly number[]): void {
  const { ni, r } = expReduce(e, x);
  e.horner32(r, expTaylor(7));
  timesPow2(e, () => e.get(ni));
}

/** `e^x` in f32x4 for every lane: clamped, subnormal results rounded once, zeros and infinities. */
function expF32Edges(e: Emitter, [x]: readonly number[]): void {
  const xc = e.local(), n1 = e.local(), zero = e.local();
  // Lanes whose result rounds to +0 (x below ln 2^-150; a masked attention score is one) are
  // computed from x = 0 and cleared at the end: clamped to -104 they would go through subnormal
  // factors, which cost x86 cores a microcode assist per operation (measured: a causal softmax
  // of [16,4,64,64] took 8 ms instead of 1.3).
  e.get(x).c32(EXP_ZERO_BELOW).s("f32x4_lt").set(zero);
  // Clamp (pmax/pmin keep a NaN x: it is their first operand).
  e.get(x).c32(-104).s("f32x4_pmax").c32(89).s("f32x4_pmin");
  e.get(zero).s("v128_andnot").set(xc);
  const { ni, r } = expReduce(e, xc);
  e.get(ni).f.i32(1);
  e.s("i32x4_shr_s").set(n1);
  e.horner32(r, expTaylor(7));
  // 2^n in two factors, so that a subnormal result is rounded once.
  timesPow2(e, () => e.get(n1));
  timesPow2(e, () => e.get(ni).get(n1).s("i32x4_sub"));
  e.get(zero).s("v128_andnot");
}

/** Emit `body(half)` for each f64x2 half of local `x` and join the two f32 results. */
function perHalf(e: Emitter, xs: number[], body: (halves: number[]) => void): void {
  const lo = xs.map(() => e.local()), hi = xs.map(() => e.local());
  xs.forEach((x, i) => {
    e.get(x).s("f64x2_promote_low_f32x4").set(lo[i]);
    e.get(x).get(x).s("i8x16_shuffle", ...HIGH_HALF).s("f64x2_promote_low_f32x4").set(hi[i]);
  });
  body(lo);
  e.s("f32x4_demote_f64x2_zero");
  body(hi);
  e.s("f32x4_demote_f64x2_zero");
  e.s("i8x16_shuffle", ...JOIN_LOW_HALVES);
}

/** `sin x` (shift 0) or `cos x` (shift 1) in f64x2 halves; `scalarFn` is the import for large lanes. */
function sinCos(e: Emitter, [x]: readonly number[], shift: number, scalarFn: number): void {
  const k = e.local(), r = e.local(), z = e.local(), q = e.local(), sn = e.local();
  const cs = e.local(), res = e.local();
  const sinC = [1 / 6227020800, -1 / 39916800, 1 / 362880, -1 / 5040, 1 / 120, -1 / 6];
  const cosC = [1 / 479001600, -1 / 3628800, 1 / 40320, -1 / 720, 1 / 24, -1 / 2, 1];
  perHalf(e, [x], ([h]) => {
    e.get(h).c64(2 / Math.PI).s("f64x2_mul").s("f64x2_nearest").set(k);
    e.get(h).get(k).c64(PIO2_HI).s("f64x2_mul").s("f64x2_sub");
    e.get(k).c64(PIO2_LO).s("f64x2_mul").s("f64x2_sub").set(r);
    e.get(r).get(r).s("f64x2_mul").set(z);
    e.horner64(z, sinC).get(z).s("f64x2_mul").get(r).s("f64x2_mul").get(r).s("f64x2_add").set(sn);
    e.horner64(z, cosC).set(cs);
    // q = (k + shift) mod 4, as f64.
    e.get(k).c64(shift).s("f64x2_add").set(q);
    e.get(q).get(q).c64(0.25).s("f64x2_mul").s("f64x2_floor").c64(4).s("f64x2_mul").s("f64x2_sub")
      .set(q);
    e.get(cs).get(sn);
    e.get(q).c64(1).s("f64x2_eq").get(q).c64(3).s("f64x2_eq").s("v128_or");
    e.s("v128_bitselect");
    e.get(q).c64(2).s("f64x2_ge").c64(F64_SIGN).s("v128_and").s("v128_xor");
  });
  e.set(res);
  // sin(±0) keeps its sign.
  if (shift === 0) e.get(x).get(res).get(x).c32(0).s("f32x4_eq").s("v128_bitselect").set(res);
  // Large lanes: the scalar function, lane by lane.
  e.get(x).s("f32x4_abs").c32(2 ** 20).s("f32x4_gt").s("v128_any_true");
  e.f.if();
  for (let lane = 0; lane < 4; lane++) {
    e.get(res).get(x).s("f32x4_extract_lane", lane);
    e.f.op(0xbb).call(scalarFn).op(0xb6); // f64.promote_f32, call, f32.demote_f64
    e.s("f32x4_replace_lane", lane).set(res);
  }
  e.f.end();
  e.get(res);
}

/** `v128.const` of two i64 lanes. */
function i64x2(e: Emitter, v: bigint): Emitter {
  return e.v128([...new Uint8Array(new BigInt64Array([v, v]).buffer)]);
}

/** `log2 a` in f64x2 of local `a` (an f32 value, `a ≥ 0`, or NaN); leaves the value. */
function log2F64(e: Emitter, a: number): void {
  const ib = e.local(), ef = e.local(), f = e.local(), s = e.local(), z = e.local();
  const r = e.local(), m = e.local();
  const C = 0x3fe6a09e667f3bcdn; // bits of sqrt(1/2)
  e.get(a);
  i64x2(e, C).s("i64x2_sub").set(ib);
  e.get(ib).f.i32(52);
  e.s("i64x2_shr_s").set(ef);
  e.get(ef).get(ef).s("i8x16_shuffle", 0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11);
  e.f.simd(0xfe); // f64x2.convert_low_i32x4_s
  e.set(ef);
  e.get(ib);
  i64x2(e, 0x000fffffffffffffn).s("v128_and");
  i64x2(e, C).s("i64x2_add").c64(1).s("f64x2_sub").set(f);
  e.get(f).c64(2).get(f).s("f64x2_add").s("f64x2_div").set(s);
  e.get(s).get(s).s("f64x2_mul").set(z);
  const T = [21, 19, 17, 15, 13, 11, 9, 7, 5, 3].map((d) => 2 / d);
  e.horner64(z, T).get(z).s("f64x2_mul").get(s).s("f64x2_mul");
  e.get(s).c64(2).s("f64x2_mul").s("f64x2_add").c64(LOG2E).s("f64x2_mul");
  e.get(ef).s("f64x2_add").set(r);
  // Edges: log2(0) = -inf, log2(inf) = inf, NaN stays.
  e.c64(-Infinity).get(r).get(a).c64(0).s("f64x2_eq").s("v128_bitselect").set(r);
  e.get(a).c64(Infinity).s("f64x2_eq").get(a).get(a).s("f64x2_ne").s("v128_or").set(m);
  e.pick(a, r, m);
}

/** `2^t` in f64x2 of local `t` (clamped to ±200, beyond f32's range either way). */
function exp2F64(e: Emitter, t: number): void {
  const tc = e.local(), n = e.local(), g = e.local();
  e.get(t).c64(-200).s("f64x2_max").c64(200).s("f64x2_min").set(tc);
  e.get(tc).s("f64x2_nearest").set(n);
  e.get(tc).get(n).s("f64x2_sub").c64(Math.LN2).s("f64x2_mul").set(g);
  e.horner64(g, expTaylor(12));
  e.get(n).s("i32x4_trunc_sat_f64x2_s_zero").s("i64x2_extend_low_i32x4_s");
  i64x2(e, 1023n).s("i64x2_add").f.i32(52);
  e.s("i64x2_shl").s("f64x2_mul");
}

/** `pow(x, y)` with JavaScript's special cases: `|x|^y` in f64x2, then sign and edges in f32x4. */
function powF64(e: Emitter, [x, y]: readonly number[]): void {
  const a = e.local(), l = e.local(), t = e.local(), res = e.local(), yInt = e.local();
  const yOdd = e.local();
  perHalf(e, [x, y], ([hx, hy]) => {
    e.get(hx).s("f64x2_abs").set(a);
    log2F64(e, a);
    e.set(l);
    e.get(hy).get(l).s("f64x2_mul").set(t);
    exp2F64(e, t);
  });
  e.set(res);
  e.get(y).s("f32x4_nearest").get(y).s("f32x4_eq").set(yInt);
  e.get(y).c32(0.5).s("f32x4_mul").s("f32x4_nearest").c32(2).s("f32x4_mul").get(y);
  e.s("f32x4_ne").get(yInt).s("v128_and").set(yOdd);
  // A negative x (or -0, -inf) to an odd integer power: negative.
  e.get(res).get(x).f.i32(31);
  e.s("i32x4_shr_s").get(yOdd).s("v128_and").i32(F32_SIGN).s("v128_and").s("v128_xor").set(res);
  // A finite negative x to a non-integer power: NaN.
  e.c32(NaN).get(res);
  e.get(x).c32(0).s("f32x4_lt").get(x).c32(-Infinity).s("f32x4_gt").s("v128_and");
  e.get(yInt).s("v128_andnot").s("v128_bitselect").set(res);
  // Anything to the power 0: 1.
  e.c32(1).get(res).get(y).c32(0).s("f32x4_eq").s("v128_bitselect");
}

/** `atan2(y, x)` in f64x2; a zero `y` gives π where `x < 0`, else 0 (the CPU renderer's rule). */
function atan2F64(e: Emitter, [y, x]: readonly number[]): void {
  const ay = e.local(), ax = e.local(), t = e.local(), big = e.local(), u = e.local();
  const z = e.local(), at = e.local(), r = e.local();
  const A: number[] = [];
  for (let k = 13; k >= 1; k--) A.push((k % 2 === 0 ? 1 : -1) / (2 * k + 1));
  perHalf(e, [y, x], ([hy, hx]) => {
    e.get(hy).s("f64x2_abs").set(ay);
    e.get(hx).s("f64x2_abs").set(ax);
    e.get(ay).get(ax).s("f64x2_min").get(ay).get(ax).s("f64x2_max").s("f64x2_div").set(t);
    e.c64(1).get(t).get(ay).c64(Infinity).s("f64x2_eq").get(ax).c64(Infinity).s("f64x2_eq");
    e.s("v128_and").s("v128_bitselect").set(t);
    e.get(t).c64(0.41421356237309503).s("f64x2_gt").set(big);
    e.get(t).c64(1).s("f64x2_sub").get(t).c64(1).s("f64x2_add").s("f64x2_div");
    e.get(t).get(big).s("v128_bitselect").set(u);
    e.get(u).get(u).s("f64x2_mul").set(z);
    e.horner64(z, A).get(z).s("f64x2_mul").get(u).s("f64x2_mul").get(u).s("f64x2_add").set(at);
    e.get(at).c64(Math.PI / 4).s("f64x2_add").get(at).get(big).s("v128_bitselect").set(r);
    e.c64(Math.PI / 2).get(r).s("f64x2_sub").get(r).get(ay).get(ax).s("f64x2_gt");
    e.s("v128_bitselect").set(r);
    e.c64(Math.PI).get(r).s("f64x2_sub").get(r).get(hx).c64(0).s("f64x2_lt");
    e.s("v128_bitselect");
    e.get(hy).c64(F64_SIGN).s("v128_and").s("v128_xor");
  });
  e.set(r);
  e.get(x).c32(0).s("f32x4_lt").c32(Math.PI).s("v128_and");
  e.get(r).get(y).c32(0).s("f32x4_eq").s("v128_bitselect");
}

/** `ln x` in f64x2 halves (so that it rounds once to f32, like `Math.log`). */
function logF64(e: Emitter, [x]: readonly number[]): void {
  const l = e.local();
  perHalf(e, [x], ([h]) => {
    log2F64(e, h);
    e.c64(Math.LN2).s("f64x2_mul").set(l);
    // Below zero: NaN.
    e.c64(NaN).get(l).get(h).c64(0).s("f64x2_lt").s("v128_bitselect");
  });
}

/** `tanh x` in f64x2 halves: an odd Taylor series below 1/4, `(e - 1) / (e + 1)`, `e = e^{2|x|}`, above. */
function tanhF64(e: Emitter, [x]: readonly number[]): void {
  const a = e.local(), z = e.local(), t = e.local(), ex = e.local(), big = e.local();
  const taylor = [
    -443861162 / 1856156927625,
    6404582 / 10854718875,
    -929569 / 638512875,
    21844 / 6081075,
    -1382 / 155925,
    62 / 2835,
    -17 / 315,
    2 / 15,
    -1 / 3,
  ];
  perHalf(e, [x], ([h]) => {
    e.get(h).s("f64x2_abs").set(a);
    e.get(h).get(h).s("f64x2_mul").set(z);
    e.horner64(z, [...taylor, 1]).get(h).s("f64x2_mul");
    e.set(z); // the small-argument value
    e.get(a).c64(10).s("f64x2_min").c64(2 * LOG2E).s("f64x2_mul").set(t);
    exp2F64(e, t);
    e.set(ex);
    e.get(ex).c64(1).s("f64x2_sub").get(ex).c64(1).s("f64x2_add").s("f64x2_div");
    e.get(h).c64(F64_SIGN).s("v128_and").s("v128_or").set(big);
    // |x| < 1/4 (and ±0, which keeps its sign): the series; NaN falls to the exp branch.
    e.get(z).get(big).get(a).c64(0.25).s("f64x2_lt").s("v128_bitselect");
  });
}

/**
 * The scalar functions that `used` imports (`env.sin`, `env.cos`, f64 → f64), to
 * place first in the module.
 *
 * @example
 * ```ts
 * import { mathImports } from "./fused_math.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(mathImports(new Set(["exp", "cos"])).map((f) => f.name), ["cos"]);
 * ```
 */
export function mathImports(used: ReadonlySet<MathFn>): ImportedFunction[] {
  const imports: ImportedFunction[] = [];
  for (const name of ["sin", "cos"] as const) {
    if (used.has(name)) imports.push({ name, params: [F64], results: [F64] });
  }
  return imports;
}

/**
 * Emit `fn` of the f32x4 locals `args` inline into `f`, leaving the result
 * (a `v128`) on the stack; relaxed madd in polynomials when `fma`. `imports`
 * is {@linkcode mathImports}'s list (the module's first functions).
 *
 * @example
 * ```ts
 * import { emitMath } from "./fused_math.ts";
 * import { assembleModule, FunctionBody, V128 } from "./wasm_binary.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const f = new FunctionBody([V128], [V128]);
 * emitMath(f, "exp", [0], { fma: false, imports: [] });
 * const bytes = assembleModule([{ name: "exp4", body: f }]);
 * assertEquals(WebAssembly.validate(bytes), true);
 * ```
 */
export function emitMath(
  f: FunctionBody,
  fn: MathFn,
  args: readonly number[],
  opts: { fma: boolean; imports: readonly ImportedFunction[]; pool?: ConstantPool },
): void {
  const e = new Emitter(f, opts.fma, opts.pool);
  const scalar = (name: string) => {
    const i = opts.imports.findIndex((x) => x.name === name);
    if (i < 0) throw new Error(`emitMath: ${name} needs the import env.${name}`);
    return i;
  };
  if (fn === "exp") expF32(e, args);
  else if (fn === "log") logF64(e, args);
  else if (fn === "tanh") tanhF64(e, args);
  else if (fn === "sin") sinCos(e, args, 0, scalar("sin"));
  else if (fn === "cos") sinCos(e, args, 1, scalar("cos"));
  else if (fn === "pow") powF64(e, args);
  else atan2F64(e, args);
}

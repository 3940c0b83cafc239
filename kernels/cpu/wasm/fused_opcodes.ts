/**
 * The WebAssembly opcodes the fused-kernel renderer emits, by name: the SIMD
 * ones (after the `0xfd` prefix, as {@linkcode FunctionBody.simd} takes them)
 * in {@linkcode SIMD}, the scalar ones in {@linkcode OP}.
 *
 * @example
 * ```ts
 * import { SIMD } from "./fused_opcodes.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(SIMD.f32x4_add, 0xe4);
 * ```
 *
 * @module
 */
/** SIMD opcodes (the number after the `0xfd` prefix). */
export const SIMD = {
  v128_load: 0x00,
  v128_const: 0x0c,
  v128_load8_splat: 0x07,
  v128_load32_splat: 0x09,
  v128_store: 0x0b,
  i8x16_shuffle: 0x0d,
  i32x4_splat: 0x11,
  f32x4_splat: 0x13,
  f64x2_splat: 0x14,
  i32x4_extract_lane: 0x1b,
  i32x4_replace_lane: 0x1c,
  f32x4_extract_lane: 0x1f,
  f32x4_replace_lane: 0x20,
  f64x2_extract_lane: 0x21,
  f64x2_replace_lane: 0x22,
  i32x4_eq: 0x37,
  i32x4_gt_s: 0x3b,
  f32x4_eq: 0x41,
  f32x4_ne: 0x42,
  f32x4_lt: 0x43,
  f32x4_gt: 0x44,
  f32x4_le: 0x45,
  f32x4_ge: 0x46,
  f64x2_eq: 0x47,
  f64x2_ne: 0x48,
  f64x2_lt: 0x49,
  f64x2_gt: 0x4a,
  f64x2_le: 0x4b,
  f64x2_ge: 0x4c,
  v128_not: 0x4d,
  v128_and: 0x4e,
  v128_andnot: 0x4f,
  v128_or: 0x50,
  v128_xor: 0x51,
  v128_bitselect: 0x52,
  v128_any_true: 0x53,
  v128_store8_lane: 0x58,
  v128_store32_lane: 0x5a,
  v128_load32_zero: 0x5c,
  f32x4_demote_f64x2_zero: 0x5e,
  f64x2_promote_low_f32x4: 0x5f,
  i8x16_narrow_i16x8_u: 0x66,
  f32x4_nearest: 0x6a,
  f64x2_floor: 0x75,
  i16x8_narrow_i32x4_u: 0x86,
  i16x8_extend_low_i8x16_u: 0x89,
  f64x2_nearest: 0x94,
  i32x4_extend_low_i16x8_u: 0xa9,
  i32x4_shl: 0xab,
  i32x4_shr_s: 0xac,
  i32x4_add: 0xae,
  i32x4_sub: 0xb1,
  i64x2_extend_low_i32x4_s: 0xc7,
  i64x2_shl: 0xcb,
  i64x2_shr_s: 0xcc,
  i64x2_add: 0xce,
  i64x2_sub: 0xd1,
  f32x4_abs: 0xe0,
  f32x4_neg: 0xe1,
  f32x4_sqrt: 0xe3,
  f32x4_add: 0xe4,
  f32x4_sub: 0xe5,
  f32x4_mul: 0xe6,
  f32x4_div: 0xe7,
  f32x4_min: 0xe8,
  f32x4_max: 0xe9,
  f32x4_pmin: 0xea,
  f32x4_pmax: 0xeb,
  f64x2_abs: 0xec,
  f64x2_neg: 0xed,
  f64x2_add: 0xf0,
  f64x2_sub: 0xf1,
  f64x2_mul: 0xf2,
  f64x2_div: 0xf3,
  f64x2_min: 0xf4,
  f64x2_max: 0xf5,
  i32x4_trunc_sat_f32x4_s: 0xf8,
  i32x4_trunc_sat_f32x4_u: 0xf9,
  f32x4_convert_i32x4_s: 0xfa,
  f32x4_convert_i32x4_u: 0xfb,
  i32x4_trunc_sat_f64x2_s_zero: 0xfc,
  f32x4_relaxed_madd: 0x105,
  f64x2_relaxed_madd: 0x107,
} as const;

/** Scalar opcodes. */
export const OP = {
  drop: 0x1a,
  select: 0x1b,
  i32_load: 0x28,
  f32_load: 0x2a,
  f64_load: 0x2b,
  i32_store: 0x36,
  f32_store: 0x38,
  f64_store: 0x39,
  i32_eqz: 0x45,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_gt_s: 0x4a,
  i32_le_s: 0x4c,
  i32_ge_s: 0x4e,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  f32_add: 0x92,
  f32_max: 0x97,
  f64_add: 0xa0,
  f64_max: 0xa5,
  f32_demote_f64: 0xb6,
  f64_promote_f32: 0xbb,
} as const;

/**
 * `memarg` immediates: log2 alignment, then the offset (unsigned LEB128).
 *
 * @example
 * ```ts
 * import { memarg } from "./fused_opcodes.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(memarg(2, 200), [2, 0xc8, 0x01]);
 * ```
 */
export function memarg(align: number, offset = 0): number[] {
  const out: number[] = [align];
  let n = offset;
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** The `i8x16.shuffle` immediates that move lanes 2 and 3 of an f32x4 to lanes 0 and 1. */
export const HIGH_HALF: readonly number[] = [
  8,
  9,
  10,
  11,
  12,
  13,
  14,
  15,
  8,
  9,
  10,
  11,
  12,
  13,
  14,
  15,
];
/** The `i8x16.shuffle` immediates that join lanes 0-1 of the first and second operands. */
export const JOIN_LOW_HALVES: readonly number[] = [
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  7,
  16,
  17,
  18,
  19,
  20,
  21,
  22,
  23,
];

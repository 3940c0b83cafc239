/**
 * WGSL pieces shared by the matmul kernels: the operand layout of one variant
 * (transposes, which operands are read and written as `vec4`), binding
 * declarations, batch offsets and element indices, and the simple
 * one-invocation-per-output kernel (thin shapes and integer dtypes).
 *
 * Parameters every matmul kernel reads: `P(0)` total outputs (simple kernel
 * only), `P(1..3)` = M, N, K, then the batch shape and the broadcast batch
 * strides of A and B (in elements).
 *
 * @module
 */
import { PARAMS_WGSL, storageDecls } from "./pipelines.ts";
import { flatMain } from "./wgsl.ts";

/** How one matmul kernel variant reads and writes its operands. */
export interface MatmulLayout {
  /** Rank of the (broadcast) batch shape. */
  readonly batchRank: number;
  /** A is stored `[K, M]`. */
  readonly transA: boolean;
  /** B is stored `[N, K]`. */
  readonly transB: boolean;
  /** A is read as `vec4` along its contiguous axis (needs that axis % 4 == 0). */
  readonly vecA: boolean;
  /** B is read as `vec4` along its contiguous axis (needs that axis % 4 == 0). */
  readonly vecB: boolean;
  /** C is written as `vec4` along N (needs N % 4 == 0). */
  readonly vecC: boolean;
  /** K % 4 == 0 (kernels may then step K by 4 without a tail). */
  readonly k4: boolean;
  /**
   * The element type A, B and C are stored in (absent: f32). f16 operands are
   * widened as they are loaded, products accumulate in f32, and C is rounded
   * to f16 as it is stored.
   */
  readonly elem?: "f32" | "f16";
}

/**
 * The layout for the given dims: each operand is vectorised when the axis it
 * is contiguous along is a multiple of 4 (so that every `vec4` is aligned,
 * batch offsets included).
 *
 * @example
 * ```ts
 * import { layoutFor } from "./matmul_common.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const l = layoutFor({ m: 6, n: 8, k: 12, transA: true, transB: false, batchRank: 0 });
 * assertEquals(l.vecA, false); // A is contiguous along M = 6
 * ```
 */
export function layoutFor(
  d: { m: number; n: number; k: number; transA: boolean; transB: boolean; batchRank: number },
  elem: "f32" | "f16" = "f32",
): MatmulLayout {
  return {
    ...(elem === "f16" ? { elem } : {}),
    batchRank: d.batchRank,
    transA: d.transA,
    transB: d.transB,
    vecA: (d.transA ? d.m : d.k) % 4 === 0,
    vecB: (d.transB ? d.k : d.n) % 4 === 0,
    vecC: d.n % 4 === 0,
    k4: d.k % 4 === 0,
  };
}

/** A short key naming a layout (for pipeline cache keys). */
export function layoutKey(l: MatmulLayout): string {
  const f = (b: boolean) => (b ? "1" : "0");
  const key = `${l.batchRank}${f(l.transA)}${f(l.transB)}${f(l.vecA)}${f(l.vecB)}${f(l.vecC)}${
    f(l.k4)
  }`;
  return l.elem === "f16" ? `${key}h` : key;
}

/**
 * WGSL reading element (or `vec4`, for `A4`/`B4`) `index` of operand `name` as f32.
 *
 * @example
 * ```ts
 * import { layoutFor, loadF32 } from "./matmul_common.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const dims = { m: 4, n: 4, k: 4, transA: false, transB: false, batchRank: 0 };
 * assertEquals(loadF32(layoutFor(dims), "A4", "i"), "A4[i]");
 * assertEquals(loadF32(layoutFor(dims, "f16"), "A4", "i"), "vec4<f32>(A4[i])");
 * ```
 */
export function loadF32(l: MatmulLayout, name: "A" | "B" | "A4" | "B4", index: string): string {
  const e = `${name}[${index}]`;
  if (l.elem !== "f16") return e;
  return name.endsWith("4") ? `vec4<f32>(${e})` : `f32(${e})`;
}

/**
 * WGSL storing the f32 (or `vec4<f32>`, for `C4`) `value` into element `index` of C.
 *
 * @example
 * ```ts
 * import { layoutFor, storeC } from "./matmul_common.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const dims = { m: 4, n: 4, k: 4, transA: false, transB: false, batchRank: 0 };
 * assertEquals(storeC(layoutFor(dims, "f16"), "C", "i", "v"), "C[i] = f16(v);");
 * ```
 */
export function storeC(l: MatmulLayout, name: "C" | "C4", index: string, value: string): string {
  if (l.elem !== "f16") return `${name}[${index}] = ${value};`;
  return `${name}[${index}] = ${name === "C4" ? "vec4<f16>" : "f16"}(${value});`;
}

/** Binding declarations: `A`/`A4`, `B`/`B4` (read-only) and `C`/`C4`. */
export function matmulDecls(l: MatmulLayout): string {
  const e = l.elem ?? "f32";
  const t = (v: boolean) => (v ? `vec4<${e}>` : e);
  return PARAMS_WGSL + `
@group(0) @binding(1) var<storage, read> ${l.vecA ? "A4" : "A"}: array<${t(l.vecA)}>;
@group(0) @binding(2) var<storage, read> ${l.vecB ? "B4" : "B"}: array<${t(l.vecB)}>;
@group(0) @binding(3) var<storage, read_write> ${l.vecC ? "C4" : "C"}: array<${t(l.vecC)}>;
fn dims() -> vec3<u32> { return vec3<u32>(P(1u), P(2u), P(3u)); }
`;
}

/** WGSL: `aoff`, `boff` for batch index `z` from the batch shape and strides at P(4..). */
export function batchOffsets(rb: number): string {
  if (rb === 0) return "let aoff = 0u; let boff = 0u;";
  return `var aoff = 0u; var boff = 0u; var rem = z;
  for (var bk = 0u; bk < ${rb}u; bk++) {
    let d = ${rb - 1}u - bk;
    let s = P(4u + d);
    let c = rem % s;
    rem = rem / s;
    aoff += c * P(${4 + rb}u + d);
    boff += c * P(${4 + 2 * rb}u + d);
  }`;
}

/** WGSL element index of A at row `m`, depth `k`. */
export function aIndex(transA: boolean, m: string, k: string): string {
  return transA ? `aoff + (${k}) * M + (${m})` : `aoff + (${m}) * K + (${k})`;
}

/** WGSL element index of B at depth `k`, column `n`. */
export function bIndex(transB: boolean, k: string, n: string): string {
  return transB ? `boff + (${n}) * K + (${k})` : `boff + (${k}) * N + (${n})`;
}

/**
 * WGSL of the simple kernel: invocation `i` computes output `i` of dtype `t`.
 *
 * @example
 * ```ts
 * import { simpleMatmulWgsl } from "./matmul_common.ts";
 * import { assertTrue } from "../../testing/assert.ts";
 * assertTrue(simpleMatmulWgsl("i32", "0i", 0, [false, true]).length > 0);
 * ```
 */
export function simpleMatmulWgsl(
  t: string,
  zero: string,
  rb: number,
  trans: readonly [boolean, boolean],
): string {
  const [ta, tb] = trans;
  // f16 accumulates in f32 and rounds once.
  const half = t === "f16";
  const wide = (e: string) => (half ? `f32(${e})` : e);
  return PARAMS_WGSL + storageDecls([t, t], t) + flatMain(`
  let M = P(1u); let N = P(2u); let K = P(3u);
  let n = i % N;
  let m = (i / N) % M;
  let z = i / (M * N);
  ${batchOffsets(rb)}
  var acc = ${half ? "0.0f" : zero};
  for (var k = 0u; k < K; k++) {
    acc += ${wide(`in0[${aIndex(ta, "m", "k")}]`)} * ${wide(`in1[${bIndex(tb, "k", "n")}]`)};
  }
  dst[i] = ${half ? "f16(acc)" : "acc"};`);
}

/** Element strides of a batch (one matrix = `matSize`) broadcast to `outBatch`. */
export function batchStrides(
  batch: readonly number[],
  outBatch: readonly number[],
  matSize: number,
): number[] {
  const off = outBatch.length - batch.length;
  const s = new Array<number>(outBatch.length).fill(0);
  let acc = matSize;
  for (let d = batch.length - 1; d >= 0; d--) {
    s[d + off] = batch[d] === 1 ? 0 : acc;
    acc *= batch[d];
  }
  return s;
}

/** `[0, n)` as an array (for unrolled code generation). */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The `c`-th component name of a vec4. */
export function comp(c: number): string {
  return "xyzw"[c];
}

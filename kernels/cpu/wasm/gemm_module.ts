/**
 * The f32 GEMM WebAssembly module, generated: a register-blocked
 * `MR x NR` micro-kernel over packed panels (128-bit SIMD, relaxed-SIMD FMA
 * when the runtime validates it), and the packing routines that fold the
 * transposes into strides. All addresses are byte offsets into the imported
 * memory; strides are in elements.
 *
 * Exports (all `i32` arguments):
 * - `packA(src, rs, cs, mc, kc, dst)`: `A(i, p)` at `src + 4(i rs + p cs)`, for
 *   `i < mc, p < kc`, into panels of `MR` rows: `dst[panel][p][r]`, zero rows past `mc`.
 * - `packB(src, rs, cs, kc, nc, dst)`: `B(p, j)` at `src + 4(p rs + j cs)` into
 *   panels of `NR` columns: `dst[panel][p][c]`, zero columns past `nc`.
 * - `macro(ap, bp, c, mc, nc, kc, ldc, first, edge)`: `C[mc, nc] (+)= Ap Bp`
 *   (`=` when `first`), `C` row-major with row stride `ldc`; `edge` is an
 *   `MR x NR` scratch for partial tiles.
 *
 * @example
 * ```ts
 * import { gemmModuleBytes } from "./gemm_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const bytes = gemmModuleBytes({ fma: false, shared: false });
 * assertEquals(WebAssembly.validate(bytes), true);
 * ```
 *
 * @module
 */
import { assembleModule, F32, FunctionBody, I32, memarg, V128 } from "./wasm_binary.ts";

/**
 * Rows of the micro-kernel tile: four, so that one load of A's packed column feeds the whole
 * tile through lane shuffles (a 6-row tile needs six broadcasting loads per step; on a 2-core
 * AMD EPYC, AVX2, the 4 x 8 tile runs its macro-kernel at 34.8 GFLOP/s on one thread against
 * 30.5 for 6 x 8 with loads).
 */
export const MR = 4;
/** Columns of the micro-kernel tile (a multiple of 4: two `f32x4` per row). */
export const NR = 8;
/** Memory pages the module declares as its maximum (4 GiB). */
export const MAX_PAGES = 65536;

// SIMD opcodes (after the 0xfd prefix).
const V128_LOAD = 0x00;
const V128_LOAD32_SPLAT = 0x09;
const V128_STORE = 0x0b;
const V128_CONST = 0x0c;
const I8X16_SHUFFLE = 0x0d;
const F32X4_ADD = 0xe4;
const F32X4_MUL = 0xe6;
const F32X4_RELAXED_MADD = 0x105;

// Scalar opcodes.
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_MUL = 0x6c;
const I32_LT_S = 0x48;
const I32_LE_S = 0x4c;
const I32_GE_S = 0x4e;
const I32_AND = 0x71;
const I32_EQ = 0x46;
const I64_LOAD = 0x29;
const I64_STORE = 0x37;
const F32_LOAD = 0x2a;
const F32_STORE = 0x38;
const F32_ADD = 0x92;
const SELECT = 0x1b;

/** The `i8x16.shuffle` lane bytes that broadcast 32-bit lane `lane` of the first operand. */
function laneSplat(lane: number): number[] {
  return [0, 1, 2, 3].flatMap(() => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3]);
}

/** `f.localSet(x = x + step)` with `step` an i32 constant. */
function bump(f: FunctionBody, x: number, step: number): void {
  f.localGet(x).i32(step).op(I32_ADD).localSet(x);
}

/** `min(a, b)` of two locals onto the stack. */
function minOf(f: FunctionBody, a: () => void, b: () => void): void {
  a();
  b();
  a();
  b();
  f.op(I32_LT_S).op(SELECT);
}

/**
 * `edgeCopy(src, dst, ldc, rows, cols, first)`: copy (or add when `first` is
 * 0) the `rows x cols` corner of the `MR x NR` tile at `src` into `C` at `dst`.
 */
function edgeCopy(NR: number): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32]);
  const [src, dst, ldc, rows, cols, first] = [0, 1, 2, 3, 4, 5];
  const r = f.local(I32), c = f.local(I32), s = f.local(I32), d = f.local(I32);
  f.i32(0).localSet(r);
  f.block().loop();
  f.localGet(r).localGet(rows).op(I32_GE_S).brIf(1);
  f.localGet(src).localGet(r).i32(NR * 4).op(I32_MUL).op(I32_ADD).localSet(s);
  f.localGet(dst).localGet(r).localGet(ldc).op(I32_MUL).i32(4).op(I32_MUL).op(I32_ADD).localSet(d);
  f.i32(0).localSet(c);
  f.block().loop();
  f.localGet(c).localGet(cols).op(I32_GE_S).brIf(1);
  // d[c] = s[c] + (first ? 0 : d[c])
  f.localGet(d);
  f.localGet(s).op(F32_LOAD, ...memarg(2, 0));
  f.localGet(first).op(0x04, F32); // if (result f32): 0 when first, else d[c]
  f.op(0x43, 0, 0, 0, 0); // f32.const 0
  f.else();
  f.localGet(d).op(F32_LOAD, ...memarg(2, 0));
  f.end();
  f.op(F32_ADD);
  f.op(F32_STORE, ...memarg(2, 0));
  bump(f, s, 4);
  bump(f, d, 4);
  bump(f, c, 1);
  f.br(0).end().end();
  bump(f, r, 1);
  f.br(0).end().end();
  return f;
}

/**
 * `macro(ap, bp, c, mc, nc, kc, ldc, first, edge)`; `edgeFn` is edgeCopy's index. With
 * `shuffleA` (and `MR` a multiple of 4) each rank-1 update reads A's column four rows at a time
 * and broadcasts each row's value by a lane shuffle, instead of one broadcasting load per row:
 * fewer memory accesses per multiply-add, and each access costs a bounds check in runtimes that
 * check them explicitly.
 */
function macro(
  fma: boolean,
  edgeFn: number,
  MR: number,
  NR: number,
  shuffleA: boolean,
): FunctionBody {
  const NV = NR / 4;
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [ap, bp, c, mc, nc, kc, ldc, first, edge] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const ir = f.local(I32), jr = f.local(I32), pa = f.local(I32), pb = f.local(I32);
  const pend = f.local(I32), row = f.local(I32), ldc4 = f.local(I32);
  const acc: number[] = [];
  for (let i = 0; i < MR * NV; i++) acc.push(f.local(V128));
  const b: number[] = [];
  for (let v = 0; v < NV; v++) b.push(f.local(V128));
  const a = f.local(V128), aRows = f.local(V128);
  const zero = new Array(16).fill(0);

  f.localGet(ldc).i32(4).op(I32_MUL).localSet(ldc4);
  f.i32(0).localSet(jr);
  f.block().loop(); // over column panels
  f.localGet(jr).localGet(nc).op(I32_GE_S).brIf(1);
  f.i32(0).localSet(ir);
  f.block().loop(); // over row panels
  f.localGet(ir).localGet(mc).op(I32_GE_S).brIf(1);
  // pa = ap + ir*kc*4; pb = bp + jr*kc*4; pend = pb + kc*NR*4
  f.localGet(ap).localGet(ir).localGet(kc).op(I32_MUL).i32(4).op(I32_MUL).op(I32_ADD).localSet(pa);
  f.localGet(bp).localGet(jr).localGet(kc).op(I32_MUL).i32(4).op(I32_MUL).op(I32_ADD).localTee(pb);
  f.localGet(kc).i32(NR * 4).op(I32_MUL).op(I32_ADD).localSet(pend);
  for (const x of acc) f.simd(V128_CONST, ...zero).localSet(x);
  f.loop(); // over p: one rank-1 update of the MR x NR tile
  for (let v = 0; v < NV; v++) f.localGet(pb).simd(V128_LOAD, ...memarg(4, 16 * v)).localSet(b[v]);
  for (let r = 0; r < MR; r++) {
    if (!shuffleA) {
      f.localGet(pa).simd(V128_LOAD32_SPLAT, ...memarg(2, 4 * r)).localSet(a);
    } else {
      if (r % 4 === 0) f.localGet(pa).simd(V128_LOAD, ...memarg(4, 4 * r)).localSet(aRows);
      f.localGet(aRows).localGet(aRows).simd(I8X16_SHUFFLE, ...laneSplat(r % 4)).localSet(a);
    }
    for (let v = 0; v < NV; v++) {
      const x = acc[r * NV + v];
      if (fma) {
        f.localGet(a).localGet(b[v]).localGet(x).simd(F32X4_RELAXED_MADD).localSet(x);
      } else {
        f.localGet(a).localGet(b[v]).simd(F32X4_MUL).localGet(x).simd(F32X4_ADD).localSet(x);
      }
    }
  }
  bump(f, pa, MR * 4);
  bump(f, pb, NR * 4);
  f.localGet(pb).localGet(pend).op(I32_LT_S).brIf(0);
  f.end();
  // A full tile goes straight to C; a partial one through the edge scratch.
  f.localGet(ir).i32(MR).op(I32_ADD).localGet(mc).op(I32_LE_S);
  f.localGet(jr).i32(NR).op(I32_ADD).localGet(nc).op(I32_LE_S);
  f.op(I32_AND).if();
  f.localGet(c).localGet(ir).localGet(ldc4).op(I32_MUL).op(I32_ADD);
  f.localGet(jr).i32(4).op(I32_MUL).op(I32_ADD).localSet(row);
  f.localGet(first).if();
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < NV; v++) {
      f.localGet(row).localGet(acc[r * NV + v]).simd(V128_STORE, ...memarg(4, 16 * v));
    }
    if (r < MR - 1) f.localGet(row).localGet(ldc4).op(I32_ADD).localSet(row);
  }
  f.else();
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < NV; v++) {
      f.localGet(row);
      f.localGet(row).simd(V128_LOAD, ...memarg(4, 16 * v));
      f.localGet(acc[r * NV + v]).simd(F32X4_ADD);
      f.simd(V128_STORE, ...memarg(4, 16 * v));
    }
    if (r < MR - 1) f.localGet(row).localGet(ldc4).op(I32_ADD).localSet(row);
  }
  f.end();
  f.else();
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < NV; v++) {
      f.localGet(edge).localGet(acc[r * NV + v]).simd(V128_STORE, ...memarg(4, 16 * (r * NV + v)));
    }
  }
  f.localGet(edge);
  f.localGet(c).localGet(ir).localGet(ldc4).op(I32_MUL).op(I32_ADD);
  f.localGet(jr).i32(4).op(I32_MUL).op(I32_ADD);
  f.localGet(ldc);
  minOf(f, () => f.i32(MR), () => f.localGet(mc).localGet(ir).op(I32_SUB));
  minOf(f, () => f.i32(NR), () => f.localGet(nc).localGet(jr).op(I32_SUB));
  f.localGet(first).call(edgeFn);
  f.end();
  bump(f, ir, MR);
  f.br(0).end().end();
  bump(f, jr, NR);
  f.br(0).end().end();
  return f;
}

/**
 * A packing routine. `pack(src, rs, cs, outer, kc, dst)` for A (`outer` =
 * rows, panels of `width = MR`) and `pack(src, rs, cs, kc, outer, dst)` for B
 * (`outer` = columns, `width = NR`; `forB` swaps the two middle arguments and
 * the roles of the strides). A whole panel whose elements lie side by side
 * along its width (B untransposed, A transposed) is copied a vector at a time;
 * another whole panel element by element; only the last, partial panel pads
 * with zeros element by element.
 */
function pack(width: number, forB: boolean): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32]);
  const src = 0, dst = 5;
  // Along the panel's width (rows of A, columns of B) and along k.
  const wStride = forB ? 2 : 1, kStride = forB ? 1 : 2;
  const outer = forB ? 4 : 3, kc = forB ? 3 : 4;
  const q = f.local(I32), p = f.local(I32), base = f.local(I32), e = f.local(I32);
  const w4 = f.local(I32), k4 = f.local(I32), left = f.local(I32);
  /** `for (p = 0; p < kc; p++) { body(); dst += 4 width; base += k4 }`. */
  const overK = (body: () => void) => {
    f.i32(0).localSet(p);
    f.block().loop();
    f.localGet(p).localGet(kc).op(I32_GE_S).brIf(1);
    body();
    bump(f, dst, width * 4);
    f.localGet(base).localGet(k4).op(I32_ADD).localSet(base);
    bump(f, p, 1);
    f.br(0).end().end();
  };
  f.localGet(wStride).i32(4).op(I32_MUL).localSet(w4);
  f.localGet(kStride).i32(4).op(I32_MUL).localSet(k4);
  f.i32(0).localSet(q);
  f.block().loop(); // over panels
  f.localGet(q).localGet(outer).op(I32_GE_S).brIf(1);
  f.localGet(outer).localGet(q).op(I32_SUB).localSet(left);
  // base = src + q*w4 (start of this panel's first row/column)
  f.localGet(src).localGet(q).localGet(w4).op(I32_MUL).op(I32_ADD).localSet(base);
  f.localGet(left).i32(width).op(I32_GE_S).if();
  f.localGet(w4).i32(4).op(I32_EQ).if();
  overK(() => {
    // Contiguous: whole vectors, then a pair and a single for a width not a multiple of 4.
    let r = 0;
    for (; r + 4 <= width; r += 4) {
      f.localGet(dst).localGet(base).simd(V128_LOAD, ...memarg(0, 4 * r));
      f.simd(V128_STORE, ...memarg(0, 4 * r));
    }
    if (r + 2 <= width) {
      f.localGet(dst).localGet(base).op(I64_LOAD, ...memarg(0, 4 * r));
      f.op(I64_STORE, ...memarg(0, 4 * r));
      r += 2;
    }
    if (r < width) {
      f.localGet(dst).localGet(base).op(F32_LOAD, ...memarg(0, 4 * r));
      f.op(F32_STORE, ...memarg(0, 4 * r));
    }
  });
  f.else();
  overK(() => {
    f.localGet(base).localSet(e);
    for (let r = 0; r < width; r++) {
      f.localGet(dst).localGet(e).op(F32_LOAD, ...memarg(2, 0));
      f.op(F32_STORE, ...memarg(2, 4 * r));
      if (r < width - 1) f.localGet(e).localGet(w4).op(I32_ADD).localSet(e);
    }
  });
  f.end();
  f.else();
  overK(() => {
    f.localGet(base).localSet(e);
    for (let r = 0; r < width; r++) {
      f.localGet(dst);
      f.i32(r).localGet(left).op(I32_LT_S).op(0x04, F32);
      f.localGet(e).op(F32_LOAD, ...memarg(2, 0));
      f.else().op(0x43, 0, 0, 0, 0).end();
      f.op(F32_STORE, ...memarg(2, 4 * r));
      if (r < width - 1) f.localGet(e).localGet(w4).op(I32_ADD).localSet(e);
    }
  });
  f.end();
  bump(f, q, width);
  f.br(0).end().end();
  return f;
}

/** How to generate the module. */
export interface GemmModuleOptions {
  /** Use `f32x4.relaxed_madd` (check {@linkcode relaxedSimdSupported} first). */
  fma: boolean;
  /** Import a shared memory (for Workers). */
  shared: boolean;
  /** Micro-kernel rows (default {@linkcode MR}); for tuning. */
  mr?: number;
  /** Micro-kernel columns, a multiple of 4 (default {@linkcode NR}); for tuning. */
  nr?: number;
  /**
   * Broadcast A's values by lane shuffles of one load per four rows (needs `mr` a multiple of
   * 4) instead of a broadcasting load per row; default: where `mr` allows it.
   */
  shuffleA?: boolean;
}

/**
 * The module's bytes.
 *
 * @example
 * ```ts
 * import { gemmModuleBytes } from "./gemm_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const bytes = gemmModuleBytes({ fma: false, shared: false, mr: 4, nr: 8 });
 * const names = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
 * assertEquals(names, ["macro", "packA", "packB"]);
 * ```
 */
export function gemmModuleBytes(opts: GemmModuleOptions): Uint8Array<ArrayBuffer> {
  const mr = opts.mr ?? MR, nr = opts.nr ?? NR;
  if (!Number.isInteger(mr) || mr < 1 || !Number.isInteger(nr) || nr < 4 || nr % 4 !== 0) {
    throw new Error(`gemmModuleBytes: needs mr >= 1 and nr a multiple of 4, got ${mr}, ${nr}`);
  }
  const shuffleA = opts.shuffleA ?? mr % 4 === 0;
  if (shuffleA && mr % 4 !== 0) {
    throw new Error(`gemmModuleBytes: shuffleA needs mr a multiple of 4, got mr = ${mr}`);
  }
  return assembleModule([
    { body: edgeCopy(nr) },
    { name: "macro", body: macro(opts.fma, 0, mr, nr, shuffleA) },
    { name: "packA", body: pack(mr, false) },
    { name: "packB", body: pack(nr, true) },
  ], { min: 1, max: MAX_PAGES, shared: opts.shared });
}

/**
 * Whether this runtime's WebAssembly has relaxed SIMD (`f32x4.relaxed_madd`).
 *
 * @example
 * ```ts
 * import { relaxedSimdSupported } from "./gemm_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(typeof relaxedSimdSupported(), "boolean");
 * ```
 */
export function relaxedSimdSupported(): boolean {
  const f = new FunctionBody([], [V128]);
  const zero = new Array(16).fill(0);
  f.simd(V128_CONST, ...zero).simd(V128_CONST, ...zero).simd(V128_CONST, ...zero);
  f.simd(F32X4_RELAXED_MADD);
  return WebAssembly.validate(assembleModule([{ body: f }]));
}

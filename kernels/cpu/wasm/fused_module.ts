/**
 * The WebAssembly SIMD rendering of a {@linkcode FusedKernel}: one module per
 * kernel shape-class (the kernel collapsed, as `kernelKey` names it), whose
 * exported `run(params)` walks the iteration shape with the innermost axis in
 * f32x4 vectors and a one-lane tail for the rest of each row.
 *
 * Every value lives in a `v128`: f32 as four lanes, bool as 0.0/1.0. A node is
 * computed at the outermost loop where it can change (splatted there); inner
 * loads of stride 1 are `v128.load`s, strided ones gathered lane by lane.
 * Reductions over the innermost axis accumulate a row in two f64x2 (sum) or
 * one f32x4 (max) and add it into the output; reductions over outer axes add
 * vectors into the output row. A row kernel (one with `reduced` nodes) makes
 * two passes per row, the second reading the finished reduction.
 *
 * `params` is the byte address of the i32 words {@linkcode paramWords}
 * lists: sizes, each input's address and byte strides, each output's address,
 * the reduction's address, byte strides and element count.
 *
 * @example
 * ```ts
 * import { fusedModuleBytes } from "./fused_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const bytes = fusedModuleBytes({
 *   shape: [8],
 *   inputs: [{ dtype: "f32", strides: [1], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }, { fn: "exp", args: [0], dtype: "f32" }],
 *   outputs: [1],
 * }, { fma: false, shared: false });
 * assertEquals(WebAssembly.validate(bytes), true);
 * ```
 *
 * @module
 */
import { type FusedKernel, isRowKernel, type ScalarNode } from "../../fused.ts";
import { type ConstantPool, emitMath, type MathFn, mathImports } from "./fused_math.ts";
import { memarg, OP, SIMD } from "./fused_opcodes.ts";
import {
  assembleModule,
  FunctionBody,
  I32,
  type ImportedFunction,
  uleb,
  V128,
} from "./wasm_binary.ts";

/** Maximum pages of the fused kernels' memory (4 GiB). */
export const FUSED_MAX_PAGES = 65536;

/** How a module is built. */
export interface FusedModuleOptions {
  /** Use relaxed-SIMD madd in polynomials. */
  fma: boolean;
  /** Import a shared memory (for Worker threads). */
  shared: boolean;
}

const BYTES: Record<string, number> = { f32: 4, bool: 1 };

/**
 * A rank-0 kernel as a rank-1 kernel of one element (the loops need an innermost axis).
 *
 * @example
 * ```ts
 * import { atLeastRank1 } from "./fused_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const k = atLeastRank1({
 *   shape: [],
 *   inputs: [{ dtype: "f32", strides: [], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }],
 *   outputs: [0],
 * });
 * assertEquals([k.shape, k.inputs[0].strides], [[1], [0]]);
 * ```
 */
export function atLeastRank1(k: FusedKernel): FusedKernel {
  if (k.shape.length > 0) return k;
  return {
    ...k,
    shape: [1],
    inputs: k.inputs.map((x) => ({ ...x, strides: [0] })),
    ...(k.reduce ? { reduce: { ...k.reduce, axes: [] } } : {}),
  };
}

/**
 * The i32 parameter words of a kernel (already collapsed and at least rank
 * 1) whose buffers start at the byte addresses `inputAt`, `outputAt` (one per
 * output, then the reduction's): sizes; each input's address (offset
 * included) and byte strides; each output's address; the reduction's address,
 * byte strides and element count.
 *
 * @example
 * ```ts
 * import { paramWords } from "./fused_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const words = paramWords({
 *   shape: [2, 3],
 *   inputs: [{ dtype: "f32", strides: [3, 1], offset: 1 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }],
 *   outputs: [],
 *   reduce: { op: "sum", node: 0, axes: [1] },
 * }, [100], [200]);
 * assertEquals([...words], [2, 3, 104, 12, 4, 200, 4, 0, 2]);
 * ```
 */
export function paramWords(
  k: FusedKernel,
  inputAt: readonly number[],
  outputAt: readonly number[],
): Int32Array {
  const rank = k.shape.length;
  const words: number[] = [...k.shape];
  k.inputs.forEach((x, i) => {
    const b = BYTES[x.dtype];
    words.push(inputAt[i] + x.offset * b, ...x.strides.map((s) => s * b));
  });
  k.outputs.forEach((_, j) => words.push(outputAt[j]));
  if (k.reduce) {
    const reduced = new Set(k.reduce.axes);
    const rs = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let a = rank - 1; a >= 0; a--) {
      if (!reduced.has(a)) {
        rs[a] = 4 * acc;
        acc *= k.shape[a];
      }
    }
    words.push(outputAt[k.outputs.length], ...rs, acc);
  }
  return new Int32Array(words);
}

/**
 * The parameter words of rows `a0..a1` of axis 0 (not a reduced axis) of a kernel whose
 * full words are `words` ({@linkcode paramWords}): the same kernel over a slab of its rows.
 *
 * @example
 * ```ts
 * import { paramWords, sliceWords } from "./fused_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const k = {
 *   shape: [4, 3],
 *   inputs: [{ dtype: "f32" as const, strides: [3, 1], offset: 0 }],
 *   nodes: [{ fn: "load" as const, input: 0, dtype: "f32" as const }],
 *   outputs: [0],
 * };
 * // Rows 1..3: three rows, each address moved on by one row of 3 floats.
 * assertEquals([...sliceWords(k, paramWords(k, [0], [64]), 1, 4)], [3, 3, 12, 12, 4, 76]);
 * ```
 */
export function sliceWords(k: FusedKernel, words: Int32Array, a0: number, a1: number): Int32Array {
  const rank = k.shape.length;
  const out = words.slice();
  out[0] = a1 - a0;
  let w = rank;
  for (let i = 0; i < k.inputs.length; i++) {
    out[w] += a0 * words[w + 1];
    w += 1 + rank;
  }
  let inner = 1;
  for (let a = 1; a < rank; a++) inner *= k.shape[a];
  k.outputs.forEach((o) => {
    out[w] += a0 * inner * BYTES[k.nodes[o].dtype];
    w++;
  });
  if (k.reduce) {
    out[w] += a0 * words[w + 1];
    out[w + 1 + rank] = (words[w + 1 + rank] / k.shape[0]) * (a1 - a0);
  }
  return out;
}

/** The loop depth at which each node's value starts to vary (0 = once per call). */
function nodeLevels(k: FusedKernel): number[] {
  const rank = k.shape.length;
  const inputLevel = k.inputs.map((x) => {
    for (let a = rank - 1; a >= 0; a--) if (x.strides[a] !== 0) return a + 1;
    return 0;
  });
  const levels: number[] = [];
  for (const n of k.nodes) {
    if (n.fn === "load") levels.push(inputLevel[n.input]);
    else if (n.fn === "const") levels.push(0);
    else if (n.fn === "reduced") levels.push(rank - 1);
    else levels.push(Math.max(0, ...n.args.map((i) => levels[i])));
  }
  return levels;
}

/** Nodes `roots` depend on (themselves included). */
function closure(k: FusedKernel, roots: readonly number[]): Set<number> {
  const used = new Set<number>(roots);
  for (let i = k.nodes.length - 1; i >= 0; i--) {
    const n = k.nodes[i];
    if (used.has(i) && "args" in n) { for (const a of n.args) used.add(a); }
  }
  return used;
}

const CMP: Record<string, keyof typeof SIMD> = {
  lt: "f32x4_lt",
  le: "f32x4_le",
  gt: "f32x4_gt",
  ge: "f32x4_ge",
  eq: "f32x4_eq",
  ne: "f32x4_ne",
};
const ARITH: Record<string, keyof typeof SIMD> = {
  add: "f32x4_add",
  sub: "f32x4_sub",
  mul: "f32x4_mul",
  div: "f32x4_div",
  max: "f32x4_max",
  min: "f32x4_min",
  neg: "f32x4_neg",
  abs: "f32x4_abs",
  sqrt: "f32x4_sqrt",
};

/** Where a load reads in the innermost loop: vector (stride 1), gathered, or one lane. */
type LoadMode = "vec" | "one";

/** The code generator of one kernel's `run` function. */
class KernelWriter {
  readonly f = new FunctionBody([I32]);
  readonly k: FusedKernel;
  readonly rank: number;
  readonly levels: number[];
  readonly math: { fma: boolean; imports: readonly ImportedFunction[]; pool: ConstantPool };
  readonly #constants = new Map<string, { local: number; bytes: readonly number[] }>();
  #constantsAt = 0;
  readonly dims: number[] = [];
  readonly ptr: number[] = [];
  readonly strides: number[][] = [];
  readonly vecStep: number[] = [];
  readonly outPtr: number[] = [];
  readonly value: number[] = [];
  readonly counters: number[] = [];
  readonly saved: number[][] = [];
  readonly tmp: number;
  red = -1;
  redStrides: number[] = [];
  redCount = -1;
  redSaved: number[] = [];
  acc: number[] = [];
  j = -1;

  constructor(k: FusedKernel, math: { fma: boolean; imports: readonly ImportedFunction[] }) {
    this.k = k;
    this.rank = k.shape.length;
    this.levels = nodeLevels(k);
    this.math = { ...math, pool: (bytes) => this.constant(bytes) };
    const f = this.f, rank = this.rank;
    this.tmp = f.local(I32);
    for (let a = 0; a < rank; a++) this.dims.push(f.local(I32));
    for (let i = 0; i < k.inputs.length; i++) {
      this.ptr.push(f.local(I32));
      this.strides.push(k.shape.map(() => f.local(I32)));
      this.vecStep.push(f.local(I32));
      this.saved.push(k.shape.map(() => f.local(I32)));
    }
    for (let j = 0; j < k.outputs.length; j++) this.outPtr.push(f.local(I32));
    for (let a = 0; a < rank; a++) this.counters.push(f.local(I32));
    this.j = f.local(I32);
    if (k.reduce) {
      this.red = f.local(I32);
      this.redStrides = k.shape.map(() => f.local(I32));
      this.redSaved = k.shape.map(() => f.local(I32));
      this.redCount = f.local(I32);
      this.acc = [f.local(V128), f.local(V128)];
    }
    for (let n = 0; n < k.nodes.length; n++) this.value.push(f.local(V128));
  }

  /** The local holding a `v128` constant (set once, before the loops). */
  constant(bytes: readonly number[]): number {
    const key = bytes.join(",");
    let c = this.#constants.get(key);
    if (c === undefined) {
      c = { local: this.f.local(V128), bytes };
      this.#constants.set(key, c);
    }
    return c.local;
  }

  /** Push an f32x4 constant (one value splatted, or four lanes) from the pool. */
  c32(...v: number[]): this {
    const lanes = v.length === 1 ? [v[0], v[0], v[0], v[0]] : v;
    this.f.localGet(this.constant([...new Uint8Array(new Float32Array(lanes).buffer)]));
    return this;
  }

  /** Set every pooled constant's local where the prologue ended. */
  finish(): void {
    const code: number[] = [];
    for (const { local, bytes } of this.#constants.values()) {
      code.push(0xfd, SIMD.v128_const, ...bytes, 0x21, ...uleb(local));
    }
    this.f.insert(this.#constantsAt, code);
  }

  s(name: keyof typeof SIMD, ...imm: number[]): this {
    this.f.simd(SIMD[name], ...imm);
    return this;
  }

  /** Read the parameter words into locals and fill the reduction's output. */
  prologue(): void {
    const f = this.f, k = this.k;
    let w = 0;
    const word = (local: number) => {
      f.localGet(0).op(OP.i32_load, ...memarg(2, 4 * w++)).localSet(local);
    };
    this.dims.forEach(word);
    k.inputs.forEach((_x, i) => {
      word(this.ptr[i]);
      this.strides[i].forEach(word);
      // The innermost step of four lanes (stride-1 inputs: 4 elements; gathered: 4 strides).
      f.localGet(this.strides[i][this.rank - 1]).i32(4).op(OP.i32_mul).localSet(this.vecStep[i]);
    });
    this.outPtr.forEach(word);
    if (k.reduce) {
      word(this.red);
      this.redStrides.forEach(word);
      word(this.redCount);
      // Fill the reduction's output with the identity.
      const init = k.reduce.op === "sum" ? 0 : -Infinity;
      f.localGet(this.red).localSet(this.tmp);
      f.block().loop();
      f.localGet(this.redCount).op(OP.i32_eqz).brIf(1);
      f.localGet(this.tmp).f32(init).op(OP.f32_store, ...memarg(2));
      f.localGet(this.tmp).i32(4).op(OP.i32_add).localSet(this.tmp);
      f.localGet(this.redCount).i32(1).op(OP.i32_sub).localSet(this.redCount);
      f.br(0).end().end();
    }
    this.#constantsAt = f.mark();
  }

  /** Push the value of input `i` at its pointer: splatted (`one`) or four lanes (`vec`). */
  load(i: number, mode: LoadMode | "splat"): void {
    const f = this.f, x = this.k.inputs[i], p = this.ptr[i];
    const inner = x.strides[this.rank - 1];
    const bool = x.dtype === "bool";
    if (mode !== "vec") {
      f.localGet(p);
      if (bool) this.s("v128_load8_splat", ...memarg(0)).boolToF32();
      else this.s("v128_load32_splat", ...memarg(0));
      return;
    }
    if (inner === 1) {
      f.localGet(p);
      if (bool) this.s("v128_load32_zero", ...memarg(0)).boolToF32();
      else this.s("v128_load", ...memarg(0));
      return;
    }
    // Gather four lanes `stride` bytes apart.
    const st = this.strides[i][this.rank - 1];
    f.localGet(p);
    if (bool) f.op(0x2d, ...memarg(0)).simd(SIMD.i32x4_splat);
    else this.s("v128_load32_splat", ...memarg(0));
    f.localGet(p).localSet(this.tmp);
    for (let lane = 1; lane < 4; lane++) {
      f.localGet(this.tmp).localGet(st).op(OP.i32_add).localTee(this.tmp);
      if (bool) f.op(0x2d, ...memarg(0)).simd(SIMD.i32x4_replace_lane, lane);
      else f.op(OP.f32_load, ...memarg(0)).simd(SIMD.f32x4_replace_lane, lane);
    }
    if (bool) this.s("f32x4_convert_i32x4_u");
  }

  boolToF32(): this {
    return this.s("i16x8_extend_low_i8x16_u").s("i32x4_extend_low_i16x8_u").s(
      "f32x4_convert_i32x4_u",
    );
  }

  /** Compute node `n` into its local; `mode` says how inner loads read. */
  node(n: number, mode: LoadMode | "splat"): void {
    const f = this.f, node: ScalarNode = this.k.nodes[n];
    const v = (i: number) => f.localGet(this.value[i]);
    if (node.fn === "load") this.load(node.input, mode);
    else if (node.fn === "const") f.f32x4(node.value);
    else if (node.fn === "reduced") throw new Error("fused wasm: reduced node computed as a node");
    else {
      const [a, b, c] = node.args;
      const fn = node.fn;
      if (fn in ARITH) {
        v(a);
        if (b !== undefined) v(b);
        this.s(ARITH[fn]);
      } else if (fn in CMP) {
        v(a);
        v(b);
        this.s(CMP[fn]).c32(1).s("v128_and");
      } else if (fn === "select") {
        v(b);
        v(c);
        v(a);
        this.c32(0).s("f32x4_ne").s("v128_bitselect");
      } else if (fn === "cast") {
        v(a);
        if (node.dtype === "bool" && this.k.nodes[a].dtype !== "bool") {
          this.c32(0).s("f32x4_ne").c32(1).s("v128_and");
        }
      } else if (fn === "sign") {
        // ±1 with x's sign where x is neither 0 nor NaN; x itself otherwise.
        v(a);
        this.c32(-0).s("v128_and").c32(1).s("v128_or");
        v(a);
        v(a);
        this.c32(0).s("f32x4_ne");
        v(a);
        v(a);
        this.s("f32x4_eq").s("v128_and").s("v128_bitselect");
      } else {
        emitMath(f, fn as MathFn, node.args.map((i) => this.value[i]), this.math);
      }
    }
    f.localSet(this.value[n]);
  }

  /** Compute the nodes at `level` among `pick`. */
  nodesAt(level: number, pick: (i: number) => boolean, mode: LoadMode | "splat"): void {
    this.k.nodes.forEach((_, i) => {
      if (this.levels[i] === level && pick(i)) this.node(i, mode);
    });
  }

  /** Store node `node` to output `j` (four lanes, or lane 0) and advance its pointer. */
  store(j: number, node: number, mode: LoadMode): void {
    const f = this.f, q = this.outPtr[j];
    const bool = this.k.nodes[node].dtype === "bool";
    f.localGet(q).localGet(this.value[node]);
    if (bool) {
      this.s("i32x4_trunc_sat_f32x4_u");
      f.localGet(this.value[node]).simd(SIMD.i32x4_trunc_sat_f32x4_u);
      this.s("i16x8_narrow_i32x4_u");
      f.localGet(this.value[node]); // any operand: only the low lanes are stored
      this.s("i32x4_trunc_sat_f32x4_u");
      f.localGet(this.value[node]).simd(SIMD.i32x4_trunc_sat_f32x4_u);
      this.s("i16x8_narrow_i32x4_u").s("i8x16_narrow_i16x8_u");
      if (mode === "vec") this.s("v128_store32_lane", ...memarg(0), 0);
      else this.s("v128_store8_lane", ...memarg(0), 0);
    } else if (mode === "vec") this.s("v128_store", ...memarg(0));
    else this.s("v128_store32_lane", ...memarg(0), 0);
    const step = (bool ? 1 : 4) * (mode === "vec" ? 4 : 1);
    f.localGet(q).i32(step).op(OP.i32_add).localSet(q);
  }

  /** Advance every input pointer (and the reduction's, when `red`) along axis `a`. */
  step(a: number, mode: LoadMode | "axis", red: boolean): void {
    const f = this.f;
    this.k.inputs.forEach((x, i) => {
      if (x.strides[a] === 0) return;
      f.localGet(this.ptr[i]);
      f.localGet(mode === "vec" ? this.vecStep[i] : this.strides[i][a]);
      f.op(OP.i32_add).localSet(this.ptr[i]);
    });
    if (red) {
      f.localGet(this.red);
      if (mode === "vec") f.localGet(this.redStrides[a]).i32(4).op(OP.i32_mul);
      else f.localGet(this.redStrides[a]);
      f.op(OP.i32_add).localSet(this.red);
    }
  }

  savePointers(a: number): void {
    this.k.inputs.forEach((_, i) => this.f.localGet(this.ptr[i]).localSet(this.saved[i][a]));
    if (this.k.reduce) this.f.localGet(this.red).localSet(this.redSaved[a]);
  }

  restorePointers(a: number): void {
    this.k.inputs.forEach((_, i) => this.f.localGet(this.saved[i][a]).localSet(this.ptr[i]));
    if (this.k.reduce) this.f.localGet(this.redSaved[a]).localSet(this.red);
  }

  /** Reset the row accumulator. */
  accInit(): void {
    const f = this.f, sum = this.k.reduce!.op === "sum";
    for (const a of this.acc) {
      if (sum) f.f64x2(0);
      else f.f32x4(-Infinity);
      f.localSet(a);
    }
  }

  /** Fold node `n`'s lanes (all four, or lane 0) into the row accumulator. */
  accAdd(n: number, mode: LoadMode): void {
    const f = this.f, [a0, a1] = this.acc, v = this.value[n];
    if (this.k.reduce!.op === "max") {
      f.localGet(a0).localGet(v);
      if (mode === "one") {
        f.f32x4(-Infinity).i32x4(-1, 0, 0, 0);
        this.s("v128_bitselect");
      }
      this.s("f32x4_max").f.localSet(a0);
      return;
    }
    f.localGet(a0).localGet(v).simd(SIMD.f64x2_promote_low_f32x4);
    if (mode === "one") f.f64x2(0).i32x4(-1, -1, 0, 0).simd(SIMD.v128_bitselect);
    this.s("f64x2_add").f.localSet(a0);
    if (mode === "vec") {
      f.localGet(a1).localGet(v).localGet(v);
      this.s("i8x16_shuffle", 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
      this.s("f64x2_promote_low_f32x4").s("f64x2_add").f.localSet(a1);
    }
  }

  /** Push the row accumulator's total as an f32. */
  accTotal(): void {
    const f = this.f, [a0, a1] = this.acc;
    if (this.k.reduce!.op === "max") {
      f.localGet(a0).simd(SIMD.f32x4_extract_lane, 0);
      for (let lane = 1; lane < 4; lane++) {
        f.localGet(a0).simd(SIMD.f32x4_extract_lane, lane).op(OP.f32_max);
      }
      return;
    }
    f.localGet(a0).localGet(a1).simd(SIMD.f64x2_add).localTee(a0);
    f.simd(SIMD.f64x2_extract_lane, 0).localGet(a0).simd(SIMD.f64x2_extract_lane, 1);
    f.op(OP.f64_add).op(OP.f32_demote_f64);
  }

  /** `out[r] = op(out[r], total)` for the scalar total on the stack (kept in `tmpF`). */
  combineTotal(tmpF: number): void {
    const f = this.f;
    f.localSet(tmpF);
    f.localGet(this.red).localGet(this.red).op(OP.f32_load, ...memarg(2)).localGet(tmpF);
    f.op(this.k.reduce!.op === "sum" ? OP.f32_add : OP.f32_max);
    f.op(OP.f32_store, ...memarg(2));
  }

  /** `out[r..] = op(out[r..], v)` for outer-axis reductions (four lanes or lane 0). */
  combineLanes(n: number, mode: LoadMode): void {
    const f = this.f, v = this.value[n], sum = this.k.reduce!.op === "sum";
    f.localGet(this.red);
    if (mode === "vec") {
      f.localGet(this.red).simd(SIMD.v128_load, ...memarg(0)).localGet(v);
      this.s(sum ? "f32x4_add" : "f32x4_max").s("v128_store", ...memarg(0));
    } else {
      f.localGet(this.red).op(OP.f32_load, ...memarg(2));
      f.localGet(v).simd(SIMD.f32x4_extract_lane, 0);
      f.op(sum ? OP.f32_add : OP.f32_max).op(OP.f32_store, ...memarg(2));
    }
  }

  /**
   * The innermost loop: four lanes at a time, then one. `body(mode)` computes
   * and stores; pointers advance here.
   */
  innerLoop(body: (mode: LoadMode) => void, redStep: boolean): void {
    const f = this.f, last = this.rank - 1, D = this.dims[last], j = this.j;
    f.i32(0).localSet(j);
    f.block().loop();
    f.localGet(D).localGet(j).op(OP.i32_sub).i32(4).op(OP.i32_lt_s).brIf(1);
    body("vec");
    this.step(last, "vec", redStep);
    f.localGet(j).i32(4).op(OP.i32_add).localSet(j);
    f.br(0).end().end();
    f.block().loop();
    f.localGet(j).localGet(D).op(OP.i32_ge_s).brIf(1);
    body("one");
    this.step(last, "axis", redStep);
    f.localGet(j).i32(1).op(OP.i32_add).localSet(j);
    f.br(0).end().end();
  }

  /** Open the loops over axes `0..rank-2`, computing each level's nodes. */
  openOuter(pick: (i: number) => boolean): void {
    const f = this.f;
    for (let a = 0; a < this.rank - 1; a++) {
      this.savePointers(a);
      f.i32(0).localSet(this.counters[a]);
      f.block().loop();
      f.localGet(this.counters[a]).localGet(this.dims[a]).op(OP.i32_ge_s).brIf(1);
      this.nodesAt(a + 1, pick, "splat");
    }
  }

  closeOuter(): void {
    const f = this.f;
    for (let a = this.rank - 2; a >= 0; a--) {
      this.step(a, "axis", this.k.reduce !== undefined);
      f.localGet(this.counters[a]).i32(1).op(OP.i32_add).localSet(this.counters[a]);
      f.br(0).end().end();
      this.restorePointers(a);
    }
  }

  /** A kernel without `reduced` nodes. */
  plain(): void {
    const k = this.k, last = this.rank - 1, red = k.reduce;
    const used = closure(k, [...k.outputs, ...(red ? [red.node] : [])]);
    const pick = (i: number) => used.has(i);
    const innerReduced = red !== undefined && red.axes.includes(last);
    const tmpF = this.f.local(0x7d);
    this.prologue();
    this.nodesAt(0, pick, "splat");
    this.openOuter(pick);
    if (innerReduced) this.accInit();
    this.savePointers(last);
    this.innerLoop((mode) => {
      this.nodesAt(this.rank, pick, mode);
      k.outputs.forEach((o, j) => this.store(j, o, mode));
      if (red && innerReduced) this.accAdd(red.node, mode);
      else if (red) this.combineLanes(red.node, mode);
    }, red !== undefined && !innerReduced);
    this.restorePointers(last);
    if (innerReduced) {
      this.accTotal();
      this.combineTotal(tmpF);
    }
    this.closeOuter();
  }

  /** A row kernel: pass 1 reduces the row (and writes what does not need it), pass 2 the rest. */
  row(): void {
    const k = this.k, red = k.reduce!, last = this.rank - 1;
    const dep2: boolean[] = [];
    k.nodes.forEach((n, i) => {
      dep2[i] = n.fn === "reduced" || ("args" in n && n.args.some((a) => dep2[a]));
    });
    const out1 = k.outputs.map((o, j) => [o, j]).filter(([o]) => !dep2[o]);
    const out2 = k.outputs.map((o, j) => [o, j]).filter(([o]) => dep2[o]);
    const need1 = closure(k, [...out1.map(([o]) => o), red.node]);
    const need2 = closure(k, out2.map(([o]) => o));
    const early = (i: number) => !dep2[i] && (need1.has(i) || need2.has(i));
    const tmpF = this.f.local(0x7d);
    this.prologue();
    this.nodesAt(0, early, "splat");
    this.openOuter(early);
    this.accInit();
    this.savePointers(last);
    this.innerLoop((mode) => {
      this.nodesAt(this.rank, (i) => need1.has(i) && !dep2[i], mode);
      out1.forEach(([o, j]) => this.store(j, o, mode));
      this.accAdd(red.node, mode);
    }, false);
    this.restorePointers(last);
    this.accTotal();
    this.f.localTee(tmpF);
    this.combineTotal(tmpF);
    k.nodes.forEach((n, i) => {
      if (n.fn === "reduced") {
        this.f.localGet(tmpF).simd(SIMD.f32x4_splat).localSet(this.value[i]);
      }
    });
    this.nodesAt(last, (i) => dep2[i] && need2.has(i) && k.nodes[i].fn !== "reduced", "splat");
    if (out2.length > 0) {
      this.innerLoop((mode) => {
        this.nodesAt(this.rank, (i) => need2.has(i), mode);
        out2.forEach(([o, j]) => this.store(j, o, mode));
      }, false);
      this.restorePointers(last);
    }
    this.closeOuter();
  }
}

/** The functions `nodes` call from the vector math library. */
function mathUsed(nodes: readonly ScalarNode[]): Set<MathFn> {
  const used = new Set<MathFn>();
  for (const n of nodes) {
    if (["exp", "log", "tanh", "sin", "cos", "pow", "atan2"].includes(n.fn)) {
      used.add(n.fn as MathFn);
    }
  }
  return used;
}

/**
 * The bytes of the module rendering `kernel` (collapsed, rank ≥ 1, supported
 * as `wasmUnsupported` says): imports `env.memory` (and `env.sin`/`env.cos`
 * when used), exports `run(params)`.
 */
export function fusedModuleBytes(
  kernel: FusedKernel,
  opts: FusedModuleOptions,
): Uint8Array<ArrayBuffer> {
  const k = atLeastRank1(kernel);
  const imports = mathImports(mathUsed(k.nodes));
  const w = new KernelWriter(k, { fma: opts.fma, imports });
  if (isRowKernel(k)) w.row();
  else w.plain();
  w.finish();
  return assembleModule(
    [{ name: "run", body: w.f }],
    { min: 1, max: FUSED_MAX_PAGES, shared: opts.shared },
    imports,
  );
}

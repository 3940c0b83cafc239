/**
 * The values half of the fused-kernel code generator: locals for sizes,
 * pointers and node values, the `v128` constant pool, and the code that
 * loads an input (a vector, a gather, one lane or a splat), computes a scalar
 * node over f32x4 lanes, stores an output, and folds values into a reduction.
 * `fused_module.ts` builds the loops around it.
 *
 * @example
 * ```ts
 * import { KernelValues } from "./fused_values.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const w = new KernelValues({
 *   shape: [8],
 *   inputs: [{ dtype: "f32", strides: [1], offset: 0 }],
 *   nodes: [{ fn: "load", input: 0, dtype: "f32" }],
 *   outputs: [0],
 * }, { fma: false, imports: [] });
 * assertEquals(w.levels, [1]);
 * ```
 *
 * @module
 */
import type { FusedKernel, ScalarNode } from "../../fused.ts";
import { nodeLevels } from "../../fused_program.ts";
import { type ConstantPool, emitMath, type MathFn } from "./fused_math.ts";
import { OP, SIMD } from "./fused_opcodes.ts";
import { FunctionBody, I32, type ImportedFunction, memarg, uleb, V128 } from "./wasm_binary.ts";

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
export type LoadMode = "vec" | "one";

/** The values of one kernel's `run` function: locals, loads, nodes, stores, accumulators. */
export class KernelValues {
  /** The function being written: `run(params)`. */
  readonly f = new FunctionBody([I32]);
  /** The kernel (collapsed, rank ≥ 1). */
  readonly k: FusedKernel;
  /** Its rank. */
  readonly rank: number;
  /** The loop depth of each node ({@linkcode nodeLevels}). */
  readonly levels: number[];
  /** How math functions are emitted: relaxed madd, imports, the constant pool. */
  readonly math: { fma: boolean; imports: readonly ImportedFunction[]; pool: ConstantPool };
  readonly #constants = new Map<string, { local: number; bytes: readonly number[] }>();
  #constantsAt = 0;
  /** Locals: the size of each axis. */
  readonly dims: number[] = [];
  /** Locals: each input's byte address. */
  readonly ptr: number[] = [];
  /** Locals: each input's byte stride per axis. */
  readonly strides: number[][] = [];
  /** Locals: each input's step over four lanes of the innermost axis. */
  readonly vecStep: number[] = [];
  /** Locals: each output's byte address. */
  readonly outPtr: number[] = [];
  /** Locals: each node's value (`v128`). */
  readonly value: number[] = [];
  /** Locals: the loop counter of each outer axis. */
  readonly counters: number[] = [];
  /** Locals: each input's address saved at the start of each axis's loop. */
  readonly saved: number[][] = [];
  /** Local: an i32 scratch. */
  readonly tmp: number;
  /** Local: the reduction output's byte address (-1 without a reduction). */
  red: number = -1;
  /** Locals: the reduction output's byte stride per axis. */
  redStrides: number[] = [];
  /** Local: the reduction output's element count. */
  redCount: number = -1;
  /** Locals: the reduction address saved per axis. */
  redSaved: number[] = [];
  /** Locals: the row accumulator (two f64x2 for a sum; for a max, an f32x4 and its NaN lanes). */
  acc: number[] = [];
  /** Local: the innermost loop's counter. */
  j: number = -1;

  /** Declare the locals of kernel `k` (collapsed, rank ≥ 1). */
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

  #scratch = -1;

  /** A `v128` scratch local (one per function). */
  scratch(): number {
    if (this.#scratch < 0) this.#scratch = this.f.local(V128);
    return this.#scratch;
  }

  /** Emit a named SIMD opcode. */
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

  /** Widen the low four bytes of the top `v128` (bools 0/1) to f32 lanes. */
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
      // 0.0/1.0 lanes to bytes: truncate, then narrow twice (the low lanes are the ones stored).
      const t = this.scratch();
      this.s("i32x4_trunc_sat_f32x4_u").f.localTee(t).localGet(t);
      this.s("i16x8_narrow_i32x4_u").f.localTee(t).localGet(t);
      this.s("i8x16_narrow_i16x8_u");
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

  /** Save the input (and reduction) addresses at the start of axis `a`'s loop. */
  savePointers(a: number): void {
    this.k.inputs.forEach((_, i) => this.f.localGet(this.ptr[i]).localSet(this.saved[i][a]));
    if (this.k.reduce) this.f.localGet(this.red).localSet(this.redSaved[a]);
  }

  /** Restore the addresses saved by {@linkcode KernelValues.savePointers}. */
  restorePointers(a: number): void {
    this.k.inputs.forEach((_, i) => this.f.localGet(this.saved[i][a]).localSet(this.ptr[i]));
    if (this.k.reduce) this.f.localGet(this.redSaved[a]).localSet(this.red);
  }

  /** Reset the row accumulator. */
  accInit(): void {
    const f = this.f, sum = this.k.reduce!.op === "sum";
    if (sum) {
      for (const a of this.acc) f.f64x2(0).localSet(a);
    } else {
      f.f32x4(-Infinity).localSet(this.acc[0]);
      f.f32x4(0).localSet(this.acc[1]); // lanes that saw a NaN
    }
  }

  /** Fold node `n`'s lanes (all four, or lane 0) into the row accumulator. */
  accAdd(n: number, mode: LoadMode): void {
    const f = this.f, [a0, a1] = this.acc, v = this.value[n];
    if (this.k.reduce!.op === "max") {
      // `pmax` (one `maxps` on x86) instead of `f32x4.max`, whose NaN and signed-zero rules cost
      // a sequence of instructions on this loop-carried chain (4-5x slower): NaNs are tracked
      // beside it in `a1` and win in `accTotal`. Within a lane an earlier −0 is kept over a
      // later +0 (equal values).
      f.localGet(a0).localGet(v);
      if (mode === "one") {
        f.f32x4(-Infinity).i32x4(-1, 0, 0, 0);
        this.s("v128_bitselect");
      }
      this.s("f32x4_pmax").f.localSet(a0);
      f.localGet(a1).localGet(v).localGet(v);
      this.s("f32x4_ne");
      if (mode === "one") {
        f.i32x4(-1, 0, 0, 0);
        this.s("v128_and");
      }
      this.s("v128_or").f.localSet(a1);
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
      // NaN where a lane saw one, else −∞ (which leaves the maximum as it is).
      f.f32(NaN).f32(-Infinity).localGet(a1).simd(SIMD.v128_any_true).op(OP.select);
      f.op(OP.f32_max);
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
}

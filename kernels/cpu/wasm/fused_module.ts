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
 * `params` is the byte address of the i32 words `paramWords` (`fused_params.ts`)
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
import { type MathFn, mathImports } from "./fused_math.ts";
import { OP, SIMD } from "./fused_opcodes.ts";
import { atLeastRank1, FUSED_MAX_PAGES } from "./fused_params.ts";
import { closure, needsReduction } from "../../fused_program.ts";
import { KernelValues, type LoadMode } from "./fused_values.ts";
import { assembleModule, I32, memarg } from "./wasm_binary.ts";

/** How a module is built. */
export interface FusedModuleOptions {
  /** Use relaxed-SIMD madd in polynomials. */
  fma: boolean;
  /** Import a shared memory (for Worker threads). */
  shared: boolean;
  /**
   * Let a row kernel keep pass-1 values in a pass-2 output's row (default true). Off where an
   * output may be an input's own memory (written in place): pass 1 would overwrite the input
   * before pass 2 reads it.
   */
  spill?: boolean;
}

/** The loops of one kernel's `run` function around {@linkcode KernelValues}. */
class KernelWriter extends KernelValues {
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

  /**
   * A row kernel: pass 1 reduces the row (and writes what does not need it), pass 2 the rest.
   * Values of pass 1 that pass 2 needs are kept rather than computed again when they cost more
   * than a load (`spills`): pass 1 stores them where a pass-2 output of the same row will be
   * written, and pass 2 reads them back there just before it overwrites them.
   */
  row(spill: boolean): void {
    const k = this.k, red = k.reduce!, last = this.rank - 1, f = this.f;
    const dep2 = needsReduction(k);
    const out1 = k.outputs.map((o, j) => [o, j]).filter(([o]) => !dep2[o]);
    const out2 = k.outputs.map((o, j) => [o, j]).filter(([o]) => dep2[o]);
    const need1 = closure(k, [...out1.map(([o]) => o), red.node]);
    const spills = spill ? this.spills(out2, need1) : [];
    const need2 = closureUpTo(k, out2.map(([o]) => o), new Set(spills.map((x) => x.node)));
    const early = (i: number) => !dep2[i] && (need1.has(i) || need2.has(i));
    const tmpF = f.local(0x7d);
    const spillPtr = spills.map(() => f.local(I32));
    const spillStart = () =>
      spills.forEach((x, s) => f.localGet(this.outPtr[x.slot]).localSet(spillPtr[s]));
    this.prologue();
    this.nodesAt(0, early, "splat");
    this.openOuter(early);
    this.accInit();
    this.savePointers(last);
    spillStart();
    this.innerLoop((mode) => {
      this.nodesAt(this.rank, (i) => need1.has(i) && !dep2[i], mode);
      out1.forEach(([o, j]) => this.store(j, o, mode));
      spills.forEach((x, s) => this.spill(spillPtr[s], x.node, mode, "store"));
      this.accAdd(red.node, mode);
    }, false);
    this.restorePointers(last);
    this.accTotal();
    f.localTee(tmpF);
    this.combineTotal(tmpF);
    k.nodes.forEach((n, i) => {
      if (n.fn === "reduced") {
        f.localGet(tmpF).simd(SIMD.f32x4_splat).localSet(this.value[i]);
      }
    });
    this.nodesAt(last, (i) => dep2[i] && need2.has(i) && k.nodes[i].fn !== "reduced", "splat");
    if (out2.length > 0) {
      spillStart();
      const spilled = new Map(spills.map((x, s) => [x.node, spillPtr[s]]));
      this.innerLoop((mode) => {
        k.nodes.forEach((_, i) => {
          if (this.levels[i] !== this.rank || !need2.has(i)) return;
          const at = spilled.get(i);
          if (at === undefined) this.node(i, mode);
          else this.spill(at, i, mode, "load");
        });
        out2.forEach(([o, j]) => this.store(j, o, mode));
      }, false);
      this.restorePointers(last);
    }
    this.closeOuter();
  }

  /**
   * Which pass-1 values pass 2 reads back instead of computing: per-element f32 values that
   * pass 1 computes anyway and pass 2's nodes use directly, costing at least two operations,
   * the costliest first, one per f32 pass-2 output (the slot it is kept in).
   */
  spills(out2: number[][], need1: Set<number>): { node: number; slot: number }[] {
    const k = this.k, dep2 = needsReduction(k);
    const need2 = closure(k, out2.map(([o]) => o));
    const slots = [...new Set(out2.filter(([o]) => k.nodes[o].dtype === "f32").map(([, j]) => j))];
    if (slots.length === 0) return [];
    const used = new Set<number>();
    k.nodes.forEach((n, i) => {
      if (dep2[i] && need2.has(i) && "args" in n) n.args.forEach((a) => used.add(a));
    });
    const inner = (i: number) => this.levels[i] === this.rank;
    const cost = (i: number) =>
      [...closure(k, [i])].filter((c) => inner(c) && !["load", "const"].includes(k.nodes[c].fn))
        .length;
    const candidates = [...used].filter((i) =>
      !dep2[i] && need1.has(i) && inner(i) && k.nodes[i].dtype === "f32" &&
      k.nodes[i].fn !== "load" && cost(i) >= 2
    ).sort((a, b) => cost(b) - cost(a) || a - b);
    return candidates.slice(0, slots.length).sort((a, b) => a - b).map((node, s) => ({
      node,
      slot: slots[s],
    }));
  }

  /** Store node `n` at `ptr` (pass 1), or load it from there (pass 2); advance `ptr`. */
  spill(ptr: number, n: number, mode: LoadMode, how: "store" | "load"): void {
    const f = this.f;
    if (how === "store") {
      f.localGet(ptr).localGet(this.value[n]);
      if (mode === "vec") this.s("v128_store", ...memarg(0));
      else this.s("v128_store32_lane", ...memarg(0), 0);
    } else {
      f.localGet(ptr);
      this.s(mode === "vec" ? "v128_load" : "v128_load32_splat", ...memarg(0));
      f.localSet(this.value[n]);
    }
    f.localGet(ptr).i32(mode === "vec" ? 16 : 4).op(OP.i32_add).localSet(ptr);
  }
}

/** Nodes `roots` depend on (themselves included), not looking past the nodes of `stop`. */
function closureUpTo(
  k: FusedKernel,
  roots: readonly number[],
  stop: ReadonlySet<number>,
): Set<number> {
  const used = new Set<number>(roots);
  for (let i = k.nodes.length - 1; i >= 0; i--) {
    const n = k.nodes[i];
    if (used.has(i) && !stop.has(i) && "args" in n) { for (const a of n.args) used.add(a); }
  }
  return used;
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
 * Whether the module of `kernel` keeps pass-1 values in a pass-2 output's row (a row kernel
 * with values worth keeping): such a module must not run with an output that is an input's
 * memory; {@linkcode fusedModuleBytes} with `spill: false` renders one that may.
 *
 * @example
 * ```ts
 * import { rowKernelSpills } from "./fused_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * // exp(x) / Σ exp(x) over rows: pass 2 reads exp(x) back instead of computing it again.
 * const k = {
 *   shape: [2, 8],
 *   inputs: [{ dtype: "f32" as const, strides: [8, 1], offset: 0 }],
 *   nodes: [
 *     { fn: "load" as const, input: 0, dtype: "f32" as const },
 *     { fn: "exp" as const, args: [0], dtype: "f32" as const },
 *     { fn: "exp" as const, args: [1], dtype: "f32" as const },
 *     { fn: "reduced" as const, dtype: "f32" as const },
 *     { fn: "div" as const, args: [2, 3], dtype: "f32" as const },
 *   ],
 *   outputs: [4],
 *   reduce: { op: "sum" as const, node: 2, axes: [1] },
 * };
 * assertEquals(rowKernelSpills(k), true);
 * ```
 */
export function rowKernelSpills(kernel: FusedKernel): boolean {
  const k = atLeastRank1(kernel);
  if (!isRowKernel(k)) return false;
  const w = new KernelWriter(k, { fma: false, imports: [] });
  const dep2 = needsReduction(k);
  const out1 = k.outputs.filter((o) => !dep2[o]);
  const out2 = k.outputs.map((o, j) => [o, j]).filter(([o]) => dep2[o]);
  return w.spills(out2, closure(k, [...out1, k.reduce!.node])).length > 0;
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
  if (isRowKernel(k)) w.row(opts.spill ?? true);
  else w.plain();
  w.finish();
  return assembleModule(
    [{ name: "run", body: w.f }],
    { min: 1, max: FUSED_MAX_PAGES, shared: opts.shared },
    imports,
  );
}

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
import { assembleModule } from "./wasm_binary.ts";

/** How a module is built. */
export interface FusedModuleOptions {
  /** Use relaxed-SIMD madd in polynomials. */
  fma: boolean;
  /** Import a shared memory (for Worker threads). */
  shared: boolean;
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

  /** A row kernel: pass 1 reduces the row (and writes what does not need it), pass 2 the rest. */
  row(): void {
    const k = this.k, red = k.reduce!, last = this.rank - 1;
    const dep2 = needsReduction(k);
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

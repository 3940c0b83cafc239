/**
 * Fusion around matmul: after scheduling, a product's elementwise consumer (a scale, bias,
 * activation, residual add, or a reduction along its rows) becomes the product's epilogue, run
 * by the backend on each output tile while it is in cache (`Backend.runMatmulEpilogue`) instead
 * of as a separate full pass. When the consumer is the product's only reader and writes a
 * same-typed value that is not returned, it writes that value over the product in place.
 *
 * @module
 */
import type { TraceStep, TraceValue } from "./trace_backend.ts";
import type { Unit } from "./schedule.ts";
import { isIdentity } from "./views.ts";

/** A fused kernel unit of the schedule. */
export type FusedUnit = Extract<Unit, { kind: "fused" }>;

/** A matmul with a fused kernel run on its output tiles. */
export interface EpilogueUnit {
  readonly kind: "epilogue";
  /** The product. */
  readonly matmul: Extract<TraceStep, { kind: "prim" }>;
  /** The kernel run on it. */
  readonly fused: FusedUnit;
  /** The index of the kernel output written over the product in place, or -1. */
  readonly inPlace: number;
}

/** A unit of a compiled program: a scheduled unit, or a product with its epilogue. */
export type ProgramUnit = Unit | EpilogueUnit;

/** The values a unit reads. */
export function unitInputs(u: ProgramUnit): number[] {
  if (u.kind === "fused") return [...u.inputs];
  if (u.kind === "prim") return u.inputs.map((x) => x.value);
  return [...u.matmul.inputs.map((x) => x.value), ...u.fused.inputs];
}

/** The values a unit computes. */
export function unitOutputs(u: ProgramUnit): number[] {
  if (u.kind === "fused") return [...u.outputs];
  if (u.kind === "prim") return [u.out];
  return [u.matmul.out, ...u.fused.outputs];
}

/**
 * Join each matmul of `units` (in dependency order) with one fused consumer that reads the
 * product element for element (row-major, all of it) and depends on it only directly; returns
 * the units in an order that still respects every dependency.
 *
 * @example
 * ```ts
 * import { attachEpilogues } from "./epilogues.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const f32 = "f32" as const;
 * const values = [0, 1, 2, 3].map((id) => ({ id, dtype: f32, size: 4, kind: "computed" as const }));
 * const matmul = {
 *   kind: "prim" as const, prim: "matmul" as const, params: { transA: false, transB: false },
 *   inputs: [{ value: 0, shape: [2, 2], dtype: f32 }, { value: 1, shape: [2, 2], dtype: f32 }],
 *   out: 2, spec: { shape: [2, 2], dtype: f32 },
 * };
 * const relu = {
 *   kind: "fused" as const, inputs: [2], outputs: [3],
 *   kernel: {
 *     shape: [2, 2], inputs: [{ dtype: f32, strides: [2, 1], offset: 0 }], outputs: [2],
 *     nodes: [
 *       { fn: "load" as const, input: 0, dtype: f32 },
 *       { fn: "const" as const, value: 0, dtype: f32 },
 *       { fn: "max" as const, args: [0, 1], dtype: f32 },
 *     ],
 *   },
 * };
 * const [unit] = attachEpilogues([matmul, relu], values, new Set([3]));
 * assertEquals(unit.kind === "epilogue" && unit.inPlace, -1); // 3 is returned: not in place
 * ```
 */
export function attachEpilogues(
  units: readonly Unit[],
  values: readonly TraceValue[],
  outputs: ReadonlySet<number>,
): ProgramUnit[] {
  const producer = new Map<number, number>();
  units.forEach((u, i) => unitOutputs(u).forEach((v) => producer.set(v, i)));
  const deps = units.map((u) => {
    const set = new Set<number>();
    for (const v of unitInputs(u)) {
      const p = producer.get(v);
      if (p !== undefined) set.add(p);
    }
    return set;
  });
  const readers = new Map<number, number[]>();
  units.forEach((u, i) => {
    for (const v of new Set(unitInputs(u))) readers.set(v, [...(readers.get(v) ?? []), i]);
  });
  /** Whether unit `from` depends on unit `target` through some unit other than `target`. */
  const dependsBesides = (from: number, target: number) => {
    const seen = new Set<number>();
    const stack = [...deps[from]].filter((d) => d !== target);
    while (stack.length) {
      const u = stack.pop()!;
      if (u === target) return true;
      if (seen.has(u) || u < target) continue; // units come in dependency order
      seen.add(u);
      stack.push(...deps[u]);
    }
    return false;
  };
  const joined = new Map<number, EpilogueUnit>(); // consumer index -> epilogue unit
  const absorbed = new Set<number>(); // matmul indices joined into a consumer
  units.forEach((u, i) => {
    if (u.kind !== "prim" || u.prim !== "matmul") return;
    const v = u.out;
    for (const j of readers.get(v) ?? []) {
      const g = units[j];
      if (g.kind !== "fused" || joined.has(j) || !readsWhole(g, v, values[v].size)) continue;
      if (dependsBesides(j, i)) continue;
      joined.set(j, { kind: "epilogue", matmul: u, fused: g, inPlace: inPlaceOutput(g, v) });
      absorbed.add(i);
      break;
    }
  });
  /** Where a value sits in place of the product when an epilogue overwrites it. */
  function inPlaceOutput(g: FusedUnit, v: number): number {
    const onlyReader = (readers.get(v) ?? []).length === 1 && !outputs.has(v);
    if (!onlyReader || g.kernel.reduce) return -1;
    return g.outputs.findIndex((w) =>
      !outputs.has(w) && values[w].dtype === values[v].dtype && values[w].size === values[v].size
    );
  }
  // Each joined pair runs where its consumer ran; units between the product and its consumer
  // that read the product move after the pair (a stable topological order of the new units).
  const merged: ProgramUnit[] = [];
  const index = new Map<number, number>(); // old unit -> new unit
  units.forEach((u, i) => {
    if (absorbed.has(i)) return;
    index.set(i, merged.length);
    merged.push(joined.get(i) ?? u);
  });
  for (const [j, e] of joined) index.set(units.indexOf(e.matmul), index.get(j)!);
  const newDeps = merged.map(() => new Set<number>());
  units.forEach((_, i) => {
    for (const d of deps[i]) {
      const [a, b] = [index.get(i)!, index.get(d)!];
      if (a !== b) newDeps[a].add(b);
    }
  });
  const order: ProgramUnit[] = [];
  const state = new Map<number, 1 | 2>();
  const visit = (id: number) => {
    if (state.get(id) === 2) return;
    if (state.get(id) === 1) throw new Error("jit: internal error: an epilogue made a cycle");
    state.set(id, 1);
    for (const d of [...newDeps[id]].sort((x, y) => x - y)) visit(d);
    state.set(id, 2);
    order.push(merged[id]);
  };
  for (let id = 0; id < merged.length; id++) visit(id);
  return order;
}

/** Whether kernel unit `g` reads value `v` (of `size` elements) only element for element, in full. */
function readsWhole(g: FusedUnit, v: number, size: number): boolean {
  const k = g.kernel;
  let reads = 0;
  for (let i = 0; i < g.inputs.length; i++) {
    if (g.inputs[i] !== v) continue;
    const view = k.inputs[i];
    if (!isIdentity(k.shape, view.strides, view.offset)) return false;
    reads++;
  }
  return reads > 0 && k.shape.reduce((a, d) => a * d, 1) === size;
}

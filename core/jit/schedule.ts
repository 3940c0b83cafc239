/**
 * The scheduler: groups a traced program's generated kernels into fused
 * kernels. A kernel joins the group of a kernel it reads from when both
 * iterate over the same shape, it reads the value element for element, the
 * group has room for its buffers and no cycle would form; a reduction may end
 * a group (its elementwise producers fuse into it). Structural primitives
 * (matmul, gather, ...) stay steps of their own. Scalar constants become
 * literals of the kernels that read them.
 *
 * @module
 */
import type { Shape } from "../../kernels/backend.ts";
import { type FusedKernel, type KernelInput, ProgramBuilder } from "../../kernels/fused.ts";
import type { TraceStep, TraceValue } from "./trace_backend.ts";
import { isIdentity } from "./views.ts";
import { paramWords } from "./inline.ts";

/** A unit of the scheduled program: one fused kernel or one structural step. */
export type Unit =
  | {
    readonly kind: "fused";
    readonly kernel: FusedKernel;
    readonly inputs: readonly number[];
    readonly outputs: readonly number[];
  }
  | Extract<TraceStep, { kind: "prim" }>;

interface Group {
  id: number;
  shape: Shape;
  b: ProgramBuilder;
  inputs: number[];
  views: KernelInput[];
  inputKey: Map<string, number>;
  /** Value id -> node computing it (values over `shape`, row-major). */
  computed: Map<number, number>;
  reduce?: { node: number; op: "sum" | "max"; axes: readonly number[]; value: number };
  /** Direct dependencies (unit ids). */
  deps: Set<number>;
  order: number;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Schedule `steps` (live steps only, in recorded order): returns the units in
 * an order that respects every dependency.
 */
export function schedule(
  steps: readonly TraceStep[],
  values: readonly TraceValue[],
  outputs: ReadonlySet<number>,
  maxBuffers: number,
): Unit[] {
  // Consumers of each value (step indices), to know which group values are needed outside.
  const consumers = new Map<number, number[]>();
  steps.forEach((s, i) => {
    const ins = s.kind === "fused" ? s.inputs : s.inputs.map((x) => x.value);
    for (const v of ins) {
      const list = consumers.get(v);
      if (list) list.push(i);
      else consumers.set(v, [i]);
    }
  });
  const unitOfValue = new Map<number, number>(); // value -> unit id (group or prim)
  const stepUnit: number[] = []; // step index -> unit id
  const groups = new Map<number, Group>();
  const prims = new Map<
    number,
    { step: Extract<TraceStep, { kind: "prim" }>; deps: Set<number> }
  >();
  let nextUnit = 0;

  const depsOf = (u: number): Set<number> => groups.get(u)?.deps ?? prims.get(u)!.deps;
  /** Does unit `from` depend (transitively) on unit `target`? */
  const dependsOn = (from: number, target: number): boolean => {
    const seen = new Set<number>();
    const stack = [from];
    while (stack.length) {
      const u = stack.pop()!;
      if (u === target) return true;
      if (seen.has(u)) continue;
      seen.add(u);
      for (const d of depsOf(u)) stack.push(d);
    }
    return false;
  };
  const isScalarConst = (v: number) => {
    const val = values[v];
    return val.kind === "const" && val.size === 1;
  };

  /** Outputs a group would have if it ended now (values consumed outside it or returned). */
  const outputCount = (g: Group, extraMembers: Set<number>) => {
    let n = g.reduce ? 1 : 0;
    for (const v of g.computed.keys()) {
      if (g.reduce?.value === v) continue;
      const cs = consumers.get(v) ?? [];
      if (outputs.has(v) || cs.some((c) => !extraMembers.has(c) && stepUnit[c] !== g.id)) n++;
    }
    return n;
  };

  const canJoin = (g: Group, step: Extract<TraceStep, { kind: "fused" }>, index: number) => {
    const k = step.kernel;
    if (!sameShape(g.shape, k.shape)) return false;
    if (k.reduce && g.reduce) return false;
    let newInputs = 0;
    for (let i = 0; i < step.inputs.length; i++) {
      const v = step.inputs[i];
      const view = k.inputs[i];
      const u = unitOfValue.get(v);
      if (u === g.id) {
        if (g.reduce?.value === v) {
          // A second pass over the row may read the row's finished reduction.
          if (k.reduce || !readsRowResult(g, view)) return false;
          continue;
        }
        if (!g.computed.has(v)) return false;
        if (!isIdentity(k.shape, view.strides, view.offset)) return false;
        continue;
      }
      if (u !== undefined && dependsOn(u, g.id)) return false;
      if (!isScalarConst(v) && !g.inputKey.has(inputKey(v, view))) newInputs++;
    }
    const outs = outputCount(g, new Set([index])) + k.outputs.length + (k.reduce ? 1 : 0);
    return g.inputs.length + newInputs + outs <= maxBuffers &&
      paramWords(g.shape.length, g.inputs.length + newInputs) <= 64;
  };

  const addTo = (g: Group, step: Extract<TraceStep, { kind: "fused" }>, index: number) => {
    const k = step.kernel;
    const map = g.b.append(k.nodes, (n) => {
      const v = step.inputs[n.input];
      const view = k.inputs[n.input];
      if (unitOfValue.get(v) === g.id) {
        return g.reduce?.value === v ? g.b.reduced(n.dtype) : g.computed.get(v)!;
      }
      if (isScalarConst(v)) return g.b.constant(values[v].data![0], n.dtype);
      const u = unitOfValue.get(v);
      if (u !== undefined) g.deps.add(u);
      return g.b.load(inputOf(g, v, view), n.dtype);
    });
    k.outputs.forEach((node, j) => {
      g.computed.set(step.outputs[j], map[node]);
      unitOfValue.set(step.outputs[j], g.id);
    });
    if (k.reduce) {
      const value = step.outputs[k.outputs.length];
      g.reduce = { node: map[k.reduce.node], op: k.reduce.op, axes: k.reduce.axes, value };
      unitOfValue.set(value, g.id);
    }
    stepUnit[index] = g.id;
  };

  /** Whether independent groups `h` and `g` can become one kernel. */
  const canMerge = (h: Group, g: Group) => {
    if (h === g || !sameShape(h.shape, g.shape) || (h.reduce && g.reduce)) return false;
    if (dependsOn(g.id, h.id) || dependsOn(h.id, g.id)) return false;
    const keys = new Set(h.inputs.map((v, i) => inputKey(v, h.views[i])));
    g.inputs.forEach((v, i) => keys.add(inputKey(v, g.views[i])));
    const inputs = [...keys].filter((k) => !isScalarConst(Number(k.split("@")[0]))).length;
    return inputs + outputsOf(h) + outputsOf(g) <= maxBuffers &&
      paramWords(h.shape.length, inputs) <= 64;
  };
  const outputsOf = (g: Group) => {
    let n = g.reduce ? 1 : 0;
    for (const v of g.computed.keys()) {
      if (g.reduce?.value === v) continue;
      const cs = consumers.get(v) ?? [];
      if (outputs.has(v) || cs.some((c) => stepUnit[c] !== g.id)) n++;
    }
    return n;
  };
  const merge = (h: Group, g: Group) => {
    const gInputs = g.inputs.map((v, i) => inputOf(h, v, g.views[i]));
    const map = h.b.append(g.b.nodes, (n) => h.b.load(gInputs[n.input], n.dtype));
    for (const [v, node] of g.computed) {
      h.computed.set(v, map[node]);
      unitOfValue.set(v, h.id);
    }
    if (g.reduce) {
      h.reduce = { ...g.reduce, node: map[g.reduce.node] };
      unitOfValue.set(g.reduce.value, h.id);
    }
    for (const d of g.deps) h.deps.add(d);
    stepUnit.forEach((u, i) => {
      if (u === g.id) stepUnit[i] = h.id;
    });
    for (const other of [...groups.values(), ...prims.values()]) {
      if (other.deps.delete(g.id)) other.deps.add(h.id);
    }
    h.deps.delete(h.id);
    groups.delete(g.id);
  };
  steps.forEach((step, index) => {
    if (step.kind === "prim") {
      const id = nextUnit++;
      const deps = new Set<number>();
      for (const x of step.inputs) {
        const u = unitOfValue.get(x.value);
        if (u !== undefined) deps.add(u);
      }
      prims.set(id, { step, deps });
      unitOfValue.set(step.out, id);
      stepUnit[index] = id;
      return;
    }
    // Candidates: groups producing an input (latest first), then the latest group.
    const candidates: Group[] = [];
    for (let i = step.inputs.length - 1; i >= 0; i--) {
      const g = groups.get(unitOfValue.get(step.inputs[i]) ?? -1);
      if (g && !candidates.includes(g)) candidates.push(g);
    }
    candidates.sort((a, b) => b.order - a.order);
    // Two producer groups of this kernel's shape that do not depend on each other become one
    // (an update reading both of Adam's moments), so that the kernel can join them both.
    for (let i = candidates.length - 1; i >= 1; i--) {
      if (canMerge(candidates[0], candidates[i])) {
        merge(candidates[0], candidates[i]);
        candidates.splice(i, 1);
      }
    }
    for (const g of candidates) {
      if (canJoin(g, step, index)) {
        addTo(g, step, index);
        g.order = index;
        return;
      }
    }
    const g: Group = {
      id: nextUnit++,
      shape: step.kernel.shape,
      b: new ProgramBuilder(),
      inputs: [],
      views: [],
      inputKey: new Map(),
      computed: new Map(),
      deps: new Set(),
      order: index,
    };
    groups.set(g.id, g);
    addTo(g, step, index);
  });

  // Second pass: merge independent groups of one shape (siblings: the same update applied to
  // several parameters, the backward pass of parallel branches) while buffers allow.
  const byShape = new Map<string, Group[]>();
  for (const g of [...groups.values()].sort((a, b) => a.id - b.id)) {
    const key = g.shape.join(",");
    const list = byShape.get(key) ?? [];
    byShape.set(key, list);
    let merged = false;
    for (const h of list) {
      if (!canMerge(h, g)) continue;
      merge(h, g);
      merged = true;
      break;
    }
    if (!merged) list.push(g);
  }

  // Finalize groups into kernels, then order all units topologically.
  const units = new Map<number, { unit: Unit; deps: Set<number>; first: number }>();
  for (const g of groups.values()) {
    const outs: number[] = [];
    const outNodes: number[] = [];
    for (const [v, node] of g.computed) {
      if (g.reduce?.value === v) continue;
      const cs = consumers.get(v) ?? [];
      if (outputs.has(v) || cs.some((c) => stepUnit[c] !== g.id)) {
        outs.push(v);
        outNodes.push(node);
      }
    }
    if (g.reduce) outs.push(g.reduce.value);
    const kernel: FusedKernel = {
      shape: g.shape,
      inputs: g.views,
      nodes: g.b.nodes,
      outputs: outNodes,
      ...(g.reduce
        ? { reduce: { op: g.reduce.op, node: g.reduce.node, axes: g.reduce.axes } }
        : {}),
    };
    g.deps.delete(g.id);
    units.set(g.id, {
      unit: { kind: "fused", kernel, inputs: g.inputs, outputs: outs },
      deps: g.deps,
      first: g.id,
    });
  }
  for (const [id, p] of prims) units.set(id, { unit: p.step, deps: p.deps, first: id });
  const ordered: Unit[] = [];
  const state = new Map<number, 1 | 2>();
  const visit = (id: number) => {
    const s = state.get(id);
    if (s === 2) return;
    if (s === 1) throw new Error("jit: internal error: the schedule has a cycle");
    state.set(id, 1);
    for (const d of units.get(id)!.deps) visit(d);
    state.set(id, 2);
    ordered.push(units.get(id)!.unit);
  };
  for (const id of [...units.keys()].sort((a, b) => a - b)) visit(id);
  return ordered;
}

/** Whether `view` reads a row reduction of `g` (over its last axis) broadcast back over the row. */
function readsRowResult(g: Group, view: KernelInput): boolean {
  const r = g.reduce!;
  const last = g.shape.length - 1;
  if (last < 0 || r.axes.length !== 1 || r.axes[0] !== last || view.offset !== 0) return false;
  const rowShape = g.shape.map((d, a) => (a === last ? 1 : d));
  return isIdentity(rowShape, view.strides.map((s, a) => (a === last ? 0 : s)), 0) &&
    (g.shape[last] === 1 || view.strides[last] === 0);
}

/** The index of input `v` read through `view` in group `g`, added if new. */
function inputOf(g: Group, v: number, view: KernelInput): number {
  const key = inputKey(v, view);
  let idx = g.inputKey.get(key);
  if (idx === undefined) {
    idx = g.inputs.length;
    g.inputs.push(v);
    g.views.push(view);
    g.inputKey.set(key, idx);
  }
  return idx;
}

function inputKey(v: number, view: KernelInput): string {
  return `${v}@${view.offset}:${view.strides.join(",")}`;
}

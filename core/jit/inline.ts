/**
 * Inlining of small broadcast producers: a small elementwise kernel whose one
 * result is only read broadcast by other kernels (a rescaler's effective
 * value, an optimizer's bias correction) is recomputed inside each reader
 * instead of being run as a kernel of its own.
 *
 * @module
 */
import { type KernelInput, ProgramBuilder } from "../../kernels/fused.ts";
import { sizeOf, stridesOf } from "../../kernels/backend.ts";
import type { TraceStep } from "./trace_backend.ts";

type Fused = Extract<TraceStep, { kind: "fused" }>;

/** Parameter words a WebGPU kernel of this rank and input count needs (at most 64). */
export function paramWords(rank: number, inputs: number): number {
  return 1 + rank + inputs * (1 + rank);
}

/** Producers up to this many elements are inlined. */
const SMALL = 1 << 16;

function sameStrides(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * How `reader` reads `v` as a broadcast of `producer`'s shape: for each reader axis, the producer
 * axis it walks (null where the value is repeated); null when some read of `v` is not such a
 * broadcast. A broadcast aligns the producer's axes on the right, after `lead` leading axes that
 * both share one for one (`[n, 1, 1, k]` reading `[n, k]` with `lead` 1: `vmap`'s members'
 * axes in front of each member's right-aligned broadcast, read as each member's run reads it).
 */
function broadcastRead(reader: Fused, v: number, producer: Fused): (number | null)[] | null {
  const ps = producer.kernel.shape, rs = reader.kernel.shape;
  if (ps.length > rs.length) return null;
  // Same-size readers are fused by the scheduler instead (no recomputation).
  if (sizeOf(ps) >= sizeOf(rs)) return null;
  const own = stridesOf(ps);
  const shift = rs.length - ps.length;
  const reads = reader.inputs.flatMap((x, i) => (x === v ? [reader.kernel.inputs[i]] : []));
  for (let lead = 0; lead <= (shift === 0 ? 0 : ps.length); lead++) {
    if (ps.slice(0, lead).some((d, j) => d !== rs[j])) break;
    const axes = rs.map((_, a) => (a < lead ? a : a - shift >= lead ? a - shift : null));
    const want = axes.map((j) => (j === null || ps[j] === 1 ? 0 : own[j]));
    if (reads.every((view) => view.offset === 0 && sameStrides(view.strides, want))) return axes;
  }
  return null;
}

/**
 * `reader` with every load of `v` replaced by `producer`'s program (its axes walked as `axes`
 * says: for each reader axis, the producer axis, or null where the value repeats).
 *
 * @example
 * ```ts
 * import { inlineInto } from "./inline.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const f32 = "f32" as const;
 * const whole = { dtype: f32, strides: [1], offset: 0 };
 * const producer = { kind: "fused" as const, inputs: [0], outputs: [1], kernel: { shape: [4],
 *   inputs: [whole], nodes: [{ fn: "load" as const, input: 0, dtype: f32 },
 *     { fn: "exp" as const, args: [0], dtype: f32 }], outputs: [1] } };
 * const reader = { kind: "fused" as const, inputs: [1], outputs: [2], kernel: { shape: [4],
 *   inputs: [whole], nodes: [{ fn: "load" as const, input: 0, dtype: f32 },
 *     { fn: "neg" as const, args: [0], dtype: f32 }], outputs: [1] } };
 * const merged = inlineInto(reader, 1, producer, [0]);
 * assertEquals(merged.inputs, [0]);
 * assertEquals(merged.kernel.nodes.map((n) => n.fn), ["load", "exp", "neg"]);
 * ```
 */
export function inlineInto(
  reader: Fused,
  v: number,
  producer: Fused,
  axes: readonly (number | null)[],
): Fused {
  const pk = producer.kernel, rk = reader.kernel;
  const b = new ProgramBuilder();
  const inputs: number[] = [];
  const views: KernelInput[] = [];
  const keyOf = new Map<string, number>();
  const load = (value: number, view: KernelInput) => {
    const key = `${value}@${view.offset}:${view.strides.join(",")}`;
    let idx = keyOf.get(key);
    if (idx === undefined) {
      idx = inputs.length;
      inputs.push(value);
      views.push(view);
      keyOf.set(key, idx);
    }
    return b.load(idx, view.dtype);
  };
  let producerValue: number | null = null;
  const emitProducer = () => {
    if (pk.nodes.some((n) => n.fn === "reduced")) {
      throw new Error("jit: internal error: inlining a row kernel");
    }
    const map = b.append(pk.nodes, (n) => {
      const x = pk.inputs[n.input];
      const strides = rk.shape.map((_, a) => {
        const j = axes[a];
        return j === null || pk.shape[j] === 1 ? 0 : x.strides[j];
      });
      return load(producer.inputs[n.input], { dtype: x.dtype, strides, offset: x.offset });
    });
    return map[pk.outputs[0]];
  };
  const map = b.append(
    rk.nodes,
    (n) =>
      reader.inputs[n.input] === v
        ? producerValue ??= emitProducer()
        : load(reader.inputs[n.input], rk.inputs[n.input]),
  );
  return {
    kind: "fused",
    kernel: {
      shape: rk.shape,
      inputs: views,
      nodes: b.nodes,
      outputs: rk.outputs.map((o) => map[o]),
      ...(rk.reduce ? { reduce: { ...rk.reduce, node: map[rk.reduce.node] } } : {}),
    },
    inputs,
    outputs: reader.outputs,
  };
}

/**
 * Inline small single-result kernels into the kernels that read their result
 * broadcast; returns the new step list.
 *
 * @example
 * ```ts
 * import { inlineSmallProducers } from "./inline.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const scale = { kind: "fused" as const, inputs: [0], outputs: [1], kernel: {
 *   shape: [3], inputs: [{ dtype: "f32" as const, strides: [1], offset: 0 }],
 *   nodes: [{ fn: "load" as const, input: 0, dtype: "f32" as const },
 *     { fn: "exp" as const, args: [0], dtype: "f32" as const }], outputs: [1] } };
 * const use = { kind: "fused" as const, inputs: [2, 1], outputs: [3], kernel: {
 *   shape: [4, 3], inputs: [{ dtype: "f32" as const, strides: [3, 1], offset: 0 },
 *     { dtype: "f32" as const, strides: [0, 1], offset: 0 }],
 *   nodes: [{ fn: "load" as const, input: 0, dtype: "f32" as const },
 *     { fn: "load" as const, input: 1, dtype: "f32" as const },
 *     { fn: "mul" as const, args: [0, 1], dtype: "f32" as const }], outputs: [2] } };
 * const out = inlineSmallProducers([scale, use], new Set([3]));
 * assertEquals(out.length, 1);
 * assertEquals(out[0].kind === "fused" && out[0].inputs, [2, 0]);
 * ```
 */
export function inlineSmallProducers(
  steps: readonly TraceStep[],
  outputs: ReadonlySet<number>,
  maxBuffers = Infinity,
): TraceStep[] {
  const list: (TraceStep | null)[] = [...steps];
  // Last producer first, so a chain of small kernels folds into its large reader link by link.
  for (let i = list.length - 1; i >= 0; i--) {
    const p = list[i];
    if (p === null || p.kind !== "fused") continue;
    const k = p.kernel;
    if (k.reduce || k.outputs.length !== 1 || p.outputs.length !== 1) continue;
    if (sizeOf(k.shape) > SMALL) continue;
    const v = p.outputs[0];
    if (outputs.has(v)) continue;
    const readers: number[] = [];
    const readerAxes: (number | null)[][] = [];
    let ok = true;
    for (let j = i + 1; j < list.length && ok; j++) {
      const s = list[j];
      if (s === null) continue;
      if (s.kind === "prim") {
        if (s.inputs.some((x) => x.value === v)) ok = false;
      } else if (s.inputs.includes(v)) {
        const axes = broadcastRead(s, v, p);
        if (axes !== null) {
          readers.push(j);
          readerAxes.push(axes);
        } else ok = false;
      }
    }
    if (!ok || readers.length === 0) continue;
    const merged = readers.map((j, r) => inlineInto(list[j] as Fused, v, p, readerAxes[r]));
    const fits = merged.every((m) =>
      m.inputs.length + m.outputs.length <= maxBuffers &&
      paramWords(m.kernel.shape.length, m.inputs.length) <= 64
    );
    if (!fits) continue;
    readers.forEach((j, r) => (list[j] = merged[r]));
    list[i] = null;
  }
  return list.filter((s): s is TraceStep => s !== null);
}

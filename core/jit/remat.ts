/**
 * Recomputation instead of storage: a cheap elementwise value of the forward pass that the
 * backward pass reads (a SwiGLU's sigmoid and its derivative, a scaled product) is computed
 * again inside each backward kernel that reads it, from the values it was made of, instead of
 * being written out by the forward kernel and read back. The forward kernel then writes fewer
 * results (on the CPU, memory traffic is most of an elementwise kernel's time), and the
 * backward kernels read the few values the chain started from (products, parameters), which
 * are kept anyway or cost one buffer where the chain's results cost several.
 *
 * A value is recomputed in a reader when the reader comes after a structural step (a matmul,
 * say: it cannot share the producer's kernel), reads it element for element over the same
 * shape, every such distant reader can take it (buffer limits), and the readers do not read
 * more whole arrays in all than they and the producer save; producers are visited last first,
 * so a chain folds into its readers link by link. A producer that applies a transcendental
 * function (a polynomial a lane) to values varying across its elements is stored instead when it
 * has fewer elements than the backend's `storeTranscendentalsBelow`: there reading a cached array
 * back costs less than the function.
 *
 * @module
 */
import { sizeOf, stridesOf } from "../../kernels/backend.ts";
import { nodeLevels } from "../../kernels/fused_program.ts";
import { inlineInto, paramWords } from "./inline.ts";
import type { TraceStep } from "./trace_backend.ts";

type Fused = Extract<TraceStep, { kind: "fused" }>;

/** Producers with more computing nodes than this are not recomputed. */
const MAX_NODES = 8;
/** Producers of fewer elements are left to `inlineSmallProducers` or stored. */
const MIN_ELEMENTS = 4096;
/** Scalar functions rendered as a polynomial with a range reduction, tens of instructions a lane. */
const TRANSCENDENTAL: ReadonlySet<string> = new Set([
  "exp",
  "expm1",
  "log",
  "log1p",
  "sin",
  "cos",
  "tanh",
  "erf",
  "pow",
  "atan2",
]);

/** The values a kernel reads as arrays of its own size (no axis broadcast). */
function wholeInputs(s: Fused): Set<number> {
  const shape = s.kernel.shape;
  const whole = new Set<number>();
  s.kernel.inputs.forEach((view, i) => {
    if (view.strides.every((st, a) => st !== 0 || shape[a] === 1)) whole.add(s.inputs[i]);
  });
  return whole;
}

/**
 * Whether `k` applies a transcendental function to values that vary across its elements (one
 * of a broadcast scalar, as Adam's `β^t`, is computed once a kernel, not once a lane).
 */
function callsTranscendental(k: Fused["kernel"]): boolean {
  const levels = nodeLevels(k);
  return k.nodes.some((n, i) => levels[i] > 0 && TRANSCENDENTAL.has(n.fn));
}

function readsWhole(reader: Fused, v: number, producer: Fused): boolean {
  const shape = producer.kernel.shape;
  const rs = reader.kernel.shape;
  if (rs.length !== shape.length || rs.some((d, a) => d !== shape[a])) return false;
  const own = stridesOf(shape);
  return reader.inputs.every((x, i) => {
    if (x !== v) return true;
    const view = reader.kernel.inputs[i];
    return view.offset === 0 && view.strides.every((s, a) => s === own[a] || shape[a] === 1);
  });
}

/**
 * Recompute cheap elementwise values in their distant readers; returns the new step list and
 * how many readers recompute a value. Producers applying a transcendental function to varying
 * values, with fewer than `storeTranscendentalsBelow` elements, are kept.
 *
 * @example
 * ```ts
 * import { rematerialize } from "./remat.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const n = 8192;
 * const f32 = "f32" as const;
 * const whole = { dtype: f32, strides: [1], offset: 0 };
 * // 1 = exp(0); 2 = 1 · 1 (near reader); a matmul; 4 = 1 · 3 (distant reader)
 * const exp = { kind: "fused" as const, inputs: [0], outputs: [1], kernel: {
 *   shape: [n], inputs: [whole],
 *   nodes: [{ fn: "load" as const, input: 0, dtype: f32 }, { fn: "exp" as const, args: [0], dtype: f32 }],
 *   outputs: [1] } };
 * const square = (a: number, b: number, out: number) => ({ kind: "fused" as const, inputs: [a, b],
 *   outputs: [out], kernel: { shape: [n], inputs: [whole, whole], nodes: [
 *     { fn: "load" as const, input: 0, dtype: f32 }, { fn: "load" as const, input: 1, dtype: f32 },
 *     { fn: "mul" as const, args: [0, 1], dtype: f32 }], outputs: [2] } });
 * const matmul = { kind: "prim" as const, prim: "matmul" as const, inputs: [], params: {
 *   transA: false, transB: false }, out: 3, spec: { shape: [n], dtype: f32 } };
 * const out = rematerialize([exp, square(1, 1, 2), matmul, square(1, 3, 4)], new Set([2, 4]));
 * // The distant reader computes exp(0) itself: it reads 0 and 3, no longer 1.
 * assertEquals(out.recomputed, 1);
 * const last = out.steps[out.steps.length - 1];
 * assertEquals(last.kind === "fused" && last.inputs, [0, 3]);
 * ```
 */
export function rematerialize(
  steps: readonly TraceStep[],
  outputs: ReadonlySet<number>,
  maxBuffers = Infinity,
  storeTranscendentalsBelow = 0,
): { steps: TraceStep[]; recomputed: number } {
  const list: TraceStep[] = [...steps];
  let recomputed = 0;
  // Index of the last structural step at or before each index.
  const lastPrim: number[] = [];
  list.forEach((s, i) => (lastPrim[i] = s.kind === "prim" ? i : (i > 0 ? lastPrim[i - 1] : -1)));
  for (let i = list.length - 1; i >= 0; i--) {
    const p = list[i];
    if (p.kind !== "fused") continue;
    const k = p.kernel;
    if (k.reduce || k.outputs.length !== 1 || p.outputs.length !== 1) continue;
    if (sizeOf(k.shape) < MIN_ELEMENTS) continue;
    if (k.nodes.filter((n) => n.fn !== "load" && n.fn !== "const").length > MAX_NODES) continue;
    if (k.nodes.some((n) => n.fn === "reduced")) continue;
    if (sizeOf(k.shape) < storeTranscendentalsBelow && callsTranscendental(k)) continue;
    const v = p.outputs[0];
    if (outputs.has(v)) continue;
    const distant: number[] = [];
    let ok = true;
    for (let j = i + 1; j < list.length && ok; j++) {
      const s = list[j];
      const reads = s.kind === "prim" ? s.inputs.some((x) => x.value === v) : s.inputs.includes(v);
      if (!reads || lastPrim[j] <= i) continue;
      if (s.kind === "prim" || !readsWhole(s, v, p)) ok = false;
      else distant.push(j);
    }
    if (!ok || distant.length === 0) continue;
    const merged = distant.map((j) => inlineInto(list[j] as Fused, v, p, k.shape.map((_, a) => a)));
    // Memory traffic: each reader reads v no more but may read new whole arrays; the producer
    // writes v no more (when its other readers share its kernel). Recompute when that is not worse.
    let extra = -1;
    distant.forEach((j, r) => {
      const before = wholeInputs(list[j] as Fused);
      extra += [...wholeInputs(merged[r])].filter((x) => !before.has(x)).length - 1;
    });
    if (extra > 0) continue;
    const fits = merged.every((m) =>
      m.inputs.length + m.outputs.length <= maxBuffers &&
      paramWords(m.kernel.shape.length, m.inputs.length) <= 64
    );
    if (!fits) continue;
    distant.forEach((j, r) => (list[j] = merged[r]));
    recomputed += distant.length;
  }
  return { steps: list, recomputed };
}

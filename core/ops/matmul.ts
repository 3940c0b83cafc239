/**
 * The batched `matmul` primitive: its shape rule, its VJP (transposes folded
 * into the kernel's flags, so backward never materialises a transpose), and
 * the `matmul` op (vectors, broadcast batch dimensions).
 *
 * @module
 */
import { defineRule } from "../bind.ts";
import { bind, type Rule } from "../bind.ts";
import { alignBroadcast, type BatchArg, reshapeTo, toFront } from "../vmap_rules.ts";
import { broadcastShapes } from "../shape.ts";
import { fmtShape, type Tensor } from "../tensor.ts";
import { isFloat, unbroadcast } from "./elementwise.ts";
import { reshape } from "./shape.ts";
import type { Shape } from "../../kernels/backend.ts";

/** `[m, k]` and `[k, n]` as the operands look after their transpose flags. */
function dims(a: Shape, b: Shape, transA: boolean, transB: boolean) {
  const ra = a.length, rb = b.length;
  const [m, ka] = transA ? [a[ra - 1], a[ra - 2]] : [a[ra - 2], a[ra - 1]];
  const [kb, n] = transB ? [b[rb - 1], b[rb - 2]] : [b[rb - 2], b[rb - 1]];
  return { m, ka, kb, n };
}

/** The `matmul` primitive's rule. */
export const matmulRule: Rule<"matmul"> = defineRule("matmul", {
  outSpec: ([a, b], { transA, transB }) => {
    const { m, n } = dims(a.shape, b.shape, transA, transB);
    const batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
    return { shape: [...batch, m, n], dtype: a.dtype };
  },
  batch: ([a, b], params) => matmulBatch(a, b, params),
  vjp: (g, { inputs: [a, b], params: { transA, transB }, wants: [wantA, wantB] }) => {
    // With A' = op(A), B' = op(B): dA' = g B'^T and dB' = A'^T g.
    const ga = !wantA
      ? null
      : transA
      ? bind("matmul", [b, g], { transA: transB, transB: true })
      : bind("matmul", [g, b], { transA: false, transB: !transB });
    const gb = !wantB
      ? null
      : transB
      ? bind("matmul", [g, a], { transA: true, transB: transA })
      : bind("matmul", [a, g], { transA: !transA, transB: false });
    return [ga && unbroadcast(ga, a.shape), gb && unbroadcast(gb, b.shape)];
  },
});

/**
 * Batched matmul: members' batch axes go first, among the broadcast batch axes. A batched `a`
 * times a shared matrix `b` is one matrix product with the members' rows stacked.
 */
function matmulBatch(
  a: BatchArg,
  b: BatchArg,
  params: { transA: boolean; transB: boolean },
): BatchArg {
  if (b.axis === null && b.value.rank === 2 && !params.transA) {
    const front = toFront(a);
    const k = front.shape[front.rank - 1];
    const rows = reshapeTo(front, [front.size / k, k]);
    const y = bind("matmul", [rows, b.value], params);
    return { value: reshapeTo(y, [...front.shape.slice(0, -1), y.shape[1]]), axis: 0 };
  }
  const fronted = [a, b].map((x) => (x.axis === null ? x : { value: toFront(x), axis: 0 }));
  const { values, axis } = alignBroadcast(fronted);
  return { value: bind("matmul", values, params), axis };
}

/** Options of {@linkcode matmul}. */
export interface MatmulOptions {
  /** Use the transpose of `a`'s last two axes. */
  transA?: boolean;
  /** Use the transpose of `b`'s last two axes. */
  transB?: boolean;
}

/**
 * Matrix product over the last two axes, batch axes broadcast (NumPy
 * `matmul`); a 1-D operand is a vector. `transA`/`transB` transpose an
 * operand's last two axes without copying it.
 *
 * @example
 * ```ts
 * import { matmul, ones } from "../../mod.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(matmul(ones([8, 2, 3]), ones([3, 4])).shape, [8, 2, 4]);
 * const y = matmul(ones([3, 2]), ones([3, 4]), { transA: true });
 * assertEquals([y.shape, await y.toArray()], [[2, 4], [[3, 3, 3, 3], [3, 3, 3, 3]]]);
 * ```
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  a.assertLive("matmul");
  b.assertLive("matmul");
  if (a.dtype !== b.dtype) throw new Error(`matmul: dtypes differ: ${a.dtype} and ${b.dtype}`);
  if (!isFloat(a.dtype)) throw new Error(`matmul: needs float tensors, got ${a.dtype}`);
  if (a.rank === 0 || b.rank === 0) {
    throw new Error(
      `matmul: operands must have rank >= 1, got ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`,
    );
  }
  const transA = opts.transA ?? false, transB = opts.transB ?? false;
  if (a.rank > 2 && b.rank === 2 && !transA && a.shape[a.rank - 1] === b.shape[transB ? 1 : 0]) {
    // A batch of rows times one matrix is one matrix product: fold the batch into the rows
    // (one BLAS call or dispatch, and a weight gradient without a sum over the batch).
    const lead = a.shape.slice(0, -1);
    const rows = lead.reduce((x, y) => x * y, 1);
    const out = matmul(reshape(a, [rows, a.shape[a.rank - 1]]), b, { transB });
    return reshape(out, [...lead, out.shape[1]]);
  }
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const { ka, kb } = dims(a2.shape, b2.shape, transA && a.rank > 1, transB && b.rank > 1);
  if (ka !== kb) {
    throw new Error(
      `matmul: inner dimensions differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}` +
        (transA || transB ? ` (transA=${transA}, transB=${transB})` : ""),
    );
  }
  try {
    broadcastShapes("matmul", a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  } catch {
    throw new Error(
      `matmul: batch dimensions do not broadcast: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`,
    );
  }
  const out = bind("matmul", [a2, b2], {
    transA: transA && a.rank > 1,
    transB: transB && b.rank > 1,
  });
  if (a.rank > 1 && b.rank > 1) return out;
  const shape = [...out.shape];
  if (b.rank === 1) shape.pop();
  if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
  return reshape(out, shape);
}

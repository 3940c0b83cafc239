/**
 * Empty tensors (a size-0 axis) through every op family, with NumPy's behaviour: elementwise ops,
 * broadcasting, layout ops and gathers give empty results of the right shape; `sum` over an empty
 * axis is 0 and `mean` is NaN (0 / 0); `max`, `min` and `logsumexp` over an empty axis throw an
 * error naming the op and the shape (a max has no identity); matmul with an empty inner axis is
 * zeros; gradients of empty inputs are empty, and of inputs reduced over an empty axis zero.
 */
import * as nu from "../../mod.ts";
import { assertAllClose, emptyShapeArb, fc } from "../../testing.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { broadcastableArb } from "../kernels/cpu_naive.ts";

const emptyShape = emptyShapeArb({ maxRank: 4, maxDim: 3 });
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** NumPy's broadcast of two shapes, written out: right-aligned, 1 stretches to the other size. */
function numpyBroadcast(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const pa = [...new Array(n - a.length).fill(1), ...a];
  const pb = [...new Array(n - b.length).fill(1), ...b];
  return pa.map((d, i) => (d === 1 ? pb[i] : d));
}

/** An empty f64 tensor of `shape` (its only value is its shape). */
const empty = (shape: number[]) => nu.zeros(shape, { dtype: "f64" });

Deno.test("empty: every unary elementwise op gives an empty tensor of the same shape", async () => {
  const unary = [
    nu.neg,
    nu.exp,
    nu.log,
    nu.sqrt,
    nu.rsqrt,
    nu.abs,
    nu.sign,
    nu.tanh,
    nu.sin,
    nu.cos,
    nu.sigmoid,
    nu.silu,
    nu.square,
    nu.reciprocal,
    nu.relu,
  ];
  await fc.assert(fc.asyncProperty(emptyShape, async (shape) => {
    using _s = nu.scope();
    for (const f of unary) {
      const y = f(empty(shape));
      assertEquals([y.shape, y.dtype, (await y.data()).length], [shape, "f64", 0]);
    }
  }));
});

Deno.test("empty: binary ops, comparisons and where broadcast to the empty shape", () => {
  const binary = [nu.add, nu.sub, nu.mul, nu.div, nu.pow, nu.maximum, nu.minimum, nu.atan2];
  const compare = [nu.lt, nu.le, nu.gt, nu.ge, nu.eq, nu.ne];
  const arb = emptyShape.chain((out) =>
    fc.tuple(fc.constant(out), broadcastableArb(out), broadcastableArb(out))
  ).filter(([out, a, b]) => {
    // NumPy broadcasts a size-1 axis against 0; the result is empty when one operand is.
    const lead = (s: number[]) => [...new Array(out.length - s.length).fill(1), ...s];
    return lead(a).every((d, i) => d === out[i] || d === 1) &&
      lead(b).every((d, i) => d === out[i] || d === 1) &&
      (numel(a) === 0 || numel(b) === 0);
  });
  fc.assert(fc.property(arb, ([, a, b]) => {
    using _s = nu.scope();
    const x = nu.ones(a, { dtype: "f64" }), y = nu.ones(b, { dtype: "f64" });
    const want = numpyBroadcast(a, b);
    for (const f of binary) assertEquals(f(x, y).shape, want);
    for (const f of compare) assertEquals([f(x, y).shape, f(x, y).dtype], [want, "bool"]);
    assertEquals(nu.where(nu.lt(x, y), x, y).shape, want);
    assertEquals(want.includes(0), true);
  }));
});

Deno.test("empty: sum over an empty axis is 0, mean is NaN, over other axes empty", async () => {
  await fc.assert(fc.asyncProperty(
    emptyShape.chain((s) => fc.tuple(fc.constant(s), fc.subarray(s.map((_, i) => i)))),
    async ([shape, axes]) => {
      using _s = nu.scope();
      const kept = shape.filter((_, i) => !axes.includes(i));
      const reducesEmpty = axes.some((a) => shape[a] === 0);
      const s = nu.sum(empty(shape), { axis: axes });
      await assertAllClose(s, reducesEmpty ? nu.zeros(kept, { dtype: "f64" }) : empty(kept));
      const m = nu.mean(empty(shape), { axis: axes });
      assertEquals(m.shape, kept);
      const values = Array.from(await m.data());
      // NaN is expected here: NumPy's mean of nothing, 0 / 0.
      assertEquals(values.every(Number.isNaN), reducesEmpty || values.length === 0);
      assertEquals(nu.sum(empty(shape), { axis: axes, keepdims: true }).shape.length, shape.length);
    },
  ));
  await assertAllClose(nu.sum(empty([0])), 0);
  await assertAllClose(
    nu.sum(nu.zeros([2, 0], { dtype: "i32" }), { axis: 1 }),
    nu.zeros([2], { dtype: "i32" }),
  );
});

Deno.test("empty: max, min and logsumexp over an empty axis name the op and the shape", async () => {
  await fc.assert(fc.asyncProperty(emptyShape, async (shape) => {
    using _s = nu.scope();
    const at = shape.indexOf(0);
    const x = empty(shape);
    for (
      const [name, f] of [["max", nu.max], ["min", nu.min], ["logsumexp", nu.logsumexp]] as const
    ) {
      assertThrows(() => f(x), [`${name}: cannot reduce empty axis ${at}`, `[${shape}]`]);
      assertThrows(() => f(x, { axis: at }), [`${name}:`, `[${shape}]`]);
      // Over the other axes only: an empty result of the kept shape.
      const others = shape.map((_, i) => i).filter((i) => shape[i] !== 0);
      const y = f(x, { axis: others });
      assertEquals(y.shape, shape.filter((_, i) => !others.includes(i)));
      assertEquals((await y.data()).length, 0);
    }
  }));
});

Deno.test("empty: softmax and logSoftmax keep the empty shape on any axis", async () => {
  await fc.assert(fc.asyncProperty(emptyShape, (shape) => {
    using _s = nu.scope();
    for (let axis = 0; axis < shape.length; axis++) {
      assertEquals(nu.softmax(empty(shape), { axis }).shape, shape);
      assertEquals(nu.logSoftmax(empty(shape), { axis }).shape, shape);
    }
  }));
});

Deno.test("empty: matmul with an empty inner axis is zeros, with an empty outer axis empty", async () => {
  const dims = fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)).filter(([m, n, k]) => m * n * k === 0);
  await fc.assert(fc.asyncProperty(dims, async ([m, n, k]) => {
    using _s = nu.scope();
    const y = nu.matmul(nu.ones([m, k], { dtype: "f64" }), nu.ones([k, n], { dtype: "f64" }));
    await assertAllClose(y, nu.zeros([m, n], { dtype: "f64" }));
    const g = nu.grad((a: nu.Tensor) => nu.sum(nu.matmul(a, nu.ones([k, n], { dtype: "f64" }))))(
      nu.ones([m, k], { dtype: "f64" }),
    );
    // d/da sum(a b) = 1 b^T: n ones summed, per entry of a.
    await assertAllClose(g, nu.full([m, k], n, { dtype: "f64" }));
  }));
});

Deno.test("empty: reshape, transpose, slice, pad, concat and gather keep NumPy's shapes", async () => {
  await fc.assert(fc.asyncProperty(emptyShape, async (shape) => {
    using _s = nu.scope();
    const x = empty(shape);
    assertEquals(nu.reshape(x, [0, ...shape.filter((d) => d !== 0)]).shape.includes(0), true);
    assertEquals(nu.transpose(x).shape, [...shape].reverse());
    assertEquals(nu.slice(x, shape.map(() => 0)).shape, shape);
    assertEquals(nu.pad(x, shape.map(() => [1, 0] as const)).shape, shape.map((d) => d + 1));
    await assertAllClose(
      nu.pad(x, shape.map(() => [1, 1] as const)),
      nu.zeros(shape.map((d) => d + 2), { dtype: "f64" }),
    );
    const at = shape.indexOf(0);
    assertEquals(nu.concat([x, x], at).shape, shape);
    const idx = nu.zeros([0], { dtype: "i32" });
    assertEquals(nu.gather(nu.ones([3, 2]), idx).shape, [0, 2]);
  }));
});

Deno.test("empty: gradients of empty inputs are empty; reduced over an empty axis, zero", async () => {
  await fc.assert(fc.asyncProperty(emptyShape, async (shape) => {
    using _s = nu.scope();
    const loss = (x: nu.Tensor) => nu.sum(nu.mul(nu.tanh(x), nu.exp(x)));
    const [value, g] = nu.valueAndGrad(loss)(empty(shape));
    await assertAllClose(value, 0);
    assertEquals(g.shape, shape);
    // w [3] scales every row of an empty batch: its gradient sums nothing, 0 per entry.
    const batch = [...shape, 3];
    const gw = nu.grad((w: nu.Tensor) => nu.sum(nu.mul(empty(batch), w)))(
      nu.ones([3], { dtype: "f64" }),
    );
    await assertAllClose(gw, nu.zeros([3], { dtype: "f64" }));
  }));
});

/**
 * Laws of the core as properties (fast-check, 100 runs each unless noted):
 * broadcasting shapes, sums, VJP linearity, tree round trips, PRNG determinism
 * and independence, softmax and normalization invariants.
 */
import * as nu from "../../mod.ts";
import {
  assertAllClose,
  broadcastableShapesArb,
  fc,
  keyArb,
  shapeArb,
  tensorArb,
  toTensors,
  treeArbLike,
} from "../../testing.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";

/** Reference NumPy broadcasting, written independently of core/shape.ts. */
function referenceBroadcast(shapes: number[][]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const sizes = shapes.map((s) => s[s.length - rank + i] ?? 1).filter((d) => d !== 1);
    if (new Set(sizes).size > 1) return null;
    out.push(sizes[0] ?? 1);
  }
  return out;
}

Deno.test("laws: add's output shape follows the reference broadcasting rule", () => {
  fc.assert(fc.property(broadcastableShapesArb(2), ([a, b]) =>
    nu.tidy(() => {
      const y = nu.add(nu.zeros(a), nu.zeros(b));
      assertEquals([...y.shape], referenceBroadcast([a, b]));
    })));
});

Deno.test("laws: arbitrary shape pairs broadcast exactly when the reference says so", () => {
  const pair = fc.tuple(shapeArb({ maxRank: 3, maxDim: 3 }), shapeArb({ maxRank: 3, maxDim: 3 }));
  fc.assert(fc.property(pair, ([a, b]) =>
    nu.tidy(() => {
      const expected = referenceBroadcast([a, b]);
      if (expected === null) {
        assertThrows(() => nu.mul(nu.zeros(a), nu.zeros(b)), ["do not broadcast"]);
      } else assertEquals([...nu.mul(nu.zeros(a), nu.zeros(b)).shape], expected);
    })));
});

Deno.test("laws: where broadcasts its three operands together", () => {
  fc.assert(fc.property(broadcastableShapesArb(3), ([c, a, b]) =>
    nu.tidy(() => {
      const y = nu.where(nu.zeros(c, { dtype: "bool" }), nu.zeros(a), nu.zeros(b));
      assertEquals([...y.shape], referenceBroadcast([c, a, b]));
    })));
});

Deno.test("laws: sum over all axes equals the total, and summing axis by axis agrees", async () => {
  await fc.assert(fc.asyncProperty(tensorArb(shapeArb(), { dtype: "f64" }), async (x) => {
    using _s = nu.scope();
    const t = x.tensor();
    const total = x.values.reduce((a, b) => a + b, 0);
    await assertAllClose(nu.sum(t), total, { rtol: 1e-12, atol: 1e-12 });
    let y = t;
    while (y.rank > 0) y = nu.sum(y, { axis: 0 });
    await assertAllClose(y, total, { rtol: 1e-12, atol: 1e-12 });
  }));
});

Deno.test("laws: VJPs are linear in the cotangent", async () => {
  const input = shapeArb({ minRank: 1, maxSize: 12 }).chain((s) =>
    fc.tuple(
      tensorArb(s, { dtype: "f64" }),
      tensorArb(s, { dtype: "f64" }),
      tensorArb(s, { dtype: "f64" }),
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.double({ min: -2, max: 2, noNaN: true }),
    )
  );
  await fc.assert(fc.asyncProperty(input, async ([x, u, v, a, b]) => {
    using _s = nu.scope();
    const f = (t: nu.Tensor) => nu.mul(nu.tanh(t), nu.softmax(nu.mul(t, t)));
    const [, pullback] = nu.vjp(f as never, x.tensor());
    try {
      const [gu] = pullback(u.tensor()) as nu.Tensor[];
      const [gv] = pullback(v.tensor()) as nu.Tensor[];
      const [gc] = pullback(nu.add(nu.mul(u.tensor(), a), nu.mul(v.tensor(), b))) as nu.Tensor[];
      await assertAllClose(gc, nu.add(nu.mul(gu, a), nu.mul(gv, b)), { rtol: 1e-9, atol: 1e-12 });
    } finally {
      pullback.dispose();
    }
  }));
});

const treeTemplate = {
  embed: nu.keep(nu.zeros([3, 2])),
  blocks: [{ q: nu.keep(nu.zeros([2, 2])), s: nu.keep(nu.zeros([2])) }, {
    q: nu.keep(nu.zeros([2, 2])),
    s: nu.keep(nu.zeros([2])),
  }],
  sz: nu.keep(nu.zeros([3])),
};

Deno.test("laws: treeFlatten/treeUnflatten and treePaths/fromPaths round-trip", () => {
  fc.assert(fc.property(treeArbLike(treeTemplate), (tree) => {
    const { leaves, def } = nu.treeFlatten(tree);
    const back = nu.treeUnflatten(def, leaves);
    assertEquals(nu.treeLeaves(back), leaves);
    assertTrue(nu.sameStructure(nu.treeFlatten(back).def, def));
    const rebuilt = nu.fromPaths(nu.treePaths(tree));
    assertEquals(nu.treePaths(rebuilt), nu.treePaths(tree));
    for (const [path, leaf] of nu.treePaths(tree)) assertTrue(nu.getPath(tree, path) === leaf);
  }));
});

Deno.test("laws: round trips hold for arbitrary JSON-like trees", () => {
  const leaf = fc.oneof(fc.integer(), fc.string());
  const key = fc.string({ minLength: 1, maxLength: 4 }).filter((k) =>
    !k.includes(".") && k !== "__proto__"
  );
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.array(tie("node"), { maxLength: 3 }),
      fc.dictionary(key, tie("node"), { maxKeys: 3, noNullPrototype: true }),
    ),
  })).node;
  fc.assert(fc.property(tree, (t) => {
    const { leaves, def } = nu.treeFlatten(t);
    assertEquals(nu.treeUnflatten(def, leaves), t);
    assertEquals(nu.treeMap((x: unknown) => x, t), t);
  }));
});

Deno.test("laws: PRNG: the same key gives the same numbers", async () => {
  await fc.assert(fc.asyncProperty(keyArb(), shapeArb({ maxSize: 16 }), async (k, s) => {
    using _s = nu.scope();
    await assertAllClose(nu.normal(k, s), nu.normal(k, s), { rtol: 0, atol: 0 });
    await assertAllClose(nu.uniform(k, s), nu.uniform(k, s), { rtol: 0, atol: 0 });
    await assertAllClose(nu.randint(k, s, 0, 7), nu.randint(k, s, 0, 7), { rtol: 0, atol: 0 });
    assertEquals(nu.split(k, 3), nu.split(k, 3));
  }));
});

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) [ma, mb] = [ma + a[i] / n, mb + b[i] / n];
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

Deno.test("laws: PRNG: split children differ and their streams are uncorrelated", () => {
  // 2048 samples: |correlation| of independent streams is below 5/sqrt(2048) ≈ 0.11 with
  // probability 1 - 6e-7 per pair, so with 100 runs × 3 pairs a false failure is ~2e-4.
  fc.assert(fc.property(keyArb(), (k) =>
    nu.tidy(() => {
      const kids = nu.split(k, 3);
      const streams = [k, ...kids].map((c) => nu.normal(c, [2048]).dataSync());
      for (let i = 0; i < kids.length; i++) {
        assertTrue(kids[i].words.join() !== k.words.join(), "child equals parent");
        for (let j = i + 1; j < kids.length; j++) {
          assertTrue(kids[i].words.join() !== kids[j].words.join(), "two children are equal");
        }
      }
      for (let i = 1; i < streams.length; i++) {
        const r = correlation(streams[0], streams[i]);
        assertTrue(Math.abs(r) < 5 / Math.sqrt(2048), `parent/child correlation ${r}`);
      }
      const r12 = correlation(streams[1], streams[2]);
      assertTrue(Math.abs(r12) < 5 / Math.sqrt(2048), `sibling correlation ${r12}`);
    })));
});

Deno.test("laws: softmax rows are positive and sum to one", async () => {
  await fc.assert(fc.asyncProperty(tensorArb(shapeArb({ minRank: 1 })), async (x) => {
    using _s = nu.scope();
    const p = nu.softmax(x.tensor());
    const data = await p.data();
    assertTrue(data.every((v) => v >= 0 && v <= 1));
    await assertAllClose(nu.sum(p, { axis: -1 }), nu.ones(p.shape.slice(0, -1)), {
      rtol: 1e-5,
      atol: 1e-6,
    });
  }));
});

Deno.test("laws: l2Normalize gives unit norms (rows away from zero)", async () => {
  const rows = tensorArb(shapeArb({ minRank: 1 }), { domain: "any", awayFrom: [0], margin: 0.2 });
  await fc.assert(fc.asyncProperty(rows, async (x) => {
    using _s = nu.scope();
    const y = nu.l2Normalize(x.tensor());
    const norms = nu.sqrt(nu.sum(nu.square(y), { axis: -1 }));
    await assertAllClose(norms, nu.ones(norms.shape), { rtol: 1e-5, atol: 1e-6 });
  }));
});

Deno.test("laws: trees drawn like a template have its shapes and dtypes", () => {
  fc.assert(fc.property(treeArbLike(treeTemplate), (tree) =>
    nu.tidy(() => {
      const made = toTensors(tree);
      const got = nu.treeLeaves<nu.Tensor>(made).map((t) => `${t.shape}:${t.dtype}`);
      const want = nu.treeLeaves<nu.Tensor>(treeTemplate).map((t) => `${t.shape}:${t.dtype}`);
      assertEquals(got, want);
    })));
});

/**
 * `nu.vmap`: a vmapped program equals its members computed one at a time and stacked — values
 * and gradients — for random programs (tests/core/vmap_cases.ts), with the batch axis of each
 * input drawn anywhere (negative too) or `null` (shared), one or two nested levels, under
 * `nu.jit`, and as `vmap(grad(f))` and `grad(vmap(f))`; on the CPU and on WebGPU. Errors name
 * the argument's path, the sizes and the shape. Every primitive's batching rule is exercised.
 *
 * numRuns: 40 programs on the CPU for each composition, 6 on WebGPU (each compiles kernels).
 */
import * as nu from "../../mod.ts";
import { ruleOf } from "../../core/bind.ts";
import { primitiveNames } from "../../core/rules.ts";
import { assertAllClose } from "../../testing/all_close.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { gpu, gpuRequirement } from "../kernels/webgpu_helpers.ts";
import { requires } from "../requires.ts";
import { type ArgSpec, type Program, programs } from "./vmap_cases.ts";

// Record which primitives' batching rules run.
const batched = new Set<string>();
for (const prim of primitiveNames()) {
  const rule = ruleOf(prim);
  const inner = rule.batch;
  rule.batch = (args, params, size) => {
    batched.add(prim);
    return inner(args, params as never, size);
  };
}

/** One vmap level: its batch size and each input's batch axis (null: shared). */
interface Level {
  size: number;
  axes: (number | null)[];
}

/** Random levels for `args` (outermost first); each level batches at least one input. */
function levelsArb(args: readonly ArgSpec[], depth: number): fc.Arbitrary<Level[]> {
  const level = (ranks: number[]) =>
    fc.record({
      size: fc.integer({ min: 1, max: 3 }),
      axes: fc.tuple(
        ...ranks.map((r) => fc.option(fc.integer({ min: -(r + 1), max: r }), { freq: 3 })),
      ),
    }).map(({ size, axes }) => ({
      size,
      axes: axes.every((a) => a === null) ? [0, ...axes.slice(1)] : axes,
    }));
  const ranks = args.map((a) => a.shape.length);
  if (depth === 1) return level(ranks).map((l) => [l]);
  // The inner level sees the logical ranks; the outer one the ranks with the inner batch axes.
  return level(ranks).chain((inner) =>
    level(ranks.map((r, i) => r + (inner.axes[i] === null ? 0 : 1))).map((outer) => [outer, inner])
  );
}

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** The stored shape of input `spec` under `levels` (innermost axis inserted first). */
function storedShape(spec: ArgSpec, levels: readonly Level[], i: number): number[] {
  let shape = [...spec.shape];
  for (let l = levels.length - 1; l >= 0; l--) {
    const a = levels[l].axes[i];
    if (a === null) continue;
    shape = [...shape];
    shape.splice(norm(a, shape.length + 1), 0, levels[l].size);
  }
  return shape;
}

function randomInput(spec: ArgSpec, shape: number[], rng: () => number, backend: nu.Backend) {
  const n = shape.reduce((p, d) => p * d, 1);
  if (spec.below !== undefined) {
    const data = Int32Array.from({ length: n }, () => Math.floor(rng() * spec.below!));
    return nu.fromData(data, shape, { dtype: "i32", backend });
  }
  return nu.fromData(Float32Array.from({ length: n }, () => rng() * 3 - 1.5), shape, { backend });
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `x` without axis `axis`, at index `i` of it. */
const take = (x: nu.Tensor, axis: number, i: number) =>
  nu.squeeze(nu.sliceAxis(x, axis, i, i + 1), norm(axis, x.rank));

/** `g` vmapped over `levels` (outermost first). */
function vmapOver(g: (...xs: nu.Tensor[]) => unknown, levels: readonly Level[]) {
  let h = g;
  for (let l = levels.length - 1; l >= 0; l--) {
    h = nu.vmap(h, { inAxes: levels[l].axes }) as typeof g;
  }
  return h;
}

/** The float inputs of a program (the ones differentiated). */
const floats = (p: Program) => p.args.flatMap((a, i) => (a.below === undefined ? [i] : []));

/** The scalar loss whose gradient the tests compare. */
const lossOf = (p: Program) => (...xs: nu.Tensor[]) => nu.sum(nu.square(p.f(...xs)));

type Mode = "values" | "vmap(grad)" | "grad(vmap)" | "jit(vmap)";

/**
 * Check `mode` for program `p` under `levels`: the batched result against each member's,
 * computed alone on its slices.
 */
async function check(p: Program, levels: Level[], seed: number, mode: Mode, backend: nu.Backend) {
  using _s = nu.scope();
  const rng = mulberry(seed);
  const xs = p.args.map((a, i) => randomInput(a, storedShape(a, levels, i), rng, backend));
  const argnums = floats(p);
  let out: nu.Tensor[];
  if (mode === "values") out = [vmapOver(p.f, levels)(...xs) as nu.Tensor];
  else if (mode === "jit(vmap)") {
    const compiled = nu.jit(vmapOver(p.f, levels));
    (compiled(...xs) as nu.Tensor).dispose(); // traced
    out = [compiled(...xs) as nu.Tensor]; // replayed
    compiled.dispose();
  } else if (mode === "vmap(grad)") {
    out = vmapOver(nu.grad(lossOf(p), { argnums }), levels)(...xs) as nu.Tensor[];
  } else {
    // grad of the summed batched loss: each member's gradient lands in its own slice.
    const total = (...ys: nu.Tensor[]) => nu.sum(vmapOver(lossOf(p), levels)(...ys) as nu.Tensor);
    out = nu.grad(total, { argnums })(...xs) as nu.Tensor[];
  }
  const members = (xsNow: nu.Tensor[], lv: Level[], outs: nu.Tensor[]): Promise<void>[] => {
    if (lv.length === 0) {
      const expected = mode === "values" || mode === "jit(vmap)"
        ? [p.f(...xsNow)]
        : nu.grad(lossOf(p), { argnums })(...xsNow) as nu.Tensor[];
      return outs.map((o, k) => assertAllClose(o, expected[k], { rtol: 2e-4, atol: 2e-5 }));
    }
    const [{ size, axes }, ...rest] = lv;
    return Array.from({ length: size }, (_, b) => {
      const sliced = xsNow.map((x, i) => (axes[i] === null ? x : take(x, axes[i]!, b)));
      // Values and vmap(grad) put the batch axis first; grad(vmap) keeps the inputs' layout.
      const outsB = outs.map((o, k) => {
        if (mode !== "grad(vmap)") return take(o, 0, b);
        const axis = axes[argnums[k]];
        return axis === null ? o : take(o, axis, b);
      });
      return members(sliced, rest, outsB);
    }).flat();
  };
  const shared = argnums.some((i) => levels.some((l) => l.axes[i] === null));
  if (mode === "grad(vmap)" && shared) {
    // A shared input's gradient sums its members' gradients (one level here).
    if (levels.length !== 1) return;
    const [{ size, axes }] = levels;
    const perMember = Array.from({ length: size }, (_, b) => {
      const sliced = xs.map((x, i) => (axes[i] === null ? x : take(x, axes[i]!, b)));
      return nu.grad(lossOf(p), { argnums })(...sliced) as nu.Tensor[];
    });
    await Promise.all(out.map((o, k) => {
      const axis = axes[argnums[k]];
      if (axis !== null) {
        return Promise.all(
          perMember.map((g, b) =>
            assertAllClose(take(o, axis, b), g[k], { rtol: 2e-4, atol: 2e-5 })
          ),
        );
      }
      const total = perMember.map((g) => g[k]).reduce((a, b) => nu.add(a, b));
      return assertAllClose(o, total, { rtol: 2e-4, atol: 1e-4 });
    }));
    return;
  }
  await Promise.all(members(xs, levels, out));
}

function property(mode: Mode, depth: number, backend: () => Promise<nu.Backend>, runs: number) {
  return async () => {
    const b = await backend();
    await fc.assert(
      fc.asyncProperty(
        programs.chain((p) =>
          fc.tuple(fc.constant(p), levelsArb(p.args, depth), fc.integer({ min: 0, max: 1e9 }))
        ),
        async ([p, levels, seed]) => {
          if (mode !== "values" && mode !== "jit(vmap)" && floats(p).length === 0) return;
          try {
            await check(p, levels, seed, mode, b);
          } catch (e) {
            throw new Error(`${p.name} levels ${JSON.stringify(levels)}: ${(e as Error).message}`);
          }
        },
      ),
      { numRuns: runs },
    );
  };
}

const cpu = () => Promise.resolve(nu.cpuBackend());
for (const mode of ["values", "vmap(grad)", "grad(vmap)", "jit(vmap)"] as const) {
  Deno.test(`vmap (CPU): ${mode} equals the stacked members`, property(mode, 1, cpu, 40));
}
Deno.test(
  "vmap (CPU): nested vmap equals the doubly stacked members",
  property("values", 2, cpu, 40),
);
Deno.test("vmap (CPU): nested vmap of grad", property("vmap(grad)", 2, cpu, 25));

for (const mode of ["values", "vmap(grad)", "jit(vmap)"] as const) {
  requires(gpuRequirement, {
    name: `vmap (WebGPU): ${mode} equals the stacked members`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: property(mode, 1, gpu, 6),
  });
}

Deno.test("vmap: a pullback mapped over batched cotangents gives each one's cotangents", async () => {
  // Rows of a Jacobian: the tape is recorded once, unbatched; its VJP rules run batched.
  const logits = nu.tensor([[0.5, -1, 2], [0, 0.3, -0.2]]);
  const targets = nu.tensor([2, 0], { dtype: "i32" });
  const table = nu.tensor([[1, 2], [3, 4], [5, 6]]);
  const ids = nu.tensor([2, 2, 0], { dtype: "i32" });
  const f = (x: nu.Tensor, t: nu.Tensor) =>
    nu.add(nu.crossEntropy(x, targets, { reduction: "none" }), nu.sum(nu.gather(t, ids)));
  const [, pullback] = nu.vjp(f as (...a: never[]) => unknown, logits, table);
  const cts = nu.tensor([[1, 0], [0, 1], [2, -1]]);
  const rows = nu.vmap((ct: nu.Tensor) => pullback(ct))(cts) as nu.Tensor[];
  for (let b = 0; b < 3; b++) {
    const expected = pullback(nu.reshape(nu.sliceAxis(cts, 0, b, b + 1), [2])) as nu.Tensor[];
    for (let k = 0; k < 2; k++) {
      await assertAllClose(
        nu.reshape(nu.sliceAxis(rows[k], 0, b, b + 1), expected[k].shape),
        expected[k],
        { rtol: 1e-5 },
      );
    }
  }
  pullback.dispose();
});

Deno.test("vmap: outAxes places the batch axis; unbatched outputs are broadcast", async () => {
  const x = nu.tensor([[1, 2, 3], [4, 5, 6]]);
  const f = nu.vmap((r: nu.Tensor, c: nu.Tensor) => [nu.mul(r, 2), c], {
    inAxes: [0, null],
    outAxes: [-1, 0],
  });
  const [a, b] = f(x, nu.tensor([7, 8])) as nu.Tensor[];
  await assertAllClose(a, [[2, 8], [4, 10], [6, 12]]);
  await assertAllClose(b, [[7, 8], [7, 8]]);
});

Deno.test("vmap: trees of arguments with a tree prefix of inAxes", async () => {
  const params = { w: nu.tensor([[1, 2], [3, 4]]), b: nu.tensor([10, 20]) };
  const xs = nu.tensor([[1, 0], [0, 1], [1, 1]]);
  const apply = (p: { w: nu.Tensor; b: nu.Tensor }, x: nu.Tensor) => nu.add(nu.matmul(p.w, x), p.b);
  const y = nu.vmap(apply, { inAxes: [{ w: null, b: null }, 0] })(params, xs);
  await assertAllClose(y, [[11, 23], [12, 24], [13, 27]]);
});

Deno.test("vmap: errors name the path, the sizes and the shape", () => {
  const f = (p: { w: nu.Tensor }, x: nu.Tensor) => nu.add(p.w, x);
  const v = nu.vmap(f);
  assertThrows(
    () => v({ w: nu.ones([3, 2]) }, nu.ones([4, 2])),
    "vmap: inAxes 0 gives batch size 3 for args[0].w but 4 for args[1]",
  );
  assertThrows(
    () => nu.vmap(f, { inAxes: [0, 2] })({ w: nu.ones([3, 2]) }, nu.ones([3, 2])),
    "vmap: inAxes 2 is out of range for args[1] of shape [3,2]",
  );
  assertThrows(
    () => nu.vmap(f, { inAxes: [{ v: 0 }, 0] })({ w: nu.ones([3]) }, nu.ones([3])),
    "vmap: inAxes has an object with keys [v] at args[0], but args[0] is an object with keys [w]",
  );
  assertThrows(
    () => nu.vmap(f, { inAxes: [0] })({ w: nu.ones([3]) }, nu.ones([3])),
    "vmap: inAxes has an array of 1 at args, but args is an array of 2",
  );
  assertThrows(
    () => nu.vmap((x: nu.Tensor) => x, { outAxes: null })(nu.ones([3])),
    "vmap: outAxes is null for out, but it is batched",
  );
  assertThrows(
    () => nu.vmap((x: nu.Tensor) => x, { inAxes: null })(nu.ones([3])),
    "vmap: no argument is batched",
  );
});

Deno.test("vmap: reading a value inside the function is a clear error", async () => {
  const f = nu.vmap((x: nu.Tensor) => {
    x.dataSync();
    return x;
  });
  assertThrows(() => f(nu.ones([2, 2])), "vmap: cannot read the values of a batched tensor");
  await Promise.resolve();
});

Deno.test("vmap: jit(vmap(f)) traces once to one program; vmap(jit(f)) runs f inline", async () => {
  let traces = 0;
  const f = (x: nu.Tensor, w: nu.Tensor) => {
    traces++;
    return nu.sum(nu.matmul(x, w));
  };
  const jv = nu.jit(nu.vmap(f, { inAxes: [0, null] }));
  const w = nu.ones([2, 2]);
  await assertAllClose(jv(nu.ones([3, 1, 2]), w), [4, 4, 4]);
  await assertAllClose(jv(nu.full([3, 1, 2], 2), w), [8, 8, 8]);
  assertEquals([traces, jv.traces], [1, 1]);
  const vj = nu.vmap(nu.jit(f), { inAxes: [0, null] });
  await assertAllClose(vj(nu.ones([3, 1, 2]), w), [4, 4, 4]);
});

Deno.test("vmap: memory is flat over repeated vmapped gradient steps", () => {
  const step = nu.vmap(
    nu.grad((w: nu.Tensor, x: nu.Tensor) => nu.sum(nu.square(nu.matmul(x, w)))),
    {
      inAxes: [null, 0],
    },
  );
  const w = nu.ones([2, 2]), x = nu.ones([4, 3, 2]);
  step(w, x).dispose();
  const before = nu.memory().tensors;
  for (let i = 0; i < 5; i++) step(w, x).dispose();
  assertEquals(nu.memory().tensors, before);
});

Deno.test("vmap: every primitive's batching rule was exercised", () => {
  const missing = primitiveNames().filter((p) => !batched.has(p));
  assertEquals(missing, [], `batching rules never run: ${missing.join(", ")}`);
});

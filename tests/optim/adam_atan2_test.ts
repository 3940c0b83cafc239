import * as nu from "../../mod.ts";
import { optim } from "../../mod.ts";
import { assertAllClose } from "../../testing/all_close.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";

/** Adam-atan2 in f64 by hand, one coordinate at a time. */
function reference(grads: number[][], b1: number, b2: number, a: number, b: number): number[][] {
  const n = grads[0].length;
  const m = new Array(n).fill(0), v = new Array(n).fill(0);
  return grads.map((g, t) =>
    g.map((gi, i) => {
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      const mHat = m[i] / (1 - b1 ** (t + 1)), vHat = v[i] / (1 - b2 ** (t + 1));
      return a * Math.atan2(mHat, b * Math.sqrt(vHat));
    })
  );
}

Deno.test("scaleByAdamAtan2: matches the f64 reference over 30 steps, eager and compiled", async () => {
  using _s = nu.scope();
  const steps = 30, n = 7;
  let seed = 3;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  // Gradients over six orders of magnitude, so that any epsilon would show at the small end.
  const grads = Array.from(
    { length: steps },
    () => Array.from({ length: n }, (_, i) => rand() * 10 ** (i - 4)),
  );
  const [b1, b2, a, b] = [0.9, 0.95, 1.27, 0.8];
  const want = reference(grads, b1, b2, a, b);
  for (const compiled of [false, true]) {
    const direction = optim.scaleByAdamAtan2({ b1, b2, a, b });
    const update = (g: { w: nu.Tensor }, s: optim.AdamState) => direction.update(g, s);
    const run = compiled ? nu.jit(update) : update;
    let state = direction.init({ w: nu.zeros([n], { dtype: "f64" }) });
    for (let t = 0; t < steps; t++) {
      const [u, next] = run({ w: nu.tensor(grads[t], { dtype: "f64" }) }, state);
      await assertAllClose(u.w, want[t], { rtol: 1e-9, atol: 1e-12 });
      state = next;
    }
  }
});

Deno.test("scaleByAdamAtan2: scale-free in the gradients, bounded by a·π/2, zero where g = 0", async () => {
  using _s = nu.scope();
  const direction = optim.scaleByAdamAtan2({ a: 2 });
  const g = [3e-12, -5e-12, 0, 7e-12];
  const [small] = direction.update(
    { w: nu.tensor(g, { dtype: "f64" }) },
    direction.init({ w: nu.zeros([4], { dtype: "f64" }) }),
  );
  const [large] = direction.update(
    { w: nu.tensor(g.map((x) => x * 1e20), { dtype: "f64" }) },
    direction.init({ w: nu.zeros([4], { dtype: "f64" }) }),
  );
  const s = await small.w.toArray() as number[], l = await large.w.toArray() as number[];
  await assertAllClose(s, l, { rtol: 1e-12 });
  assertEquals(s[2], 0);
  for (const x of s) if (!(Math.abs(x) < Math.PI)) throw new Error(`update ${x} beyond a·π/2 = π`);
});

Deno.test("scaleByAdamAtan2: bad options name the option and value", () => {
  assertThrows(
    () => optim.scaleByAdamAtan2({ a: 0 }),
    "scaleByAdamAtan2: a must be a finite number > 0, got 0",
  );
  assertThrows(
    () => optim.scaleByAdamAtan2({ b: -1 }),
    "b must be a finite number > 0, got -1",
  );
  assertThrows(
    () => optim.scaleByAdamAtan2({ b2: 1 }),
    "scaleByAdamAtan2: b2 must be in [0, 1), got 1",
  );
});

Deno.test("optimizerFor: a direction replaces Adam; Adam's own options beside it are refused", async () => {
  using _s = nu.scope();
  const dims = { width: 2, depth: 1, steps: 10, baseWidth: 2, baseDepth: 1, baseSteps: 10 };
  const params = { sz: nu.ones([2]) };
  const common = { params, roles: { sz: "sz" }, axes: { sz: null }, schedule: optim.constant(0.1) };
  const opt = optim.optimizerFor(nu.param.ngpt, dims, {
    ...common,
    direction: optim.scaleByAdamAtan2({ a: 1, b: 1 }) as optim.GradientTransformation<unknown>,
  });
  const [next] = opt.step(params, { sz: nu.tensor([1, -1]) }, opt.init(params));
  // ngpt's sz multiplier is 1: one step of 0.1 · atan2(±1, 1).
  await assertAllClose(next.sz, [1 - 0.1 * Math.PI / 4, 1 + 0.1 * Math.PI / 4], { rtol: 1e-6 });
  assertThrows(
    () =>
      optim.optimizerFor(nu.param.ngpt, dims, {
        ...common,
        eps: 1e-8,
        direction: optim.scaleByAdamAtan2() as optim.GradientTransformation<unknown>,
      }),
    "optimizerFor: options.direction replaces Adam, so eps would be ignored",
  );
});

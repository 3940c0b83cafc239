/**
 * optimizerFor: per-parameter learning rates from the parameterization (checked against the
 * spec table written out here), the schedule, projection after each step with the state left
 * alone, state save/restore, and memory staying flat over many steps.
 */
import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import {
  add,
  cpuBackend,
  fromData,
  fromPaths,
  key,
  memory,
  mul,
  normal,
  split,
  sub,
  sum,
  type Tensor,
  tidy,
  treeLeaves,
  treeMap,
  treePaths,
  valueAndGrad,
} from "../../core/mod.ts";
import {
  decodeState,
  disposeReplaced,
  encodeState,
  type Optimizer,
  optimizerFor,
} from "../../optim/mod.ts";
import { ngpt, nugpt, type Parameterization } from "../../param/mod.ts";
import { parameterShapes, sphereAxisOf } from "../../nn/spec.ts";
import { values, vectorNorms, withRoles } from "./helpers.ts";

const CONFIG = { vocab: 5, width: 4, heads: 2, depth: 2, mlpWidth: 8, seqLen: 4 };
/** Width 8 at base 2 (mw = 4), 80 steps at base 10 (mT = 8), depth 2 at base 1. */
const DIMS = { width: 8, depth: 2, steps: 80, baseWidth: 2, baseDepth: 1, baseSteps: 10 };

/** A toy tree with canonical names; matrices on the sphere, rescalers at 0.5. */
// deno-lint-ignore no-explicit-any -- a dynamically shaped tree
function toyParams(seed: number, dtype: "f32" | "f64" = "f64"): any {
  const entries = Object.entries(parameterShapes(CONFIG));
  const keys = split(key(seed), entries.length);
  return tidy(() =>
    fromPaths(entries.map(([path, shape], i): [string, Tensor] => {
      const w = normal(keys[i], shape, { dtype, backend: cpuBackend() });
      return [path, w];
    }))
  );
}

/** The spec's lr multiplier for a canonical name (section 7 table), written out independently. */
function specMultiplier(name: string, which: "ngpt" | "nugpt"): number {
  if (which === "ngpt") return 1;
  const mw = DIMS.width / DIMS.baseWidth;
  const horizon = (DIMS.steps / DIMS.baseSteps) ** (-1 / 3);
  if (name === "embed") return horizon * mw ** (-1 / 2);
  if (name === "unembed") return horizon * mw ** (-3 / 4);
  if (/\.(q|k|v|o|up|gate|down)$/.test(name)) return horizon * mw ** (-3 / 4);
  return horizon; // rescalers
}

const PRESETS: [string, "ngpt" | "nugpt", Parameterization][] = [
  ["ngpt", "ngpt", ngpt],
  ["nugpt", "nugpt", nugpt],
];

for (const [label, which, p] of PRESETS) {
  Deno.test(`optimizerFor(${label}): each leaf moves by lr_base(step)·multiplier`, () => {
    const params = toyParams(1);
    const lr = 0.01;
    const opt = optimizerFor(p, DIMS, withRoles({ lr, params }));
    // a constant-sign gradient makes Adam's direction exactly ±1 at every step
    const grads = treeMap((t: Tensor) => tidy(() => sub(mul(t, 0), 2)), params);
    let state = opt.init(params);
    for (let step = 0; step < 3; step++) {
      const [updates, next] = opt.transform.update(grads, state, params);
      for (const [name, u] of treePaths<Tensor>(updates)) {
        const expected = opt.schedule(step) * specMultiplier(name, which);
        for (const x of values(u)) assertClose(x, expected, { rtol: 1e-12 });
      }
      for (const [name, rate] of treePaths<number>(opt.learningRates(step))) {
        assertClose(rate, opt.schedule(step) * specMultiplier(name, which), { rtol: 1e-12 });
      }
      state = next;
    }
    assertClose(opt.schedule(0), lr, { rtol: 0 });
    assertClose(opt.schedule(DIMS.steps - 1), lr / 10, { rtol: 1e-12 });
  });
}

Deno.test("optimizerFor: step projects the matrices, moves the rescalers, leaves the state alone", () => {
  const params = toyParams(2);
  const opt = optimizerFor(nugpt, DIMS, withRoles({ lr: 0.05, params }));
  const grads = toyParams(3);
  const state = opt.init(params);
  const [next, stepState] = opt.step(params, grads, state);
  const [updates, plainState] = opt.transform.update(grads, state, params);
  // the state after a projected step is the transform's state, bit for bit
  assertEquals(treeLeaves(stepState).map(leafOrValues), treeLeaves(plainState).map(leafOrValues));
  const moved = treePaths<Tensor>(next);
  const raw = new Map(treePaths<Tensor>(params));
  const u = new Map(treePaths<Tensor>(updates));
  for (const [name, t] of moved) {
    const axis = sphereAxisOf(name);
    if (axis === null) {
      const expected = values(raw.get(name)!).map((x, i) => x + values(u.get(name)!)[i]);
      assertEquals(values(t), expected);
    } else {
      for (const n of vectorNorms(t, axis)) assertClose(n, 1, { rtol: 1e-14 });
    }
  }
});

function leafOrValues(x: unknown): unknown {
  return typeof x === "number" ? x : values(x as Tensor);
}

Deno.test("optimizerFor: options are checked; clip adds a first transformation", () => {
  const params = toyParams(4);
  assertThrows(() => optimizerFor(ngpt, DIMS, withRoles({ params })), ["optimizerFor", "lr"]);
  assertThrows(() => optimizerFor(ngpt, DIMS, {} as never), ["optimizerFor", "params"]);
  assertThrows(
    () => optimizerFor(ngpt, DIMS, { lr: 1, params } as never),
    ["optimizerFor", "options.roles and options.axes", "model.optimizer"],
  );
  const clipped = optimizerFor(ngpt, DIMS, withRoles({ lr: 1, params, clip: 1 }));
  assertEquals(clipped.init(params).length, 3);
  const scheduled = optimizerFor(
    ngpt,
    DIMS,
    withRoles({ params, schedule: (t: number) => 1 / (t + 1) }),
  );
  assertEquals(scheduled.schedule(3), 0.25);
});

/** A tiny loss over the whole tree: Σ leaves Σ (p · target). */
function toyLoss(params: unknown, target: unknown): Tensor {
  const parts = treeLeaves<Tensor>(params).map((p, i) =>
    sum(mul(p, treeLeaves<Tensor>(target)[i]))
  );
  return parts.reduce((a, b) => add(a, b));
}

function train(
  opt: Optimizer,
  params: unknown,
  state: unknown[],
  target: unknown,
  steps: number,
): [unknown, unknown[]] {
  for (let i = 0; i < steps; i++) {
    const [loss, grads] = valueAndGrad((p: unknown) => toyLoss(p, target))(params);
    const [nextParams, nextState] = opt.step(params, grads, state);
    disposeReplaced([params, state, grads, loss], [nextParams, nextState]);
    params = nextParams;
    state = nextState;
  }
  return [params, state];
}

Deno.test("optimizer state: encode, copy the tensors, decode, and training continues identically", () => {
  const target = toyParams(5, "f32");
  const opt = optimizerFor(nugpt, DIMS, withRoles({ lr: 0.02, params: toyParams(6, "f32") }));
  let params: unknown = toyParams(6, "f32");
  let state = opt.init(params);
  [params, state] = train(opt, params, state, target, 3);
  const { tensors, layout } = encodeState(state);
  const copies = Object.fromEntries(
    Object.entries(tensors).map(([k, t]) => [
      k,
      fromData(t.dataSync().slice(), t.shape, { dtype: t.dtype, backend: cpuBackend() }),
    ]),
  );
  const restored = decodeState(JSON.parse(JSON.stringify(layout)), copies);
  assertEquals(treeLeaves(restored).map(leafOrValues), treeLeaves(state).map(leafOrValues));
  const paramsCopy = treeMap(
    (t: Tensor) => fromData(t.dataSync().slice(), t.shape, { backend: cpuBackend() }),
    params,
  );
  const [a] = train(opt, params, state, target, 2);
  const [b] = train(opt, paramsCopy, restored, target, 2);
  assertEquals(treeLeaves<Tensor>(a).map(values), treeLeaves<Tensor>(b).map(values));
  assertThrows(() => decodeState(layout, {}), ["decodeState", "0.count", "not given"]);
  assertThrows(() => decodeState("{", {}), ["decodeState", "not JSON"]);
});

Deno.test("memory stays flat over 200 optimizer steps", () => {
  const target = toyParams(7, "f32");
  let params: unknown = toyParams(8, "f32");
  const opt = optimizerFor(nugpt, DIMS, withRoles({ lr: 0.01, params, clip: 10 }));
  let state = opt.init(params);
  [params, state] = train(opt, params, state, target, 1);
  const before = memory();
  [params, state] = train(opt, params, state, target, 200);
  const after = memory();
  assertEquals([after.tensors, after.bytes], [before.tensors, before.bytes]);
  assertEquals(after.backend.buffers, before.backend.buffers);
  assertTrue((state[1] as { count: Tensor }).count.dataSync()[0] === 201);
});

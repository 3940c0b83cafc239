/**
 * `nu.jit`: compiled programs agree with eager execution (values and gradients) on random
 * programs — chains of elementwise ops with broadcasts, reductions, softmax, normalization,
 * transposes, reshapes, matmuls — on the CPU and on WebGPU; a signature traces once; reading a
 * value inside a trace is an error that says how to fix it; memory stays flat over 2000
 * compiled steps.
 *
 * numRuns: 60 random programs on the CPU, 12 on WebGPU (each compiles new kernels there).
 */
import * as nu from "../../mod.ts";
import { assertAllClose } from "../../testing/all_close.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { gpuRequirement } from "../kernels/webgpu_helpers.ts";
import { requires } from "../requires.ts";

const OPS = [
  "exp",
  "sigmoid",
  "mulY",
  "addY",
  "divY",
  "maxY",
  "sumAxis",
  "subRowMax",
  "transpose",
  "matmul",
  "softmax",
  "normalize",
  "reshape",
  "where",
  "flip",
  "transposeAdd",
] as const;
type Op = typeof OPS[number];

/** Apply `ops` to `x` [a, b, c] with `y` (broadcast [b, c] or [c]); the shape stays [a, b, c]. */
function program(ops: readonly Op[], axes: readonly number[]) {
  return (x: nu.Tensor, y: nu.Tensor, w: nu.Tensor) => {
    const [a, b, c] = x.shape;
    ops.forEach((op, i) => {
      const axis = axes[i % axes.length];
      switch (op) {
        case "exp":
          x = nu.exp(nu.tanh(x));
          break;
        case "sigmoid":
          x = nu.sigmoid(nu.mul(x, 3));
          break;
        case "mulY":
          x = nu.mul(x, y);
          break;
        case "addY":
          x = nu.add(x, y);
          break;
        case "divY":
          x = nu.div(x, nu.add(nu.abs(y), 1));
          break;
        case "maxY":
          x = nu.maximum(x, nu.mul(y, 0.5));
          break;
        case "sumAxis":
          x = nu.add(x, nu.mul(nu.sum(x, { axis, keepdims: true }), 0.1));
          break;
        case "subRowMax":
          x = nu.sub(x, nu.max(x, { axis: -1, keepdims: true }));
          break;
        case "transpose":
          x = nu.transpose(nu.mul(nu.transpose(x, [0, 2, 1]), 1.5), [0, 2, 1]);
          break;
        case "matmul":
          x = nu.div(nu.matmul(nu.matmul(x, x, { transB: true }), x), b * c);
          break;
        case "softmax":
          x = nu.softmax(x);
          break;
        case "normalize":
          x = nu.l2Normalize(x, { eps: 1e-3 });
          break;
        case "reshape":
          x = nu.reshape(nu.sub(nu.reshape(x, [a, b * c]), 0.25), [a, b, c]);
          break;
        case "where":
          x = nu.where(nu.gt(x, 0), x, nu.mul(x, 0.1));
          break;
        case "flip":
          x = nu.add(x, nu.mul(nu.flip(x, axis), 0.5));
          break;
        case "transposeAdd": // x + xᵀ (square cases): a computed value read through a transpose
          if (b === c) x = nu.mul(nu.add(x, nu.transpose(x, [0, 2, 1])), 0.5);
          break;
      }
    });
    return nu.sum(nu.mul(x, w));
  };
}

const caseArb = fc.record({
  a: fc.integer({ min: 1, max: 3 }),
  b: fc.integer({ min: 1, max: 4 }),
  c: fc.integer({ min: 1, max: 5 }),
  square: fc.boolean(),
  yRank: fc.constantFrom(1, 2),
  ops: fc.array(fc.constantFrom(...OPS), { minLength: 1, maxLength: 8 }),
  axes: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

async function checkCase(
  backend: nu.Backend,
  spec: {
    a: number;
    b: number;
    c: number;
    square: boolean;
    yRank: number;
    ops: Op[];
    axes: number[];
    seed: number;
  },
) {
  const c = { ...spec, c: spec.square ? spec.b : spec.c };
  using _ = nu.scope();
  const opts = { backend };
  const x = nu.uniform(nu.key(c.seed), [c.a, c.b, c.c], { ...opts, low: -1, high: 1 });
  const y = nu.uniform(nu.key(c.seed + 1), c.yRank === 1 ? [c.c] : [c.b, c.c], {
    ...opts,
    low: -1,
    high: 1,
  });
  const w = nu.uniform(nu.key(c.seed + 2), [c.a, c.b, c.c], { ...opts, low: -1, high: 1 });
  const f = program(c.ops, c.axes);
  const vg = nu.valueAndGrad(f, { argnums: [0, 1] });
  const [value, grads] = vg(x, y, w);
  const compiled = nu.jit(vg);
  const [jValue, jGrads] = compiled(x, y, w);
  const what = `${c.ops.join(",")} on [${c.a},${c.b},${c.c}]`;
  await assertAllClose(jValue, value, { rtol: 1e-4, atol: 1e-4, message: what });
  await assertAllClose(jGrads, grads, { rtol: 1e-4, atol: 1e-4, message: what });
  // a second call replays (no new trace) and gives the same result
  const [again] = compiled(x, y, w);
  await assertAllClose(again, jValue, { rtol: 0, atol: 0, message: what });
  assertEquals(compiled.traces, 1);
  compiled.dispose();
}

Deno.test("jit (CPU): random programs and their gradients agree with eager execution", async () => {
  await fc.assert(fc.asyncProperty(caseArb, (c) => checkCase(nu.cpuBackend(), c)), {
    numRuns: 60,
  });
});

requires(gpuRequirement, {
  name: "jit (WebGPU): random programs and their gradients agree with eager execution",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await nu.useBackend("webgpu");
    try {
      await fc.assert(fc.asyncProperty(caseArb, (c) => checkCase(gpu, c)), { numRuns: 12 });
    } finally {
      await nu.useBackend("cpu");
    }
  },
});

Deno.test("jit: one trace per signature; a new shape, dtype or static value traces again", async () => {
  let runs = 0;
  const f = nu.jit((x: nu.Tensor, scale: number) => {
    runs++;
    return nu.mul(x, scale);
  });
  using _ = nu.scope();
  await assertAllClose(f(nu.tensor([1, 2]), 3), [3, 6]);
  await assertAllClose(f(nu.tensor([5, 6]), 3), [15, 18]);
  assertEquals([runs, f.traces, f.cacheSize], [1, 1, 1]);
  f(nu.tensor([1, 2, 3]), 3); // new shape
  f(nu.tensor([1, 2]), 4); // new static value
  f(nu.tensor([1, 2], { dtype: "f64" }), 4); // new dtype
  assertEquals([runs, f.traces, f.cacheSize], [4, 4, 4]);
  const small = nu.jit((x: nu.Tensor) => nu.neg(x), { maxCached: 2 });
  for (const n of [1, 2, 3, 1]) small(nu.zeros([n]));
  assertEquals([small.traces, small.cacheSize], [4, 2]); // [1] was evicted, traced again
  const stat = nu.jit((x: nu.Tensor, k: { n: number }) => nu.mul(x, k.n), { staticArgnums: [1] });
  await assertAllClose(stat(nu.tensor([1]), { n: 2 }), [2]);
  assertThrows(() => nu.jit(42 as never), ["jit", "function"]);
});

Deno.test("jit: reading a value inside a trace names the problem and the fix", async () => {
  using _ = nu.scope();
  const bad = nu.jit((x: nu.Tensor) => nu.mul(x, x.dataSync()[0]));
  assertThrows(() => bad(nu.tensor([2])), ["jit", "dataSync", "static"]);
  const asyncFn = nu.jit(async (x: nu.Tensor) => nu.mul(x, await x.item()));
  assertThrows(() => asyncFn(nu.tensor([2])), ["jit", "Promise", "synchronous"]);
  const compare = nu.jit((x: nu.Tensor) => ((x as unknown as number) > 0 ? x : nu.neg(x)));
  assertThrows(() => compare(nu.tensor([2])), ["Tensor", "JS number", "item()"]);
  // the failed traces left nothing behind and the functions still work on good input
  const good = nu.jit((x: nu.Tensor) => nu.add(x, 1));
  await assertAllClose(good(nu.tensor([2])), [3]);
});

Deno.test("jit: outputs belong to the caller's scope; inputs and captured tensors work", async () => {
  const captured = nu.keep(nu.tensor([10, 20]));
  const f = nu.jit((x: nu.Tensor) => ({ sum: nu.add(x, captured), same: x, fixed: 7 }));
  const before = nu.memory().tensors;
  const out = nu.tidy(() => {
    const r = f(nu.tensor([1, 2]));
    assertEquals(r.fixed, 7);
    return r.sum;
  });
  await assertAllClose(out, [11, 22]);
  assertEquals(nu.memory().tensors, before + 1);
  out.dispose();
  captured.dispose();
  assertThrows(() => f(nu.tensor([1, 2])), ["jit", "captured", "disposed", "argument"]);
  f.dispose();
});

Deno.test("jit: grad of a jitted function differentiates it (runs eagerly under a tape)", async () => {
  const f = nu.jit((x: nu.Tensor) => nu.sum(nu.mul(x, x)));
  using _ = nu.scope();
  await assertAllClose(nu.grad(f)(nu.tensor([1, 2, 3])), [2, 4, 6]);
});

/** 2000 compiled steps of a small training loop (matmul, softmax, Adam) on `backend`. */
async function flatOver2000(backend: nu.Backend) {
  const opts = { backend };
  let params = nu.keep({
    w: nu.normal(nu.key(0), [8, 4], opts),
    b: nu.zeros([4], opts),
  });
  const x = nu.keep(nu.normal(nu.key(1), [16, 8], opts));
  const opt = nu.optim.adam(1e-2);
  let state = nu.keep(opt.init(params));
  const loss = (p: typeof params) => nu.mean(nu.square(nu.softmax(nu.add(nu.matmul(x, p.w), p.b))));
  const step = nu.jit((p: typeof params, s: typeof state) => {
    const [value, grads] = nu.valueAndGrad(loss)(p);
    const [updates, next] = opt.update(grads, s, p);
    return [value, nu.optim.applyUpdates(p, updates), next] as const;
  });
  const run = () => {
    const [value, p, s] = step(params, state);
    value.dispose();
    nu.optim.disposeReplaced([params, state], [p, s]);
    [params, state] = [p, s];
  };
  for (let i = 0; i < 3; i++) run();
  const before = nu.memory(backend);
  for (let i = 0; i < 2000; i++) run();
  await backend.flush();
  const after = nu.memory(backend);
  assertEquals([after.tensors, after.bytes], [before.tensors, before.bytes]);
  assertEquals(after.backend.buffers, before.backend.buffers);
  assertTrue(step.traces === 1, `traced ${step.traces} times`);
  step.dispose();
  nu.optim.disposeReplaced([params, state, x], []);
}

Deno.test("jit (CPU): memory stays flat over 2000 compiled training steps", async () => {
  await flatOver2000(nu.cpuBackend());
});

requires(gpuRequirement, {
  name: "jit (WebGPU): memory stays flat over 2000 compiled training steps",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await nu.useBackend("webgpu");
    try {
      await flatOver2000(gpu);
    } finally {
      await nu.useBackend("cpu");
    }
  },
});

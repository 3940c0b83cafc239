/**
 * Memory: flat over many steps, and the scope/using/keep/tidy ownership rules.
 */
import * as nu from "../../mod.ts";
import { assertAllClose } from "../../testing.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";

const counts = () => {
  const m = nu.memory();
  return { tensors: m.tensors, bytes: m.bytes, buffers: m.backend.buffers };
};

Deno.test("memory stays flat over 1000 forward/backward steps in tidy", () => {
  const w = nu.keep(nu.normal(nu.key(0), [4, 3]));
  const x = nu.keep(nu.normal(nu.key(1), [5, 4]));
  const loss = (p: nu.Tensor) => nu.mean(nu.square(nu.tanh(nu.matmul(x, p))));
  let params = w;
  nu.tidy(() => nu.grad(loss)(params)); // warm-up
  const before = counts();
  for (let i = 0; i < 1000; i++) {
    const next = nu.tidy(() => nu.sub(params, nu.mul(nu.grad(loss)(params), 0.1)));
    if (params !== w) params.dispose();
    params = next;
  }
  params.dispose();
  assertEquals(counts(), before);
  w.dispose();
  x.dispose();
});

Deno.test("memory stays flat over vjp pullbacks that are disposed", () => {
  const x = nu.keep(nu.tensor([1, 2, 3]));
  const before = counts();
  for (let i = 0; i < 200; i++) {
    nu.tidy(() => {
      const [, pullback] = nu.vjp((t: nu.Tensor) => nu.exp(t), x);
      pullback(nu.onesLike(x));
      pullback.dispose();
    });
  }
  assertEquals(counts(), before);
  x.dispose();
});

Deno.test("tidy frees intermediates and keeps what it returns (any tree)", async () => {
  const before = counts().tensors;
  const out = nu.tidy(() => {
    const a = nu.ones([2]);
    const b = nu.add(a, 1);
    return { kept: nu.mul(b, 2), list: [b] };
  });
  assertEquals(counts().tensors, before + 2);
  await assertAllClose(out, { kept: [4, 4], list: [[2, 2]] });
  out.kept.dispose();
  out.list[0].dispose();
  assertEquals(counts().tensors, before);
});

Deno.test("using scope(): everything not kept is freed at the end of the block", async () => {
  const before = counts().tensors;
  let kept: nu.Tensor, dropped: nu.Tensor;
  {
    using s = nu.scope();
    dropped = nu.ones([3]);
    kept = s.keep(nu.add(dropped, 1));
  }
  assertTrue(dropped.disposed && !kept.disposed);
  await assertAllClose(kept, [2, 2, 2]);
  assertThrows(() => nu.add(dropped, 1), ["disposed"]);
  kept.dispose();
  assertEquals(counts().tensors, before);
});

Deno.test("scope keep moves a tensor to the enclosing scope, which then frees it", () => {
  let inner: nu.Tensor;
  {
    using _outer = nu.scope();
    {
      using s = nu.scope();
      inner = s.keep(nu.ones([1]));
    }
    assertTrue(!inner.disposed);
  }
  assertTrue(inner.disposed);
});

Deno.test("keep() takes a tensor out of every scope", () => {
  let param: nu.Tensor;
  {
    using _a = nu.scope();
    {
      using _b = nu.scope();
      param = nu.keep(nu.zeros([2]));
    }
  }
  assertTrue(!param.disposed);
  param.dispose();
  assertTrue(param.disposed);
});

Deno.test("scopes work across await", async () => {
  const before = counts().tensors;
  {
    using _s = nu.scope();
    const t = nu.ones([4]);
    await t.data();
    nu.add(t, 1);
  }
  assertEquals(counts().tensors, before);
});

Deno.test("tidy rejects an async function with a clear error", () => {
  assertThrows(() => nu.tidy((async () => {}) as never), ["tidy", "Promise"]);
});

Deno.test("dispose is idempotent and reshape shares storage until the last view goes", () => {
  const before = counts();
  const a = nu.ones([2, 3]);
  const b = nu.reshape(a, [6]);
  a.dispose();
  a.dispose();
  assertTrue(!b.disposed);
  assertEquals(b.dataSync().length, 6);
  b.dispose();
  assertEquals(counts(), before);
});

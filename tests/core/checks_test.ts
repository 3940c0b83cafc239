/**
 * The runtime checks: out-of-range indices refused on the CPU (eager and compiled) and, in
 * checked mode, reported at the next WebGPU readback; the NaN debugging mode naming the first
 * op that made a NaN or an infinity from finite inputs, eagerly, under `jit` and on WebGPU.
 */
import * as nu from "../../mod.ts";
import { assertEquals, assertRejects, assertThrows, assertTrue } from "../../testing/assert.ts";
import { gpuTest } from "../kernels/webgpu_helpers.ts";

const i32 = (values: number[], backend?: nu.Backend) =>
  nu.tensor(values, { dtype: "i32", backend });

/** Run `fn` with `settings`, restoring the previous ones after. */
async function withChecks<T>(settings: Partial<nu.Checks>, fn: () => T | Promise<T>): Promise<T> {
  const before = nu.checks(settings);
  try {
    return await fn();
  } finally {
    nu.checks(before);
  }
}

Deno.test("checks: settings are read, set, restored and validated", () => {
  const before = nu.checks({ nans: true });
  assertEquals(nu.checks().nans, true);
  nu.checks(before);
  assertEquals(nu.checks(), before);
  assertThrows(
    () => nu.checks({ nan: true } as unknown as nu.Checks),
    'checks: unknown check "nan"',
  );
  assertThrows(
    () => nu.checks({ nans: 1 } as unknown as nu.Checks),
    "checks: nans must be true or false",
  );
});

Deno.test("checks: NUGRAD_CHECKS turns the modes on for a process, and refuses unknown names", async () => {
  const code = `import * as nu from "${new URL("../../mod.ts", import.meta.url).href}";
    console.log(JSON.stringify(nu.checks()));`;
  const run = async (value: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      env: { NUGRAD_CHECKS: value },
    }).output();
    return { code: out.code, text: new TextDecoder().decode(out.code ? out.stderr : out.stdout) };
  };
  assertEquals(JSON.parse((await run("")).text), { indices: true, nans: false });
  assertEquals(JSON.parse((await run("nans")).text), { indices: true, nans: true });
  assertEquals(JSON.parse((await run("none,nans")).text), { indices: false, nans: true });
  assertEquals(JSON.parse((await run("-indices")).text), { indices: false, nans: false });
  const bad = await run("nan");
  assertTrue(bad.code !== 0 && bad.text.includes('NUGRAD_CHECKS: unknown check "nan"'), bad.text);
});

Deno.test("indices (CPU): eager and compiled gather, scatterAdd and crossEntropy refuse a bad index", () => {
  nu.tidy(() => {
    const table = nu.ones([4, 2]);
    assertThrows(
      () => nu.gather(table, i32([0, 1, 9])),
      "gather: index 9 at position [2] is out of range for a table of 4 rows (valid: 0..3)",
    );
    assertThrows(() => nu.gather(table, i32([-1])), "gather: index -1 at position [0]");
    assertThrows(
      () => nu.scatterAdd(nu.ones([2, 2]), i32([3, 4]), 4),
      "scatterAdd: index 4 at position [1] is out of range for a result of 4 rows",
    );
    assertThrows(
      () => nu.crossEntropy(nu.zeros([2, 4]), i32([1, 7])),
      "crossEntropy: target 7 at position [1] is out of range for 4 classes (valid: 0..3)",
    );
    const f = nu.jit((t: nu.Tensor, ids: nu.Tensor) => nu.sum(nu.gather(t, ids)));
    assertEquals(f(table, i32([3, 0])).dataSync()[0], 4);
    assertThrows(() => f(table, i32([3, 4])), "gather: index 4 at position [1]");
    f.dispose();
  });
});

gpuTest(
  "indices (WebGPU): on by default; off, a bad index reads 0 and nothing is reported",
  async (gpu) => {
    using _ = nu.scope();
    assertEquals(nu.checks().indices, true);
    const table = nu.tensor([[1, 1], [2, 2]], { backend: gpu });
    await assertRejects(() => nu.gather(table, i32([5], gpu)).data(), "gather: index 5");
    await withChecks({ indices: false }, async () => {
      assertEquals(await nu.gather(table, i32([5, 1], gpu)).toArray(), [[0, 0], [2, 2]]);
    });
    assertEquals(await nu.gather(table, i32([1], gpu)).toArray(), [[2, 2]]);
  },
);

gpuTest(
  "indices (WebGPU): checked mode reports the first violation at the next readback",
  async (gpu) => {
    using _ = nu.scope();
    const table = nu.tensor([[1, 1], [2, 2], [3, 3], [4, 4]], { backend: gpu });
    await withChecks({ indices: true }, async () => {
      const bad = nu.gather(table, i32([0, 9, 1], gpu));
      await assertRejects(
        () => bad.toArray(),
        "gather: index 9 at position [1] is out of range for a table of 4 rows",
      );
      // reported once: the next read of good work succeeds
      assertEquals(await nu.gather(table, i32([3], gpu)).toArray(), [[4, 4]]);
      await assertRejects(
        () => nu.scatterAdd(nu.ones([2, 2], { backend: gpu }), i32([0, -2], gpu), 4).data(),
        "scatterAdd: index -2 at position [1] is out of range for a result of 4 rows",
      );
      await assertRejects(
        () => nu.crossEntropy(table, i32([0, 1, 5, 1], gpu)).item(),
        "crossEntropy: target 5 at position [2] is out of range for 2 classes",
      );
      const lossGrad = nu.grad((x: nu.Tensor) => nu.crossEntropy(x, i32([0, 1, 1, -1], gpu)));
      await assertRejects(() => lossGrad(table).data(), "crossEntropy: target -1 at position [3]");
      // compiled programs dispatch the checked kernels too
      const f = nu.jit((t: nu.Tensor, ids: nu.Tensor) => nu.sum(nu.gather(t, ids)));
      assertEquals(await f(table, i32([3, 0], gpu)).item(), 10);
      await assertRejects(
        () => f(table, i32([3, 4], gpu)).item(),
        "gather: index 4 at position [1]",
      );
      f.dispose();
      // a violation is reported by whatever is read next, even an unrelated tensor
      nu.gather(table, i32([7], gpu));
      await assertRejects(() => nu.ones([1], { backend: gpu }).data(), "gather: index 7");
    });
  },
);

Deno.test("nans (CPU): the first op making a NaN or Inf from finite inputs is named with its call site", async () => {
  await withChecks({ nans: true }, () => {
    using _ = nu.scope();
    const f = (x: nu.Tensor) => nu.sum(nu.log(nu.sub(x, 1)));
    const here = `${new URL(import.meta.url).href}:`;
    const e = assertThrows(
      () => f(nu.tensor([2, 1, 3])),
      "nans: log produced -Infinity at [1] of its f32 [3] output from finite inputs (f32 [3]); called at",
    );
    assertTrue(e.message.includes(here), e.message); // the user's file, not nugrad's
    assertThrows(
      () => nu.jit(f)(nu.tensor([2, 1, 3])),
      "nans: log produced -Infinity at [1]",
    );
    assertThrows(() => nu.div(nu.zeros([2]), nu.zeros([2])), "nans: div produced NaN at [0]");
    // a NaN already in the input is not the op's doing
    assertEquals(nu.exp(nu.tensor([NaN, 0])).shape, [2]);
    // finite results pass
    assertEquals(nu.grad(f)(nu.tensor([2, 1.5, 3])).shape, [3]);
  });
  // off: the same computation returns its -Infinity quietly
  assertEquals(await nu.tidy(() => nu.log(nu.zeros([1]))).item(), -Infinity);
});

gpuTest(
  "nans (WebGPU): the next readback names the first op whose output was not finite",
  async (gpu) => {
    using _ = nu.scope();
    await withChecks({ nans: true }, async () => {
      const x = nu.tensor([2, 1, 3], { backend: gpu });
      const y = nu.mul(nu.sum(nu.log(nu.sub(x, 1))), 2);
      await assertRejects(
        () => y.item(),
        "nans: log produced -Infinity at [1] of its f32 [3] output, the first op whose output",
      );
      assertEquals(await nu.exp(nu.zeros([1], { backend: gpu })).toArray(), [1]);
    });
  },
);

/** assertAllClose: what passes, and the messages of what fails. */
import * as nu from "../../mod.ts";
import { assertAllClose } from "../../testing.ts";
import { assertRejects } from "../../testing/assert.ts";

Deno.test("assertAllClose accepts close tensors, numbers, nested arrays and trees", async () => {
  await assertAllClose(nu.tensor([1, 2]), [1, 2 + 1e-7]);
  await assertAllClose(3, 3.00000001);
  await assertAllClose({ a: [nu.tensor([[1]]), 2], b: { c: nu.tensor(1) } }, {
    a: [[[1]], 2],
    b: { c: 1 },
  });
  await assertAllClose(NaN, NaN, { equalNan: true });
});

Deno.test("assertAllClose names the path, multi-index and both values of the worst element", async () => {
  const actual = { blocks: [{ q: nu.tensor([[1, 2], [3, 4]]) }] };
  await assertRejects(
    () => assertAllClose(actual, { blocks: [{ q: [[1, 2.5], [3, 4.01]] }] }),
    ['"blocks.0.q"', "index [0,1]", "actual 2", "expected 2.5", "2 of 4"],
  );
});

Deno.test("assertAllClose reports shape, dtype, structure and NaN mismatches", async () => {
  await assertRejects(() => assertAllClose(nu.zeros([2, 3]), nu.zeros([3, 2])), [
    "shape [2,3]",
    "expected [3,2]",
  ]);
  await assertRejects(
    () => assertAllClose(nu.zeros([2]), nu.zeros([2], { dtype: "i32" })),
    ["dtype f32", "expected i32"],
  );
  await assertRejects(() => assertAllClose({ a: 1 }, { b: 1 }), ["keys"]);
  await assertRejects(() => assertAllClose([1, 2], [1]), ["shape [2]"]);
  await assertRejects(() => assertAllClose(nu.tensor([NaN]), [1]), ["actual NaN"]);
});

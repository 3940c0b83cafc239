/** Bad input gets a clear error naming the op and the values. */
import * as nu from "../../mod.ts";
import { assertThrows } from "../../testing/assert.ts";

Deno.test("matmul: inner dimensions differ names both shapes", () => {
  nu.tidy(() => {
    assertThrows(
      () => nu.matmul(nu.ones([2, 3]), nu.ones([4, 5])),
      "matmul: inner dimensions differ: [2,3] x [4,5]",
    );
    assertThrows(
      () => nu.matmul(nu.ones([7, 2, 3]), nu.ones([6, 3, 5])),
      "matmul: batch dimensions do not broadcast: [7,2,3] x [6,3,5]",
    );
    assertThrows(() => nu.matmul(nu.ones([2, 3]), nu.ones([3, 5]), { transA: true }), [
      "inner dimensions",
      "transA=true",
    ]);
  });
});

Deno.test("broadcasting failures name the op, both shapes and the axis", () => {
  nu.tidy(() => {
    assertThrows(() => nu.add(nu.ones([2, 3]), nu.ones([4, 3])), [
      "add: shapes [2,3] and [4,3] do not broadcast",
      "axis -2",
    ]);
    assertThrows(() => nu.broadcastTo(nu.ones([3]), [2, 4]), ["broadcastTo", "[3]", "[2,4]"]);
    assertThrows(() => nu.where(nu.gt(nu.ones([2]), 0), nu.ones([3]), 0), ["where", "[2]", "[3]"]);
  });
});

Deno.test("bad axes name the axis and the rank", () => {
  nu.tidy(() => {
    const x = nu.ones([2, 3]);
    assertThrows(
      () => nu.sum(x, { axis: 2 }),
      "sum: axis 2 is out of range for rank 2 (valid: -2..1)",
    );
    assertThrows(() => nu.sum(x, { axis: [0, -2] }), "sum: repeated axis");
    assertThrows(() => nu.transpose(x, [0, 0]), ["transpose", "not a permutation"]);
    assertThrows(() => nu.concat([x, nu.ones([3, 3])], 1), [
      "concat",
      "[2,3]",
      "[3,3]",
      "off axis 1",
    ]);
    assertThrows(() => nu.slice(x, [0, 1], [2, 9]), ["slice", "axis 1 of size 3"]);
    assertThrows(() => nu.reshape(x, [4, -1]), [
      "reshape: cannot reshape [2,3] (6 elements) to [4,-1]",
    ]);
  });
});

Deno.test("dtype mixes are refused with both dtypes", () => {
  nu.tidy(() => {
    assertThrows(
      () => nu.add(nu.ones([2]), nu.ones([2], { dtype: "i32" })),
      "add: dtypes differ: f32 [2] and i32 [2]; cast one first",
    );
    assertThrows(
      () => nu.matmul(nu.ones([2, 2]), nu.ones([2, 2], { dtype: "f64" })),
      "matmul: dtypes differ: f32 and f64",
    );
    assertThrows(
      () => nu.exp(nu.ones([2], { dtype: "i32" })),
      "exp: needs a float tensor, got i32 [2]",
    );
    assertThrows(
      () => nu.gather(nu.ones([4, 2]), nu.ones([2])),
      "gather: indices must be i32, got f32",
    );
    assertThrows(() => nu.ones([2], { dtype: "bf16" as nu.DType }), ["unknown dtype", "bf16"]);
  });
});

Deno.test("a disposed tensor cannot be used, and the message says which", () => {
  const x = nu.ones([2, 3]);
  x.dispose();
  assertThrows(() => nu.exp(x), ["exp", "[2,3] f32 was disposed"]);
  assertThrows(() => x.dataSync(), "was disposed");
  x.dispose(); // twice is fine
});

Deno.test("grad refuses a non-scalar output, ints, and async functions", () => {
  nu.tidy(() => {
    assertThrows(
      () => nu.grad((x: nu.Tensor) => nu.mul(x, 2))(nu.ones([2, 3])),
      "grad: the function must return a scalar, got shape [2,3]",
    );
    assertThrows(() => nu.grad((x: nu.Tensor) => nu.sum(x))(nu.ones([2], { dtype: "i32" })), [
      "cannot differentiate",
      "i32",
    ]);
    assertThrows(
      () => nu.grad((x: nu.Tensor) => [nu.sum(x), 1])(nu.ones([2])),
      "did you mean hasAux",
    );
    assertThrows(
      () => nu.grad((x: nu.Tensor) => nu.sum(x), { argnums: 3 })(nu.ones([2])),
      "argnums 3 is out of range",
    );
  });
});

Deno.test("creation errors name the problem", () => {
  assertThrows(() => nu.tensor([[1, 2], [3]]), "tensor: ragged nested array at [1]");
  assertThrows(
    () => nu.fromData([1, 2, 3], [2, 2]),
    "fromData: 3 values do not fill shape [2,2] (4 elements)",
  );
  assertThrows(() => nu.zeros([2, -1]), "zeros: bad shape [2,-1]");
  assertThrows(() => nu.key(1.5), "key: seed must be a safe integer, got 1.5");
});

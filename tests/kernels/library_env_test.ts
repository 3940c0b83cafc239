import { withLoadDefaults } from "../../kernels/cpu/library_env.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";

const A = "NUGRAD_TEST_LOAD_DEFAULT", B = "NUGRAD_TEST_LOAD_GUARD";

Deno.test("withLoadDefaults sets a default only while loading, and restores it after a throw", () => {
  Deno.env.delete(A);
  Deno.env.delete(B);
  assertEquals(withLoadDefaults({ [A]: "7" }, [B], () => Deno.env.get(A)), "7");
  assertEquals(Deno.env.get(A), undefined);
  assertThrows(
    () =>
      withLoadDefaults({ [A]: "7" }, [], () => {
        throw new Error("load failed");
      }),
    "load failed",
  );
  assertEquals(Deno.env.get(A), undefined);
});

Deno.test("withLoadDefaults leaves a user's own setting, or a guard variable's, alone", () => {
  Deno.env.set(A, "user");
  try {
    assertEquals(withLoadDefaults({ [A]: "7" }, [], () => Deno.env.get(A)), "user");
    assertEquals(Deno.env.get(A), "user");
  } finally {
    Deno.env.delete(A);
  }
  Deno.env.set(B, "passive");
  try {
    assertEquals(withLoadDefaults({ [A]: "7" }, [B], () => Deno.env.get(A)), undefined);
  } finally {
    Deno.env.delete(B);
  }
});

import { assertEquals } from "../../testing/assert.ts";
import { isRescaler, isRole, RESCALER_ROLES, ROLES } from "../../param/roles.ts";

Deno.test("isRescaler holds exactly for alpha, sqk, su, sv, sz", () => {
  assertEquals(ROLES.filter(isRescaler), ["alpha", "sqk", "su", "sv", "sz"]);
  assertEquals([...RESCALER_ROLES], ["alpha", "sqk", "su", "sv", "sz"]);
});

Deno.test("isRole accepts the eight roles and nothing else", () => {
  for (const role of ROLES) assertEquals(isRole(role), true);
  for (const bad of ["Hidden", "alphaA", "", 3, null]) assertEquals(isRole(bad), false);
});

import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  canonicalNames,
  isRescaler,
  KNOWN_PATTERNS,
  RESCALER_ROLES,
  roleOf,
  ROLES,
} from "../../param/roles.ts";

/** The spec section 5 listing, written out by hand: name template -> role. */
const SPEC: readonly [string, string][] = [
  ["embed", "input"],
  ["blocks.{l}.attn.q", "hidden"],
  ["blocks.{l}.attn.k", "hidden"],
  ["blocks.{l}.attn.v", "hidden"],
  ["blocks.{l}.attn.o", "hidden"],
  ["blocks.{l}.attn.sqk", "sqk"],
  ["blocks.{l}.alphaA", "alpha"],
  ["blocks.{l}.mlp.up", "hidden"],
  ["blocks.{l}.mlp.gate", "hidden"],
  ["blocks.{l}.mlp.down", "hidden"],
  ["blocks.{l}.mlp.su", "su"],
  ["blocks.{l}.mlp.sv", "sv"],
  ["blocks.{l}.alphaM", "alpha"],
  ["unembed", "output"],
  ["sz", "sz"],
];

Deno.test("roleOf maps every canonical name of the spec to its role, at any layer", () => {
  fc.assert(
    fc.property(fc.nat({ max: 10_000 }), (layer) => {
      for (const [template, role] of SPEC) {
        assertEquals(roleOf(template.replace("{l}", String(layer))), role);
      }
    }),
  );
});

Deno.test("canonicalNames lists each name once, all known, 12 per block plus 3", () => {
  fc.assert(
    fc.property(fc.nat({ max: 64 }), (depth) => {
      const names = canonicalNames(depth);
      assertEquals(names.length, 3 + 12 * depth);
      assertEquals(new Set(names).size, names.length);
      for (const name of names) assertTrue(ROLES.includes(roleOf(name)));
    }),
  );
  assertThrows(() => canonicalNames(-1), ["canonicalNames", "-1"]);
});

Deno.test("roleOf rejects unknown names with the name and the known patterns", () => {
  const bad = [
    "",
    "embedding",
    "blocks.x.attn.q",
    "blocks.01.attn.q",
    "blocks.0.attn.qk",
    "blocks.0.attn",
    "blocks..attn.q",
    "blocks.0.mlp.sz",
    "Unembed",
    "sz ",
    "blocks.-1.alphaA",
  ];
  for (const name of bad) {
    const error = assertThrows(() => roleOf(name), ["roleOf", JSON.stringify(name)]);
    for (const pattern of KNOWN_PATTERNS) assertTrue(error.message.includes(pattern));
  }
  // No canonical name starts with "x": any such string is unknown.
  fc.assert(
    fc.property(fc.string(), (tail) => {
      assertThrows(() => roleOf(`x${tail}`), "unknown parameter name");
    }),
  );
  assertThrows(() => roleOf(3 as unknown as string), "roleOf: unknown parameter name 3");
});

Deno.test("isRescaler holds exactly for alpha, sqk, su, sv, sz", () => {
  assertEquals(ROLES.filter(isRescaler), ["alpha", "sqk", "su", "sv", "sz"]);
  assertEquals([...RESCALER_ROLES], ["alpha", "sqk", "su", "sv", "sz"]);
});

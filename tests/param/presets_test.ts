/**
 * The shipped parameterizations against spec section 7, written out independently here as
 * exponents and formulas, checked on random dimensions.
 */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import type { Dims } from "../../param/dims.ts";
import type { Parameterization, Settings } from "../../param/parameterization.ts";
import { mup, ngpt, nugpt, nugptPaper } from "../../param/presets.ts";
import { compose } from "../../param/parameterization.ts";
import { depthMup } from "../../param/mod.ts";
import { isRescaler, type Role, ROLES } from "../../param/roles.ts";
import { arbBaseDims, arbDims, arbRole, arbSize, closeRel } from "./arbitraries.ts";

type Exponents = Record<Role, number>;
const zero: Exponents = {
  input: 0,
  hidden: 0,
  output: 0,
  alpha: 0,
  sqk: 0,
  su: 0,
  sv: 0,
  sz: 0,
};

/** Learning-rate exponents of mw, per parameterization (spec table, rows "lr, ..."). */
const WIDTH: Record<string, Exponents> = {
  ngpt: zero,
  mup: { ...zero, input: -1 / 2, hidden: -1, output: -1 / 2 },
  nugpt: { ...zero, input: -1 / 2, hidden: -3 / 4, output: -3 / 4 },
};
/** Learning-rate exponents of mT. */
const HORIZON: Record<string, Exponents> = {
  ngpt: zero,
  mup: zero,
  nugpt: Object.fromEntries(ROLES.map((r) => [r, -1 / 3])) as Exponents,
};

const PRESETS: Record<string, Parameterization> = { ngpt, mup, nugpt: nugpt() };

/** The whole spec table as a formula: what each preset must answer. */
function expected(name: string, role: Role, d: Dims, c = { s0: 0, cIn: 1, cOut: 1 }): Settings {
  const mw = d.width / d.baseWidth, mL = d.depth / d.baseDepth, mT = d.steps / d.baseSteps;
  let lr = mw ** WIDTH[name][role] * mT ** HORIZON[name][role];
  if (name === "nugpt" && role === "input") lr *= c.cIn;
  if (name === "nugpt" && role === "output") lr *= c.cOut;
  if (!isRescaler(role)) return { lr };
  const s0 = c.s0 || 1 / Math.sqrt(d.baseWidth);
  const small = name === "nugpt" ? s0 : 1 / Math.sqrt(d.width);
  const scale = role === "su" || role === "sv" ? 1 : small;
  let init = 1;
  if (role === "alpha") init = name === "ngpt" ? 0.05 : 0.05 / mL;
  if (role === "sz" && name === "nugpt") init = Math.sqrt(mw);
  return { lr, init, scale };
}

function assertSettingsClose(actual: Settings, want: Settings, what: string): void {
  assertEquals(Object.keys(actual).sort(), Object.keys(want).sort(), what);
  for (const key of ["lr", "init", "scale"] as const) {
    if (want[key] === undefined) continue;
    assertTrue(
      closeRel(actual[key] as number, want[key] as number),
      `${what}: ${key} = ${actual[key]}, expected ${want[key]}`,
    );
  }
}

Deno.test("each preset answers the spec table on random dimensions, for every role", () => {
  fc.assert(
    fc.property(arbDims(), (dims) => {
      for (const [name, p] of Object.entries(PRESETS)) {
        for (const role of ROLES) {
          assertSettingsClose(p({ role, dims }), expected(name, role, dims), `${name} ${role}`);
        }
      }
    }),
  );
});

Deno.test("nugpt options and nugptPaper follow the table with their constants", () => {
  fc.assert(
    fc.property(
      arbDims(),
      arbSize(),
      fc.double({ min: 0, max: 10, noNaN: true }),
      fc.double({ min: 0, max: 10, noNaN: true }),
      (dims, s0, cIn, cOut) => {
        const p = nugpt({ s0, cIn, cOut });
        for (const role of ROLES) {
          assertSettingsClose(
            p({ role, dims }),
            expected("nugpt", role, dims, { s0, cIn, cOut }),
            `nugpt(s0, cIn, cOut) ${role}`,
          );
          assertSettingsClose(
            nugptPaper({ role, dims }),
            expected("nugpt", role, dims, { s0: 0.03, cIn: 1, cOut: 0.5 }),
            `nugptPaper ${role}`,
          );
        }
      },
    ),
  );
});

Deno.test("at the base model, nugpt with defaults equals ngpt exactly, for every role", () => {
  fc.assert(
    fc.property(arbBaseDims(), arbRole(), (dims, role) => {
      assertEquals(nugpt()({ role, dims }), ngpt({ role, dims }));
    }),
  );
});

/** Dimensions with the current width multiplied by `factor`. */
const wider = (d: Dims, factor: number): Dims => ({ ...d, width: d.width * factor });

Deno.test("doubling the width multiplies each role's lr by 2^exponent (all three presets)", () => {
  fc.assert(
    fc.property(arbDims(), arbRole(), (dims, role) => {
      for (const [name, p] of Object.entries(PRESETS)) {
        const ratio = p({ role, dims: wider(dims, 2) }).lr / p({ role, dims }).lr;
        assertTrue(
          closeRel(ratio, 2 ** WIDTH[name][role]),
          `${name} ${role}: ratio ${ratio}, expected 2^${WIDTH[name][role]}`,
        );
      }
    }),
  );
});

Deno.test("the horizon rule gives mT^-1/3; switched off it gives mT^0", () => {
  fc.assert(
    fc.property(arbDims(), arbRole(), fc.double({ min: 0.01, max: 100, noNaN: true }), (
      dims,
      role,
      k,
    ) => {
      const longer = { ...dims, steps: dims.steps * k };
      const on = nugpt(), off = nugpt({ horizon: false });
      const ratioOn = on({ role, dims: longer }).lr / on({ role, dims }).lr;
      const ratioOff = off({ role, dims: longer }).lr / off({ role, dims }).lr;
      assertTrue(closeRel(ratioOn, k ** (-1 / 3)), `on: ${ratioOn} vs ${k ** (-1 / 3)}`);
      assertTrue(closeRel(ratioOff, 1), `off: ${ratioOff}`);
      // The horizon touches learning rates only.
      const { lr: _a, ...restOn } = on({ role, dims: longer });
      const { lr: _b, ...restOff } = off({ role, dims: longer });
      assertEquals(restOn, restOff);
    }),
  );
});

Deno.test("depth: alpha init follows mL^-1 for mup and nugpt, is flat for ngpt; lr has no depth factor", () => {
  fc.assert(
    fc.property(arbDims(), fc.double({ min: 0.01, max: 100, noNaN: true }), (dims, k) => {
      const deeper = { ...dims, depth: dims.depth * k };
      for (const [name, p] of Object.entries(PRESETS)) {
        const ratio = (p({ role: "alpha", dims: deeper }).init as number) /
          (p({ role: "alpha", dims }).init as number);
        assertTrue(closeRel(ratio, name === "ngpt" ? 1 : 1 / k), `${name}: alpha ratio ${ratio}`);
        for (const role of ROLES) {
          assertTrue(
            closeRel(p({ role, dims: deeper }).lr, p({ role, dims }).lr),
            `${name} ${role}`,
          );
        }
      }
      // Depth-muP composed on top: hidden lr times mL^-1/2, nothing else.
      for (const p of Object.values(PRESETS)) {
        const q = compose(`${p.name}+depthMup`, p, depthMup);
        for (const role of ROLES) {
          const mL = deeper.depth / deeper.baseDepth;
          const want = p({ role, dims: deeper }).lr * (role === "hidden" ? mL ** -0.5 : 1);
          const got = q({ role, dims: deeper }).lr;
          assertTrue(closeRel(got, want), `${q.name} ${role}: ${got} vs ${want}`);
        }
      }
    }),
  );
});

Deno.test("all lrs, inits and scales are positive and finite over random dimensions", () => {
  const all = [...Object.values(PRESETS), nugptPaper, nugpt({ horizon: false })];
  fc.assert(
    fc.property(arbDims(), arbRole(), (dims, role) => {
      for (const p of all) {
        const s = p({ role, dims });
        const values = isRescaler(role) ? [s.lr, s.init, s.scale] : [s.lr];
        for (const v of values) {
          assertTrue(
            typeof v === "number" && Number.isFinite(v) && v > 0,
            `${p.name} ${role}: ${v}`,
          );
        }
      }
    }),
  );
});

Deno.test("ngpt's su and sv keep scale 1 and the others scale 1/sqrt(current width)", () => {
  const dims = { width: 400, depth: 3, steps: 10, baseWidth: 100, baseDepth: 3, baseSteps: 10 };
  for (const role of ["alpha", "sqk", "sz"] as const) {
    assertEquals(ngpt({ role, dims }).scale, 1 / 20);
    assertEquals(mup({ role, dims }).scale, 1 / 20);
    assertEquals(nugpt()({ role, dims }).scale, 1 / 10);
  }
  for (const role of ["su", "sv"] as const) assertEquals(ngpt({ role, dims }).scale, 1);
});

Deno.test("nugpt names record options; bad options are rejected with their values", () => {
  assertEquals(nugpt().name, "nugpt");
  assertEquals(nugpt({ horizon: false }).name, "nugpt(horizon=false)");
  assertEquals(nugpt({ s0: 0.03, cOut: 0.5 }).name, "nugpt(s0=0.03, cOut=0.5)");
  assertEquals([ngpt.name, mup.name, nugptPaper.name], ["ngpt", "mup", "nugptPaper"]);
  assertThrows(() => nugpt({ s0: 0 }), ["nugpt", "s0", "0"]);
  assertThrows(() => nugpt({ cOut: -1 }), ["nugpt", "cOut", "-1"]);
  assertThrows(() => nugpt({ cIn: NaN }), ["nugpt", "cIn", "NaN"]);
  assertThrows(() => nugpt({ horizon: 1 as unknown as boolean }), ["horizon"]);
  assertThrows(() => nugpt({ s1: 2 } as unknown as { s0: number }), ["unknown option", "s1"]);
});

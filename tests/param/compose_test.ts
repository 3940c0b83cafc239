/** Laws of composition: identity, purity, commuting rules, and argument checking. */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  checkSettings,
  compose,
  identityRule,
  type Parameterization,
  parameterization,
  plain,
  type SettingsRule,
} from "../../param/parameterization.ts";
import {
  chainRules,
  depthExponent,
  horizonExponent,
  initDepthExponent,
  initWidthExponent,
  lrMultiplier,
  override,
  rescalerInit,
  rescalerScale,
  setSettings,
  widthExponent,
} from "../../param/mod.ts";
import { mup, ngpt, nugpt, nugptPaper } from "../../param/presets.ts";
import { isRescaler, type Role, ROLES } from "../../param/roles.ts";
import { arbDims, arbRole, closeRel } from "./arbitraries.ts";

const PRESETS: Parameterization[] = [plain, ngpt, mup, nugpt(), nugptPaper];
const arbPreset = () => fc.constantFrom(...PRESETS);
const arbRoles = () => fc.subarray([...ROLES], { minLength: 1 });
const arbExponent = () => fc.double({ min: -2, max: 2, noNaN: true });

/** Rules that only multiply learning rates: any order gives the same answer. */
const arbLrRule = (): fc.Arbitrary<SettingsRule> =>
  fc.oneof(
    fc.tuple(arbRoles(), arbExponent()).map(([r, e]) => widthExponent(r, e)),
    fc.tuple(arbRoles(), arbExponent()).map(([r, e]) => depthExponent(r, e)),
    fc.tuple(arbRoles(), arbExponent()).map(([r, e]) => horizonExponent(e, r)),
    fc.tuple(arbRoles(), fc.double({ min: 0.01, max: 10, noNaN: true })).map(([r, c]) =>
      lrMultiplier(r, c)
    ),
  );

Deno.test("composing with the identity rule, or no rule, changes nothing", () => {
  fc.assert(
    fc.property(arbPreset(), arbDims(), arbRole(), (p, dims, role) => {
      const want = p({ role, dims });
      assertEquals(compose("same", p, identityRule)({ role, dims }), want);
      assertEquals(compose("same", p)({ role, dims }), want);
      assertEquals(compose("same", p, chainRules())({ role, dims }), want);
      assertEquals(
        compose("same", p, identityRule, chainRules(identityRule))({ role, dims }),
        want,
      );
    }),
  );
});

Deno.test("purity: same query, same answer; frozen inputs are accepted and untouched", () => {
  fc.assert(
    fc.property(arbPreset(), arbDims(), arbRole(), (p, dims, role) => {
      const shape = Object.freeze([3, 4]);
      const query = Object.freeze({ role, dims, shape, path: "x" });
      const before = JSON.stringify(query);
      const a = p(query);
      const b = p(query);
      assertEquals(a, b);
      assertEquals(JSON.stringify(query), before);
      assertTrue(Object.isFrozen(a), "answers are frozen");
      assertTrue(Object.isFrozen(p), "parameterizations are frozen");
    }),
  );
});

Deno.test("a rule cannot mutate the settings it is given or the query", () => {
  const dims = { width: 64, depth: 2, steps: 10, baseWidth: 32, baseDepth: 2, baseSteps: 10 };
  const mutatesSettings: SettingsRule = (s) => {
    (s as { lr: number }).lr = 5;
    return s;
  };
  const mutatesDims: SettingsRule = (s, q) => {
    (q.dims as { width: number }).width = 1;
    return s;
  };
  assertThrows(() => compose("bad", ngpt, mutatesSettings)({ role: "hidden", dims }), "read only");
  const mutatesShape: SettingsRule = (s, q) => {
    (q.shape as number[])[0] = 0;
    return s;
  };
  // The caller's objects are not frozen: the parameterization hands rules frozen copies.
  assertThrows(() => compose("bad", ngpt, mutatesDims)({ role: "hidden", dims }), "read only");
  assertEquals(dims.width, 64);
  const shape = [64, 32];
  assertThrows(
    () => compose("bad", ngpt, mutatesShape)({ role: "hidden", dims, shape }),
    "read only",
  );
  assertEquals(shape, [64, 32]);
});

Deno.test("learning-rate rules commute: any order of the same rules gives the same answer", () => {
  fc.assert(
    fc.property(
      fc.array(arbLrRule(), { minLength: 1, maxLength: 6 }).chain((rules) =>
        fc.tuple(fc.constant(rules), fc.shuffledSubarray(rules, { minLength: rules.length }))
      ),
      arbPreset(),
      arbDims(),
      arbRole(),
      ([rules, shuffled], p, dims, role) => {
        const a = compose("a", p, ...rules)({ role, dims });
        const b = compose("b", p, ...shuffled)({ role, dims });
        assertTrue(closeRel(a.lr, b.lr, 1e-12), `${a.lr} vs ${b.lr}`);
        assertEquals(a.init, b.init);
        assertEquals(a.scale, b.scale);
      },
    ),
  );
});

Deno.test("rules touch only their roles", () => {
  fc.assert(
    fc.property(arbRoles(), arbExponent(), arbDims(), (roles, e, dims) => {
      const p = compose("p", ngpt, widthExponent(roles, e), depthExponent(roles, e));
      for (const role of ROLES) {
        if (!roles.includes(role)) assertEquals(p({ role, dims }), ngpt({ role, dims }));
      }
    }),
  );
});

Deno.test("init and scale rules: set, multiply, and leave lr alone", () => {
  fc.assert(
    fc.property(arbDims(), arbExponent(), (dims, e) => {
      const mw = dims.width / dims.baseWidth, mL = dims.depth / dims.baseDepth;
      const p = compose(
        "p",
        plain,
        rescalerInit(["sqk", "sz"], (d) => d.width),
        rescalerScale("su", 0.25),
        initWidthExponent("sz", e),
        initDepthExponent("alpha", e),
      );
      assertTrue(closeRel(p({ role: "sz", dims }).init as number, dims.width * mw ** e));
      assertEquals(p({ role: "sqk", dims }).init, dims.width);
      assertEquals(p({ role: "su", dims }), { lr: 1, init: 1, scale: 0.25 });
      assertTrue(closeRel(p({ role: "alpha", dims }).init as number, mL ** e));
      for (const role of ROLES) assertEquals(p({ role, dims }).lr, 1);
    }),
  );
});

Deno.test("override and setSettings replace the given fields only", () => {
  fc.assert(
    fc.property(arbPreset(), arbDims(), arbRole(), (p, dims, role) => {
      const q = override(p, role, { lr: 0.5 });
      assertEquals(q.name, `${p.name}+override(${role})`);
      assertEquals(q({ role, dims }), { ...p({ role, dims }), lr: 0.5 });
      for (const other of ROLES) {
        if (other !== role) assertEquals(q({ role: other, dims }), p({ role: other, dims }));
      }
      if (isRescaler(role)) {
        const r = compose("r", p, setSettings(role, { init: 2, scale: (d) => d.width }));
        assertEquals(r({ role, dims }), { lr: p({ role, dims }).lr, init: 2, scale: dims.width });
      }
    }),
  );
});

Deno.test("rule factories reject bad roles and values, naming them", () => {
  assertThrows(() => widthExponent("hiden" as Role, 1), ["widthExponent", '"hiden"', "hidden"]);
  assertThrows(() => depthExponent([], 1), ["depthExponent", "empty"]);
  assertThrows(() => horizonExponent(NaN), ["horizonExponent", "NaN"]);
  assertThrows(() => lrMultiplier("input", -2), ["lrMultiplier", "-2"]);
  assertThrows(() => lrMultiplier("input", Infinity), ["lrMultiplier", "Infinity"]);
  assertThrows(
    () => rescalerInit("hidden" as "alpha", 1),
    ["rescalerInit", "hidden", "not a rescaler"],
  );
  assertThrows(() => rescalerScale("sz", NaN), ["rescalerScale", "NaN"]);
  assertThrows(() => setSettings("input", { init: 1 }), ["setSettings", "input", "not a rescaler"]);
  assertThrows(() => setSettings("sz", { lrr: 1 } as never), ["setSettings", '"lrr"']);
  assertThrows(() => compose("c", plain, 3 as unknown as SettingsRule), ["compose", "rule 0"]);
  assertThrows(() => chainRules(identityRule, null as unknown as SettingsRule), [
    "chainRules",
    "rule 1",
  ]);
  assertThrows(() => parameterization("", () => ({ lr: 1 })), ["parameterization", "name"]);
});

Deno.test("answers are checked: a rule giving a bad value fails with the name, role and value", () => {
  const dims = { width: 64, depth: 2, steps: 10, baseWidth: 32, baseDepth: 2, baseSteps: 10 };
  const zeroScale = compose("zeroScale", ngpt, rescalerScale("sz", () => 0));
  assertThrows(() => zeroScale({ role: "sz", dims }), ["zeroScale", "sz", "scale", "0"]);
  const nanLr = compose("nanLr", ngpt, (s) => ({ ...s, lr: NaN }));
  assertThrows(() => nanLr({ role: "output", dims }), ["nanLr", "output", "lr", "NaN"]);
  const initOnMatrix = compose("initOnMatrix", ngpt, (s) => ({ ...s, init: 1 }));
  assertThrows(() => initOnMatrix({ role: "hidden", dims }), ["initOnMatrix", "rescalers only"]);
  assertThrows(() => checkSettings({ lr: 1 }, "alpha"), ["alpha", "init"]);
  assertThrows(
    () => ngpt({ role: "matrix" as Role, dims }),
    ["ngpt", '"matrix"', "known roles"],
  );
});

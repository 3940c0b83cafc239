/** checkParameterization: the shipped presets measured against spec section 7, and failures. */
import { assertParameterization, checkParameterization } from "../../testing.ts";
import {
  compose,
  mup,
  ngpt,
  nugpt,
  parameterization,
  plain,
  type Query,
  widthExponent,
} from "../../param/mod.ts";
import { isRescaler } from "../../param/mod.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";

const third = -1 / 3;

Deno.test("nugpt's measured exponents are spec section 7's", () => {
  const r = assertParameterization(nugpt(), {
    expectedExponents: {
      input: { lr: { width: -0.5, depth: 0, steps: third } },
      hidden: { lr: { width: -0.75, depth: 0, steps: third } },
      output: { lr: { width: -0.75, depth: 0, steps: third } },
      alpha: { lr: { steps: third }, init: { depth: -1 }, scale: { width: 0 } },
      sz: { init: { width: 0.5 } },
    },
    expectedAtBase: { hidden: { lr: 1 }, alpha: { lr: 1, init: 0.05, scale: 1 / 8 } },
  });
  assertTrue(r.table.includes("hidden"));
});

Deno.test("ngpt and mup: the measured exponents", () => {
  const n = assertParameterization(ngpt);
  assertEquals(n.exponents.hidden.lr, { width: 0, depth: 0, steps: 0 });
  assertEquals(n.exponents.sqk.scale?.width, -0.5);
  const m = assertParameterization(mup);
  assertEquals(m.exponents.hidden.lr.width, -1);
  assertEquals(m.exponents.input.lr.width, -0.5);
});

const settingsOf = (q: Query, lr: number) =>
  isRescaler(q.role) ? { lr, init: 1, scale: 1 } : { lr };

Deno.test("a multiplier that is not a power law fails, with the measured table", () => {
  const logLr = parameterization("logLr", (q) => settingsOf(q, 1 / Math.log2(q.dims.width)));
  const r = checkParameterization(logLr);
  assertTrue(!r.ok && r.failures.some((f) => f.includes("not a power law")));
  assertThrows(() => assertParameterization(logLr), ["not a power law", "measured exponents"]);
});

Deno.test("a stateful (impure) parameterization fails the determinism law", () => {
  let calls = 0;
  const drifting = parameterization("drifting", (q) => settingsOf(q, 1 + (calls++ % 2)));
  const r = checkParameterization(drifting, { roles: ["hidden"] });
  assertTrue(!r.ok && r.failures.some((f) => f.includes("identical queries")));
});

Deno.test("a wrong claim at the base model or a wrong exponent is reported", () => {
  const p = compose("mine", plain, widthExponent("hidden", -1));
  const r = checkParameterization(p, {
    expectedAtBase: { hidden: { lr: 2 } },
    expectedExponents: { hidden: { lr: { width: -0.5 } } },
  });
  assertEquals(r.failures.length, 2);
});

Deno.test("a parameterization that throws gets an error naming the role and dims", () => {
  const broken = parameterization("broken", (q) => {
    if (q.role === "sv" && q.dims.width > 64) throw new Error("no sv here");
    return settingsOf(q, 1);
  });
  assertThrows(() => checkParameterization(broken), [
    "broken threw for role sv",
    "width: 128",
    "no sv here",
  ]);
});

import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { baseDims, type Dims, multipliers, scaled, validateDims } from "../../param/dims.ts";
import { mup, ngpt, nugpt } from "../../param/presets.ts";
import { arbDims, arbRole } from "./arbitraries.ts";

const FIELDS = ["width", "depth", "steps", "baseWidth", "baseDepth", "baseSteps"] as const;
const BAD: readonly unknown[] = [0, -1, -0.5, NaN, Infinity, -Infinity, "64", undefined, null];

Deno.test("invalid dims: the error names the field and the value, wherever they enter", () => {
  fc.assert(
    fc.property(
      arbDims(),
      fc.constantFrom(...FIELDS),
      fc.constantFrom(...BAD),
      arbRole(),
      (dims, field, value, role) => {
        const bad = { ...dims, [field]: value } as unknown as Dims;
        const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
        assertThrows(() => validateDims(bad), [`dims.${field}`, shown]);
        for (const p of [ngpt, mup, nugpt]) {
          assertThrows(() => p({ role, dims: bad }), [p.name, `dims.${field}`, shown]);
        }
        assertThrows(() => multipliers(bad), ["multipliers", `dims.${field}`]);
      },
    ),
  );
  assertThrows(() => validateDims(null as unknown as Dims), ["dims must be an object"]);
});

Deno.test("multipliers are current over base; baseDims gives 1; scaled keeps the base", () => {
  fc.assert(
    fc.property(arbDims(), (dims) => {
      const m = multipliers(dims);
      assertEquals(m, {
        mw: dims.width / dims.baseWidth,
        mL: dims.depth / dims.baseDepth,
        mT: dims.steps / dims.baseSteps,
        mB: 1,
      });
      assertEquals(multipliers({ ...dims, batch: 48, baseBatch: 16 }).mB, 3);
      const base = baseDims({ width: dims.width, depth: dims.depth, steps: dims.steps });
      assertEquals(multipliers(base), { mw: 1, mL: 1, mT: 1, mB: 1 });
      const s = scaled(base, { width: dims.baseWidth });
      assertEquals([s.width, s.baseWidth, s.depth], [dims.baseWidth, dims.width, dims.depth]);
      assertTrue(Object.isFrozen(s));
    }),
  );
  assertThrows(() => scaled(baseDims({ width: 8, depth: 1, steps: 1 }), { steps: 0 }), [
    "scaled",
    "dims.steps",
  ]);
});

import { assertClose, assertEquals, assertThrows } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import {
  deriveWidthExponents,
  measuredParameterization,
  parseAlignmentJsonl,
} from "../../bench/alignment/derive.ts";
import { nugpt } from "../../param/mod.ts";

const record = (parameterization: string, step: number, alpha: number, nu: number) => ({
  parameterization,
  step,
  mean: { alpha, omega: 0.5, nu },
});

Deno.test("deriveWidthExponents: −max(α, ν) over the later part of the run", () => {
  const records = [
    record("nugpt", 25, 0.9, 0.95), // early: skipped with the default from = ½
    record("nugpt", 150, 0.70, 0.66),
    record("nugpt", 300, 0.68, 0.64),
    record("ngpt", 300, 0.5, 0.9),
  ];
  const e = deriveWidthExponents(records, { parameterization: "nugpt" });
  assertEquals(e.steps, [300]);
  assertClose(e.hidden, -0.68, { atol: 1e-12 });
  assertEquals([e.output, e.input], [e.hidden, -0.5]);
  const all = deriveWidthExponents(records, { parameterization: "nugpt", from: 0 });
  assertEquals(all.steps, [25, 150, 300]);
  assertClose(all.hidden, -(0.9 + 0.70 + 0.68) / 3, { atol: 1e-12 }); // α: 0.76 > ν: 0.75
  assertThrows(() => deriveWidthExponents(records), "several parameterizations (nugpt, ngpt)");
  assertThrows(
    () => deriveWidthExponents(records, { parameterization: "mup" }),
    "no records of mup",
  );
  assertThrows(() => deriveWidthExponents(records, { from: 1 }), "from must be in [0, 1)");
  assertThrows(() => parseAlignmentJsonl('{"x": 1}\n'), "line 1 is not an alignment record");
});

Deno.test("measuredParameterization: doubling width scales each lr by 2^exponent", () => {
  fc.assert(
    fc.property(
      fc.double({ min: -1.2, max: -0.3, noNaN: true }),
      fc.double({ min: -1.2, max: -0.3, noNaN: true }),
      fc.integer({ min: 0, max: 4 }),
      (hidden, output, doublings) => {
        const p = measuredParameterization({ input: -0.5, hidden, output });
        const base = { depth: 2, steps: 300, baseWidth: 32, baseDepth: 2, baseSteps: 100 };
        const at = (width: number, role: "input" | "hidden" | "output") =>
          p({ role, dims: { ...base, width } }).lr;
        const w = 32 * 2 ** doublings;
        assertClose(at(2 * w, "hidden") / at(w, "hidden"), 2 ** hidden, { rtol: 1e-9 });
        assertClose(at(2 * w, "output") / at(w, "output"), 2 ** output, { rtol: 1e-9 });
        assertClose(at(2 * w, "input") / at(w, "input"), 2 ** -0.5, { rtol: 1e-9 });
        // Everything else (horizon factor, rescalers) is νGPT's.
        const nu = nugpt();
        const dims = { ...base, width: w };
        assertEquals(p({ role: "alpha", dims }), nu({ role: "alpha", dims }));
        assertClose(
          p({ role: "hidden", dims: { ...base, width: 32 } }).lr,
          nu({
            role: "hidden",
            dims: { ...base, width: 32 },
          }).lr,
          { rtol: 1e-12 },
        );
      },
    ),
  );
});

import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { describe, formatDescription } from "../../param/describe.ts";
import type { Parameterization } from "../../param/parameterization.ts";
import { mup, ngpt, nugpt, nugptPaper } from "../../param/presets.ts";
import { isRescaler, ROLES } from "../../param/roles.ts";
import { arbDims } from "./arbitraries.ts";

const arbPreset = () => fc.constantFrom<Parameterization>(ngpt, mup, nugpt, nugptPaper);

Deno.test("describe gives one row per role with effectiveLr = lr · init / scale", () => {
  fc.assert(
    fc.property(arbPreset(), arbDims(), (p, dims) => {
      const rows = describe(p, dims);
      assertEquals(rows.map((r) => r.role), [...ROLES]);
      for (const row of rows) {
        const s = p({ role: row.role, dims });
        if (isRescaler(row.role)) {
          const i = s.init as number, sc = s.scale as number;
          assertEquals(row, {
            role: row.role,
            lr: s.lr,
            init: i,
            scale: sc,
            effectiveLr: s.lr * i / sc,
          });
        } else {
          assertEquals(row, { role: row.role, lr: s.lr });
        }
      }
    }),
  );
});

Deno.test("formatDescription is a fixed-width table: header, one line per row, equal widths", () => {
  fc.assert(
    fc.property(arbPreset(), arbDims(), (p, dims) => {
      const lines = formatDescription(describe(p, dims)).split("\n");
      assertEquals(lines.length, 1 + ROLES.length);
      assertTrue(lines[0].startsWith("role") && lines[0].endsWith("effectiveLr"));
      assertEquals(new Set(lines.map((l) => l.length)).size, 1, lines.join("\n"));
      lines.slice(1).forEach((line, i) => assertTrue(line.startsWith(ROLES[i])));
    }),
  );
  const text = formatDescription([
    { role: "hidden", lr: 0.5 },
    { role: "sz", lr: 1, init: 2, scale: 0.125, effectiveLr: 16 },
    { role: "alpha", lr: 1e-7, init: 0.05, scale: 123456, effectiveLr: 0 },
  ]);
  assertEquals(
    text,
    [
      "role          lr  init     scale  effectiveLr",
      "hidden       0.5     -         -            -",
      "sz             1     2     0.125           16",
      "alpha   1.000e-7  0.05  1.235e+5            0",
    ].join("\n"),
  );
});

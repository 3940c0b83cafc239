/**
 * The fit report's verdict (section 5): each held-out slope of the found parameterization held
 * to the target, and each held-out size's best loss beside the base's, with "worse" said where it
 * is higher — the report must not let a flat optimum hide a worse model.
 */
import {
  flatEnough,
  type OptimumRow,
  verdictSection,
} from "../../bench/transfer/tools/fit_report.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";

const row = (
  parameterization: string,
  size: number,
  config: string,
  data: "fitted" | "held-out",
  minLoss: number,
): OptimumRow => ({
  parameterization,
  size,
  config,
  data,
  log2LrStar: -5,
  edge: null,
  interval: null,
  minLoss,
});

const slope = (parameterization: string, s: number, lo: number | null, hi: number | null) => ({
  parameterization,
  config: "seq 32",
  sizes: [16, 128, 256],
  data: "fitted 16 → held-out 128, 256",
  slope: s,
  interval: { level: 0.9, lo, hi },
  surface: { slope: s / 2, interval: { level: 0.9, lo: -0.1, hi: 0.1 } },
});

Deno.test("fit verdict: a worse held-out loss is named, with its size and gap; fitted rows are not compared", () => {
  const validation = [
    row("nugpt", 16, "seq 32", "fitted", 2.4),
    row("found", 16, "seq 32", "fitted", 2.5), // fitted: not a held-out comparison
    row("nugpt", 128, "seq 32", "held-out", 2.2277),
    row("found", 128, "seq 32", "held-out", 2.2925),
    row("nugpt", 256, "seq 32", "held-out", 2.19),
    row("found", 256, "seq 32", "held-out", 2.18),
  ];
  const text = verdictSection("nugpt", validation, [
    slope("nugpt", -0.27, -0.39, -0.12),
    slope("found", -0.129, -0.183, 0.059),
  ]).join("\n");
  assertTrue(text.includes("worse at 1 of 2"), text);
  assertTrue(text.includes("128, seq 32: +0.065"), text);
  assertTrue(text.includes("| 256 | seq 32 | 2.190 | 2.180 | -0.010 |"), text);
  // Only the found parameterization's slope is judged: parabola missed (|−0.129| > 0.1), surface met.
  const judged = text.split("\n").filter((l) => l.startsWith("| seq 32 | 16, 128, 256"));
  assertEquals(judged, [
    "| seq 32 | 16, 128, 256 | fitted 16 → held-out 128, 256 | **missed** | met |",
  ]);
});

Deno.test("fit verdict: equal losses (the found parameterization is the base) are at or below", () => {
  const validation = [
    row("nugpt", 800, "seq 64", "held-out", 1.93),
    row("found", 800, "seq 64", "held-out", 1.93),
  ];
  const text = verdictSection("nugpt", validation, []).join("\n");
  assertTrue(text.includes("at or below nugpt's at every held-out size"), text);
});

Deno.test("fit verdict: the target needs |slope| ≤ 0.1 and a two-sided interval inside ±0.2", () => {
  const iv = (lo: number | null, hi: number | null) => ({ level: 0.9, lo, hi });
  assertEquals(flatEnough(0.09, iv(-0.19, 0.2)), true);
  assertEquals(flatEnough(0.11, iv(-0.05, 0.15)), false);
  assertEquals(flatEnough(0.04, iv(-0.105, 0.227)), false);
  assertEquals(flatEnough(0.0, iv(null, 0.1)), false);
  assertEquals(flatEnough(null, iv(-0.1, 0.1)), false);
});

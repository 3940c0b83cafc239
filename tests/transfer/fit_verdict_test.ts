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

/** `r` with each seed's best loss, for the paired gap. */
const seeded = (r: OptimumRow, seedBest: Record<number, number>): OptimumRow => ({
  ...r,
  seedBest,
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

Deno.test("fit verdict: the loss gap paired by seed says above only where its interval excludes 0", () => {
  const validation = [
    // Worse by 0.010 on every seed, give or take 0.001: above, beyond the noise.
    seeded(row("nugpt", 128, "seq 32", "held-out", 2.2), { 0: 2.20, 1: 2.22, 2: 2.18 }),
    seeded(row("found", 128, "seq 32", "held-out", 2.21), { 0: 2.211, 1: 2.229, 2: 2.19 }),
    // Worse on average by 0.003, but the seeds disagree: not told apart from 0.
    seeded(row("nugpt", 256, "seq 32", "held-out", 2.19), { 0: 2.19, 1: 2.20, 2: 2.18 }),
    seeded(row("found", 256, "seq 32", "held-out", 2.193), { 0: 2.21, 1: 2.19, 2: 2.179 }),
  ];
  const text = verdictSection("nugpt", validation, []).join("\n");
  const line = (size: number) => text.split("\n").find((l) => l.startsWith(`| ${size} |`))!;
  assertTrue(/\| \+0\.010 \[0\.00\d, 0\.01\d\] \*\*above\*\* \|$/.test(line(128)), line(128));
  assertTrue(/\| \+0\.003 \[-0\.0\d\d, 0\.0\d\d\] \|$/.test(line(256)), line(256));
  assertTrue(
    text.includes("beyond the seed-to-seed noise at 1 of 2** held-out sizes (128, seq 32)"),
    text,
  );
  // The same parameterization on both sides: a zero gap, never above.
  const same = verdictSection("nugpt", [
    seeded(row("nugpt", 64, "seq 64", "held-out", 2.0), { 0: 2.0, 1: 2.1 }),
    seeded(row("found", 64, "seq 64", "held-out", 2.0), { 0: 2.0, 1: 2.1 }),
  ], []).join("\n");
  assertTrue(same.includes("| 0.000 [0.000, 0.000] |"), same);
  assertTrue(same.includes("at none of the 1 held-out sizes"), same);
});

Deno.test("fit verdict: a paired mean that rounds to zero is written 0.000", () => {
  const text = verdictSection("nugpt", [
    seeded(row("nugpt", 256, "seq 32", "held-out", 2.035), { 0: 2.03, 1: 2.04 }),
    seeded(row("found", 256, "seq 32", "held-out", 2.034), { 0: 2.0299, 1: 2.0400 }),
  ], []).join("\n");
  assertTrue(text.includes("| 0.000 ["), text);
  assertTrue(!text.includes("-0.000 ["), text);
});

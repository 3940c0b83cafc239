/**
 * Every sentence template of `report.md`, rendered and read: the seed-noise clause (no estimate,
 * from seeds, from one seed's residuals, given), slope and spread cells (estimated, edge-marked,
 * one-sided, undetermined), verdicts (significant, not, no estimate, undetermined) and optimum
 * cells (estimate, low and high bound); and a whole report of a sweep whose every optimum is at
 * the grid's low edge, which must say "undetermined" and why, never a zero-width interval.
 */
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { renderReport } from "../../bench/transfer/analyse/report.ts";
import {
  noiseClause,
  optimumCell,
  slopeCell,
  spreadCell,
  undeterminedNotes,
  verdictCell,
} from "../../bench/transfer/analyse/report_text.ts";
import { summarize } from "../../bench/transfer/analyse/summary.ts";
import type { RunResult } from "../../bench/transfer/plan/types.ts";

Deno.test("the seed-noise clause: no estimate, from seeds, from residuals, given", () => {
  assertEquals(
    noiseClause({ sigma: null, dof: 0, source: "none" }),
    "adds no seed noise, having no estimate of it (one seed and no spare points to fit): the " +
      "intervals cover only the choice of fit window, so they are too narrow",
  );
  assertEquals(
    noiseClause({ sigma: 0.0123, dof: 40, source: "seeds" }),
    "adds the per-seed noise σ = 0.0123 in final loss (from repeated seeds, 40 degrees of freedom)",
  );
  assertEquals(
    noiseClause({ sigma: 0.0096, dof: 7, source: "residuals" }),
    "adds the per-seed noise σ = 0.0096 in final loss (from the scatter about parabolas, 7 " +
      "degrees of freedom; one seed, and a seed's runs scatter less about a smooth curve than " +
      "seeds differ, so these intervals are too narrow: run two or more seeds)",
  );
  assertEquals(
    noiseClause({ sigma: 0.02, dof: 0, source: "given" }),
    "adds the per-seed noise σ = 0.0200 in final loss (given)",
  );
});

const interval = (lo: number | null, hi: number | null) => ({ level: 0.9, lo, hi });

Deno.test("slope and spread cells: estimated, edge-marked, one-sided, undetermined", () => {
  const ok = {
    slope: -0.4321,
    interval: interval(-0.61, -0.25),
    edgeFraction: 0,
    spreadOctaves: 1.5,
    spreadInterval: interval(1.1, 1.9),
    undetermined: null,
  };
  assertEquals(slopeCell(ok, 0.9), "-0.432 [-0.610, -0.250]");
  assertEquals(spreadCell(ok), "1.50 [1.10, 1.90]");
  assertEquals(slopeCell({ ...ok, edgeFraction: 0.3 }, 0.9), "-0.432 [-0.610, -0.250] †");
  assertEquals(slopeCell({ ...ok, interval: interval(null, -0.25) }, 0.9), "-0.432 ≤ -0.250");
  assertEquals(spreadCell({ ...ok, spreadInterval: interval(1.1, null) }), "1.50 ≥ 1.10");
  const open = {
    ...ok,
    slope: null,
    interval: null,
    spreadOctaves: null,
    spreadInterval: null,
    undetermined: "every size's optimum is only a bound",
  };
  assertEquals(slopeCell(open, 0.9), "undetermined ‡");
  assertEquals(spreadCell(open), "undetermined ‡");
  assertEquals(
    undeterminedNotes([
      {
        parameterization: "mup",
        axis: "depth",
        undetermined: "every size's optimum is only a bound",
      },
      { parameterization: "ngpt", axis: "width", undetermined: null },
    ]),
    ["‡ mup (depth): slope and spread undetermined: every size's optimum is only a bound."],
  );
});

Deno.test("comparison verdicts: significant, not significant, no estimate, undetermined", () => {
  const slopes = [
    { parameterization: "ngpt", axis: "width" as const, undetermined: null },
    { parameterization: "mup", axis: "width" as const, undetermined: "bounds only" },
  ];
  const c = {
    a: "ngpt",
    b: "nugpt",
    axis: "width",
    significant: true,
    interval: interval(-1, -0.2),
  };
  assertEquals(verdictCell(c, slopes, "90 %"), "significant (90 %)");
  assertEquals(
    verdictCell({ ...c, significant: false, interval: interval(-1, 0.2) }, slopes, "90 %"),
    "not significant",
  );
  assertEquals(
    verdictCell({ ...c, interval: null, significant: false }, slopes, "90 %"),
    "no estimate",
  );
  assertEquals(
    verdictCell({ ...c, b: "mup", interval: null, significant: false }, slopes, "90 %"),
    "undetermined (slope of mup undetermined)",
  );
});

Deno.test("optimum cells: an estimate, a low bound, a high bound", () => {
  assertEquals(optimumCell({ log2LrStar: -8.123, edge: null }), "-8.12");
  assertEquals(optimumCell({ log2LrStar: -12, edge: "low" }), "≤ -12.00");
  assertEquals(optimumCell({ log2LrStar: -4, edge: "high" }), "≥ -4.00");
  assertEquals(optimumCell({ log2LrStar: null, edge: null }), "—");
});

/** A one-seed grid sweep whose loss rises with the rate at every size: every optimum at the low edge. */
function edgeSweep(seeds: number): RunResult[] {
  const out: RunResult[] = [];
  for (const size of [32, 64, 128]) {
    for (let log2Lr = -10; log2Lr <= -7; log2Lr += 1) {
      for (let seed = 0; seed < seeds; seed++) {
        out.push({
          spec: {
            id: `ngpt.${size}.${log2Lr}.${seed}`,
            parameterization: "ngpt",
            axis: "width",
            size,
            log2Lr,
            seed,
            base: { width: 32, depth: 2, steps: 100 },
          },
          status: "ok",
          finalValLoss: 2 + 0.1 * (log2Lr + 10) + 0.001 * seed + 0.0001 * size,
        } as unknown as RunResult);
      }
    }
  }
  return out;
}

Deno.test("a sweep whose every optimum is a bound: slope and spread undetermined, with why", () => {
  for (const seeds of [1, 2]) {
    const summary = summarize(edgeSweep(seeds), {
      signatureLog2Lr: null,
      bootstrap: { replicates: 100 },
    });
    assertTrue(summary.optima.every((o) => o.edge === "low"));
    const [slope] = summary.slopes;
    assertEquals([slope.slope, slope.spreadOctaves, slope.interval, slope.spreadInterval], [
      null,
      null,
      null,
      null,
    ]);
    assertEquals(
      slope.undetermined,
      "every size's optimum is only a bound at the edge of the rates tried (size 32: ≤ -10.00, " +
        "size 64: ≤ -10.00, size 128: ≤ -10.00); widen --lrs past that edge",
    );
    const md = renderReport(summary, { plots: [] });
    assertTrue(md.includes("| ngpt | width | undetermined ‡ | undetermined ‡ | 32, 64, 128 |"), md);
    assertTrue(
      md.includes(`‡ ngpt (width): slope and spread undetermined: ${slope.undetermined}.`),
    );
    assertTrue(!md.includes("0.000 [0.000, 0.000]"), md);
    assertTrue(!md.includes("adds the no estimate"), md);
    assertTrue(md.includes("| ngpt | width | 32 | ≤ -10.00 |"), md);
    if (seeds === 1) assertTrue(md.includes("adds no seed noise, having no estimate of it"), md);
  }
});

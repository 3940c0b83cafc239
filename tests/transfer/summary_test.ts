import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { seededRandom } from "../../bench/transfer/analyse/random.ts";
import { renderReport } from "../../bench/transfer/analyse/report.ts";
import { summarize } from "../../bench/transfer/analyse/summary.ts";
import type { RunResult } from "../../bench/transfer/plan/types.ts";

const DRIFT: Record<string, number> = { ngpt: -0.9, nugpt: -0.1 };

/** A grid sweep of noisy parabolas whose vertex drifts with width at a known rate. */
function sweep(seeds: number): RunResult[] {
  const rng = seededRandom("summary-sweep");
  const out: RunResult[] = [];
  for (const parameterization of ["ngpt", "nugpt"]) {
    for (const size of [32, 64, 128, 256]) {
      const vertex = -8 + DRIFT[parameterization] * Math.log2(size / 32);
      for (let log2Lr = -12; log2Lr <= -5; log2Lr += 0.5) {
        for (let seed = 0; seed < seeds; seed++) {
          const loss = 2 + 0.05 * (log2Lr - vertex) ** 2 + 0.01 * rng.normal();
          out.push({
            spec: {
              id: `${parameterization}.${size}.${log2Lr}.${seed}`,
              parameterization,
              axis: "width",
              size,
              log2Lr,
              seed,
              base: { width: 32, depth: 2, steps: 100 },
            },
            status: "ok",
            finalValLoss: loss,
          } as unknown as RunResult);
        }
      }
    }
  }
  return out;
}

Deno.test("summarize: intervals cover the known drifts; the slopes differ significantly", () => {
  const s = summarize(sweep(2), { signatureLog2Lr: null, bootstrap: { replicates: 400 } });
  assertEquals(s.bootstrap.noise.source, "seeds");
  assertTrue(Math.abs(s.bootstrap.noise.sigma! - 0.01) < 0.004, `${s.bootstrap.noise.sigma}`);
  for (const o of s.optima) {
    assertTrue(o.interval !== null && o.interval.lo !== null && o.interval.hi !== null);
    assertTrue(o.interval.lo <= o.log2LrStar! && o.log2LrStar! <= o.interval.hi);
    assertEquals(o.band.length, 15);
    assertTrue(o.band.every((b) => b.lo! < b.loss! && b.loss! < b.hi!));
  }
  for (const slope of s.slopes) {
    const truth = DRIFT[slope.parameterization];
    assertTrue(slope.interval!.lo! <= truth && truth <= slope.interval!.hi!, JSON.stringify(slope));
    assertTrue(slope.spreadInterval !== null);
  }
  assertEquals(s.comparisons.length, 1);
  const [c] = s.comparisons;
  assertEquals([c.a, c.b, c.significant], ["ngpt", "nugpt", true]);
  assertTrue(c.interval!.hi! < 0);
  const md = renderReport(s, { plots: [] });
  assertTrue(md.includes("| ngpt | nugpt | width |"), md);
  assertTrue(md.includes("significant (90 %)"));
  assertTrue(/\| ngpt \| width \| -0\.\d+ \[-\d\.\d+, -\d\.\d+\]/.test(md), md);
});

Deno.test("summarize: the same results in any order give the same summary", () => {
  const runs = sweep(2);
  const options = { signatureLog2Lr: null, bootstrap: { replicates: 100 } };
  const a = summarize(runs, options);
  const shuffled = [...runs].reverse();
  assertEquals(JSON.stringify(summarize(shuffled, options)), JSON.stringify(a));
});

Deno.test("summarize: one seed estimates the noise from residuals; σ can be given", () => {
  const one = summarize(sweep(1), { signatureLog2Lr: null, bootstrap: { replicates: 100 } });
  assertEquals(one.bootstrap.noise.source, "residuals");
  const given = summarize(sweep(1), {
    signatureLog2Lr: null,
    bootstrap: { replicates: 100, sigma: 0.05 },
  });
  assertEquals(given.bootstrap.noise, { sigma: 0.05, dof: 0, source: "given" });
  // Five times the noise: wider lr* intervals.
  const width = (x: typeof one) =>
    x.optima.reduce((t, o) => t + (o.interval!.hi! - o.interval!.lo!), 0);
  assertTrue(width(given) > 1.5 * width(one), `${width(given)} vs ${width(one)}`);
});

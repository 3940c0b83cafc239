/**
 * Tests of the peer benchmark's own logic, on nugrad's CPU backends only (no
 * npm peers, no GPU): inputs, host references, timing, arguments, reports.
 */
import { assertClose, assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import {
  type BenchCase,
  caseInputs,
  caseInputShapes,
  caseWork,
  expectedFirst,
  matmulCase,
} from "./engine.ts";
import { buildCases, parseArgs } from "./matmul.ts";
import { nugradEngine } from "./nugrad_engine.ts";
import { type CellResult, resultTable, targetChecks, targetSummary } from "./report.ts";
import { measure, median } from "./timing.ts";

const SMALL: BenchCase[] = [
  matmulCase(5, 7, 3),
  matmulCase(5, 7, 3, { transA: true }),
  matmulCase(5, 7, 3, { transB: true }),
  matmulCase(5, 7, 3, { transA: true, transB: true }),
  { kind: "add", label: "add", size: 9 },
  { kind: "exp", label: "exp", size: 9 },
  { kind: "softmax", label: "softmax", rows: 3, cols: 6 },
  { kind: "overhead", label: "overhead", size: 4 },
];

Deno.test("host reference of element 0 matches nugrad on both CPU backends", async () => {
  for (const blas of [true, false]) {
    const engine = nugradEngine("e", createCpuBackend({ blas }), "cpu");
    for (const [i, c] of SMALL.entries()) {
      const inputs = caseInputs(c, i + 1);
      const p = engine.prepare(c, inputs);
      if (typeof p === "string") throw new Error(`unexpected skip: ${p}`);
      assertClose(await p.first(), expectedFirst(c, inputs), { rtol: 1e-5, atol: 1e-6 });
      await p.run(3);
      p.dispose();
    }
  }
});

Deno.test("inputs fill their shapes, lie in [-1, 1) and depend on the seed", () => {
  for (const c of SMALL) {
    const xs = caseInputs(c, 3);
    const shapes = caseInputShapes(c);
    assertEquals(xs.length, shapes.length);
    xs.forEach((x, i) => {
      assertEquals(x.length, shapes[i].reduce((a, b) => a * b, 1));
      assertTrue(x.every((v) => v >= -1 && v < 1));
    });
    assertTrue(caseInputs(c, 4)[0].some((v, j) => v !== xs[0][j]));
  }
});

Deno.test("matmul cases store transposed operands transposed and count 2mkn flops", () => {
  const c = matmulCase(2, 3, 4, { transA: true, transB: true });
  assertEquals(caseInputShapes(c), [[3, 2], [4, 3]]);
  assertEquals(caseWork(c), { amount: 48, unit: "GFLOP/s" });
  assertEquals(c.label, "[3x2]^Tx[4x3]^T");
});

Deno.test("an engine with a flop limit skips large matmuls and non-matmul cases", () => {
  const ts = nugradEngine("ts", createCpuBackend({ blas: false }), "cpu", {
    matmulOnly: true,
    maxMatmulFlops: 2 * 8 ** 3,
  });
  assertEquals(
    typeof ts.prepare(matmulCase(16, 16, 16), caseInputs(matmulCase(16, 16, 16), 1)),
    "string",
  );
  assertEquals(typeof ts.prepare(SMALL[4], caseInputs(SMALL[4], 1)), "string");
});

Deno.test("measure grows reps until a sample reaches the target, then takes samples", async () => {
  const seen: number[] = [];
  let now = 0; // a fake clock: each op takes exactly 0.5 ms
  const m = await measure({
    run: (reps) => {
      seen.push(reps);
      now += reps * 0.5;
      return Promise.resolve();
    },
    first: () => Promise.resolve(0),
    dispose: () => {},
  }, { targetSeconds: 0.02, samples: 4, warmup: 1, clock: () => now });
  // The procedure on this clock, step by step: one warm-up op; 1 op takes 0.5 ms < 20 ms, so
  // grow by min(10, 1.2 * 20 / 0.5) = 10; 10 ops take 5 ms, grow by 1.2 * 20 / 5 = 4.8 to 48 ops;
  // 48 ops take 24 ms >= 20 ms: calibrated. Three more samples of 48 ops make four.
  assertEquals(seen, [1, 1, 10, 48, 48, 48, 48]);
  assertEquals(m.reps, 48);
  assertEquals(m.perOpSeconds.length, 4);
  for (const s of m.perOpSeconds) assertClose(s, 0.0005, { rtol: 1e-12 });
  assertClose(m.medianSeconds, 0.0005, { rtol: 1e-12 });
  assertClose(m.firstRunSeconds, 0.0005, { rtol: 1e-12 });
});

Deno.test("median of odd and even lists; empty throws", () => {
  assertEquals(median([5, 1, 3]), 3);
  assertEquals(median([4, 1, 3, 2]), 2.5);
  assertThrows(() => median([]), "empty");
});

Deno.test("arguments: defaults, lists, and clear errors", () => {
  const a = parseArgs([]);
  assertEquals(a.sizes, [256, 512, 1024, 2048]);
  assertEquals(parseArgs(["--backends", "cpu,jax-wasm"]).backends, ["cpu", "jax-wasm"]);
  assertThrows(() => parseArgs(["--backends", "torch"]), "unknown backend torch");
  assertThrows(() => parseArgs(["--sizes", "12,x"]), "--sizes");
  assertThrows(() => parseArgs(["--bogus", "1"]), "unknown flag --bogus");
  assertThrows(() => parseArgs(["--out"]), "needs a value");
  const cases = buildCases(parseArgs(["--sizes", "64", "--cases", "matmul,transformer"]));
  assertEquals(cases.map((c) => c.label), [
    "64^3",
    "fwd [1024x128]x[128x512]",
    "gA [1024x512]x[128x512]^T",
    "gB [1024x128]^Tx[1024x512]",
  ]);
});

Deno.test("report: ratios against nugrad-cpu, wrong results flagged, targets checked", () => {
  const r = (engine: string, s: number, ok = true): CellResult => ({
    case: "m",
    kind: "matmul",
    engine,
    unit: "GFLOP/s",
    value: 1 / s,
    secondsPerOp: s,
    check: { got: 0, expected: 0, ok },
  });
  const results = [r("nugrad-cpu", 1), r("jax-wasm", 3), r("tfjs-wasm", 1.5, false)];
  const table = resultTable(results, ["nugrad-cpu", "jax-wasm", "tfjs-wasm"]);
  assertTrue(table.includes("0.33x"), table);
  assertTrue(table.includes("WRONG"), table);
  const checks = targetChecks(results);
  assertEquals(checks.map((c) => c.met), [true, false]);
  assertTrue(targetSummary(checks).includes("NOT met on 1 of 1"));
});

import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { formatDuration, Progress } from "../../bench/transfer/run/progress.ts";
import type { RunResult, RunSpec } from "../../bench/transfer/plan/types.ts";

const spec = {
  id: "ngpt.width64.lr-8.s0.x",
  parameterization: "ngpt",
  axis: "width",
  size: 64,
  steps: 300,
  log2Lr: -8,
  seed: 0,
} as RunSpec;
const result = (status: RunResult["status"], loss: number | null) =>
  ({ spec, status, finalValLoss: loss, wallSeconds: 2, msPerStep: 6.5 }) as RunResult;

Deno.test("without a terminal: one plain line per finished run", () => {
  const out: string[] = [];
  const p = new Progress({ total: 2, tty: false, write: (s) => out.push(s) });
  p.runStarted(spec);
  p.update(100, 3.2);
  p.runFinished(result("ok", 1.23456));
  p.runStarted(spec);
  p.runFinished(result("diverged", null));
  p.skipped();
  p.finish();
  assertEquals(out, [
    "[1/2] ngpt width=64 lr=2^-8 seed 0 1.2346 (2.0s, 6.5 ms/step)\n",
    "[2/2] ngpt width=64 lr=2^-8 seed 0 diverged (2.0s, 6.5 ms/step)\n",
  ]);
});

Deno.test("a module parameterization is shown under its declared name, not its path", () => {
  const out: string[] = [];
  const mine = { ...spec, parameterization: "./bench/p.ts#mine" };
  const labels = new Map([["./bench/p.ts#mine", "nugpt-probed"]]);
  const p = new Progress({ total: 1, tty: false, write: (s) => out.push(s), labels });
  p.runStarted(mine);
  p.runFinished({ ...result("ok", 1.5), spec: mine });
  assertEquals(out, ["[1/1] nugpt-probed width=64 lr=2^-8 seed 0 1.5000 (2.0s, 6.5 ms/step)\n"]);
  const bar = new Progress({ total: 1, tty: true, write: () => {}, labels, columns: 200 });
  bar.runStarted(mine);
  assertTrue(bar.line().includes("| nugpt-probed width=64 lr=2^-8 seed 0 step 0/300"), bar.line());
});

Deno.test("on a terminal: one redrawn line with runs, current step and loss, ETA", () => {
  const out: string[] = [];
  let now = 0;
  const p = new Progress({
    total: 4,
    tty: true,
    write: (s) => out.push(s),
    now: () => now,
    columns: 200,
  });
  p.runStarted(spec);
  now = 10_000;
  p.runFinished(result("ok", 1.5));
  p.runStarted(spec);
  now = 10_500;
  p.update(150, 2.345);
  const line = p.line();
  assertTrue(line.includes("1/~4 runs"), line);
  assertTrue(line.includes("eta 30s"), line); // 10 s per run, 3 runs left
  assertTrue(line.includes("step 150/300 loss 2.345"), line);
  assertTrue(out.every((s) => s.startsWith("\r") && !s.includes("\n")));
  const narrow = new Progress({ total: 1, tty: true, write: () => {}, columns: 30 });
  narrow.runStarted(spec);
  assertTrue(narrow.line().length <= 29);
  assertEquals([formatDuration(5), formatDuration(185), formatDuration(3720)], [
    "5s",
    "3m05s",
    "1h02m",
  ]);
});

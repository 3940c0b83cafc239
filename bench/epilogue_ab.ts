/**
 * What fusion around matmul gives the compiled nGPT training step on the CPU: the same step
 * compiled twice, on two CPU backends, one of which offers no matmul epilogues (so its program
 * runs every product's consumer as a separate pass), timed in alternating rounds in one process
 * so that both see the same machine load; the minimum and median ms per step of each.
 *
 *   deno run -A bench/epilogue_ab.ts [--widths 32,64,128] [--rounds 10] [--steps 3]
 *                                    [--tile ELEMENTS]
 *
 * `--tile`: elements of product per tile (the CPU backend's `epilogueTileElements`).
 *
 * @module
 */
import { parseArgs } from "./cli.ts";
import type * as nu from "../mod.ts";
import { ngptStep } from "./ngpt_step.ts";
import { createCpuBackend } from "../kernels/cpu/backend.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    widths: { type: "string", default: "32,64,128" },
    rounds: { type: "string", default: "10" },
    steps: { type: "string", default: "3" },
    tile: { type: "string" },
  },
});
const rounds = Number(values.rounds), steps = Number(values.steps);

/** A compiled training step on `backend`, and a function running it once (ms). */
function stepper(backend: nu.Backend, width: number) {
  const step = ngptStep(width, { backend, scheduleSteps: 1000 });
  return () => {
    const t = performance.now();
    step();
    return performance.now() - t;
  };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0].toFixed(1).padStart(6)}  median ${s[s.length >> 1].toFixed(1).padStart(6)} ms`;
};

const tile = values.tile === undefined ? undefined : Number(values.tile);
const withEpilogues = createCpuBackend({ epilogueTileElements: tile });
const without = createCpuBackend();
Object.defineProperty(without, "runMatmulEpilogue", { value: undefined });
console.log(
  `backend: ${withEpilogues.info()}; tile ${tile ?? "default"}; ${rounds} rounds of ${steps} steps`,
);
for (const width of values.widths.split(",").map(Number)) {
  const runs = { epilogues: stepper(withEpilogues, width), separate: stepper(without, width) };
  const times: Record<keyof typeof runs, number[]> = { epilogues: [], separate: [] };
  for (const run of Object.values(runs)) for (let i = 0; i < 5; i++) run(); // compile, warm up
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(runs) as [keyof typeof runs, () => number][]) {
      for (let i = 0; i < steps; i++) times[name].push(run());
    }
  }
  console.log(`width ${String(width).padStart(4)}  matmul epilogues: ${stats(times.epilogues)}`);
  console.log(`width ${String(width).padStart(4)}  separate passes:  ${stats(times.separate)}`);
}

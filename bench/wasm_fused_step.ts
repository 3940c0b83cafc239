/**
 * The compiled nGPT training step with the CPU's fused kernels rendered to
 * WebAssembly SIMD and to JavaScript, in one process, interleaved (five steps
 * one way, five the other, six rounds; the best round of each), so that a
 * busy machine's drift falls on both alike. Prints ms per step and ms per
 * step spent in fused kernels (timed around the backend's `runFused`).
 *
 *   deno run -A bench/wasm_fused_step.ts [widths, default 32,64,128]
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any -- the backend's runFused is wrapped to time it
import * as nu from "../mod.ts";
import { ngptStep } from "./ngpt_step.ts";
import { setFusedWasm } from "../kernels/cpu/wasm/fused_dispatch.ts";

const widths = (Deno.args[0] ?? "32,64,128").split(",").map(Number);
for (const width of widths) {
  const run = ngptStep(width);
  const be = nu.getBackend() as any;
  let fused = 0;
  const runFused = be.runFused.bind(be);
  be.runFused = (...a: any[]) => {
    const t = performance.now();
    runFused(...a);
    fused += performance.now() - t;
  };
  for (const enabled of [true, false]) {
    setFusedWasm({ enabled });
    for (let i = 0; i < 8; i++) run();
  }
  const best = {
    wasm: { step: Infinity, fused: Infinity },
    js: { step: Infinity, fused: Infinity },
  };
  for (let round = 0; round < 6; round++) {
    for (const enabled of [true, false]) {
      setFusedWasm({ enabled });
      fused = 0;
      const t = performance.now();
      for (let i = 0; i < 5; i++) run();
      const b = best[enabled ? "wasm" : "js"];
      b.step = Math.min(b.step, (performance.now() - t) / 5);
      b.fused = Math.min(b.fused, fused / 5);
    }
  }
  be.runFused = runFused;
  setFusedWasm({ enabled: true });
  const f = (x: number) => x.toFixed(1);
  console.log(
    `width ${width}: Wasm ${f(best.wasm.step)} ms/step (fused ${f(best.wasm.fused)}), ` +
      `JavaScript ${f(best.js.step)} ms/step (fused ${f(best.js.fused)}) on ${be.info()}`,
  );
}

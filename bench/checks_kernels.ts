/**
 * The two places the WebGPU index checks could cost time, each alone: the checked gather and
 * cross-entropy kernels against the unchecked ones (the embedding lookup and the loss of the
 * width-64 step: a 256 × 64 table, 16 × 64 ids), and a one-number readback that carries the
 * violation record against one that does not. Blocks of each variant alternate; medians.
 *
 *   DENO_WEBGPU_BACKEND=vulkan deno run -A bench/checks_kernels.ts [--rounds 20] [--reps 50]
 *
 * @module
 */
import { parseArgs } from "./cli.ts";
import * as nu from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "20" },
    reps: { type: "string", default: "50" },
  },
});
const rounds = Number(values.rounds), reps = Number(values.reps);
const gpu = await nu.createWebGpuBackend();
console.log(`backend: ${gpu.info()}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const table = nu.keep(nu.normal(nu.key(0), [256, 64], { backend: gpu }));
const ids = nu.keep(nu.randint(nu.key(1), [16, 64], 0, 256, { backend: gpu }));
const logits = nu.keep(nu.normal(nu.key(2), [16, 64, 256], { backend: gpu }));

/** ms per repetition of `work`, `reps` times, then one flush. */
async function time(work: () => void): Promise<number> {
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) nu.tidy(work);
  await gpu.flush();
  return (performance.now() - t0) / reps;
}

/** ms per readback of a one-number tensor, made by `make` before each read. */
async function timeReads(make: () => nu.Tensor): Promise<number> {
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) {
    const t = make();
    await t.data();
    t.dispose();
  }
  return (performance.now() - t0) / reps;
}

const kernels = () => {
  nu.gather(table, ids);
  nu.crossEntropy(logits, ids, { reduction: "none" });
};
const smallIds = nu.keep(nu.tensor([3], { dtype: "i32", backend: gpu }));
const readAfterGather = () => nu.tidy(() => nu.sum(nu.gather(table, smallIds)));

const results: Record<string, { off: number[]; on: number[] }> = {
  "gather + crossEntropy kernels": { off: [], on: [] },
  "a readback after a gather": { off: [], on: [] },
};
for (const indices of [false, true]) { // warm up both pipeline variants
  nu.checks({ indices });
  await time(kernels);
  await timeReads(readAfterGather);
}
for (let r = 0; r < rounds; r++) {
  for (const indices of r % 2 ? [true, false] : [false, true]) {
    nu.checks({ indices });
    const key = indices ? "on" : "off";
    results["gather + crossEntropy kernels"][key].push(await time(kernels));
    results["a readback after a gather"][key].push(await timeReads(readAfterGather));
  }
}
nu.checks({ indices: false });
for (const [name, { off, on }] of Object.entries(results)) {
  console.log(
    `${name.padEnd(30)} off ${median(off).toFixed(3)} ms, on ${median(on).toFixed(3)} ms ` +
      `(ratio ${(median(on) / median(off)).toFixed(3)})`,
  );
}

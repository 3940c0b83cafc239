/**
 * A small training run for the resume test: `deno run -A train_resume_child.ts <path> [resume]`
 * trains a tiny model on the CPU for 12 steps, checkpointing every 2 steps to `<path>`, and
 * prints `{"step":k,"loss":x}` after every step (each batch waits 40 ms, so that the parent can
 * kill it mid-run). With `resume`, it continues from the checkpoint at `<path>`.
 */
import * as nu from "../../mod.ts";

const [path, mode] = Deno.args;
const model = nu.nn.ngptModel(nu.nn.modelConfig({ vocab: 16, width: 16, depth: 1, seqLen: 8 }));
const sleep = new Int32Array(new SharedArrayBuffer(4));
const batch = (step: number) => {
  Atomics.wait(sleep, 0, 0, 40);
  const data = Int32Array.from({ length: 4 * 9 }, (_, i) => (step * 7 + i * 5 + (i >> 3)) % 16);
  return { data, count: 4 };
};
await nu.nn.train(model, {
  lr: 2 ** -5,
  steps: 12,
  batch,
  evalEvery: 1,
  checkpointEvery: 2,
  checkpointPath: path,
  ...(mode === "resume" ? { resumeFrom: path } : {}),
  onProgress: (step, loss) => console.log(JSON.stringify({ step, loss })),
});

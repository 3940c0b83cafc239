/**
 * `nn.train` is resumable: a run killed with SIGKILL mid-run, resumed from its last checkpoint,
 * gives the uninterrupted run's losses at every later step, bit for bit on the CPU.
 */
import * as nu from "../../mod.ts";
import { assertEquals, assertRejects, assertTrue } from "../../testing/assert.ts";

const CHILD = new URL("./train_resume_child.ts", import.meta.url).pathname;

interface Point {
  step: number;
  loss: number;
}

const parse = (text: string): Point[] =>
  text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));

async function runToEnd(path: string, resume: boolean): Promise<Point[]> {
  const args = ["run", "-A", CHILD, path, ...(resume ? ["resume"] : [])];
  const out = await new Deno.Command(Deno.execPath(), { args, stderr: "inherit" }).output();
  assertEquals(out.code, 0);
  return parse(new TextDecoder().decode(out.stdout));
}

/** Start a run and SIGKILL it once it has printed step `killAfter`; its printed points. */
async function runAndKill(path: string, killAfter: number): Promise<Point[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, path],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const reader = child.stdout.getReader();
  while (!parse(text).some((p) => p.step >= killAfter)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  child.kill("SIGKILL");
  reader.releaseLock();
  await child.stdout.cancel();
  const status = await child.status;
  assertEquals(status.signal, "SIGKILL", "the run ended before it was killed");
  return parse(text);
}

Deno.test("train: a run killed with SIGKILL resumes from its checkpoint, losses bit for bit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const full = await runToEnd(`${dir}/full.safetensors`, false);
    assertEquals(full.map((p) => p.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const path = `${dir}/killed.safetensors`;
    const before = await runAndKill(path, 5);
    const after = await runToEnd(path, true);
    const first = after[0].step;
    // it resumed from a checkpoint written before the kill (every 2 steps), not from scratch
    assertTrue(first > 1 && first % 2 === 1 && first <= before.at(-1)!.step + 1, `from ${first}`);
    assertEquals(after.map((p) => p.step), full.slice(first - 1).map((p) => p.step));
    for (const p of after) {
      assertTrue(
        Object.is(p.loss, full[p.step - 1].loss),
        `step ${p.step}: resumed ${p.loss}, uninterrupted ${full[p.step - 1].loss}`,
      );
    }
    // no temporary file is left beside the checkpoint
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(names, ["full.safetensors", "killed.safetensors"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train: resumeFrom refuses another run's checkpoint, naming the difference", async () => {
  const model = nu.nn.ngptModel(nu.nn.modelConfig({ vocab: 16, width: 16, depth: 1, seqLen: 8 }));
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  const batch = () => ({ data: Int32Array.from({ length: 18 }, (_, i) => i % 16), count: 2 });
  try {
    await nu.nn.train(model, {
      lr: 0.01,
      steps: 4,
      batch,
      checkpointEvery: 2,
      checkpointPath: path,
    });
    await assertRejects(
      () => nu.nn.train(model, { lr: 0.01, steps: 8, batch, resumeFrom: path }),
      `train: resumeFrom ${path}: it was written by a run of 4 steps, this run has 8`,
    );
    await assertRejects(
      () => nu.nn.train(model, { lr: 0.02, steps: 4, batch, resumeFrom: path }),
      "it was written by a run at lr 0.01, this run has lr 0.02",
    );
    const other = nu.nn.ngptModel(nu.nn.modelConfig({ vocab: 16, width: 32, depth: 1, seqLen: 8 }));
    await assertRejects(
      () => nu.nn.train(other, { lr: 0.01, steps: 4, batch, resumeFrom: path }),
      "differs from the model's",
    );
    assertEquals(nu.memory().tensors, 0);
  } finally {
    await Deno.remove(path);
  }
});

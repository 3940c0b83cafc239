import { assertEquals, assertRejects } from "../../testing/assert.ts";
import { key } from "../../core/mod.ts";
import { modelConfig, ngptModel, train } from "../../nn/mod.ts";
import { ngpt } from "../../param/mod.ts";

const steps = 4;
const config = modelConfig({ vocab: 8, width: 16, headSize: 8, depth: 1, seqLen: 4 });
const dims = { width: 16, depth: 1, steps, baseWidth: 16, baseDepth: 1, baseSteps: steps };
const model = ngptModel(config, { parameterization: ngpt, dims });
const rows = { data: new Int32Array(2 * 5).map((_, i) => (3 * i + 1) % 8), count: 2 };
const run = (warmup?: number) =>
  train(model, {
    lr: 0.01,
    steps,
    warmup,
    key: key(0),
    batch: () => rows,
    evalWindows: rows,
    evalEvery: 1,
  });

Deno.test("train: warmup ramps the first steps' rate, and a warmup of steps or more is refused", async () => {
  const [plain, warm] = [await run(), await run(3)];
  // The first step is the same batch from the same parameters: with warmup 3 it moves a third as far.
  const drop = (r: typeof plain) => r.curves[0].trainLoss - r.curves[1].valLoss!;
  assertEquals(plain.curves[0].trainLoss, warm.curves[0].trainLoss);
  if (!(Math.abs(drop(warm)) < Math.abs(drop(plain)))) {
    throw new Error(`warmup did not slow the first step: ${drop(warm)} vs ${drop(plain)}`);
  }
  await assertRejects(
    () => run(steps),
    "train: warmup must be an integer in [0, steps) = [0, 4), got 4",
  );
  await assertRejects(() => run(1.5), "got 1.5");
});

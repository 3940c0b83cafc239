/**
 * The README's "Your own parameterization" example, run as written (and checked to be the
 * README's text): a custom parameterization composed from
 * `param`'s building blocks, then a short training run with it.
 */
import * as nu from "../../mod.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { readmeBlock, snippetOf } from "./readme_blocks.ts";

Deno.test("README: a custom parameterization in a few lines, trained", async () => {
  // --- README snippet starts
  const { compose, nugpt, widthExponent, horizonExponent, describe, formatDescription } = nu.param;

  // νGPT, but hidden learning rates fall as 1/width (μP's full-alignment exponent) and
  // without the token-horizon factor: start from νGPT and multiply the differences in.
  const mine = compose(
    "mine",
    nugpt,
    widthExponent("hidden", -1 / 4), // -3/4 -> -1
    horizonExponent(1 / 3), // cancels νGPT's mT^-1/3
  );
  const dims = { width: 64, depth: 2, steps: 60, baseWidth: 32, baseDepth: 2, baseSteps: 60 };
  console.log(formatDescription(describe(mine, dims)));

  // Training data: windows of T+1 = 33 tokens (bytes here), as host data { data, count }: the
  // model reads tokens [0, T) and predicts tokens [1, T+1). Ids must lie in [0, vocab).
  const text = new TextEncoder().encode("the cat sat on the mat. ".repeat(100));
  const windows = (step: number, rows: number) => {
    const data = new Int32Array(rows * 33);
    for (let r = 0; r < rows; r++) {
      const start = (step * 7 + r * 13) % (text.length - 33);
      data.set(text.subarray(start, start + 33), r * 33);
    }
    return { data, count: rows };
  };

  const config = nu.nn.modelConfig({ vocab: 256, width: 64, depth: 2, seqLen: 32 });
  const model = nu.nn.ngptModel(config, { parameterization: mine, dims });
  const result = await nu.nn.train(model, {
    lr: 2 ** -6,
    steps: 60,
    batch: (step) => windows(step, 8),
    evalWindows: windows(1000, 16),
    evalEvery: 20,
  });
  console.log(result.status, result.initialValLoss, "->", result.finalValLoss);
  // --- README snippet ends
  assertTrue(result.status === "ok");
  assertTrue(
    result.finalValLoss! < result.initialValLoss! - 1,
    `${result.initialValLoss} -> ${result.finalValLoss}`,
  );
});

Deno.test("README: the parameterization example above is the README's text", async () => {
  const block = await readmeBlock("### Your own parameterization");
  const source = await Deno.readTextFile(new URL(import.meta.url));
  const importLine =
    'import * as nu from "./mod.ts"; // from the repository root; elsewhere, nugrad\'s URL';
  assertEquals(block, [importLine, "", snippetOf(source, 0)].join("\n"));
});

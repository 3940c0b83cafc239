/**
 * Every TypeScript block of README.md is run or compared with the file that runs it: the
 * "Use it from a URL" block runs here with the URL pointing at this checkout, the
 * "Train your own model" block is the loop `readme_loop_test.ts` runs (compared with its text),
 * the "Your own parameterization" block runs in `readme_train_example_test.ts`, and the
 * "Testing your own model" block is, character for character, the body of
 * `tests/testing/readme_example_test.ts` (which the suite runs).
 */
import * as nu from "../../mod.ts";
import { assertAllClose } from "../../testing/all_close.ts";
import { assertEquals } from "../../testing/assert.ts";
import { modUrl, readmeBlocks, readmeTsBlock, runModule } from "./readme_blocks.ts";

const COVERED = [
  "Use it from a URL",
  "Train your own model",
  "Compile a step with `nu.jit`",
  "Forward mode, Jacobians and the everyday ops", // readme_forward_test.ts
  "The everyday ops", // readme_forward_test.ts
  "Batching with `nu.vmap`",
  "An ensemble trained as one",
  "Your own parameterization",
  "Testing your own model",
];

Deno.test("README: every ts block is one this file or a named test covers", async () => {
  const headings = (await readmeBlocks()).filter((b) => b.lang === "ts").map((b) => b.heading);
  assertEquals(headings, COVERED);
});

Deno.test("README: the URL-import example runs and prints a loss and a [3, 1] gradient", async () => {
  const block = await readmeTsBlock("Use it from a URL");
  const url = "https://example.com/nugrad/mod.ts";
  assertEquals(block.includes(url), true, `the block imports ${url}`);
  const stdout = await runModule(block.replace(url, modUrl));
  // It prints the loss and the gradient of w: check both against mean((x w + b)^2) written out
  // here in f64 for the same random numbers (keys 0 and 1, b = 0).
  const printed = stdout.match(/-?\d+(\.\d+)?(e-?\d+)?/g)?.map(Number) ?? [];
  assertEquals(printed.length, 4, `a loss and three gradient entries: ${stdout}`);
  const w = Array.from(await nu.normal(nu.key(0), [3, 1]).data());
  const x = Array.from(await nu.normal(nu.key(1), [8, 3]).data());
  let loss = 0;
  const grad = [0, 0, 0];
  for (let r = 0; r < 8; r++) {
    const y = x[3 * r] * w[0] + x[3 * r + 1] * w[1] + x[3 * r + 2] * w[2];
    loss += y * y / 8;
    for (let j = 0; j < 3; j++) grad[j] += 2 * y * x[3 * r + j] / 8;
  }
  await assertAllClose(printed, [loss, ...grad], { rtol: 1e-5, atol: 1e-6 });
});

Deno.test("README: the testing example is the body of tests/testing/readme_example_test.ts", async () => {
  const block = await readmeTsBlock("Testing your own model");
  const file = await Deno.readTextFile(
    new URL("../testing/readme_example_test.ts", import.meta.url),
  );
  const body = file.slice(file.indexOf("*/\n") + 3);
  assertEquals(block, body);
});

Deno.test("README: the nu.jit example traces once and trains", async () => {
  const block = await readmeTsBlock("Compile a step with `nu.jit`");
  const stdout = await runModule(
    block.replace('"./mod.ts"', JSON.stringify(modUrl)) +
      `\nif (step.traces !== 1) throw new Error("traced " + step.traces + " times");
const last = await nu.mean(nu.square(nu.tanh(nu.matmul(x, w)))).item();
const first = await nu.mean(nu.square(nu.tanh(nu.matmul(x, nu.normal(nu.key(0), [8, 4]))))).item();
if (!(last < first)) throw new Error("the loss did not fall: " + first + " -> " + last);\n`,
  );
  assertEquals(stdout.startsWith("1 {"), true, stdout);
});

Deno.test("README: the vmap blocks give per-example gradients and train every member", async () => {
  const perExample = await readmeTsBlock("Batching with `nu.vmap`");
  const stdout = await runModule(
    perExample.replace('"./mod.ts"', JSON.stringify(modUrl)) +
      `\nconst mean = nu.mean(perExample, { axis: 0 });
const [a, b] = [await mean.data(), await batchGrad.data()];
if (a.some((v, i) => Math.abs(v - b[i]) > 1e-5 * (1 + Math.abs(b[i])))) {
  throw new Error("per-example mean " + a + " differs from the batch gradient " + b);
}\n`,
  );
  assertEquals(stdout.trim(), "[ 5, 3 ]");
  const ensemble = await readmeTsBlock("An ensemble trained as one");
  const out = await runModule(
    ensemble.replace('"./mod.ts"', JSON.stringify(modUrl)) +
      `\nif (step.traces !== 1) throw new Error("traced " + step.traces + " times");\n`,
  );
  const losses = out.match(/-?\d+(\.\d+)?(e-?\d+)?/g)?.map(Number) ?? [];
  assertEquals(losses.length, 4, out);
  // The larger learning rates get further in 50 steps: the losses rise with the member index.
  assertEquals([...losses].sort((x, y) => x - y), losses, out);
  assertEquals(losses[0] < 1e-3 && losses[3] > losses[0], true, out);
});

/**
 * The rough edges a new user hit (issue 12), each with the behaviour and message it has now:
 * bad token ids are named with their position and the vocabulary, messages name the function
 * the user called and the user's own shapes and paths, and no build-script notice is printed.
 */
import * as nu from "../../mod.ts";
import { assertEquals, assertRejects, assertThrows, assertTrue } from "../../testing/assert.ts";

const config = nu.nn.modelConfig({ vocab: 16, width: 16, depth: 1, seqLen: 8 });
const model = nu.nn.ngptModel(config);

/** Host windows `[rows, 9]` of valid ids, with `bad` put at `[row, col]`. */
function windows(rows: number, bad?: { row: number; col: number; id: number }) {
  const data = Int32Array.from({ length: rows * 9 }, (_, i) => (i * 7) % 16);
  if (bad) data[bad.row * 9 + bad.col] = bad.id;
  return { data, count: rows };
}

Deno.test("trip: a token id out of range in host batches is named, with position and vocab", async () => {
  await assertRejects(
    () =>
      nu.nn.train(model, {
        lr: 1e-3,
        steps: 2,
        batch: () => windows(4, { row: 2, col: 5, id: 300 }),
      }),
    "train: token id 300 at [2, 5] of the [4,9] batch is outside [0, vocab 16)",
  );
  await assertRejects(
    () => nu.nn.evaluate(model, model.init(nu.key(0)), windows(2, { row: 1, col: 0, id: -1 })),
    "evaluate: token id -1 at [1, 0] of the [2,9] batch is outside [0, vocab 16)",
  );
});

Deno.test("trip: a bad id in a device batch is found before the learning rate is blamed", async () => {
  const bad = windows(4, { row: 3, col: 8, id: 99 });
  const batch = () => nu.fromData(bad.data, [4, 9], { dtype: "i32" });
  const error = await assertRejects(() =>
    nu.nn.train(model, { lr: 1e-3, steps: 3, batch, evalEvery: 1 })
  );
  // a CPU tensor batch is checked before its step (on WebGPU: after a non-finite loss)
  assertTrue(
    error.message.includes("train: batch of step 0: token id 99 at [3, 8] of the [4,9] batch") &&
      error.message.includes("vocab 16"),
    error.message,
  );
});

Deno.test("trip: a diverged run with valid ids says so and points at the learning rate", async () => {
  const result = await nu.nn.train(model, {
    lr: 1e-3,
    steps: 2,
    batch: () => windows(4),
    evalEvery: 1,
    divergenceMargin: -100, // any loss counts as risen too far
  });
  assertEquals(result.status, "diverged");
  assertTrue(
    result.reason?.includes("valid token ids") && result.reason.includes("learning rate 0.001"),
  );
});

Deno.test("trip: messages name the function the user called", () => {
  assertThrows(
    () => nu.nn.modelConfig({ vocab: 0, width: 16, depth: 1, seqLen: 8 }),
    "modelConfig: vocab must be a positive integer, got 0",
  );
  assertThrows(
    () => nu.nn.ngptModel({ ...config, heads: 3 }),
    "ngptModel: width 16 is not divisible by heads 3",
  );
  const params = model.init(nu.key(0));
  const f32 = nu.zeros([2, 17]);
  assertThrows(
    () => model.loss(params, f32),
    "loss: tokens must be i32 [B, T+1] with T >= 1, got f32 [2,17]",
  );
  assertThrows(
    () => model.apply(params, nu.zeros([2, 8])),
    "apply: tokens must be i32 [B, T], got f32 [2,8]",
  );
  const long = nu.zeros([1, 9], { dtype: "i32" });
  assertThrows(() => model.apply(params, long), "apply: 9 positions exceed config.seqLen 8");
  assertThrows(() => model.hiddenStates(params, long), "hiddenStates: 9 positions");
});

Deno.test("trip: the batched-matmul error shows both operands' full shapes", () => {
  assertThrows(
    () => nu.matmul(nu.ones([2, 3, 4]), nu.ones([5, 4, 6])),
    "matmul: batch dimensions do not broadcast: [2,3,4] x [5,4,6]",
  );
});

Deno.test("trip: nn.save names the user's path, not its temporary file", async () => {
  const params = model.init(nu.key(0));
  const path = "/nonexistent-nugrad-dir/model.safetensors";
  const error = await assertRejects(
    () => nu.nn.save(path, params, { config, parameterization: nu.param.ngpt }),
    `save: ${path}: cannot write (NotFound)`,
  );
  assertTrue(!error.message.includes(".tmp"), error.message);
  // without write permission (a Deno permission: this runs as any user, root included)
  const dir = await Deno.makeTempDir();
  const script = [
    `import * as nu from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};`,
    "const config = nu.nn.modelConfig({ vocab: 16, width: 16, depth: 1, seqLen: 8 });",
    "const params = nu.nn.init(nu.key(0), config);",
    `await nu.nn.save(${
      JSON.stringify(`${dir}/m.safetensors`)
    }, params, { config, parameterization: nu.param.ngpt })`,
    "  .catch((e) => console.log(e.message));",
  ].join("\n");
  const file = `${dir}/save.ts`;
  await Deno.writeTextFile(file, script);
  await Deno.chmod(dir, 0o755);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", `--allow-read`, file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const message = new TextDecoder().decode(out.stdout);
  await Deno.remove(dir, { recursive: true });
  assertTrue(message.startsWith(`save: ${dir}/m.safetensors: cannot write (`), message);
  assertTrue(!message.includes(".tmp"), message);
});

Deno.test("trip: deno prints no 'Ignored build scripts' notice (core-js's banner script)", async () => {
  // core-js, pulled in by the tfjs peer benchmark, has a postinstall script that only prints an
  // advertisement; the lockfile records it without scripts, so deno has nothing to warn about.
  const lock = await Deno.readTextFile(new URL("../../deno.lock", import.meta.url));
  assertTrue(!lock.includes('"scripts": true'), "a locked npm package declares build scripts");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "nn/tokens.ts"],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertTrue(out.success && !stderr.includes("Ignored build scripts"), stderr);
});

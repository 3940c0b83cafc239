/**
 * Checkpoints: bit-exact round trips (f32, f64), optimizer state, metadata, atomic writes, and
 * an independent hand parse of the file against the safetensors layout.
 */
import { assertEquals, assertRejects, assertTrue } from "../../testing/assert.ts";
import {
  cpuBackend,
  fromData,
  key,
  type Tensor,
  treeLeaves,
  treeMap,
  treePaths,
} from "../../core/mod.ts";
import { ngpt, nugpt } from "../../param/mod.ts";
import { encodeState } from "../../optim/mod.ts";
import { init } from "../../nn/init.ts";
import { parameterShapes, rescalerMetadata } from "../../nn/spec.ts";
import { ngptModel } from "../../nn/ngpt.ts";
import { CHECKPOINT_FORMAT, load, save } from "../../nn/checkpoint.ts";

export const CONFIG = { vocab: 8, width: 8, heads: 2, depth: 1, mlpWidth: 16, seqLen: 4 };
const DIMS = { width: 8, depth: 1, steps: 50, baseWidth: 4, baseDepth: 1, baseSteps: 10 };

/** The raw bytes of a tensor's elements. */
function bits(t: Tensor): number[] {
  const d = t.dataSync();
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "nugrad_ckpt_" });
}

Deno.test("checkpoint: f32 round trip is bit-exact, special values included", async () => {
  const dir = await tempDir();
  const params = init(key(1), CONFIG, { parameterization: nugpt, dims: DIMS });
  const special = new Float32Array([NaN, -0, Infinity, -Infinity, 1e-45, -3.4e38, 0.1, 1]);
  const withSpecial = { ...params, sz: fromData(special, [8]) };
  const path = `${dir}/model.safetensors`;
  await save(path, withSpecial, { config: CONFIG, parameterization: nugpt, dims: DIMS });
  const loaded = await load(path);
  assertEquals(treePaths(loaded.params).map(([n]) => n), treePaths(withSpecial).map(([n]) => n));
  for (
    const [[name, a], [, b]] of treePaths<Tensor>(withSpecial).map((e, i) =>
      [e, treePaths<Tensor>(loaded.params)[i]] as const
    )
  ) {
    assertEquals([name, b.dtype, b.shape], [name, a.dtype, a.shape]);
    assertEquals(bits(b), bits(a), name);
  }
  assertEquals(loaded.config, CONFIG);
  assertEquals(loaded.rescalers, rescalerMetadata(nugpt, DIMS));
  assertEquals(loaded.metadata.parameterization, "nugpt");
  assertEquals(loaded.metadata.format, CHECKPOINT_FORMAT);
  assertEquals(JSON.parse(loaded.metadata.dims), DIMS);
  assertEquals(loaded.optimizerState, undefined);
  // the loaded tree has the structure init gives (key order included)
  treeMap((a: Tensor, b: Tensor) => assertEquals(a.shape, b.shape), params, loaded.params);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkpoint: f64 round trip is bit-exact on the CPU backend", async () => {
  const dir = await tempDir();
  const params = init(key(2), CONFIG, { dtype: "f64", backend: cpuBackend() });
  const path = `${dir}/f64.safetensors`;
  await save(path, params, { config: CONFIG, parameterization: ngpt });
  const loaded = await load(path, { backend: cpuBackend() });
  const a = treeLeaves<Tensor>(params);
  const b = treeLeaves<Tensor>(loaded.params);
  assertEquals(b.map((t) => t.dtype), a.map(() => "f64"));
  assertEquals(b.map(bits), a.map(bits));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkpoint: optimizer state round trip (tensors, step counts included, under opt.)", async () => {
  const dir = await tempDir();
  const params = init(key(3), CONFIG, { parameterization: nugpt, dims: DIMS });
  const opt = ngptModel(CONFIG, { parameterization: nugpt, dims: DIMS }).optimizer({
    lr: 0.01,
    params,
  });
  let state = opt.init(params);
  const grads = init(key(4), CONFIG);
  let current = params;
  for (let i = 0; i < 2; i++) [current, state] = opt.step(current, grads, state);
  const path = `${dir}/with_state.safetensors`;
  await save(path, current, {
    config: CONFIG,
    parameterization: nugpt,
    dims: DIMS,
    optimizerState: state,
  });
  const loaded = await load(path);
  const original = encodeState(state);
  const restored = encodeState(loaded.optimizerState);
  assertEquals(restored.layout, original.layout);
  assertEquals(Object.keys(restored.tensors), Object.keys(original.tensors));
  for (const name of Object.keys(original.tensors)) {
    assertEquals(bits(restored.tensors[name]), bits(original.tensors[name]), name);
  }
  const counts = (loaded.optimizerState as { count: Tensor }[]).map((s) => s.count.dataSync()[0]);
  assertEquals(counts, [2, 2]);
  // training resumes from the loaded state exactly as from the live one
  const [a] = opt.step(current, grads, state);
  const [b] = opt.step(loaded.params, grads, loaded.optimizerState as unknown[]);
  assertEquals(treeLeaves<Tensor>(b).map(bits), treeLeaves<Tensor>(a).map(bits));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkpoint: writes are atomic and leave no temporary file behind", async () => {
  const dir = await tempDir();
  const params = init(key(5), CONFIG);
  const path = `${dir}/atomic.safetensors`;
  await save(path, params, { config: CONFIG, parameterization: ngpt });
  await save(path, params, { config: CONFIG, parameterization: ngpt }); // overwrite
  const names = () => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assertEquals(names(), ["atomic.safetensors"]);
  const before = await Deno.readFile(path);
  // a refused save (wrong config) leaves the old file untouched and no temporary file
  await assertRejects(
    () => save(path, params, { config: { ...CONFIG, vocab: 9 }, parameterization: ngpt }),
    [path, "embed", "[8,8]", "[9,8]"],
  );
  assertEquals(names(), ["atomic.safetensors"]);
  assertEquals(await Deno.readFile(path), before);
  // a failed write (no such directory) leaves nothing behind
  await assertRejects(
    () => save(`${dir}/missing/x.safetensors`, params, { config: CONFIG, parameterization: ngpt }),
    ["save", "missing/x.safetensors", "cannot write"],
  );
  assertEquals(names(), ["atomic.safetensors"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkpoint: an independent hand parse of the file matches the safetensors layout", async () => {
  const dir = await tempDir();
  const params = init(key(6), CONFIG);
  const path = `${dir}/spec.safetensors`;
  await save(path, params, { config: CONFIG, parameterization: ngpt });
  const bytes = await Deno.readFile(path);
  const view = new DataView(bytes.buffer);
  const n = Number(view.getBigUint64(0, true));
  assertEquals((8 + n) % 8, 0, "data starts 8-byte aligned");
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assertTrue(/^ *$/.test(text.slice(text.lastIndexOf("}") + 1)), "padding is spaces");
  const header = JSON.parse(text);
  const meta = header.__metadata__;
  assertTrue(Object.values(meta).every((v) => typeof v === "string"));
  const config = JSON.parse(meta.config);
  assertEquals(Object.keys(config).sort(), [
    "depth",
    "heads",
    "mlpWidth",
    "seqLen",
    "vocab",
    "width",
  ]);
  const rescalers = JSON.parse(meta.rescalers);
  assertEquals(Object.keys(rescalers).sort(), ["alphaA", "alphaM", "sqk", "su", "sv", "sz"]);
  assertEquals(rescalers.alphaA, { init: 0.05, scale: 1 / Math.sqrt(8) });
  assertEquals(meta.parameterization, "ngpt");
  const shapes = parameterShapes(CONFIG);
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  assertEquals(names.sort(), Object.keys(shapes).sort());
  const spans = names.map((name) => {
    const { dtype, shape, data_offsets: [begin, end] } = header[name];
    assertEquals([dtype, shape], ["F32", shapes[name]]);
    assertEquals(end - begin, 4 * shape.reduce((a: number, b: number) => a * b, 1));
    return [begin, end];
  }).sort((a, b) => a[0] - b[0]);
  spans.forEach(([begin], i) => assertEquals(begin, i === 0 ? 0 : spans[i - 1][1]));
  assertEquals(8 + n + spans[spans.length - 1][1], bytes.length);
  // little-endian f32 values of one tensor, read by hand
  const [begin] = header["blocks.0.attn.o"].data_offsets;
  const expected = params.blocks[0].attn.o.dataSync();
  for (let i = 0; i < expected.length; i++) {
    assertEquals(view.getFloat32(8 + n + begin + 4 * i, true), expected[i]);
  }
  await Deno.remove(dir, { recursive: true });
});

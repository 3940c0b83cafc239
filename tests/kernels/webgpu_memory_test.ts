/** WebGPU backend: memory stays flat, limits give clear errors, batching, reads, device loss. */
import { runOn } from "./run_on.ts";
import type { BackendBuffer } from "../../kernels/backend.ts";
import { createWebGpuBackend } from "../../kernels/webgpu/backend.ts";
import { assertEquals, assertRejects, assertThrows, assertTrue } from "../../testing/assert.ts";
import { gpuRequirement, gpuTest } from "./webgpu_helpers.ts";
import { requires } from "../requires.ts";

const f32 = "f32" as const;

gpuTest("webgpu memory: 1000 steps of a few ops with release stay flat", async (g) => {
  const x = g.upload(Float32Array.from({ length: 64 * 32 }, (_, i) => i / 100), f32);
  const w = g.upload(Float32Array.from({ length: 32 * 16 }, (_, i) => (i % 7) - 3), f32);
  const before = g.memory();
  let pooledMax = 0;
  let created = 0;
  for (let step = 0; step < 1000; step++) {
    const y = runOn(
      g,
      "matmul",
      [{ buffer: x, shape: [64, 32], dtype: f32 }, {
        buffer: w,
        shape: [32, 16],
        dtype: f32,
      }],
      { transA: false, transB: false },
      { shape: [64, 16], dtype: f32 },
    );
    const t = runOn(g, "unary", [{ buffer: y, shape: [64, 16], dtype: f32 }], { op: "tanh" }, {
      shape: [64, 16],
      dtype: f32,
    });
    const s = runOn(g, "reduceSum", [{ buffer: t, shape: [64, 16], dtype: f32 }], { axes: [1] }, {
      shape: [64, 1],
      dtype: f32,
    });
    const u = g.upload(new Float32Array([step]), f32);
    const z = runOn(
      g,
      "binary",
      [{ buffer: s, shape: [64, 1], dtype: f32 }, {
        buffer: u,
        shape: [1],
        dtype: f32,
      }],
      { op: "add" },
      { shape: [64, 1], dtype: f32 },
    );
    if (step % 250 === 0) await g.read(z, f32, 64);
    for (const b of [y, t, s, u, z]) g.release(b);
    pooledMax = Math.max(pooledMax, g.memory().pooledBuffers);
    if (step === 10) created = g.stats().created;
  }
  await g.flush();
  const after = g.memory();
  assertEquals(after.buffers, before.buffers, "live buffers after 1000 steps");
  assertEquals(after.bytes, before.bytes, "live bytes after 1000 steps");
  assertTrue(pooledMax <= 10, `pool grew to ${pooledMax} buffers`);
  assertEquals(g.stats().created, created, "no buffer created after warm-up");
  g.release(x);
  g.release(w);
});

gpuTest("webgpu pool: past its byte cap, released buffers are destroyed", async () => {
  const g = await createWebGpuBackend({ maxPooledBytes: 4096 });
  const bufs: BackendBuffer[] = [];
  for (let i = 0; i < 20; i++) bufs.push(g.upload(new Float32Array(256), f32));
  for (const b of bufs) g.release(b);
  await g.flush();
  assertTrue(g.memory().pooledBytes <= 4096, `pooled ${g.memory().pooledBytes} bytes`);
  assertEquals(g.stats().destroyed, 16);
  g.destroy();
});

gpuTest("webgpu limits: an over-limit buffer throws naming op, shape and limit", async (g) => {
  const limit = g.context.limits.maxStorageBufferBindingSize;
  const rows = Math.ceil(limit / 4) + 1024;
  const x = g.upload(new Float32Array([1]), f32);
  assertThrows(
    () =>
      runOn(g, "broadcast", [{ buffer: x, shape: [1, 1], dtype: f32 }], { shape: [rows, 1] }, {
        shape: [rows, 1],
        dtype: f32,
      }),
    ["broadcast", `[${rows},1]`, "maxStorageBufferBindingSize", `${limit}`],
  );
  // The device still works afterwards.
  assertEquals(Array.from(await g.read(x, f32, 1)), [1]);
  g.release(x);
});

gpuTest("webgpu dtypes: f64 is refused clearly; bool round-trips as 0/1", async (g) => {
  assertThrows(() => g.upload(new Float64Array([1]), "f64"), ["f64", "webgpu"]);
  const b = g.upload(new Uint8Array([0, 1, 1, 0]), "bool");
  const got = await g.read(b, "bool", 4);
  assertTrue(got instanceof Uint8Array);
  assertEquals(Array.from(got), [0, 1, 1, 0]);
  g.release(b);
});

gpuTest("webgpu dispatch: pipelines are cached and dispatches batched", async (g) => {
  const x = g.upload(new Float32Array(100), f32);
  const op = { buffer: x, shape: [100], dtype: f32 };
  g.release(runOn(g, "unary", [op], { op: "exp" }, { shape: [100], dtype: f32 }));
  const s0 = g.stats();
  for (let i = 0; i < 100; i++) {
    g.release(runOn(g, "unary", [op], { op: "exp" }, { shape: [100], dtype: f32 }));
  }
  await g.flush();
  const s1 = g.stats();
  assertEquals(s1.pipelines, s0.pipelines, "no new pipeline for a repeated op");
  assertEquals(s1.dispatches - s0.dispatches, 100);
  assertTrue(s1.submissions - s0.submissions <= 2, `${s1.submissions - s0.submissions} submits`);
  g.release(x);
});

gpuTest("webgpu read: concurrent reads each get their own data", async (g) => {
  const bufs = Array.from({ length: 8 }, (_, i) => g.upload(new Int32Array([i, i * 10]), "i32"));
  const got = await Promise.all(bufs.map((b) => g.read(b, "i32", 2)));
  got.forEach((v, i) => assertEquals(Array.from(v), [i, i * 10]));
  for (const b of bufs) g.release(b);
  assertThrows(() => g.release(bufs[0]), "after release");
});

requires(gpuRequirement, {
  name: "webgpu device lost: every later call throws a clear error",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const g = await createWebGpuBackend();
    const x = g.upload(new Float32Array([1, 2]), f32);
    g.destroy();
    await g.context.device.lost;
    assertThrows(() => g.upload(new Float32Array([1]), f32), "webgpu: device lost (destroyed");
    await assertRejects(() => g.read(x, f32, 2), "webgpu: device lost");
    assertThrows(
      () =>
        runOn(g, "unary", [{ buffer: x, shape: [2], dtype: f32 }], { op: "neg" }, {
          shape: [2],
          dtype: f32,
        }),
      "webgpu: device lost",
    );
  },
});

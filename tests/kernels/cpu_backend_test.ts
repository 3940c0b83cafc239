/** The CPU backend object: buffers, copies, memory counters, errors, BLAS loading. */
import { runOn } from "./run_on.ts";
import { CpuBuffer, createCpuBackend } from "../../kernels/cpu/backend.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";

Deno.test("backend: name, dtypes and info", () => {
  const cpu = createCpuBackend({ blas: false });
  assertEquals(cpu.name, "cpu");
  assertEquals([...cpu.dtypes], ["f32", "f64", "i32", "bool", "f16"]);
  assertTrue(cpu.info().startsWith("cpu (matmul: TypeScript; fused: "), cpu.info());
});

Deno.test("backend: upload copies, read returns a copy, bool stored as 0/1", async () => {
  const cpu = createCpuBackend({ blas: false });
  const src = new Float32Array([1, 2, 3]);
  const b = cpu.upload(src, "f32");
  src[0] = 99;
  const r1 = cpu.readSync(b, "f32", 3);
  assertEquals(Array.from(r1), [1, 2, 3]);
  r1[1] = 42;
  assertEquals(Array.from(await cpu.read(b, "f32", 3)), [1, 2, 3]);
  assertTrue(b instanceof CpuBuffer && b.backend === "cpu");
  const flags = cpu.upload(new Float64Array([0, 0.5, -2, NaN]), "bool");
  const back = cpu.readSync(flags, "bool", 4);
  assertTrue(back instanceof Uint8Array);
  assertEquals(Array.from(back), [0, 1, 1, 1]);
  cpu.release(b);
  cpu.release(flags);
});

Deno.test("backend: memory counts live buffers and bytes, back to zero on release", () => {
  const cpu = createCpuBackend({ blas: false });
  const live = () => ({ buffers: cpu.memory().buffers, bytes: cpu.memory().bytes });
  assertEquals(live(), { buffers: 0, bytes: 0 });
  assertEquals(cpu.memory().pooledBuffers, 0);
  const a = cpu.upload(new Float32Array(10), "f32");
  const b = cpu.upload(new Float64Array(3), "f64");
  assertEquals(live(), { buffers: 2, bytes: 40 + 24 });
  const y = runOn(
    cpu,
    "binary",
    [
      { buffer: a, shape: [10], dtype: "f32" },
      { buffer: a, shape: [10], dtype: "f32" },
    ],
    { op: "add" },
    { shape: [10], dtype: "f32" },
  );
  const c = runOn(
    cpu,
    "compare",
    [
      { buffer: a, shape: [10], dtype: "f32" },
      { buffer: a, shape: [10], dtype: "f32" },
    ],
    { op: "eq" },
    { shape: [10], dtype: "bool" },
  );
  assertEquals(cpu.memory().buffers, 4);
  assertEquals(cpu.memory().bytes, 40 + 24 + 40 + 10);
  for (const buf of [a, b, y, c]) cpu.release(buf);
  // Released arrays wait in the pool, each rounded up to 64 bytes.
  const m = cpu.memory();
  assertEquals(
    { ...live(), pooledBuffers: m.pooledBuffers, pooledBytes: m.pooledBytes },
    { buffers: 0, bytes: 0, pooledBuffers: 4, pooledBytes: 4 * 64 },
  );
});

Deno.test("backend: releasing twice, or using a released buffer, throws clearly", () => {
  const cpu = createCpuBackend({ blas: false });
  const a = cpu.upload(new Float32Array(2), "f32");
  cpu.release(a);
  assertThrows(() => cpu.release(a), "already released");
  assertThrows(() => cpu.readSync(a, "f32", 2), "after release");
  assertThrows(
    () =>
      runOn(cpu, "unary", [{ buffer: a, shape: [2], dtype: "f32" }], { op: "neg" }, {
        shape: [2],
        dtype: "f32",
      }),
    "after release",
  );
  assertEquals(cpu.memory().buffers, 0);
});

Deno.test("backend: a buffer of another backend is refused by name", () => {
  const cpu = createCpuBackend({ blas: false });
  assertThrows(() => cpu.release({ backend: "webgpu" }), ['"webgpu"', "release"]);
});

Deno.test("backend: an unopenable BLAS path falls back to the Wasm SIMD matmul", () => {
  const cpu = createCpuBackend({ blas: "/nonexistent/libnothing.so" });
  assertEquals(cpu.blasLibrary, null);
  assertTrue(cpu.info().startsWith("cpu (matmul: Wasm SIMD"), cpu.info());
});

Deno.test("backend: without --allow-ffi it warns once on stderr and still works", async () => {
  const url = new URL("../../kernels/cpu/backend.ts", import.meta.url).href;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      file,
      `import { createCpuBackend } from ${JSON.stringify(url)};
const a = createCpuBackend(); const b = createCpuBackend();
console.log(a.blasLibrary === null && b.blasLibrary === null ? "fallback" : "blas");`,
    );
    const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", "--no-prompt", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(stderr);
    assertTrue(success, err);
    assertEquals(new TextDecoder().decode(stdout).trim(), "fallback");
    const lines = err.split("\n").filter((l) => l.startsWith("nugrad:"));
    assertEquals(lines.length, 1, err);
    assertTrue(lines[0].includes("--allow-ffi") && lines[0].includes("NUGRAD_BLAS"), lines[0]);
  } finally {
    await Deno.remove(file);
  }
});

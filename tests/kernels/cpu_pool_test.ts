/**
 * The CPU backend's array pool: reuse by byte size across dtypes, zeros where asked, the cap,
 * foreign and repeated returns ignored, `trim`; a model-based property (no two live arrays share
 * storage, the counters add up); and the backend on top of it (kernels that need zeros get them
 * from dirty storage, `runInto` overwrites its target, `memory()` shows the pool).
 */
import { ArrayPool } from "../../kernels/cpu/array_pool.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import type { DataArray, DType } from "../../kernels/backend.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";

Deno.test("ArrayPool: a released array serves the next request of the same byte size", () => {
  const pool = new ArrayPool({ maxPooledBytes: 1 << 20 });
  const a = pool.take("f32", 100, { zeroed: false });
  assertEquals([a.length, a.byteLength, a.buffer.byteLength], [100, 400, 448]);
  pool.give(a);
  assertEquals(pool.stats(), {
    pooledArrays: 1,
    pooledBytes: 448,
    hits: 0,
    misses: 1,
    created: 1,
    dropped: 0,
  });
  const b = pool.take("f64", 50, { zeroed: false }); // 400 bytes too: the same storage
  assertTrue(b instanceof Float64Array && b.length === 50);
  assertTrue(b.buffer === a.buffer);
  const c = pool.take("f32", 200, { zeroed: false }); // another size: fresh
  assertTrue(c.buffer !== a.buffer);
  const s = pool.stats();
  assertEquals([s.hits, s.misses, s.created, s.pooledArrays, s.pooledBytes], [1, 2, 2, 0, 0]);
});

Deno.test("ArrayPool: zeroed requests get zeros even from dirty storage", () => {
  const pool = new ArrayPool({ maxPooledBytes: 1 << 20 });
  for (const dtype of ["f32", "f64", "i32", "bool"] as const) {
    const dirty = pool.take(dtype, 33, { zeroed: false });
    dirty.fill(dtype === "bool" ? 1 : 7);
    pool.give(dirty);
    const clean = pool.take(dtype, 33, { zeroed: true });
    assertTrue(clean.buffer === dirty.buffer, `${dtype}: reused`);
    assertEquals(Array.from(clean), new Array(33).fill(0), dtype);
    pool.give(clean);
  }
});

Deno.test("ArrayPool: past the cap released arrays are dropped; trim empties it", () => {
  const pool = new ArrayPool({ maxPooledBytes: 128 });
  const arrays = [0, 1, 2].map(() => pool.take("f32", 16, { zeroed: false })); // 64 B each
  for (const a of arrays) pool.give(a);
  let s = pool.stats();
  assertEquals([s.pooledArrays, s.pooledBytes, s.dropped], [2, 128, 1]);
  pool.trim();
  s = pool.stats();
  assertEquals([s.pooledArrays, s.pooledBytes], [0, 0]);
  pool.take("f32", 16, { zeroed: false });
  assertEquals(pool.stats().misses, 4);
  assertThrows(() => new ArrayPool({ maxPooledBytes: -1 }), "maxPooledBytes");
  assertThrows(() => pool.take("f32", 1.5, { zeroed: true }), "got 1.5");
});

Deno.test("ArrayPool: arrays it did not hand out, or already got back, are ignored", () => {
  const pool = new ArrayPool({ maxPooledBytes: 1 << 20 });
  pool.give(new Float32Array(16)); // someone else's array: never pooled
  const a = pool.take("f32", 16, { zeroed: false });
  pool.give(a);
  pool.give(a); // a second return would hand the storage out twice
  assertEquals(pool.stats().pooledArrays, 1);
  const [x, y] = [pool.take("f32", 16, { zeroed: false }), pool.take("f32", 16, { zeroed: false })];
  assertTrue(x.buffer !== y.buffer);
});

Deno.test("ArrayPool: debugFill marks storage handed out without zeros", () => {
  const pool = new ArrayPool({ maxPooledBytes: 1 << 20, debugFill: NaN });
  const a = pool.take("f32", 5, { zeroed: false });
  assertTrue(a.every(Number.isNaN));
  pool.give(a);
  assertEquals(Array.from(pool.take("f32", 5, { zeroed: true })), [0, 0, 0, 0, 0]);
});

const dtypeArb = fc.constantFrom<DType>("f32", "f64", "i32", "bool");

Deno.test("ArrayPool: live arrays never share storage, and the counters add up", () => {
  const command = fc.oneof(
    fc.record({ take: dtypeArb, size: fc.integer({ min: 0, max: 40 }), zeroed: fc.boolean() }),
    fc.record({ give: fc.nat() }),
  );
  fc.assert(
    fc.property(
      fc.array(command, { maxLength: 60 }),
      fc.integer({ min: 0, max: 512 }),
      (cmds, cap) => {
        const pool = new ArrayPool({ maxPooledBytes: cap });
        const live: DataArray[] = [];
        let takes = 0;
        for (const cmd of cmds) {
          if ("take" in cmd) {
            const a = pool.take(cmd.take, cmd.size, { zeroed: cmd.zeroed });
            assertEquals(a.length, cmd.size);
            if (cmd.zeroed) assertTrue(a.every((v) => v === 0), "zeroed");
            if (a.length > 0) {
              assertTrue(live.every((b) => b.buffer !== a.buffer), "storage handed out twice");
              takes++;
              a.fill(1); // dirty it for the next user
              live.push(a);
            }
          } else if (live.length > 0) {
            pool.give(live.splice(cmd.give % live.length, 1)[0]);
          }
        }
        const s = pool.stats();
        assertEquals(s.hits + s.misses, takes);
        assertEquals(s.created, s.misses);
        assertTrue(s.pooledBytes <= cap, `pooled ${s.pooledBytes} > cap ${cap}`);
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("cpu backend: released buffers come back; kernels needing zeros get them", () => {
  const cpu = createCpuBackend({ blas: false, maxPooledBytes: 1 << 20 });
  // Dirty a 20-element f32 array and release it: pad's output of the same size reuses it.
  const dirty = cpu.upload(new Float32Array(20).fill(9), "f32");
  cpu.release(dirty);
  const x = cpu.upload(new Float32Array([1, 2]), "f32");
  const created = cpu.memory().created!;
  const padded = cpu.run("pad", [{ buffer: x, shape: [2], dtype: "f32" }], {
    before: [9],
    after: [9],
  }, { shape: [20], dtype: "f32" });
  assertEquals(cpu.memory().created, created, "pad's output came from the pool");
  const zeros = new Array(9).fill(0);
  assertEquals(Array.from(cpu.readSync(padded, "f32", 20)), [...zeros, 1, 2, ...zeros]);
  const m = cpu.memory();
  assertEquals([m.buffers, m.poolHits! > 0, m.poolMisses! > 0], [2, true, true]);
  cpu.release(padded);
  cpu.release(x);
  assertEquals(cpu.memory().buffers, 0);
  assertTrue(cpu.memory().pooledBuffers > 0);
  cpu.trim();
  assertEquals([cpu.memory().pooledBuffers, cpu.memory().pooledBytes], [0, 0]);
});

Deno.test("cpu backend: runInto writes every element of a dirty target, as run does", () => {
  for (const matmul of ["ts", "wasm"] as const) {
    const cpu = createCpuBackend({ blas: false, matmul, maxPooledBytes: 1 << 20 });
    const a = cpu.upload(Float32Array.from({ length: 6 }, (_, i) => i + 1), "f32");
    const b = cpu.upload(Float32Array.from({ length: 12 }, (_, i) => i - 3), "f32");
    const ops = [
      { buffer: a, shape: [2, 3], dtype: "f32" as const },
      { buffer: b, shape: [3, 4], dtype: "f32" as const },
    ];
    const spec = { shape: [2, 4], dtype: "f32" as const };
    const params = { transA: false, transB: false };
    const want = cpu.readSync(cpu.run("matmul", ops, params, spec), "f32", 8);
    const target = cpu.alloc("f32", 8);
    target.data.fill(NaN);
    cpu.runInto("matmul", ops, params, spec, target);
    assertEquals(Array.from(cpu.readSync(target, "f32", 8)), Array.from(want), matmul);
    // An empty inner dimension: the product is zeros, whatever the target held.
    const e = cpu.upload(new Float32Array(0), "f32");
    const dirty = cpu.upload(new Float32Array(8).fill(5), "f32");
    cpu.runInto(
      "matmul",
      [
        { buffer: e, shape: [2, 0], dtype: "f32" },
        { buffer: e, shape: [0, 4], dtype: "f32" },
      ],
      params,
      spec,
      dirty,
    );
    assertEquals(Array.from(cpu.readSync(dirty, "f32", 8)), new Array(8).fill(0), matmul);
    // A kernel that builds its output elsewhere (a gather) is copied into the target.
    const idx = cpu.upload(new Int32Array([1, 0]), "i32");
    const rows = cpu.upload(new Float32Array(6).fill(-1), "f32");
    cpu.runInto(
      "gather",
      [
        { buffer: a, shape: [2, 3], dtype: "f32" },
        { buffer: idx, shape: [2], dtype: "i32" },
      ],
      { axis: 0 },
      { shape: [2, 3], dtype: "f32" },
      rows,
    );
    assertEquals(Array.from(cpu.readSync(rows, "f32", 6)), [4, 5, 6, 1, 2, 3]);
  }
});

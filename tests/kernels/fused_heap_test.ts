/**
 * The fused kernels' WebAssembly heap over a long process: models of many shapes trained one after
 * another must reuse one region (free blocks merged, split, the top given back), the CPU array
 * pool's idle blocks must come back when the heap is at its limit, and growth must stop at the
 * limit rather than fail short of it. A process that fitted a parameterization over batch sizes
 * (three stages of different shapes) once ran out of the 4 GiB this way: the pool held every
 * earlier shape's blocks and the heap never merged its free ones.
 */
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { FusedHeap, heapPoolStorage } from "../../kernels/cpu/wasm/fused_memory.ts";
import { ArrayPool } from "../../kernels/cpu/array_pool.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

Deno.test("fused heap: blocks of one shape, freed, serve another shape without growing", () => {
  const heap = new FusedHeap({ maxPages: 256 });
  // First "model": 40 blocks of 48 KiB.
  const first = Array.from({ length: 40 }, () => heap.alloc(48 * KiB));
  const top = heap.stats().heapBytes;
  for (const at of first) heap.free(at);
  // Second "model", other sizes, the same total: served from the merged region.
  const second = Array.from({ length: 30 }, () => heap.alloc(60 * KiB));
  assertTrue(heap.stats().heapBytes <= top, `${heap.stats().heapBytes} > ${top}`);
  // Distinct, non-overlapping blocks.
  const sorted = [...second].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) assertTrue(sorted[i] - sorted[i - 1] >= 60 * KiB);
  for (const at of second) heap.free(at);
  // Everything free and merged: one request of (nearly) the whole region fits in place.
  const whole = heap.alloc(top - 70 * KiB);
  assertTrue(whole + top - 70 * KiB <= top);
});

Deno.test("fused heap: free blocks at the top go back to the untouched space", () => {
  const heap = new FusedHeap({ maxPages: 64 });
  const a = heap.alloc(512 * KiB);
  const b = heap.alloc(512 * KiB);
  heap.free(b);
  heap.free(a);
  // A request larger than the memory has: the merge finds a and b at the top and gives them back.
  const c = heap.alloc(3 * MiB);
  assertEquals(c, a);
  assertEquals(heap.stats().heapBytes, a + 3 * MiB);
});

Deno.test("fused heap: growth stops at the limit instead of failing short of it", () => {
  const heap = new FusedHeap({ maxPages: 20 });
  // Fill to about 15 pages, then ask for a block that needs 19.5 of the 20: a quarter's growth
  // would pass the limit; the heap must grow only as far as it may.
  heap.alloc(15 * 65536);
  heap.alloc(4 * 65536);
  assertTrue(heap.memory.buffer.byteLength <= 20 * 65536);
  assertThrows(() => heap.alloc(2 * 65536), "more than the 1310720 allowed");
});

Deno.test({
  name: "fused heap: at its limit, the array pool gives its idle blocks back",
  fn: () => {
    const heap = new FusedHeap({ maxPages: 64 }); // 4 MiB
    const storage = heapPoolStorage(heap)!;
    const pool = new ArrayPool({ storage, maxPooledBytes: 64 * MiB });
    // The pool takes 3 MiB of the heap and keeps it idle.
    const arrays = Array.from({ length: 12 }, () => pool.take("f32", 64 * KiB, { zeroed: false }));
    for (const a of arrays) pool.give(a);
    assertEquals(pool.stats().pooledBytes, 3 * MiB);
    // A kernel's 2 MiB scratch block only fits once the pool lets go.
    const at = heap.alloc(2 * MiB);
    assertTrue(at >= 0);
    assertEquals(pool.stats().pooledBytes, 0);
    // And the pool still works afterwards, from the heap's remaining room.
    const again = pool.take("f32", 64 * KiB, { zeroed: true });
    assertEquals(again[0], 0);
  },
});

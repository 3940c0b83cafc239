import { assertEquals, assertRejects, assertThrows, assertTrue } from "../../testing/assert.ts";
import {
  heldOutWindows,
  loadTextFile,
  minimumFileBytes,
  sampleBatch,
  validationWindows,
} from "../../bench/transfer/run/data.ts";

Deno.test("--data errors name the path and the minimum size", async () => {
  const dir = await Deno.makeTempDir();
  const min = minimumFileBytes(64);
  assertEquals(min, 5200);
  await assertRejects(
    () => loadTextFile(`${dir}/missing.txt`, { seq: 64 }),
    [`${dir}/missing.txt`, "not found", `${min} bytes`],
  );
  await Deno.writeTextFile(`${dir}/empty.txt`, "");
  await assertRejects(() => loadTextFile(`${dir}/empty.txt`, { seq: 64 }), ["empty", `${min}`]);
  await Deno.writeTextFile(`${dir}/short.txt`, "x".repeat(min - 1));
  await assertRejects(
    () => loadTextFile(`${dir}/short.txt`, { seq: 64 }),
    [`${dir}/short.txt`, `only ${min - 1} bytes`, `at least ${min}`],
  );
  await assertRejects(() => loadTextFile(dir, { seq: 64 }), [dir, "not a regular file"]);
  await Deno.writeFile(`${dir}/binary.bin`, new Uint8Array(min).fill(0xff));
  await assertRejects(() => loadTextFile(`${dir}/binary.bin`, { seq: 64 }), "not valid UTF-8");
});

Deno.test("--data splits off the last 5 % as held-out", async () => {
  const dir = await Deno.makeTempDir();
  const text = "héllo wörld, ".repeat(1000);
  await Deno.writeTextFile(`${dir}/ok.txt`, text);
  const data = await loadTextFile(`${dir}/ok.txt`, { seq: 64 });
  const bytes = new TextEncoder().encode(text);
  assertEquals(data.name, `${dir}/ok.txt`);
  assertEquals(data.train.length + data.val.length, bytes.length);
  assertEquals(data.val.length, Math.ceil(bytes.length * 0.05));
  assertEquals([...data.val], [...bytes.subarray(data.train.length)]);
});

Deno.test("sampleBatch is deterministic per (seed, step) and yields in-range windows", () => {
  const tokens = new Uint8Array(1000).map((_, i) => i % 251);
  const a = sampleBatch(tokens, { seed: 3, step: 7, batch: 4, seq: 16 });
  assertEquals(a.length, 4 * 17);
  assertEquals(a, sampleBatch(tokens, { seed: 3, step: 7, batch: 4, seq: 16 }));
  assertTrue(a.join() !== sampleBatch(tokens, { seed: 3, step: 8, batch: 4, seq: 16 }).join());
  assertTrue(a.join() !== sampleBatch(tokens, { seed: 4, step: 7, batch: 4, seq: 16 }).join());
  for (let w = 0; w < 4; w++) {
    for (let i = 1; i < 17; i++) assertEquals(a[w * 17 + i], (a[w * 17] + i) % 251);
  }
  const tiny = new Uint8Array(17);
  assertEquals(sampleBatch(tiny, { seed: 0, step: 0, batch: 2, seq: 16 }).length, 34);
  assertThrows(() => sampleBatch(new Uint8Array(16), { seed: 0, step: 0, batch: 1, seq: 16 }), [
    "sampleBatch",
    "17",
  ]);
});

Deno.test("validation windows are fixed; held-out windows tile the set", () => {
  const val = new Uint8Array(1000).map((_, i) => i % 256);
  const v = validationWindows(val, { seq: 9, count: 5 });
  assertEquals(v.length, 5 * 10);
  assertEquals(v[0], 0);
  assertEquals(v[4 * 10 + 9], val[999]); // the last window ends at the last byte
  assertEquals(validationWindows(val, { seq: 9 }).length, 256 * 10);
  const h = heldOutWindows(val, { seq: 9 });
  assertEquals(h.length / 10, Math.floor(999 / 9));
  for (let w = 1; w < h.length / 10; w++) assertEquals(h[w * 10], h[(w - 1) * 10 + 9]);
});

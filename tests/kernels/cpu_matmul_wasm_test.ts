/**
 * The generated Wasm GEMM below the backend: the binary writer's LEB128
 * numbers, the module's pack and micro-kernel routines for every tile shape
 * and both multiply-add forms (relaxed FMA and mul+add, the latter being what
 * runtimes without relaxed SIMD get), and the engine's argument checks.
 */
import { gemmModuleBytes, relaxedSimdSupported } from "../../kernels/cpu/wasm/gemm_module.ts";
import { sleb, uleb } from "../../kernels/cpu/wasm/wasm_binary.ts";
import { wasmGemm } from "../../kernels/cpu/wasm/wasm_gemm.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";

/** Decode LEB128 bytes (signed or not): the writer's inverse, written independently. */
function decodeLeb(bytes: readonly number[], signed: boolean): number {
  let result = 0n, shift = 0n, byte = 0;
  for (const b of bytes) {
    byte = b;
    result |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  }
  if (signed && (byte & 0x40) !== 0) result -= 1n << shift;
  return Number(result);
}

Deno.test("wasm binary: LEB128 round-trips, with the last byte alone lacking the high bit", () => {
  fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (n) => {
    const b = uleb(n);
    assertEquals(decodeLeb(b, false), n);
    assertTrue(b.slice(0, -1).every((x) => x >= 0x80) && b[b.length - 1] < 0x80);
  }));
  fc.assert(fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (n) => {
    assertEquals(decodeLeb(sleb(n), true), n);
  }));
  assertThrows(() => uleb(-1), ["uleb", "-1"]);
  assertThrows(() => sleb(2 ** 31), ["sleb", "2147483648"]);
});

interface ModuleExports {
  packA(src: number, rs: number, cs: number, mc: number, kc: number, dst: number): void;
  packB(src: number, rs: number, cs: number, kc: number, nc: number, dst: number): void;
  macro(...args: number[]): void;
}

/**
 * `op(A) op(B)` for one `[m,k]x[k,n]` product through a module built with
 * `opts`, its C first filled with `prior` and accumulated into (`first` = 0)
 * or overwritten (`first` = 1).
 */
function viaModule(
  opts: { fma: boolean; mr: number; nr: number; shuffle: boolean },
  c: { m: number; n: number; k: number; transA: boolean; transB: boolean; first: boolean },
  a: Float32Array,
  b: Float32Array,
  prior: number,
): Float32Array {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
  const bytes = gemmModuleBytes({
    fma: opts.fma,
    shared: false,
    mr: opts.mr,
    nr: opts.nr,
    // A's values broadcast by lane shuffles (rows a multiple of 4) or by a load per row.
    shuffleA: opts.shuffle && opts.mr % 4 === 0,
  });
  const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
    .exports as unknown as ModuleExports;
  const { m, n, k } = c;
  const f = new Float32Array(memory.buffer);
  const A = 4096, B = A + 4 * a.length, C = B + 4 * b.length, AP = C + 4 * m * n + 64;
  const BP = AP + 4 * (m + opts.mr) * k, EDGE = BP + 4 * (n + opts.nr) * k;
  f.set(a, A / 4);
  f.set(b, B / 4);
  f.fill(prior, C / 4, C / 4 + m * n);
  ex.packA(A, c.transA ? 1 : k, c.transA ? m : 1, m, k, AP);
  ex.packB(B, c.transB ? 1 : n, c.transB ? k : 1, k, n, BP);
  ex.macro(AP, BP, C, m, n, k, n, c.first ? 1 : 0, EDGE);
  return f.slice(C / 4, C / 4 + m * n);
}

Deno.test("wasm module: every tile shape, broadcast and multiply-add form against a naive product", () => {
  const forms = relaxedSimdSupported() ? [false, true] : [false];
  const arb = fc.record({
    m: fc.integer({ min: 1, max: 20 }),
    n: fc.integer({ min: 1, max: 20 }),
    k: fc.integer({ min: 1, max: 20 }),
    transA: fc.boolean(),
    transB: fc.boolean(),
    first: fc.boolean(),
    mr: fc.integer({ min: 1, max: 8 }),
    nr: fc.constantFrom(4, 8, 12, 16),
    shuffle: fc.boolean(),
    fma: fc.constantFrom(...forms),
    seed: fc.nat(1000),
  });
  fc.assert(
    fc.property(arb, (c) => {
      const { m, n, k, transA, transB } = c;
      const a = Float32Array.from(
        { length: m * k },
        (_, i) => Math.round(Math.sin(i + c.seed) * 8),
      );
      const b = Float32Array.from(
        { length: k * n },
        (_, i) => Math.round(Math.cos(i * c.seed) * 8),
      );
      const prior = 3;
      const got = viaModule(c, c, a, b, prior);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = c.first ? 0 : prior;
          for (let p = 0; p < k; p++) {
            s += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
          }
          // Small integers: every form computes them exactly.
          assertEquals(got[i * n + j], s, `[${i},${j}] of ${JSON.stringify(c)}`);
        }
      }
    }),
    { numRuns: 200 },
  );
});

Deno.test("wasm module: a tile shape that is not a multiple of 4 columns is refused", () => {
  assertThrows(() => gemmModuleBytes({ fma: false, shared: false, nr: 6 }), [
    "gemmModuleBytes",
    "6",
  ]);
});

Deno.test("wasm engine: bad arguments are named", () => {
  const gemm = wasmGemm()!;
  const args = {
    a: new Float32Array(6),
    b: new Float32Array(6),
    aOffs: [0],
    bOffs: [0],
    m: 2,
    n: 2,
    k: 3,
    transA: false,
    transB: false,
  };
  assertThrows(() => gemm.matmul({ ...args, out: new Float32Array(3) }), [
    "wasm matmul",
    "3 elements",
    "1 x 2 x 2 = 4",
  ]);
  assertThrows(() => wasmGemm(0), ["wasmGemm", "0"]);
  // k = 0: zeros, even into a dirty output.
  assertEquals([...gemm.matmul({ ...args, k: 0, out: new Float32Array(4).fill(7) })], [0, 0, 0, 0]);
});

Deno.test("wasm engine: a batch whose packed B exceeds one job's budget runs in chunks, right", () => {
  // 300 x [8x256] x [256x256] (B broadcast): 256 KiB of packed B per matrix, 75 MiB in all,
  // more than the 64 MiB one job packs.
  const [count, m, k, n] = [300, 8, 256, 256];
  const a = Float32Array.from({ length: count * m * k }, (_, i) => ((i * 7) % 13) - 6);
  const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 5) % 11) - 5);
  const aOffs = Array.from({ length: count }, (_, t) => t * m * k);
  const got = wasmGemm()!.matmul({
    a,
    b,
    aOffs,
    bOffs: new Array(count).fill(0),
    m,
    n,
    k,
    transA: false,
    transB: false,
  });
  for (const t of [0, 1, 255, 256, 299]) {
    for (const [i, j] of [[0, 0], [7, 255], [3, 100]]) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aOffs[t] + i * k + p] * b[p * n + j];
      assertEquals(got[t * m * n + i * n + j], s, `matrix ${t} [${i},${j}]`);
    }
  }
});

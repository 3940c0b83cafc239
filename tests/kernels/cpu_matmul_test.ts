/**
 * CPU matmul on every path (BLAS with the chosen kernel, Wasm SIMD, the
 * TypeScript loop) against a naive batched reference and against each other.
 */
import type { DType } from "../../kernels/backend.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { openBlas } from "../../kernels/cpu/blas.ts";
import { wasmGemm } from "../../kernels/cpu/wasm/wasm_gemm.ts";
import { assertEquals, assertThrows, assertTrue } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
import { blasLibrary, requires } from "../requires.ts";
import {
  assertAllClose,
  broadcastableArb,
  broadcastIndex,
  FLOAT_DTYPES,
  type Host,
  numel,
  ravel,
  runPrim,
  shapeArb,
  store,
  tensorArb,
  unravel,
} from "./cpu_naive.ts";

const fallback = createCpuBackend({ matmul: "ts" });
const wasm = createCpuBackend({ matmul: "wasm" });
const blas = createCpuBackend();
const noBlas = blas.blasLibrary === null;
/** Every path this machine has, by name. */
const PATHS: [string, typeof blas][] = [
  ["ts", fallback],
  ["wasm", wasm],
  ...(noBlas ? [] : [["blas", blas] as [string, typeof blas]]),
];

interface MatmulCase {
  a: Host;
  b: Host;
  transA: boolean;
  transB: boolean;
  out: number[];
}

/** Random batched operands (batch dims broadcast) with random transpose flags. */
function matmulCase(dtype: DType, maxDim = 5): fc.Arbitrary<MatmulCase> {
  return fc.record({
    batch: shapeArb({ maxRank: 2, maxDim: 3 }),
    m: fc.integer({ min: 0, max: maxDim }),
    n: fc.integer({ min: 0, max: maxDim }),
    k: fc.integer({ min: 0, max: maxDim }),
    transA: fc.boolean(),
    transB: fc.boolean(),
  }).chain(({ batch, m, n, k, transA, transB }) =>
    fc.tuple(broadcastableArb(batch), broadcastableArb(batch)).chain(([ba, bb]) =>
      fc.tuple(
        tensorArb([...ba, ...(transA ? [k, m] : [m, k])], dtype, 3),
        tensorArb([...bb, ...(transB ? [n, k] : [k, n])], dtype, 3),
      ).map(([a, b]) => ({ a, b, transA, transB, out: [...batch, m, n] }))
    )
  );
}

/** out[..., i, j] = sum_p A[..., i, p] B[..., p, j], every index computed from scratch. */
function naiveMatmul({ a, b, transA, transB, out }: MatmulCase): number[] {
  const r = out.length;
  const k = transA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const res: number[] = [];
  for (let flat = 0; flat < numel(out); flat++) {
    const idx = unravel(flat, out);
    const batch = idx.slice(0, r - 2), i = idx[r - 2], j = idx[r - 1];
    const ia = broadcastIndex(batch, a.shape.slice(0, -2));
    const ib = broadcastIndex(batch, b.shape.slice(0, -2));
    let s = 0;
    for (let p = 0; p < k; p++) {
      const av = a.data[ravel([...ia, ...(transA ? [p, i] : [i, p])], a.shape)];
      const bv = b.data[ravel([...ib, ...(transB ? [j, p] : [p, j])], b.shape)];
      s += av * bv;
    }
    res.push(s);
  }
  return res;
}

function runMatmul(backend: typeof blas, c: MatmulCase, dtype: DType): number[] {
  const params = { transA: c.transA, transB: c.transB };
  return runPrim(backend, "matmul", [c.a, c.b], params, { shape: c.out, dtype });
}

Deno.test("matmul, every path: batched, broadcast, all transposes, size-0 dims, f32/f64", () => {
  for (const [name, backend] of PATHS) {
    for (const dtype of FLOAT_DTYPES) {
      // The TypeScript loop accumulates f32 in f64; BLAS and Wasm accumulate in f32.
      const tol = dtype === "f64"
        ? { rtol: 1e-12, atol: 1e-12 }
        : name === "ts"
        ? { rtol: 1e-6, atol: 1e-5 }
        : { rtol: 1e-5, atol: 1e-5 };
      fc.assert(
        fc.property(matmulCase(dtype, 9), (c) => {
          const got = runMatmul(backend, c, dtype);
          assertAllClose(got, naiveMatmul(c).map((v) => store(v, dtype)), tol);
          assertAllClose(got, runMatmul(fallback, c, dtype), tol);
        }),
        { numRuns: 150 },
      );
    }
  }
});

Deno.test("matmul fallback: i32 is exact (on every path)", () => {
  for (const [, backend] of PATHS) {
    fc.assert(fc.property(matmulCase("i32"), (c) => {
      assertEquals(runMatmul(backend, c, "i32"), naiveMatmul(c));
    }));
  }
});

/** A deterministic case of the given sizes (batch 2 for A, B broadcast). */
function bigCase(
  dims: { m: number; n: number; k: number; batch: number },
  transA: boolean,
  transB: boolean,
  dtype: DType,
): MatmulCase {
  const { m, n, k, batch } = dims;
  const fill = (len: number, seed: number) =>
    Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + seed));
  return {
    a: { data: fill(batch * m * k, 1), shape: [batch, ...(transA ? [k, m] : [m, k])], dtype },
    b: { data: fill(n * k, 2), shape: [...(transB ? [n, k] : [k, n])], dtype },
    transA,
    transB,
    out: [batch, m, n],
  };
}

Deno.test("matmul, every path: sizes that cross the cache blocks and tiles agree", () => {
  // Expensive: a few million multiply-adds each, so the 4 transpose combinations only.
  // 33x300x270 crosses the fallback's blocks and Wasm's k-block (256) with partial tiles;
  // 2 x 130x70x300 is large enough (11 Mflop) for the Wasm GEMM's worker threads.
  const sizes = [{ m: 33, n: 300, k: 270, batch: 2 }, { m: 130, n: 70, k: 300, batch: 2 }];
  for (const dims of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const dtype of FLOAT_DTYPES) {
          const c = bigCase(dims, transA, transB, dtype);
          const want = runMatmul(fallback, c, dtype);
          const tol = dtype === "f32" ? { rtol: 1e-4, atol: 1e-4 } : { rtol: 1e-10, atol: 1e-10 };
          for (const [name, backend] of PATHS) {
            if (name === "ts") continue;
            assertAllClose(runMatmul(backend, c, dtype), want, tol);
          }
        }
      }
    }
  }
});

Deno.test("matmul: info names the path", () => {
  assertTrue(fallback.info().startsWith("cpu (matmul: TypeScript; fused: "));
  assertTrue(
    createCpuBackend({ blas: false }).info().startsWith("cpu (matmul: TypeScript; fused: "),
  );
  assertEquals(fallback.blasLibrary, null);
  assertTrue(/^cpu \(matmul: Wasm SIMD \(.*\), \d+ threads?\)$/.test(wasm.info()), wasm.info());
  assertEquals([fallback.matmulPath, wasm.matmulPath], ["ts", "wasm"]);
  if (!noBlas) {
    const lib = openBlas()!; // the same library, opened once per process
    assertEquals(blas.matmulPath, "blas");
    assertTrue(blas.info().startsWith(`cpu (matmul: ${lib.description}; fused: `));
    assertTrue(lib.kernel === null || blas.info().includes(lib.kernel));
  }
});

Deno.test("matmul: forcing a path that cannot be had throws, naming createCpuBackend", () => {
  assertThrows(() => createCpuBackend({ blas: false, matmul: "blas" }), [
    "createCpuBackend",
    "blas: false",
  ]);
  assertThrows(
    () => createCpuBackend({ blas: "/nonexistent/libnothing.so", matmul: "blas" }),
    ["createCpuBackend", "no BLAS opened"],
  );
  assertThrows(
    () => createCpuBackend({ matmul: "gpu" as "ts" }),
    ["createCpuBackend", '"blas", "wasm" or "ts"', "gpu"],
  );
});

Deno.test("matmul Wasm: worker threads take part in large products and agree", async () => {
  const gemm = wasmGemm()!;
  const threads = await gemm.startThreads();
  if (threads < 2) return; // a one-core machine: nothing to share
  const dims = { m: 400, n: 300, k: 300, batch: 2 };
  let most = 0;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const c = bigCase(dims, transA, transB, "f32");
      assertAllClose(runMatmul(wasm, c, "f32"), runMatmul(fallback, c, "f32"), {
        rtol: 1e-4,
        atol: 1e-4,
      });
      most = Math.max(most, gemm.lastJobThreads);
    }
  }
  // Four products of 144 Mflop each (a few ms): a worker usually joins at least one; on a
  // loaded machine (the suite runs its files in parallel) a sleeping thread can take longer to
  // wake than the main thread takes to finish, so keep going with larger products (up to 20).
  const larger = bigCase({ m: 800, n: 600, k: 600, batch: 2 }, false, false, "f32");
  for (let attempt = 0; attempt < 20 && most < 2; attempt++) {
    runMatmul(wasm, larger, "f32");
    most = Math.max(most, gemm.lastJobThreads);
  }
  assertTrue(most >= 2, `threads that ran tasks: ${most}`);
});

// Where no BLAS library opens the BLAS path is missing from PATHS above; under CI that must be
// a failure, not a shorter run.
requires(blasLibrary(), {
  name: "matmul BLAS: the library opens and the default backend uses it",
  fn() {
    assertEquals(blas.matmulPath, "blas");
  },
});

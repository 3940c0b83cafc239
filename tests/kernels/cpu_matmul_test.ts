/** CPU matmul: the TypeScript fallback and BLAS against a naive batched reference. */
import type { DType } from "../../kernels/backend.ts";
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { assertEquals } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";
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
import { blasLibrary, requires } from "../requires.ts";

const fallback = createCpuBackend({ blas: false });
const blas = createCpuBackend();
const blasRequirement = blasLibrary();

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
    m: fc.integer({ min: 1, max: maxDim }),
    n: fc.integer({ min: 1, max: maxDim }),
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

Deno.test("matmul fallback: batched, broadcast, all transposes, f32/f64", () => {
  for (const dtype of FLOAT_DTYPES) {
    const tol = dtype === "f32" ? { rtol: 1e-6, atol: 1e-5 } : { rtol: 1e-12, atol: 1e-12 };
    fc.assert(fc.property(matmulCase(dtype), (c) => {
      assertAllClose(
        runMatmul(fallback, c, dtype),
        naiveMatmul(c).map((v) => store(v, dtype)),
        tol,
      );
    }));
  }
});

Deno.test("matmul fallback: i32 is exact", () => {
  fc.assert(fc.property(matmulCase("i32"), (c) => {
    assertEquals(runMatmul(fallback, c, "i32"), naiveMatmul(c));
  }));
});

requires(blasRequirement, {
  name: "matmul BLAS: agrees with the naive reference and the fallback",
  fn() {
    for (const dtype of FLOAT_DTYPES) {
      const tol = dtype === "f32" ? { rtol: 1e-5, atol: 1e-5 } : { rtol: 1e-12, atol: 1e-12 };
      fc.assert(fc.property(matmulCase(dtype), (c) => {
        const viaBlas = runMatmul(blas, c, dtype);
        assertAllClose(viaBlas, naiveMatmul(c).map((v) => store(v, dtype)), tol);
        assertAllClose(viaBlas, runMatmul(fallback, c, dtype), tol);
      }));
    }
  },
});

requires(blasRequirement, {
  name: "matmul BLAS vs fallback: sizes that cross the fallback's cache blocks",
  fn() {
    // Expensive: each run is a few million multiply-adds, so 4 transpose combinations only.
    for (const dtype of FLOAT_DTYPES) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const m = 33, n = 300, k = 270;
          const fill = (len: number, seed: number) =>
            Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + seed));
          const c: MatmulCase = {
            a: { data: fill(2 * m * k, 1), shape: [2, ...(transA ? [k, m] : [m, k])], dtype },
            b: { data: fill(n * k, 2), shape: [...(transB ? [n, k] : [k, n])], dtype },
            transA,
            transB,
            out: [2, m, n],
          };
          const tol = dtype === "f32" ? { rtol: 1e-4, atol: 1e-4 } : { rtol: 1e-10, atol: 1e-10 };
          assertAllClose(runMatmul(blas, c, dtype), runMatmul(fallback, c, dtype), tol);
        }
      }
    }
  },
});

Deno.test("matmul: info says when BLAS is absent", () => {
  assertEquals(fallback.info(), "cpu (BLAS: none, TypeScript matmul)");
  assertEquals(fallback.blasLibrary, null);
});

requires(blasRequirement, {
  name: "matmul: info names BLAS when it opened",
  fn() {
    assertEquals(blas.info(), `cpu (BLAS: ${blas.blasLibrary})`);
  },
});

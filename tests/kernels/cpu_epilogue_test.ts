/**
 * Matmul tiles on the CPU: a product computed in row ranges equals the whole product on every
 * matmul path; epilogue tiles cover the product's rows and each output exactly once; and the
 * backend's `runMatmulEpilogue` equals a matmul followed by the kernel.
 */
import { createCpuBackend } from "../../kernels/cpu/backend.ts";
import { epilogueTiles } from "../../kernels/cpu/epilogue.ts";
import { chooseMatmul, matmulKernel, matmulRowsInto } from "../../kernels/cpu/matmul.ts";
import type { FusedKernel } from "../../kernels/fused.ts";
import { stridesOf } from "../../kernels/backend.ts";
import { assertAllClose } from "../../testing/all_close.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { fc } from "../../testing/fc.ts";

const random = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);

Deno.test("matmulRowsInto: row ranges put together give the whole product, on every path", () => {
  const paths = (["ts", "wasm", "blas"] as const).flatMap((matmul) => {
    try {
      return [chooseMatmul({ matmul })];
    } catch {
      return []; // no BLAS here
    }
  });
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 1, max: 9 }),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 4 }),
      fc.boolean(),
      (batch, m, k, n, transB, cuts, batchedB) => {
        const a = { data: random(batch * m * k), shape: [batch, m, k], dtype: "f32" as const };
        // B shared by every batch element, or one per element (attention's products).
        const lead = batchedB ? [batch] : [];
        const b = {
          data: random((batchedB ? batch : 1) * n * k),
          shape: [...lead, ...(transB ? [n, k] : [k, n])],
          dtype: "f32" as const,
        };
        const out = { shape: [batch, m, n], dtype: "f32" as const };
        const params = { transA: false, transB };
        const rows = batch * m;
        const bounds = [...new Set([0, rows, ...cuts.map((c) => c % (rows + 1))])].sort((x, y) =>
          x - y
        );
        for (const path of paths) {
          const whole = matmulKernel(path, [a, b], params, out);
          const tiled = new Float32Array(rows * n).fill(NaN);
          for (let i = 0; i + 1 < bounds.length; i++) {
            matmulRowsInto(path, [a, b], params, out.shape, tiled, [bounds[i], bounds[i + 1]]);
          }
          assertAllClose(Array.from(tiled), Array.from(whole), { rtol: 1e-5, atol: 1e-5 });
        }
      },
    ),
    { numRuns: 40 },
  );
  const a = { data: random(6), shape: [3, 2], dtype: "f32" as const };
  assertThrows(
    () =>
      matmulRowsInto(
        chooseMatmul({ matmul: "ts" }),
        [a, a],
        { transA: true, transB: false },
        [
          2,
          2,
        ],
        new Float32Array(4),
        [0, 1],
      ),
    "untransposed left operand",
  );
});

/** A kernel over `shape` reading its one input row-major, with a row reduction when `reduce`. */
function copyKernel(shape: number[], reduceAxes: number[] | null): FusedKernel {
  return {
    shape,
    inputs: [{ dtype: "f32", strides: stridesOf(shape), offset: 0 }],
    nodes: [
      { fn: "load", input: 0, dtype: "f32" },
      { fn: "const", value: 2, dtype: "f32" },
      { fn: "mul", args: [0, 1], dtype: "f32" },
    ],
    outputs: [2],
    ...(reduceAxes ? { reduce: { op: "sum" as const, node: 0, axes: reduceAxes } } : {}),
  };
}

Deno.test("epilogueTiles: the tiles cover the product's rows and each output once", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 4 }),
      fc.integer({ min: 1, max: 200 }),
      fc.boolean(),
      fc.boolean(),
      (shape, tileElements, reduceLast, transA) => {
        const n = shape[shape.length - 1];
        const kernel = copyKernel(shape, reduceLast ? [shape.length - 1] : null);
        const productShape = [shape.slice(0, -1).reduce((x, d) => x * d, 1), n];
        const tiles = epilogueTiles(kernel, productShape, { transA, tileElements });
        let row = 0;
        const next = tiles[0].ranges.map(() => 0);
        for (const t of tiles) {
          assertEquals(t.rows[0], row);
          row = t.rows[1];
          t.ranges.forEach(([start, end], j) => {
            assertEquals(start, next[j]);
            next[j] = end;
          });
          const size = t.kernel.shape.reduce((x, d) => x * d, 1);
          assertEquals(t.ranges[0][1] - t.ranges[0][0], size);
          assertEquals((t.rows[1] - t.rows[0]) * n, size);
        }
        assertEquals(row, productShape[0]);
        const total = shape.reduce((x, d) => x * d, 1);
        assertEquals(next, reduceLast ? [total, total / n] : [total]);
        if (transA) assertEquals(tiles.length, 1);
      },
    ),
    { numRuns: 100 },
  );
  assertThrows(() => epilogueTiles(copyKernel([2, 3], null), [2, 4], { transA: false }), "product");
});

Deno.test("runMatmulEpilogue: the product and the kernel's outputs, tile by tile", () => {
  for (const matmul of ["ts", "wasm"] as const) {
    const cpu = createCpuBackend({ blas: false, matmul, epilogueTileElements: 128 });
    const [m, k, n] = [48, 5, 8];
    const a = cpu.upload(random(m * k), "f32"), b = cpu.upload(random(k * n), "f32");
    const ops = [
      { buffer: a, shape: [m, k], dtype: "f32" as const },
      { buffer: b, shape: [k, n], dtype: "f32" as const },
    ];
    const params = { transA: false, transB: false };
    const spec = { shape: [m, n], dtype: "f32" as const };
    const want = cpu.readSync(cpu.run("matmul", ops, params, spec), "f32", m * n);
    // Kernel [6, 8, 8] (six blocks of 8 rows), doubling the product and summing each row.
    const kernel = copyKernel([6, 8, n], [2]);
    const target = cpu.alloc("f32", m * n);
    const doubled = cpu.alloc("f32", m * n), sums = cpu.alloc("f32", m);
    const plan = epilogueTiles(kernel, spec.shape, { transA: false, tileElements: 128 });
    assertEquals(plan.length, 3);
    cpu.runMatmulEpilogue(ops, params, spec, target, {
      kernel,
      inputs: [target],
      outputs: [doubled, sums],
    });
    assertAllClose(Array.from(cpu.readSync(target, "f32", m * n)), Array.from(want));
    assertAllClose(Array.from(cpu.readSync(doubled, "f32", m * n)), Array.from(want, (x) => 2 * x));
    const rowSums = Array.from({ length: m }, (_, i) => want.slice(i * n, (i + 1) * n))
      .map((r) => Array.from(r).reduce((x, y) => x + Number(y), 0));
    assertAllClose(Array.from(cpu.readSync(sums, "f32", m)), rowSums, { rtol: 1e-5, atol: 1e-5 });
    // In place: the kernel's output is the product's own buffer.
    cpu.runMatmulEpilogue(ops, params, spec, target, {
      kernel: copyKernel([6, 8, n], null),
      inputs: [target],
      outputs: [target],
    });
    assertAllClose(Array.from(cpu.readSync(target, "f32", m * n)), Array.from(want, (x) => 2 * x));
  }
});

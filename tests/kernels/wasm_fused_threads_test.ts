/**
 * Fused kernels split over the Worker threads by rows give the same values, bit for bit, as on
 * one thread: elementwise (slabs of whole vectors), row reductions and their second pass,
 * reductions over inner axes. A kernel reducing its outermost axis splits it too, each slab into a
 * partial result added up after the job, in the same slabs on any number of threads: a maximum is
 * the same bit for bit as one sum in order, a sum the same within f32 rounding of that order.
 */
import {
  fusedLastJobThreads,
  fusedWasmSettings,
  startFusedThreads,
} from "../../kernels/cpu/wasm/fused_dispatch.ts";
import { type FusedKernel, ProgramBuilder } from "../../kernels/fused.ts";
import { assertEquals, assertTrue } from "../../testing/assert.ts";
import { runOnHeap } from "./fused_heap_run.ts";

function kernel(shape: number[], reduce?: { op: "sum" | "max"; axes: number[]; row?: boolean }) {
  const b = new ProgramBuilder();
  const x = b.load(0, "f32");
  const e = b.fn("exp", [b.fn("sin", [x], "f32")], "f32");
  const outputs = [b.fn("mul", [e, b.load(1, "f32")], "f32")];
  if (reduce?.row) outputs.push(b.fn("div", [e, b.reduced("f32")], "f32"));
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  const k: FusedKernel = {
    shape,
    inputs: [
      { dtype: "f32", strides, offset: 0 },
      { dtype: "f32", strides: shape.map((_, a) => (a === shape.length - 1 ? 1 : 0)), offset: 0 },
    ],
    nodes: b.nodes,
    outputs,
    ...(reduce ? { reduce: { op: reduce.op, node: e, axes: reduce.axes } } : {}),
  };
  return k;
}

const run = (k: FusedKernel, threads: number) =>
  runOnHeap(k, threads, (i) => Math.cos(i * 0.37) * 3, (i) => i - 2);

Deno.test("fused kernels over Worker threads equal one thread", async () => {
  const threads = await startFusedThreads();
  const cases: FusedKernel[] = [
    kernel([1003]),
    kernel([37, 29], { op: "sum", axes: [1], row: true }),
    kernel([41, 6, 9], { op: "max", axes: [1, 2] }),
    kernel([19, 8, 11], { op: "sum", axes: [2] }),
    kernel([64, 33], { op: "max", axes: [0] }),
    kernel([30, 7, 5], { op: "max", axes: [0, 2] }),
  ];
  const used: number[] = [];
  for (const k of cases) {
    const one = run(k, 1);
    const many = run(k, Math.max(2, threads));
    used.push(fusedLastJobThreads());
    assertEquals(many, one, `shape ${k.shape}, reduce ${JSON.stringify(k.reduce)}`);
  }
  // Sums over the outermost axis: partials per slab, the slabs the same on any number of threads
  // (so the same bits on one, two or three), within rounding of one sum in order.
  for (
    const k of [
      kernel([64, 33], { op: "sum", axes: [0] }),
      kernel([30, 7, 5], { op: "sum", axes: [0, 2] }),
      kernel([1001], { op: "sum", axes: [0] }),
    ]
  ) {
    const one = run(k, 1);
    assertEquals(
      run(k, Math.max(2, threads)),
      one,
      `${k.shape} on ${Math.max(2, threads)} threads`,
    );
    assertEquals(run(k, 3), one, `${k.shape} on three threads`);
    const inOrder = runOnHeap(k, 1, (i) => Math.cos(i * 0.37) * 3, (i) => i - 2, {
      threadMinElements: Infinity,
      partialMinElements: Infinity,
    });
    const rows = k.shape[0];
    assertEquals(one.slice(0, -1), inOrder.slice(0, -1), `outputs of ${k.shape}`);
    const [a, b] = [inOrder[inOrder.length - 1], one[one.length - 1]];
    for (let i = 0; i < a.length; i++) {
      // Each term is below e (|sin| ≤ 1) times |w| ≤ 5 of the shape's length: a sum of `rows`
      // such terms differs between orders by at most about rows · ulp(the largest partial).
      const tol = rows * 3 * 2 ** -23 * rows * Math.E;
      assertTrue(Math.abs(a[i] - b[i]) <= tol, `${k.shape}[${i}]: ${a[i]} vs ${b[i]}`);
    }
  }
  console.log(`threads available: ${threads}; threads that ran tasks, per case: ${used}`);
  if (threads > 1) {
    // A large kernel: a Worker takes some of its tasks (tried a few times on a busy machine).
    const big = kernel([1 << 21]);
    let most = 0;
    for (let i = 0; i < 8 && most < 2; i++) {
      const split = run(big, threads);
      most = Math.max(most, fusedLastJobThreads());
      assertEquals(split, run(big, 1));
    }
    assertEquals(most >= 2, true, "no Worker ran a task of a 2M-element kernel");
  }
});

Deno.test("by default 256K-element kernels use the Workers: a map, and a sum in slabs with one thread's bits", async () => {
  const threads = await startFusedThreads();
  if (threads < 2) return;
  const defaults = fusedWasmSettings();
  const thresholds = {
    threadMinElements: defaults.threadMinElements,
    partialMinElements: defaults.partialMinElements,
  };
  assertTrue(thresholds.threadMinElements <= 1 << 18 && thresholds.partialMinElements <= 1 << 18);
  const runDefault = (k: FusedKernel, n: number) =>
    runOnHeap(k, n, (i) => Math.cos(i * 0.37) * 3, (i) => i - 2, thresholds);
  // Each tried a few times on a busy machine: a Worker takes some of the tasks.
  for (const k of [kernel([1 << 12, 64]), kernel([1 << 12, 64], { op: "sum", axes: [0] })]) {
    const one = runDefault(k, 1);
    let most = 0;
    for (let i = 0; i < 8 && most < 2; i++) {
      const split = runDefault(k, threads);
      most = Math.max(most, fusedLastJobThreads());
      assertEquals(split, one, `${JSON.stringify(k.reduce ?? "map")}: not one thread's bits`);
    }
    assertTrue(most >= 2, `no Worker ran a task of a 256K-element ${k.reduce ? "sum" : "map"}`);
  }
});

Deno.test("a sum in slabs: a vmapped group's member gives the bits of the same kernel alone", async () => {
  const threads = await startFusedThreads();
  const xAt = (i: number) => Math.cos(i * 0.37) * 3, wAt = (i: number) => i - 2;
  const slabs = { threadMinElements: 0, partialMinElements: 0 };
  // [alone shape, its reduction, members]: the group's kernel has the members as a new axis 0.
  const cases: [number[], { op: "sum" | "max"; axes: number[] }, number][] = [
    [[64, 33], { op: "sum", axes: [0] }, 3],
    [[10, 12, 7], { op: "sum", axes: [1] }, 2],
    [[1001], { op: "sum", axes: [0] }, 3],
    [[40, 9], { op: "max", axes: [0] }, 2],
    [[30, 7, 5], { op: "sum", axes: [0, 2] }, 2],
  ];
  for (const [shape, reduce, members] of cases) {
    const group = kernel([members, ...shape], {
      op: reduce.op,
      axes: reduce.axes.map((a) => a + 1),
    });
    const per = shape.reduce((a, b) => a * b, 1);
    for (const n of [1, Math.max(2, threads)]) {
      const [outG, sumG] = runOnHeap(group, n, xAt, wAt, slabs);
      const sumPer = sumG.length / members;
      for (let g = 0; g < members; g++) {
        const [out, sum] = runOnHeap(kernel(shape, reduce), n, (i) => xAt(g * per + i), wAt, slabs);
        const what = `${shape} ${reduce.op} ${reduce.axes}, member ${g}, ${n} thread(s)`;
        assertEquals(outG.slice(g * per, (g + 1) * per), out, `outputs of ${what}`);
        assertEquals(sumG.slice(g * sumPer, (g + 1) * sumPer), sum, `reduction of ${what}`);
      }
    }
  }
});

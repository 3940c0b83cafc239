/**
 * The Wasm GEMM engine called directly: operands in the fused kernels' memory (read and written in
 * place) and outside it (copied), many small matrices (whole-matrix tasks, each packing its own
 * B), k deeper than one packed block, whole and partial micro-kernel panels, every transpose, and
 * an output that overlaps an input, all against a float64 reference.
 */
import { fusedAlloc, fusedFree, isFusedResident } from "../../kernels/cpu/wasm/fused_memory.ts";
import { gemmModuleBytes, MR, NR } from "../../kernels/cpu/wasm/gemm_module.ts";
import { CTL, type GemmExports, runGemmTasks } from "../../kernels/cpu/wasm/gemm_tasks.ts";
import { wasmGemm, type WasmMatmulArgs } from "../../kernels/cpu/wasm/wasm_gemm.ts";
import { assertEquals } from "../../testing/assert.ts";
import { assertAllClose } from "./cpu_naive.ts";

const gemm = wasmGemm()!;

/** `C[t] = op(A_t) op(B_t)` in float64. */
function reference(args: WasmMatmulArgs): number[] {
  const { a, b, aOffs, bOffs, m, n, k, transA, transB } = args;
  const out: number[] = [];
  for (let t = 0; t < aOffs.length; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const x = a[aOffs[t] + (transA ? p * m + i : i * k + p)];
          const y = b[bOffs[t] + (transB ? j * k + p : p * n + j)];
          s += x * y;
        }
        out.push(s);
      }
    }
  }
  return out;
}

/** Blocks of the fused memory the test took, given back at its end. */
const taken: Float32Array[] = [];

/** `length` values in [-1, 1) in a plain array or in the fused memory, `skip` elements in. */
function filled(length: number, seed: number, onHeap: boolean, skip = 3): Float32Array {
  const block = onHeap
    ? fusedAlloc("f32", length + skip) as Float32Array
    : new Float32Array(length + skip);
  if (onHeap) taken.push(block);
  let s = seed;
  for (let i = 0; i < block.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    block[i] = (s / 2 ** 32) * 2 - 1;
  }
  return block.subarray(skip);
}

function giveBack(): void {
  for (const block of taken.splice(0)) fusedFree(block);
}

const TOL = { rtol: 1e-4, atol: 1e-4 };

Deno.test("wasm gemm: many small matrices, in the fused memory or not, every transpose", () => {
  // 9 matrices of 13 x 10 over k = 300: whole-matrix tasks; k crosses the 256-deep block, the
  // rows make two whole 6-row panels and a partial one, the columns one whole 8-column panel and
  // a partial one. Operands start 3 elements into their block (unaligned to a vector).
  const [m, n, k, count] = [13, 10, 300, 9];
  for (const onHeap of [true, false]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const a = filled(count * m * k, 1, onHeap), b = filled(count * k * n, 2, onHeap);
        const out = filled(count * m * n, 3, onHeap);
        assertEquals([a, b, out].map(isFusedResident), [onHeap, onHeap, onHeap]);
        const args: WasmMatmulArgs = {
          a,
          b,
          // Matrices out of order, one B shared by two products.
          aOffs: Array.from({ length: count }, (_, t) => ((t * 4) % count) * m * k),
          bOffs: Array.from({ length: count }, (_, t) => (t % (count - 1)) * k * n),
          m,
          n,
          k,
          transA,
          transB,
          out,
        };
        const got = gemm.matmul(args);
        assertEquals(got, out);
        assertAllClose([...got], reference(args), TOL);
        giveBack();
      }
    }
  }
});

Deno.test("wasm gemm: large products in place in the fused memory, every transpose", () => {
  // 130 x 70 over k = 300 (a k-block and a partial one), 2 matrices: the packing and row-block
  // tasks of one job, threaded where Workers run; then one output written where an input lies.
  const [m, n, k, count] = [130, 70, 300, 2];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = filled(count * m * k, 4, true), b = filled(count * k * n, 5, true);
      const out = filled(count * m * n, 6, true);
      const args = {
        a,
        b,
        aOffs: [0, m * k],
        bOffs: [k * n, 0],
        m,
        n,
        k,
        transA,
        transB,
        out,
      };
      assertAllClose([...gemm.matmul(args)], reference(args), TOL);
      giveBack();
    }
  }
});

Deno.test("wasm gemm: an output overlapping an input gets the product of the input as it was", () => {
  const [m, n, k] = [20, 20, 40];
  for (const count of [1, 4]) {
    const block = filled(count * m * k + 1024, 7, true, 0);
    const a = block.subarray(0, count * m * k), b = filled(count * k * n, 8, true);
    const args = {
      a,
      b,
      aOffs: Array.from({ length: count }, (_, t) => t * m * k),
      bOffs: Array.from({ length: count }, (_, t) => t * k * n),
      m,
      n,
      k,
      transA: false,
      transB: false,
    };
    const want = reference(args);
    // The output starts at A's row 12: written in place, the first row block's results would
    // land on rows a later block (or matrix) has yet to read.
    const out = block.subarray(12 * k, 12 * k + count * m * n);
    assertAllClose([...gemm.matmul({ ...args, out })], want, TOL);
    giveBack();
  }
});

Deno.test("wasm gemm tasks: a job's table in memory grown after the control view was made", () => {
  // A Worker makes its view of the control words when it wakes; the memory can grow before it
  // reads the job, whose workspace (and table) may lie in the new part. The task loop must read
  // the table from the memory's buffer as it is then, not from the control view's.
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
  const bytes = gemmModuleBytes({ fma: false, shared: true });
  const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
    .exports as unknown as GemmExports;
  const ctl = new Int32Array(memory.buffer, 0, CTL.WORDS);
  memory.grow(1);
  const base = 65536; // everything below lies in the new page
  const [aAt, bAt, cAt, tableAt, scratchAt] = [base, base + 64, base + 128, base + 192, base + 256];
  const f = new Float32Array(memory.buffer);
  f.set([1, 2, 3, 4, 5, 6], aAt / 4); // A = [1 2 3; 4 5 6]
  f.set([1, 0, 0, 1, 1, 1], bAt / 4); // B = [1 0; 0 1; 1 1]
  new Int32Array(memory.buffer).set([aAt, bAt, cAt, 0], tableAt / 4);
  const job: Record<number, number> = {
    [CTL.M]: 2,
    [CTL.N]: 2,
    [CTL.K]: 3,
    [CTL.RSA]: 3,
    [CTL.CSA]: 1,
    [CTL.RSB]: 2,
    [CTL.CSB]: 1,
    [CTL.MC]: MR,
    [CTL.KC]: 256,
    [CTL.NPAD]: NR,
    [CTL.TABLE]: tableAt,
    [CTL.SCRATCH]: scratchAt,
    [CTL.SCRATCH_BYTES]: 4 * (MR * NR + MR * 256 + 256 * NR),
    [CTL.PANELS]: 16,
    [CTL.MR]: MR,
    [CTL.NR]: NR,
    [CTL.MATRICES_PER_TASK]: 1,
    [CTL.MATRICES]: 1,
    [CTL.KIND]: 2,
    [CTL.NTASKS]: 1,
    [CTL.GEN]: 2,
    [CTL.NEXT]: 1 << 20, // generation 2's tag, task 0
  };
  for (const [i, v] of Object.entries(job)) ctl[Number(i)] = v;
  assertEquals(runGemmTasks(ex, ctl, 0, CTL, memory), 1);
  assertEquals([...new Float32Array(memory.buffer, cAt, 4)], [4, 5, 10, 11]);
});

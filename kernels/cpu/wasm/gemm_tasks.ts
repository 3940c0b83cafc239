/**
 * The task loop every thread of the Wasm GEMM runs (the main thread and each
 * Worker): read the published job from the control words, claim tasks one by
 * one from a shared counter, run them through the module's exports, count
 * them done. {@linkcode runGemmTasks} is self-contained (no free variables)
 * because its source text is also what a Worker evaluates.
 *
 * A job is published seqlock-style: the main thread makes `GEN` odd, writes
 * the parameters, resets `DONE`, sets `NEXT` to `tag << 20` (the task counter,
 * tagged with the generation) and makes `GEN` even again. A thread copies the
 * parameters, checks `GEN` did not move, and claims task `i` by a
 * compare-exchange of `NEXT` from `tag << 20 | i` to `... | i + 1`; a thread
 * still holding an older job's parameters sees a foreign tag and stops, so it
 * can never run a task with parameters it did not validate.
 *
 * @example
 * ```ts
 * import { CTL, runGemmTasks } from "./gemm_tasks.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const ctl = new Int32Array(CTL.WORDS);
 * ctl[CTL.GEN] = 1; // a job being written: nothing runs
 * runGemmTasks({} as never, ctl, 0, CTL, { buffer: ctl.buffer });
 * assertEquals(ctl[CTL.DONE], 0);
 * ```
 *
 * @module
 */

/** Indices of the control words (Int32) at the start of the shared memory. */
export const CTL = {
  /** Job generation: odd while the main thread writes a job. */
  GEN: 0,
  /** Tagged task counter: `tag << 20 | next task`. */
  NEXT: 1,
  /** Tasks finished. */
  DONE: 2,
  /** Tasks in the job. */
  NTASKS: 3,
  /**
   * 2: whole small matrices, each task packing its own B into the thread's scratch and
   * multiplying every row block of its matrices; 3: `PACK_TASKS` tasks packing groups of B's
   * column panels (`TASKS_PER_MATRIX` a matrix), then `ROW_BLOCKS` a matrix multiplying blocks
   * of rows, each waiting until every pack task is done (one job to wake the Workers for).
   */
  KIND: 4,
  M: 5,
  N: 6,
  K: 7,
  /** Element strides of A(i, p): rows and columns. */
  RSA: 8,
  CSA: 9,
  /** Element strides of B(p, j). */
  RSB: 10,
  CSB: 11,
  /** Rows of A per multiply task. */
  MC: 12,
  /** Depth of one packed block. */
  KC: 13,
  /** `n` rounded up to the micro-kernel's column count. */
  NPAD: 14,
  /** Byte address of the per-matrix table: A, B, C, packed B (4 words each). */
  TABLE: 15,
  /** Byte address of thread 0's scratch; thread t's is `SCRATCH + t * SCRATCH_BYTES`. */
  SCRATCH: 16,
  SCRATCH_BYTES: 17,
  /** Kind 3: pack tasks per matrix of the batch. */
  TASKS_PER_MATRIX: 18,
  /** Pack tasks: column panels per task. */
  PANELS: 19,
  /** Micro-kernel tile: rows, columns. */
  MR: 20,
  NR: 21,
  /** Bit t set: thread t ran a task of this job. */
  USED: 22,
  /** Kind 2: matrices per task. */
  MATRICES_PER_TASK: 23,
  /** Matrices in the job (entries of the table). */
  MATRICES: 24,
  /** Kind 3: its pack tasks (first), and the multiply tasks per matrix after them. */
  PACK_TASKS: 25,
  ROW_BLOCKS: 26,
  /** Control words in all. */
  WORDS: 27,
} as const;

/** The control-word layout, passed to {@linkcode runGemmTasks} (Workers get it as JSON). */
export type ControlLayout = typeof CTL;

/** The module exports the tasks call. */
export interface GemmExports {
  /** See `gemm_module.ts`. */
  packA(src: number, rs: number, cs: number, mc: number, kc: number, dst: number): void;
  /** See `gemm_module.ts`. */
  packB(src: number, rs: number, cs: number, kc: number, nc: number, dst: number): void;
  /** See `gemm_module.ts`. */
  macro(
    ap: number,
    bp: number,
    c: number,
    mc: number,
    nc: number,
    kc: number,
    ldc: number,
    first: number,
    edge: number,
  ): void;
}

/**
 * Claim and run tasks of the published job until none is left (or the job is
 * not the one whose parameters this thread read). `thread` picks the scratch
 * area; `L` is {@linkcode CTL}; `memory` is the memory the module runs on (a
 * job's table is read through its buffer as it is now, since the table may lie
 * in memory added after `ctl` was made). Returns the number of tasks this
 * thread ran.
 *
 * @example
 * ```ts
 * import { CTL, runGemmTasks } from "./gemm_tasks.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const ctl = new Int32Array(CTL.WORDS);
 * ctl[CTL.GEN] = 2; // published, but NEXT carries another generation's tag: nothing to claim
 * assertEquals(runGemmTasks({} as never, ctl, 0, CTL, { buffer: ctl.buffer }), 0);
 * ```
 */
export function runGemmTasks(
  ex: GemmExports,
  ctl: Int32Array,
  thread: number,
  L: ControlLayout,
  memory: { readonly buffer: ArrayBufferLike },
): number {
  const gen = Atomics.load(ctl, L.GEN);
  if ((gen & 1) !== 0) return 0;
  const p = ctl.slice(0, L.WORDS);
  if (Atomics.load(ctl, L.GEN) !== gen) return 0;
  const tag = (gen >>> 1) & 0x7ff;
  const ntasks = p[L.NTASKS], whole = p[L.KIND] === 2;
  const packTasks = whole ? 0 : p[L.PACK_TASKS];
  const packsPerMatrix = p[L.TASKS_PER_MATRIX], blocksPerMatrix = p[L.ROW_BLOCKS];
  /** Polls (1 ms each) without progress before a multiply task stops waiting on the packs. */
  const STALLED_POLLS = 60000;
  const m = p[L.M], n = p[L.N], k = p[L.K], kcMax = p[L.KC], npad = p[L.NPAD];
  const rsA = p[L.RSA], csA = p[L.CSA], rsB = p[L.RSB], csB = p[L.CSB];
  const scratch = p[L.SCRATCH] + thread * p[L.SCRATCH_BYTES];
  const edge = scratch, packed = scratch + 4 * p[L.MR] * p[L.NR];
  const matrices = p[L.MATRICES];
  // Addresses travel as i32 words (past 2 GiB they read negative; the module's calls take them
  // as the same 32 bits).
  const table = new Int32Array(memory.buffer, p[L.TABLE] >>> 0, 4 * matrices);
  /** Rows `i0 .. i0 + mc` of C (+)= their A rows at k-block `pc` times the packed B block `bp`. */
  const multiply = (aAt: number, bp: number, cAt: number, i0: number, mc: number, pc: number) => {
    const kc = Math.min(kcMax, k - pc);
    ex.packA(aAt + 4 * (i0 * rsA + pc * csA), rsA, csA, mc, kc, packed);
    ex.macro(packed, bp, cAt + 4 * i0 * n, mc, n, kc, n, pc === 0 ? 1 : 0, edge);
  };
  let ran = 0;
  for (;;) {
    const v = Atomics.load(ctl, L.NEXT);
    if (v >>> 20 !== tag) return ran;
    const task = v & 0xfffff;
    if (task >= ntasks) return ran;
    if (Atomics.compareExchange(ctl, L.NEXT, v, v + 1) !== v) continue;
    const pack = !whole && task < packTasks;
    if (!whole && !pack) {
      // Every pack task is claimed before this one; wait until they are done (no multiply task
      // finishes before that, so the done count tells). A pack task that makes no progress for
      // a minute (its thread died) leaves this one undone: the caller's wait then reports it.
      let stalled = 0;
      for (let d = Atomics.load(ctl, L.DONE); d < packTasks && stalled < STALLED_POLLS;) {
        Atomics.wait(ctl, L.DONE, d, 1);
        const now = Atomics.load(ctl, L.DONE);
        stalled = now === d ? stalled + 1 : 0;
        d = now;
      }
      if (Atomics.load(ctl, L.DONE) < packTasks) return ran;
    }
    if (whole) {
      // Whole matrices: B's k-blocks packed after the packed-A scratch, then every row block.
      const per = p[L.MATRICES_PER_TASK], mc0 = p[L.MC];
      const packedB = packed + 4 * mc0 * kcMax;
      for (let mat = task * per; mat < Math.min((task + 1) * per, matrices); mat++) {
        const aAt = table[4 * mat], bAt = table[4 * mat + 1], cAt = table[4 * mat + 2];
        for (let pc = 0; pc < k; pc += kcMax) {
          ex.packB(bAt + 4 * pc * rsB, rsB, csB, Math.min(kcMax, k - pc), n, packedB);
          for (let i0 = 0; i0 < m; i0 += mc0) {
            multiply(aAt, packedB, cAt, i0, Math.min(mc0, m - i0), pc);
          }
        }
      }
    } else {
      const perMatrix = pack ? packsPerMatrix : blocksPerMatrix;
      const index = pack ? task : task - packTasks;
      const mat = Math.floor(index / perMatrix), local = index - mat * perMatrix;
      const aAt = table[4 * mat], bAt = table[4 * mat + 1];
      const cAt = table[4 * mat + 2], bpAt = table[4 * mat + 3];
      if (pack) {
        // Pack one group of column panels of one k-block of B.
        const groups = Math.ceil(npad / (p[L.PANELS] * p[L.NR]));
        const kb = Math.floor(local / groups), g = local - kb * groups;
        const pc = kb * kcMax, kc = Math.min(kcMax, k - pc);
        const j0 = g * p[L.PANELS] * p[L.NR], nc = Math.min(p[L.PANELS] * p[L.NR], n - j0);
        ex.packB(
          bAt + 4 * (pc * rsB + j0 * csB),
          rsB,
          csB,
          kc,
          nc,
          bpAt + 4 * (pc * npad + j0 * kc),
        );
      } else {
        // One block of rows of C, over every k-block.
        const i0 = local * p[L.MC], mc = Math.min(p[L.MC], m - i0);
        for (let pc = 0; pc < k; pc += kcMax) multiply(aAt, bpAt + 4 * pc * npad, cAt, i0, mc, pc);
      }
    }
    if (ran++ === 0) Atomics.or(ctl, L.USED, 1 << thread);
    const done = Atomics.add(ctl, L.DONE, 1) + 1;
    if (done === ntasks || done === packTasks) Atomics.notify(ctl, L.DONE);
  }
}

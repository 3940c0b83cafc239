/**
 * Worker threads for the fused kernels: a large kernel's rows (its outermost
 * axis, when that axis is not reduced) are cut into tasks that the calling
 * thread and the Workers claim from a shared counter, each task running the
 * kernel's `run` on its own parameter block.
 *
 * The Workers are started like the matmul's (`thread_pool.ts`: `node:worker_threads`
 * from source text, unreferenced once waiting) on the fused kernels' shared
 * memory. A job names its module by number and where its bytes lie in that
 * memory; a Worker compiles a module the first time it meets it and keeps it.
 * Jobs are published seqlock-style as the matmul's are: `GEN` odd while the
 * job is written, the task counter tagged with the generation.
 *
 * @example
 * ```ts
 * import { fusedWorkerSource } from "./fused_threads.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(fusedWorkerSource().includes("runFusedTasks"), true);
 * ```
 *
 * @module
 */
import { awaitTasks, spawnWorkers } from "./thread_pool.ts";

/** Control words (Int32 indices from the control block's address). */
export const FUSED_CTL = {
  GEN: 0,
  NEXT: 1,
  DONE: 2,
  NTASKS: 3,
  MODULE: 4,
  BYTES_AT: 5,
  BYTES_LEN: 6,
  PARAMS_AT: 7,
  PARAM_STRIDE: 8,
  USED: 9,
  WORDS: 10,
} as const;

/** What a task runner needs of a module: its `run`. */
export type RunFn = (params: number) => void;

/**
 * Claim and run the published job's tasks until none is left; `runOf(id, at, len)` gives the
 * job's module's `run`. Self-contained: its source is what each Worker evaluates. Returns the
 * number of tasks this thread ran.
 *
 * @example
 * ```ts
 * import { FUSED_CTL, runFusedTasks } from "./fused_threads.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const ctl = new Int32Array(FUSED_CTL.WORDS);
 * ctl[FUSED_CTL.GEN] = 2;
 * ctl[FUSED_CTL.NEXT] = 1 << 20; // generation 2's tag, task 0
 * ctl[FUSED_CTL.NTASKS] = 3;
 * const seen: number[] = [];
 * assertEquals(runFusedTasks(ctl, 0, FUSED_CTL, () => (p) => seen.push(p)), 3);
 * assertEquals([seen, ctl[FUSED_CTL.DONE]], [[0, 0, 0], 3]);
 * ```
 */
export function runFusedTasks(
  ctl: Int32Array,
  thread: number,
  L: typeof FUSED_CTL,
  runOf: (id: number, at: number, len: number) => RunFn,
): number {
  const gen = Atomics.load(ctl, L.GEN);
  if ((gen & 1) !== 0) return 0;
  const p = ctl.slice(0, L.WORDS);
  if (Atomics.load(ctl, L.GEN) !== gen) return 0;
  const tag = (gen >>> 1) & 0x7ff;
  let run: RunFn | null = null;
  let ran = 0;
  for (;;) {
    const v = Atomics.load(ctl, L.NEXT);
    if (v >>> 20 !== tag) return ran;
    const task = v & 0xfffff;
    if (task >= p[L.NTASKS]) return ran;
    if (Atomics.compareExchange(ctl, L.NEXT, v, v + 1) !== v) continue;
    run ??= runOf(p[L.MODULE], p[L.BYTES_AT], p[L.BYTES_LEN]);
    run(p[L.PARAMS_AT] + task * p[L.PARAM_STRIDE]);
    if (ran++ === 0) Atomics.or(ctl, L.USED, 1 << thread);
    if (Atomics.add(ctl, L.DONE, 1) + 1 === p[L.NTASKS]) Atomics.notify(ctl, L.DONE);
  }
}

/** The Workers' source: CommonJS text holding {@linkcode runFusedTasks}. */
export function fusedWorkerSource(): string {
  return [
    `const { workerData, parentPort } = require("node:worker_threads");`,
    `const L = ${JSON.stringify(FUSED_CTL)};`,
    `const runFusedTasks = ${runFusedTasks.toString()};`,
    `const { memory, ctlAt, thread } = workerData;`,
    `const env = { memory, sin: Math.sin, cos: Math.cos };`,
    `const modules = new Map();`,
    `const runOf = (id, at, len) => {`,
    `  let run = modules.get(id);`,
    `  if (run === undefined) {`,
    // Addresses travel as i32 words: past 2 GiB they read negative.
    `    const bytes = new Uint8Array(memory.buffer, at >>> 0, len).slice();`,
    `    run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env }).exports.run;`,
    `    modules.set(id, run);`,
    `  }`,
    `  return run;`,
    `};`,
    `parentPort.postMessage("ready");`,
    `let seen = 0;`,
    `for (;;) {`,
    `  Atomics.wait(new Int32Array(memory.buffer, ctlAt, L.WORDS), L.GEN, seen);`,
    `  const ctl = new Int32Array(memory.buffer, ctlAt, L.WORDS);`,
    `  seen = Atomics.load(ctl, L.GEN);`,
    `  if ((seen & 1) === 0) runFusedTasks(ctl, thread, L, runOf);`,
    `}`,
  ].join("\n");
}

/**
 * Start `count` Workers (numbered from 1) on `memory`, the control block at
 * byte `ctlAt`; resolves to how many are waiting for work (0 without
 * `node:worker_threads`).
 *
 * @example
 * ```ts
 * import { startFusedWorkers } from "./fused_threads.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
 * assertEquals(await startFusedWorkers(0, memory, 0, () => {}), 0);
 * ```
 */
export function startFusedWorkers(
  count: number,
  memory: WebAssembly.Memory,
  ctlAt: number,
  onError: (e: unknown) => void,
): Promise<number> {
  const source = fusedWorkerSource();
  return spawnWorkers(count, source, (thread) => ({ memory, ctlAt, thread }), onError);
}

/**
 * Publish a job of `ntasks` tasks (module `id`, its bytes at `bytesAt`, parameter blocks
 * from `paramsAt`, `stride` bytes apart), run tasks here, wait for the rest.
 * Returns the bit set of threads that ran tasks.
 *
 * @example
 * ```ts
 * import { runFusedJob } from "./fused_threads.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
 * const job = { id: 1, bytesAt: 0, bytesLen: 0, paramsAt: 1000, stride: 10 };
 * const ran: number[] = [];
 * // No Workers: the calling thread (bit 0) runs every task.
 * assertEquals(runFusedJob(memory, 0, job, 3, (p) => ran.push(p), () => null), 1);
 * assertEquals(ran, [1000, 1010, 1020]);
 * ```
 */
export function runFusedJob(
  memory: WebAssembly.Memory,
  ctlAt: number,
  job: { id: number; bytesAt: number; bytesLen: number; paramsAt: number; stride: number },
  ntasks: number,
  run: RunFn,
  broken: () => unknown,
): number {
  const ctl = new Int32Array(memory.buffer, ctlAt, FUSED_CTL.WORDS);
  const L = FUSED_CTL;
  const gen = Atomics.load(ctl, L.GEN);
  Atomics.store(ctl, L.GEN, gen + 1);
  ctl[L.NTASKS] = ntasks;
  ctl[L.MODULE] = job.id;
  ctl[L.BYTES_AT] = job.bytesAt;
  ctl[L.BYTES_LEN] = job.bytesLen;
  ctl[L.PARAMS_AT] = job.paramsAt;
  ctl[L.PARAM_STRIDE] = job.stride;
  Atomics.store(ctl, L.DONE, 0);
  Atomics.store(ctl, L.USED, 0);
  const next = gen + 2;
  Atomics.store(ctl, L.NEXT, ((next >>> 1) & 0x7ff) << 20);
  Atomics.store(ctl, L.GEN, next);
  Atomics.notify(ctl, L.GEN);
  runFusedTasks(ctl, 0, L, () => run);
  awaitTasks(ctl, L.DONE, ntasks, "fused wasm", broken);
  return Atomics.load(ctl, L.USED);
}

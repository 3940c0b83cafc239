/**
 * Worker threads for the Wasm GEMM. Each Worker instantiates the same module
 * on the same shared memory, sleeps on the generation word and runs
 * {@linkcode runGemmTasks} whenever a job is published.
 *
 * The Workers are `node:worker_threads` Workers started from source text
 * (`eval`), for two reasons: they can be `unref()`-ed, so an idle pool never
 * keeps a script alive (a web Worker does), and source text needs no read
 * permission and no module URL (a web Worker from a file URL needs
 * `--allow-read`), so the pool works in a script run with no flags at all and
 * when nugrad is imported from a URL. Where that module is missing (a
 * browser), {@linkcode startWorkers} resolves to 0 and the GEMM runs on the
 * calling thread alone.
 *
 * @example
 * ```ts
 * import { workerSource } from "./thread_pool.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(workerSource().includes("runGemmTasks"), true);
 * ```
 *
 * @module
 */
import { CTL, runGemmTasks } from "./gemm_tasks.ts";

/**
 * The Workers' source: CommonJS text holding {@linkcode runGemmTasks}'s own
 * source and the control layout.
 */
export function workerSource(): string {
  return [
    `const { workerData, parentPort } = require("node:worker_threads");`,
    `const L = ${JSON.stringify(CTL)};`,
    `const runGemmTasks = ${runGemmTasks.toString()};`,
    `const { bytes, memory, ctlAt, thread } = workerData;`,
    `const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;`,
    `const ctl = new Int32Array(memory.buffer, ctlAt, L.WORDS);`,
    `parentPort.postMessage("ready");`,
    `let seen = 0;`,
    `for (;;) {`,
    `  Atomics.wait(ctl, L.GEN, seen);`,
    `  seen = Atomics.load(ctl, L.GEN);`,
    // A fresh view each job: the memory may have grown since (an old view keeps its length).
    `  if ((seen & 1) === 0) runGemmTasks(ex, new Int32Array(memory.buffer, ctlAt, L.WORDS), thread, L, memory);`,
    `}`,
  ].join("\n");
}

/** A started Worker, as far as the pool needs it. */
interface PoolWorker {
  unref(): void;
  on(event: "error", listener: (e: unknown) => void): void;
  once(event: "message", listener: () => void): void;
}

/**
 * @example
 * ```ts
 * import { startWorkers } from "./thread_pool.ts";
 * import { gemmModuleBytes } from "./gemm_module.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
 * const bytes = gemmModuleBytes({ fma: false, shared: true });
 * assertEquals(await startWorkers(0, bytes, memory, 0, () => {}), 0);
 * ```
 *
 * Start `count` Workers numbered `1..count` on `memory` with the module
 * `bytes`, the control words at byte `ctlAt`; resolves, once each is waiting for work, to the number started (0
 * where `node:worker_threads` is missing or a Worker cannot start). `onError`
 * hears a Worker that fails.
 */
export function startWorkers(
  count: number,
  bytes: Uint8Array,
  memory: WebAssembly.Memory,
  ctlAt: number,
  onError: (e: unknown) => void,
): Promise<number> {
  const data = (thread: number) => ({ bytes, memory, ctlAt, thread });
  return spawnWorkers(count, workerSource(), data, onError);
}

/** The `Worker` class of `node:worker_threads`. */
type WorkerClass = new (src: string, opts: Record<string, unknown>) => PoolWorker;

/**
 * `node:worker_threads`' `Worker`, got synchronously where the runtime can (`process.
 * getBuiltinModule`, in Deno 2 and Node 22), else null.
 */
function workerClassNow(): WorkerClass | null {
  const proc = (globalThis as {
    process?: { getBuiltinModule?: (name: string) => { Worker?: WorkerClass } | undefined };
  }).process;
  try {
    return proc?.getBuiltinModule?.("node:worker_threads")?.Worker ?? null;
  } catch {
    return null;
  }
}

/**
 * Start `count` Workers numbered `1..count` evaluating the CommonJS `source`, each with
 * `dataFor(thread)` as its `workerData`; resolves, once each has posted its first message (it
 * waits for work), to the number started (0 where `node:worker_threads` is missing). `onError`
 * hears a Worker that fails. The GEMM's and the fused kernels' pools both start this way.
 *
 * Where the runtime hands over `node:worker_threads` synchronously (Deno 2, Node 22), the
 * Workers are created before this returns: a Worker picks up jobs as soon as it waits for work,
 * so a training loop that never yields to the event loop (no `await` between steps) still gets
 * every thread. Elsewhere they are created once the module's dynamic import resolves.
 *
 * @example
 * ```ts
 * import { spawnWorkers } from "./thread_pool.ts";
 * import { assertEquals } from "../../../testing/assert.ts";
 * assertEquals(await spawnWorkers(0, "", () => ({}), () => {}), 0);
 * ```
 */
export function spawnWorkers(
  count: number,
  source: string,
  dataFor: (thread: number) => Record<string, unknown>,
  onError: (e: unknown) => void,
): Promise<number> {
  const now = workerClassNow();
  if (now) return spawnWith(now, count, source, dataFor, onError);
  return import("node:worker_threads").then(
    (mod) => spawnWith(mod.Worker as unknown as WorkerClass, count, source, dataFor, onError),
    () => 0,
  );
}

/** Create the Workers now; resolves to how many posted their first message. */
async function spawnWith(
  Worker: WorkerClass,
  count: number,
  source: string,
  dataFor: (thread: number) => Record<string, unknown>,
  onError: (e: unknown) => void,
): Promise<number> {
  const ready: Promise<boolean>[] = [];
  for (let thread = 1; thread <= count; thread++) {
    try {
      const w = new Worker(source, { eval: true, workerData: dataFor(thread) });
      ready.push(
        new Promise((resolve) => {
          // Referenced while it starts (so that awaiting it keeps the event loop
          // alive), unreferenced once it waits for work.
          w.once("message", () => {
            w.unref();
            resolve(true);
          });
          w.on("error", (e) => {
            onError(e);
            resolve(false);
          });
        }),
      );
    } catch (e) {
      onError(e);
      break;
    }
  }
  return (await Promise.all(ready)).filter((ok) => ok).length;
}

/** A job whose tasks make no progress for this long is reported as stuck. */
const STUCK_MS = 60_000;

/**
 * Wait until the job's done counter `ctl[doneAt]` reaches `ntasks`; a job that makes no
 * progress for a minute is an error naming `what` and `broken()` (a Worker's failure, if any).
 *
 * @example
 * ```ts
 * import { awaitTasks } from "./thread_pool.ts";
 * const ctl = new Int32Array(new SharedArrayBuffer(8));
 * ctl[1] = 3;
 * awaitTasks(ctl, 1, 3, "example", () => null);
 * ```
 */
export function awaitTasks(
  ctl: Int32Array,
  doneAt: number,
  ntasks: number,
  what: string,
  broken: () => unknown,
): void {
  let done = Atomics.load(ctl, doneAt), since = performance.now();
  while (done < ntasks) {
    Atomics.wait(ctl, doneAt, done, 100);
    const now = Atomics.load(ctl, doneAt);
    if (now !== done) {
      done = now;
      since = performance.now();
    } else if (performance.now() - since > STUCK_MS) {
      const why = broken();
      throw new Error(
        `${what}: a worker thread stopped mid-task (${done} of ${ntasks} done)` +
          (why ? `: ${why}` : ""),
      );
    }
  }
}

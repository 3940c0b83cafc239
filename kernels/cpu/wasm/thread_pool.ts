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
    `const { bytes, memory, thread } = workerData;`,
    `const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;`,
    `const ctl = new Int32Array(memory.buffer, 0, L.WORDS);`,
    `parentPort.postMessage("ready");`,
    `let seen = 0;`,
    `for (;;) {`,
    `  Atomics.wait(ctl, L.GEN, seen);`,
    `  seen = Atomics.load(ctl, L.GEN);`,
    // A fresh view each job: the memory may have grown since (an old view keeps its length).
    `  if ((seen & 1) === 0) runGemmTasks(ex, new Int32Array(memory.buffer, 0, L.WORDS), thread, L);`,
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
 * assertEquals(await startWorkers(0, bytes, memory, () => {}), 0);
 * ```
 *
 * Start `count` Workers numbered `1..count` on `memory` with the module
 * `bytes`; resolves, once each is waiting for work, to the number started (0
 * where `node:worker_threads` is missing or a Worker cannot start). `onError`
 * hears a Worker that fails.
 */
export async function startWorkers(
  count: number,
  bytes: Uint8Array,
  memory: WebAssembly.Memory,
  onError: (e: unknown) => void,
): Promise<number> {
  let Worker: new (src: string, opts: Record<string, unknown>) => PoolWorker;
  try {
    ({ Worker } = await import("node:worker_threads") as unknown as { Worker: typeof Worker });
  } catch {
    return 0;
  }
  const src = workerSource();
  const ready: Promise<boolean>[] = [];
  for (let thread = 1; thread <= count; thread++) {
    try {
      const w = new Worker(src, { eval: true, workerData: { bytes, memory, thread } });
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

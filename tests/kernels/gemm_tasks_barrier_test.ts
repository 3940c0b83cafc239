/**
 * A Wasm GEMM job that packs B and multiplies in one (kind 3): a multiply task claimed while a
 * pack task still runs on another thread waits for it. A Worker claims the pack task and holds
 * it for 100 ms; this thread then claims the multiply task, whose `macro` must see the pack
 * finished.
 */
import { CTL, runGemmTasks } from "../../kernels/cpu/wasm/gemm_tasks.ts";
import { assertEquals } from "../../testing/assert.ts";

Deno.test("wasm gemm: a multiply task waits for the job's pack tasks on another thread", async () => {
  const TABLE_AT = 4 * CTL.WORDS;
  // Control words, a one-matrix table, then two flags: [0] pack started, [1] pack finished.
  const sab = new SharedArrayBuffer(TABLE_AT + 16 + 8);
  const ctl = new Int32Array(sab, 0, CTL.WORDS);
  const flags = new Int32Array(sab, TABLE_AT + 16, 2);
  const gen = 2, tag = (gen >>> 1) & 0x7ff;
  const words: [number, number][] = [
    [CTL.KIND, 3],
    [CTL.NTASKS, 2],
    [CTL.PACK_TASKS, 1],
    [CTL.TASKS_PER_MATRIX, 1],
    [CTL.ROW_BLOCKS, 1],
    [CTL.MATRICES, 1],
    [CTL.M, 4],
    [CTL.N, 8],
    [CTL.K, 4],
    [CTL.KC, 4],
    [CTL.MC, 4],
    [CTL.NPAD, 8],
    [CTL.PANELS, 1],
    [CTL.MR, 4],
    [CTL.NR, 8],
    [CTL.TABLE, TABLE_AT],
    [CTL.RSA, 4],
    [CTL.CSA, 1],
    [CTL.RSB, 8],
    [CTL.CSB, 1],
  ];
  for (const [i, v] of words) ctl[i] = v;
  ctl[CTL.NEXT] = tag << 20;
  ctl[CTL.GEN] = gen;
  const source = [
    `const runGemmTasks = ${runGemmTasks.toString()};`,
    `self.onmessage = ({ data: { sab, L, tableAt } }) => {`,
    `  const ctl = new Int32Array(sab, 0, L.WORDS);`,
    `  const flags = new Int32Array(sab, tableAt + 16, 2);`,
    `  const ex = { packB() {`,
    `    Atomics.store(flags, 0, 1);`,
    `    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);`,
    `    Atomics.store(flags, 1, 1);`,
    `  }, packA() {}, macro() {} };`,
    `  postMessage(runGemmTasks(ex, ctl, 1, L, { buffer: sab }));`,
    `};`,
  ].join("\n");
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  const ranThere = new Promise<number>((resolve) => worker.onmessage = (e) => resolve(e.data));
  worker.postMessage({ sab, L: CTL, tableAt: TABLE_AT });
  // Once the Worker holds the pack task, claim the rest here.
  while (Atomics.load(flags, 0) === 0) await new Promise((r) => setTimeout(r, 1));
  let packDoneAtMultiply = -1;
  const ex = {
    packA() {},
    packB() {
      throw new Error("this thread should get no pack task");
    },
    macro() {
      packDoneAtMultiply = Atomics.load(flags, 1);
    },
  };
  const ranHere = runGemmTasks(ex as never, ctl, 0, CTL, { buffer: sab });
  assertEquals([ranHere, await ranThere, packDoneAtMultiply], [1, 1, 1]);
  assertEquals(Atomics.load(ctl, CTL.DONE), 2);
  worker.terminate();
  URL.revokeObjectURL(url);
});
